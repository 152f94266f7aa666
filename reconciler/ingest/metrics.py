"""CloudWatch ``AWS/Bedrock`` metrics, hourly, for the logging-coverage check.

Invocation logs are what we rate, so the question "did we see every request?" needs a second,
independent count. CloudWatch publishes one per model: ``InputTokenCount``, ``OutputTokenCount``,
``CacheReadInputTokenCount``, ``CacheWriteInputTokenCount``, ``Invocations`` and
``OutputImageCount`` on the ``ModelId`` dimension (formats.md §3). This stage pulls their hourly
``Sum`` into ``bedrock_metrics_hourly``; the ``logging_coverage`` views compare them with the logs.

How, and why this way:

* **Discovery** with ListMetrics, one paginated listing per metric name, keeping only series whose
  sole dimension is ``ModelId`` (series with other dimensions must not be added together). Service
  tiers are separate series, ``<id>+priority`` and ``<id>+flex``; the suffix becomes ``tier``.
  ListMetrics only lists series active in the last two weeks, so for older windows the caller
  names the models (``model_ids``); we then query each id plain, ``+priority`` and ``+flex``.
* **GetMetricData**, ``Stat=Sum``, ``Period=3600``, at most 500 queries per call (the API limit),
  following ``NextToken``; points are keyed by timestamp, so the newest-first order does not matter.
* **Idempotent**: inside one transaction, each series that came back ``Complete`` has its rows in
  the window deleted and re-inserted. A series that came back ``PartialData``, ``Forbidden`` or
  ``InternalError`` is *not* written (its earlier rows, if any, stay) and counts as a finding: a
  half-filled hour would read as missing logs. Each pulled window is recorded in
  ``bedrock_metrics_windows`` so the coverage views compare only hours that were pulled.
* Values are CloudWatch doubles holding integral counts; they are stored as BIGINT.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb
from botocore.exceptions import BotoCoreError, ClientError

from reconciler.core.aws import default_region, from_boto
from reconciler.core.clock import utc_now
from reconciler.core.errors import ConfigError
from reconciler.db import transaction
from reconciler.db.sql import execute
from reconciler.db.stage import StageContext, StageResult

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cloudwatch.type_defs import MetricDataQueryTypeDef

__all__ = [
    "MAX_QUERIES_PER_CALL",
    "METRICS",
    "NAMESPACE",
    "READS",
    "WRITES",
    "SeriesResult",
    "discover_series",
    "fetch_series",
    "hour_window",
    "parse_model_series",
    "parse_time",
    "run",
    "series_for_model_ids",
]

logger = logging.getLogger(__name__)

NAMESPACE = "AWS/Bedrock"
METRICS: tuple[str, ...] = (
    "InputTokenCount",
    "OutputTokenCount",
    "CacheReadInputTokenCount",
    "CacheWriteInputTokenCount",
    "Invocations",
    "OutputImageCount",
)
MAX_QUERIES_PER_CALL = 500
"""GetMetricData accepts at most 500 queries per request."""
_PERIOD = 3600
_KNOWN_TIERS = ("priority", "flex")
_LIST_METRICS_HORIZON = timedelta(days=14)


def parse_model_series(value: str) -> tuple[str, str]:
    """Split a ``ModelId`` dimension value into (model id, tier).

    ``amazon.nova-micro-v1:0+priority`` -> (``amazon.nova-micro-v1:0``, ``priority``); no suffix is
    ``standard``. An unknown suffix is kept verbatim as the tier rather than guessed."""
    model, plus, suffix = value.rpartition("+")
    if not plus or not model or not suffix:
        return value, "standard"
    return model, suffix.lower()


def parse_time(value: str, flag: str = "--start") -> datetime:
    """An ISO date or date-time as an aware UTC datetime (naive input is UTC)."""
    text = value.strip()
    try:
        parsed = (
            datetime.fromisoformat(text.replace("Z", "+00:00"))
            if "T" in text or " " in text
            else datetime.combine(date.fromisoformat(text), datetime.min.time())
        )
    except ValueError:
        raise ConfigError(
            f"{flag} {value!r} is not an ISO date or time (e.g. 2025-11-03 or 2025-11-03T14:00Z)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def hour_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """[start, end) widened to whole UTC hours: CloudWatch hourly points start on the hour."""
    s = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    e = end.astimezone(UTC)
    e_floor = e.replace(minute=0, second=0, microsecond=0)
    e = e_floor if e == e_floor else e_floor + timedelta(hours=1)
    if e <= s:
        raise ConfigError(f"--end ({end.isoformat()}) must be after --start ({start.isoformat()})")
    return s, e


def series_for_model_ids(model_ids: Iterable[str]) -> list[tuple[str, str]]:
    """(ModelId value, metric) pairs for user-named models: each plain, +priority and +flex."""
    values: list[str] = []
    for m in model_ids:
        names = [m] if "+" in m else [m, *(f"{m}+{t}" for t in _KNOWN_TIERS)]
        values += [v for v in names if v not in values]
    return [(v, metric) for v in values for metric in METRICS]


def discover_series(cw: CloudWatchClient) -> list[tuple[str, str]]:
    """(ModelId value, metric) pairs that exist, from ListMetrics (series with only ModelId)."""
    found: set[tuple[str, str]] = set()
    paginator = cw.get_paginator("list_metrics")
    for metric in METRICS:
        pages = paginator.paginate(
            Namespace=NAMESPACE, MetricName=metric, Dimensions=[{"Name": "ModelId"}]
        )
        for page in pages:
            for m in page.get("Metrics", []):
                dims = m.get("Dimensions", [])
                if len(dims) == 1 and dims[0].get("Name") == "ModelId" and dims[0].get("Value"):
                    found.add((dims[0]["Value"], metric))
    return sorted(found)


@dataclass
class SeriesResult:
    """One (ModelId value, metric) series as GetMetricData returned it."""

    dimension_value: str
    metric: str
    points: dict[datetime, float] = field(default_factory=dict)
    status: str = "Complete"
    messages: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.status == "Complete"


def _queries(batch: Sequence[tuple[str, str]]) -> list[MetricDataQueryTypeDef]:
    return [
        {
            "Id": f"q{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": NAMESPACE,
                    "MetricName": metric,
                    "Dimensions": [{"Name": "ModelId", "Value": value}],
                },
                "Period": _PERIOD,
                "Stat": "Sum",
            },
            "ReturnData": True,
        }
        for i, (value, metric) in enumerate(batch)
    ]


def _merge_status(old: str, new: str) -> str:
    # Forbidden/InternalError on any page taint the series; otherwise the last page decides
    # (PartialData on a page with a NextToken is normal and is followed by more pages).
    return old if old in ("Forbidden", "InternalError") else new


def fetch_series(
    cw: CloudWatchClient, pairs: Sequence[tuple[str, str]], start: datetime, end: datetime
) -> tuple[list[SeriesResult], int]:
    """GetMetricData for every pair, 500 queries a call, all pages; returns (results, calls)."""
    results: list[SeriesResult] = []
    calls = 0
    for offset in range(0, len(pairs), MAX_QUERIES_PER_CALL):
        batch = pairs[offset : offset + MAX_QUERIES_PER_CALL]
        by_id = {f"q{i}": SeriesResult(v, m) for i, (v, m) in enumerate(batch)}
        request: dict[str, Any] = {
            "MetricDataQueries": _queries(batch),
            "StartTime": start,
            "EndTime": end,
        }
        seen: set[str] = set()
        while True:
            page = cw.get_metric_data(**request)
            calls += 1
            for r in page.get("MetricDataResults", []):
                res = by_id.get(r.get("Id", ""))
                if res is None:
                    continue
                seen.add(r["Id"])
                res.status = _merge_status(res.status, r.get("StatusCode", "Complete"))
                res.messages += [
                    f"{m.get('Code', '')}: {m.get('Value', '')}"[:200]
                    for m in r.get("Messages", [])
                ]
                for ts, value in zip(r.get("Timestamps", []), r.get("Values", []), strict=False):
                    res.points[_hour(ts)] = value
            token = page.get("NextToken")
            if not token:
                break
            request["NextToken"] = token
        for qid, res in by_id.items():
            if qid not in seen:  # the API answered without this query: do not trust it
                res.status = "Missing"
        results += by_id.values()
    return results, calls


def _hour(ts: datetime) -> datetime:
    """UTC, naive (DuckDB TIMESTAMP), floored to the hour."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts.replace(minute=0, second=0, microsecond=0)


def _caller_account(ctx: StageContext, region: str) -> str:
    try:
        return str(ctx.client("sts", region).get_caller_identity()["Account"])
    except (ClientError, BotoCoreError) as exc:
        raise from_boto(exc, "sts:GetCallerIdentity", region) from exc


READS = ("bedrock_metrics_hourly",)
WRITES = ("bedrock_metrics_hourly", "bedrock_metrics_windows")


def run(
    ctx: StageContext,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    regions: Sequence[str] | None = None,
    model_ids: Sequence[str] = (),
    account_id: str | None = None,
    now: datetime | None = None,
) -> StageResult:
    """Pull hourly ``AWS/Bedrock`` Sums for ``regions`` over [since, until) into the database.

    ``since``/``until`` default to the context's window; ``regions`` to ``regions`` in the
    config, else boto3's Region. ``model_ids`` empty: discover series with ListMetrics; else
    query exactly those models (each plain, ``+priority`` and ``+flex``). ``account_id`` None:
    STS GetCallerIdentity. A series not returned ``Complete`` is a finding and keeps its earlier
    rows. AWS failures raise :class:`~reconciler.core.errors.SourceUnavailable` (retry) or
    :class:`~reconciler.core.errors.SourceError`. ``ctx.progress`` is told the number of
    Regions and advanced per Region done; the library itself never draws.
    """
    con, run_id = ctx.con, ctx.run_id
    if since is None or until is None:
        since, until = ctx.between()
    start, end = since, until
    if regions is None:
        regions = list(ctx.settings.regions) or [default_region()]
    t0 = time.monotonic()
    if not regions:
        raise ConfigError("no Region to pull metrics from: pass --region")
    s, e = hour_window(start, end)
    account = account_id or _caller_account(ctx, regions[0])
    stage = StageResult("ingest metrics")
    counts = {"regions": 0, "series": 0, "get_metric_data_calls": 0, "incomplete_series": 0}
    if not model_ids and s < (now or datetime.now(UTC)) - _LIST_METRICS_HORIZON:
        logger.warning(
            "ListMetrics only lists series active in the last 14 days; for a window starting "
            "%s pass --model-id to be sure every model is queried",
            s.isoformat(),
        )
    sink = ctx.sink
    sink.set_total(len(regions))
    for region in regions:
        sink.note(f"querying {region}")
        cw: CloudWatchClient = ctx.client("cloudwatch", region)
        try:
            pairs = series_for_model_ids(model_ids) if model_ids else discover_series(cw)
            results, calls = fetch_series(cw, pairs, s, e)
        except (ClientError, BotoCoreError) as exc:
            raise from_boto(exc, "cloudwatch:GetMetricData", region) from exc
        incomplete = [r for r in results if not r.complete]
        for r in incomplete:
            logger.warning(
                "metrics %s %s in %s came back %s (%s): kept earlier rows; rerun later",
                r.dimension_value,
                r.metric,
                region,
                r.status,
                "; ".join(r.messages) or "no message",
            )
        written = _write(con, run_id, account, region, s, e, results)
        counts["regions"] += 1
        counts["series"] += len(results)
        counts["get_metric_data_calls"] += calls
        counts["incomplete_series"] += len(incomplete)
        stage.rows_in += sum(len(r.points) for r in results)
        stage.rows_out += written
        sink.advance(1)
    sink.note("")
    stage.counts = counts
    stage.findings = counts["incomplete_series"]
    stage.seconds = time.monotonic() - t0
    return stage


def _write(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    account: str,
    region: str,
    start: datetime,
    end: datetime,
    results: Sequence[SeriesResult],
) -> int:
    """Replace the window for every complete series, in one transaction; return rows written."""
    import polars as pl  # lazily: a nightly no-op never needs Polars

    complete = [r for r in results if r.complete]
    keys = [(*parse_model_series(r.dimension_value), r.metric) for r in complete]
    series = pl.DataFrame(
        {
            "model_id": [k[0] for k in keys],
            "tier": [k[1] for k in keys],
            "metric": [k[2] for k in keys],
        },
        schema={"model_id": pl.String, "tier": pl.String, "metric": pl.String},
    )
    lo, hi = start.replace(tzinfo=None), end.replace(tzinfo=None)
    rows = [
        (hour, k[0], k[1], k[2], round(v))
        for r, k in zip(complete, keys, strict=True)
        for hour, v in sorted(r.points.items())
        if lo <= hour < hi
    ]
    points = pl.DataFrame(
        rows,
        schema={
            "hour": pl.Datetime("us"),
            "model_id": pl.String,
            "tier": pl.String,
            "metric": pl.String,
            "value": pl.Int64,
        },
        orient="row",
    )
    key = {"account_id": account, "region": region}
    window = {"window_start": start.replace(tzinfo=None), "window_end": end.replace(tzinfo=None)}
    con.register("_metric_series", series)
    con.register("_metric_points", points)
    try:
        with transaction(con):
            # DuckDB 2 refuses new work while a statement's result is unread: fetch each one.
            execute(con, "stages/metrics_delete", key | window).fetchall()
            execute(con, "stages/metrics_insert", key | {"run_id": run_id}).fetchall()
            execute(
                con,
                "stages/metrics_window",
                key
                | window
                | {
                    "run_id": run_id,
                    "series": len(results),
                    "incomplete_series": len(results) - len(complete),
                    "ingested_at": utc_now(),
                },
            ).fetchall()
    finally:
        con.unregister("_metric_series")
        con.unregister("_metric_points")
    return len(rows)
