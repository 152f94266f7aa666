"""bedrock-reconciler: what Amazon Bedrock usage should have cost, who spent it, and where the
AWS bill disagrees.

The public library API is what ``__all__`` lists (pinned by tests/contract/test_public_api.py);
everything else is internal and may change.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from reconciler.core.errors import (
    ConfigError,
    DatabaseError,
    DatabaseLocked,
    ExitCode,
    ReconcilerError,
    SourceError,
    SourceUnavailable,
)

if TYPE_CHECKING:
    from reconciler.core.config import Settings, load_settings
    from reconciler.db import connect, migrate
    from reconciler.db.runs import Run, RunSummary, StageResult

# Imported on first use (PEP 562): the ingest's worker processes import
# reconciler.ingest.invocation_logs, and pydantic, DuckDB and the config models behind these names
# would cost each worker about 0.5 s of start-up and 50 MiB it never uses.
_LAZY = {
    "Settings": "reconciler.core.config",
    "load_settings": "reconciler.core.config",
    "connect": "reconciler.db",
    "migrate": "reconciler.db",
    "Run": "reconciler.db.runs",
    "RunSummary": "reconciler.db.runs",
    "StageResult": "reconciler.db.runs",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'reconciler' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ConfigError",
    "DatabaseError",
    "DatabaseLocked",
    "ExitCode",
    "ReconcilerError",
    "Run",
    "RunSummary",
    "Settings",
    "SourceError",
    "SourceUnavailable",
    "StageResult",
    "connect",
    "load_settings",
    "migrate",
]
