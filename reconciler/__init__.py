"""bedrock-reconciler: what Amazon Bedrock usage should have cost, who spent it, and where the
AWS bill disagrees.

The public library API is what ``__all__`` lists (pinned by tests/contract/test_public_api.py);
everything else is internal and may change.
"""

from reconciler.config import Settings, load_settings
from reconciler.db import connect, migrate
from reconciler.errors import (
    ConfigError,
    DatabaseError,
    DatabaseLocked,
    ExitCode,
    ReconcilerError,
    SourceError,
    SourceUnavailable,
)
from reconciler.runs import Run, RunSummary, StageResult

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
