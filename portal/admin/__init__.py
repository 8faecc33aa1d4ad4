"""The staff area's shell: the menu, the dashboard, the owners' pages and the audit log.

The blueprint itself lives in `portal.web` (`admin_bp`) so that every domain can add its
staff pages in its own `admin.py` without importing this shell, which sits above them all.
"""

from portal.admin import audit_log, menu, owners, views  # noqa: F401 - the pages
