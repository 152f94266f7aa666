"""Pull invocation records straight from CloudWatch Logs (FilterLogEvents), same semantics as files.

Input: a log group and a UTC time range. Output tables: as ``ingest logs`` (records, duplicates,
conflicts, quarantine) plus one ``source_objects`` row per pulled window.

* Each event's ``message`` is one record, parsed by the same parser, quarantined for the same
  reasons and deduplicated on (account_id, region, request_id) against everything loaded, so a
  group that is also delivered to S3 does not double count.
* ``source_uri`` is ``cloudwatch://<log group>/<log stream>``; ``line_number`` is the 1-based index
  of the event within that stream *for the pulled window*, in the order FilterLogEvents returns
  them (so the same window gives the same numbers; a different window numbers differently).
* The range is split into UTC-day windows (``[start, end)``). Each window is pulled completely
  (all pages, ``nextToken``) and committed in ONE transaction together with its ledger row
  (``source_uri`` ``cloudwatch://<group>``, fingerprint ``<start>/<end>`` ISO, kind
  ``cloudwatch_api``). A window already in the ledger is skipped; CloudWatch can deliver late, so
  pull a window once it is closed (e.g. yesterday, a few hours after midnight). Only the parsed
  metadata of a window is held in memory (about 300 bytes per record), never the messages.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import botocore.exceptions

from reconciler.core.config import CloudWatchSource
from reconciler.core.errors import ConfigError, SourceError
from reconciler.core.progress import NO_PROGRESS, ProgressSink
from reconciler.db.ledger import is_loaded
from reconciler.db.stage import StageContext, StageResult
from reconciler.ingest import load
from reconciler.ingest.invocation_logs import RECORD_SCHEMA, ParsedFile, parse_messages
from reconciler.ingest.limits import DEFAULT_LIMITS, IngestLimits, ingest_limits
from reconciler.ingest.load import LedgerEntry, commit_batch
from reconciler.ingest.resolve import resolve_offline
from reconciler.ingest.sources import aws_error

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

__all__ = ["READS", "WRITES", "day_windows", "parse_time", "run"]


def parse_time(text: str, *, end: bool = False) -> datetime:
    """ISO date or date-time to a naive UTC datetime. A bare date as an *end* means the end of
    that day (so ``--start 2025-11-03 --end 2025-11-03`` is the whole day)."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return (moment + timedelta(days=1) if end else moment).replace(tzinfo=None)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(
            f"bad time {text!r}: use ISO 8601, e.g. 2025-11-03 or 2025-11-03T14:00:00Z"
        ) from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def day_windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` cut at UTC midnights."""
    if end <= start:
        raise ConfigError(f"--end ({end.isoformat()}) must be after --start ({start.isoformat()})")
    out = []
    cursor = start
    while cursor < end:
        midnight = cursor.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        out.append((cursor, min(midnight, end)))
        cursor = min(midnight, end)
    return out


READS = load.READS  # the same tables as ingest logs: pulled records are committed alike
WRITES = load.WRITES


def run(
    ctx: StageContext,
    *,
    log_group: str | None = None,
    region: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page_size: int | None = None,
) -> StageResult:
    """The ``ingest cloudwatch`` stage: pull each UTC day of ``[since, until)`` (default: the
    context's window) from ``log_group`` (default: every ``[sources] cloudwatch`` group, one
    result for all) once.

    ``ctx.progress`` is told the number of windows, advanced per window (pulled or skipped) and,
    during a window, noted with the pages and events pulled so far. Records get the per-record
    limits of ``ingest logs`` (each page of a stream is parsed like a file). Model ids are
    resolved offline at the end, as by ``ingest logs``."""
    if since is None or until is None:
        since, until = ctx.between()
    if log_group is not None:
        groups = [CloudWatchSource(log_group=log_group, region=region)]
    else:
        groups = list(ctx.settings.sources.cloudwatch)
    if not groups:
        raise ConfigError("no log group: pass --log-group or set [sources] cloudwatch")
    results = [_ingest_group(ctx, g.log_group, g.region, since, until, page_size) for g in groups]
    return results[0] if len(results) == 1 else _merged(results)


def _merged(results: list[StageResult]) -> StageResult:
    """One result for several log groups: counts and reasons added up."""
    out = StageResult(results[0].stage)
    for r in results:
        out.rows_in += r.rows_in
        out.rows_out += r.rows_out
        out.findings += r.findings
        out.seconds += r.seconds
        for k, v in r.counts.items():
            out.counts[k] = out.counts.get(k, 0) + v
        for k, v in r.problems_by_reason.items():
            out.problems_by_reason[k] = out.problems_by_reason.get(k, 0) + v
    out.problems_by_reason = dict(sorted(out.problems_by_reason.items()))
    return out


def _ingest_group(
    ctx: StageContext,
    log_group: str,
    region: str | None,
    start: datetime,
    end: datetime,
    page_size: int | None,
) -> StageResult:
    """One log group: each day window not yet in the ledger pulled and committed whole."""
    con, run_id, problems, sink = ctx.con, ctx.run_id, ctx.problems, ctx.sink
    limits = ingest_limits(ctx.settings)
    started = time.perf_counter()
    client: CloudWatchLogsClient = ctx.client("logs", region)
    totals: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    rows_in = 0
    uri = f"cloudwatch://{log_group}"
    windows = day_windows(start, end)
    sink.set_total(len(windows))
    for lo, hi in windows:
        fingerprint = f"{_iso(lo)}/{_iso(hi)}"
        if is_loaded(con, uri, fingerprint):
            totals["skipped_already_loaded"] += 1
            sink.advance(1)
            continue
        entries = _pull(client, log_group, lo, hi, page_size, sink, limits)
        rows_in += sum(e.parsed.lines for e in entries)
        window = LedgerEntry(
            uri,
            fingerprint,
            None,
            "cloudwatch_api",
            ParsedFile(uri, RECORD_SCHEMA.empty_table(), [], "cloudwatch_api"),
            whole_batch=True,
        )
        counts = commit_batch(con, run_id, [*entries, window], problems, reasons)
        totals["windows"] += 1
        totals["events"] += sum(e.parsed.lines for e in entries)
        totals["records"] += counts.records
        totals["duplicates"] += counts.duplicates
        totals["conflicts"] += counts.conflicts
        totals["quarantined"] += counts.quarantined
        sink.advance(1)
    sink.note("")
    totals["model_ids_resolved"], totals["model_ids_pending"] = resolve_offline(con)
    keys = (
        "windows",
        "skipped_already_loaded",
        "events",
        "records",
        "duplicates",
        "conflicts",
        "quarantined",
        "model_ids_resolved",
        "model_ids_pending",
    )
    return StageResult(
        stage="ingest cloudwatch",
        rows_in=rows_in,
        rows_out=totals["records"],
        problems_by_reason=dict(sorted(reasons.items())),
        counts={k: totals[k] for k in keys},
        findings=totals["conflicts"],
        seconds=round(time.perf_counter() - started, 3),
    )


def _pull(
    client: CloudWatchLogsClient,
    log_group: str,
    lo: datetime,
    hi: datetime,
    page_size: int | None = None,
    progress: ProgressSink = NO_PROGRESS,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> list[LedgerEntry]:
    """Every event of the window, parsed page by page; one entry per (stream, page)."""
    entries: list[LedgerEntry] = []
    seen: Counter[str] = Counter()  # events per stream so far: the line numbers
    pages = 0
    kwargs: dict[str, Any] = {
        "logGroupName": log_group,
        "startTime": _ms(lo),
        "endTime": _ms(hi) - 1,  # FilterLogEvents' endTime is inclusive; windows are [lo, hi)
    }
    if page_size:
        kwargs["PaginationConfig"] = {"PageSize": page_size}
    try:
        for page in client.get_paginator("filter_log_events").paginate(**kwargs):
            by_stream: dict[str, list[bytes]] = {}
            for event in page.get("events", []):
                stream = event.get("logStreamName", "")
                by_stream.setdefault(stream, []).append(event.get("message", "").encode())
            for stream, messages in by_stream.items():
                uri = f"cloudwatch://{log_group}/{stream}"
                parsed = parse_messages(messages, uri, first_line=seen[stream] + 1, limits=limits)
                seen[stream] += len(messages)
                entries.append(LedgerEntry(uri, "", None, "cloudwatch_api", parsed, ledger=False))
            pages += 1
            events = sum(seen.values())
            progress.note(
                f"{lo.date().isoformat()}: {pages} page{'s' * (pages != 1)}, "
                f"{events} event{'s' * (events != 1)}"
            )
    except client.exceptions.ResourceNotFoundException as exc:
        raise SourceError(f"log group {log_group} not found ({exc})") from exc
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise aws_error(exc, f"reading log group {log_group}") from exc
    return entries


def _ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
