"""The choices and defaults that verbs show in ``--help``, without importing the library.

A verb's options are built when its module is imported, which ``reconciler --help`` does for
every verb; taking these names from the library modules would import DuckDB, pyarrow and
pydantic for a help text. tests/cli/test_startup.py pins each tuple to the library's own
constant, so the two cannot drift apart.
"""

from __future__ import annotations

REPORT_DIMENSIONS = (
    "team",
    "application",
    "model",
    "account",
    "region",
    "routing",
    "tier",
    "mode",
    "charge",
    "context_tier",
    "rule",
)
"""``reconciler.outputs.report.DIMENSIONS``: what ``report --by`` groups by."""

REPORT_FORMATS = ("table", "csv", "md", "json")
"""``reconciler.outputs.report.RENDERERS``: the text formats of ``report`` (html: the HTML
report)."""

SCENARIOS = ("routing_global", "batch", "tier", "caching", "provisioned", "model_switch")
"""``reconciler.stages.whatif.SCENARIOS``."""

WHATIF_FORMATS = ("table", "csv", "md", "json", "html")
"""``reconciler.outputs.whatif_render.WHATIF_RENDERERS``."""

BATCH_FILES = 1024
"""``reconciler.ingest.load.BATCH_FILES``: files committed per transaction, at most."""
