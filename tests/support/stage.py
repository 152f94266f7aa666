"""A :class:`StageContext` for tests: one line instead of six, with the AWS factory made from
the one client a test stubs (``client=``) or from a ``{service: client}`` dict."""

from __future__ import annotations

from datetime import date
from typing import Any

from reconciler.core.config import Settings
from reconciler.core.quarantine import Problems
from reconciler.db.stage import StageContext


def stage_ctx(
    con: Any,
    run_id: str = "r1",
    settings: Settings | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
    problems: Problems | None = None,
    progress: Any = None,
    client: Any = None,
    clients: dict[str, Any] | None = None,
    aws: Any = None,
) -> StageContext:
    if client is not None:
        aws = lambda service, region=None: client  # noqa: E731
    elif clients is not None:
        aws = lambda service, region=None: clients[service]  # noqa: E731
    return StageContext(
        con,
        settings if settings is not None else Settings(),
        run_id,
        start,
        end,
        problems=problems if problems is not None else Problems(),
        progress=progress,
        aws=aws,
    )


def per_region(factory: Any) -> Any:
    """An AWS factory from a ``region -> client`` one (the tests' stubbed clients per Region)."""
    return lambda service, region=None: factory(region)
