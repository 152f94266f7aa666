"""stderr diagnostics as one JSON object per line (``--log-format json``), for schedulers.

Cron mails, systemd's journal, Kubernetes log collectors and most schedulers index stderr line
by line; a JSON object per line lets them filter on ``level`` and read the run summary without
parsing prose. Every record has ``ts`` (UTC ISO-8601), ``level``, ``logger`` and ``message``;
``event`` names structured records (``run_summary``, ``error``). Messages are whatever the code
logged: they never contain prompt or response text (the privacy rule holds for every format).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["LOG_FORMATS", "JsonFormatter", "configure_logging", "json_line"]

LOG_FORMATS = ("text", "json")
_TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
_STD_ATTRS = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
}


def json_line(event: str | None, level: str, message: str, **fields: Any) -> str:
    """One JSON object (no newline) in the same shape the logging handler writes."""
    obj: dict[str, Any] = {
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": level,
        "logger": "reconciler",
        "message": message,
    }
    if event:
        obj["event"] = event
    obj |= fields
    return json.dumps(obj, default=str, ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line; ``extra=`` fields are kept as top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        obj: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                obj[key] = value
        if record.exc_info:
            obj["exception"] = self.formatException(record.exc_info)
        # json.dumps escapes newlines, so a record can never span two lines
        return json.dumps(obj, default=str, ensure_ascii=False)


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so a second configure_logging replaces it and leaves other handlers alone.

    Without an explicit stream it writes to whatever ``sys.stderr`` is at emit time, so a
    replaced stderr (a test harness, click's CliRunner) never leaves it writing to a closed one."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__(stream if stream is not None else sys.stderr)
        self._follow_stderr = stream is None

    def emit(self, record: logging.LogRecord) -> None:
        if self._follow_stderr:
            self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: int, fmt: str = "text", stream: TextIO | None = None) -> None:
    """Route the root logger to ``stream`` (default: the current stderr) in ``fmt``.

    Replaces the handler an earlier call installed and leaves any other handler (a test
    harness's, an embedding application's) in place."""
    handler = _Handler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(_TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
