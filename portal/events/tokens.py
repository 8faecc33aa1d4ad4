"""Ticket codes and calendar-feed tokens: keyed derivations of a random nonce.

The database keeps the nonce (from `secrets`) and the SHA-256 of the token; the token
itself is an HMAC of the nonce under the app's secret key. A copy of the database alone
therefore opens no ticket and no feed, yet the owner can see their ticket and feed URL
again at any time. A new nonce retires the old token.
"""

import base64
import hashlib
import hmac

from portal.security import hash_token, new_url_token

TICKET = "ticket"
CALENDAR = "calendar"


def derive_token(secret_key: str, purpose: str, nonce: str) -> str:
    """The URL-safe token (256 bits) for one purpose and nonce."""
    digest = hmac.new(secret_key.encode(), f"{purpose}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def fresh_token(secret_key: str, purpose: str) -> tuple[str, str]:
    """A new (nonce, token_hash) pair to store."""
    nonce = new_url_token()
    return nonce, hash_token(derive_token(secret_key, purpose, nonce))
