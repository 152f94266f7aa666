"""DuckDB access: connections, the writer lock, migrations and named SQL."""

from reconciler.db.connect import connect, transaction
from reconciler.db.migrate import migrate

__all__ = ["connect", "migrate", "transaction"]
