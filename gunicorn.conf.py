"""Gunicorn settings for the portal; gunicorn reads this file when started in this folder.

    .venv/bin/gunicorn            # serves wsgi:app as configured below

Every value comes from the same environment (or `.env`) the app reads, so gunicorn and
`flask check-deploy` judge one configuration. docs/deploy.md puts it behind nginx or Caddy.
"""

from dotenv import load_dotenv

# Before portal.config reads the environment, and inherited by every worker.
load_dotenv()

from portal.config import Config  # noqa: E402 - after .env is loaded

wsgi_app = "wsgi:app"
#: PORTAL_BIND: 127.0.0.1:8000 by default, so only a proxy on this host reaches gunicorn;
#: `unix:/run/portal/gunicorn.sock` works too.
bind = Config.PORTAL_BIND.replace(",", " ").split()
#: WEB_CONCURRENCY: worker processes. Several need PostgreSQL (or patience) and Redis limits.
workers = Config.WEB_CONCURRENCY

# Logs go to stdout/stderr; systemd's journal (or the container runtime) keeps and rotates them.
accesslog = "-"
errorlog = "-"

if Config.PORTAL_PROXY_HOPS:
    # The proxy may tell gunicorn the scheme (X-Forwarded-Proto); the app's ProxyFix does
    # the rest with exactly PORTAL_PROXY_HOPS hops.
    # (ProxyFix rewrites REMOTE_ADDR, so the access log shows the real client too.)
    forwarded_allow_ips = Config.FORWARDED_ALLOW_IPS
else:
    # No proxy declared: trust no forwarded header, not even over a unix socket.
    forwarded_allow_ips = ""
    secure_scheme_headers = {}
