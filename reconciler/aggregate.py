"""Aggregation: invocation records -> hourly usage facts, one row per billable charge.

Input tables: ``invocation_records``, ``model_ids``, ``invocation_attribution``,
``long_context_thresholds``. Output table: ``usage_hourly_facts`` (the ``usage_hourly`` view).

How a request becomes charges (docs/rating.md):

* ``input_tokens`` is the *uncached* input (AWS semantics); cache reads and cache writes are
  separate charges with their own prices. Folding them into input is the most common way tools
  misprice Bedrock, so they are never added together here.
* ``cache_write_input_tokens`` on a fact row is the 5-minute part: all logged cache writes minus
  the 1-hour part when the body told us the split (``cache_write_1h_input_tokens``); unknown split
  means all writes are billed as 5-minute writes.
* Long context: when a request's total input (uncached + cache read + cache write) exceeds its
  model's threshold, *all* its token charges go to ``context_tier = 'long'``.
* ``tier``: the logged service tier, NULL or ``default`` -> ``standard``. ``mode``: ``batch`` for
  records an ingest marks with operation ``CreateModelInvocationJob``, else the model's mode
  (``on_demand`` unless provisioned / custom_import).
* Zero quantities are not rows.

The joins happen in DuckDB (``queries/stages/aggregate_requests.sql``); the rules above are a pure
Polars transform (:func:`usage_facts`) so they can be tested without a database. Counting is done
on integers only; money never enters this stage.

Invariants: re-running a window replaces that window's hours (delete + insert in one
transaction), so it never double counts; sum(quantity) per charge equals the sum of the
corresponding record column (cache writes: 5m + 1h = logged writes).
"""

from __future__ import annotations

import time
from datetime import date

import duckdb
import polars as pl

from reconciler.db import transaction
from reconciler.db.sql import load
from reconciler.runs import StageResult

__all__ = ["BATCH_OPERATION", "CHARGE_ORDER", "FACT_KEYS", "aggregate", "usage_facts"]

BATCH_OPERATION = "CreateModelInvocationJob"
"""Operation value an ingest writes on records that came from a batch job's output."""

CHARGE_ORDER: tuple[str, ...] = (
    "input_tokens",
    "cache_read_input_tokens",
    "cache_write_input_tokens",
    "cache_write_1h_input_tokens",
    "output_tokens",
    "images",
)
"""Every charge a request can produce; a request's ``requests_counted`` goes to the first
non-zero one in this order, so that sum(requests_counted) counts each request once."""

FACT_KEYS: tuple[str, ...] = (
    "hour",
    "account_id",
    "region",
    "base_model",
    "model_resolved",
    "routing",
    "tier",
    "mode",
    "charge",
    "context_tier",
    "team",
    "application",
    "attribution_rule",
)
"""The grain of ``usage_hourly_facts``."""

_TOKEN_CHARGES = CHARGE_ORDER[:-1]


def usage_facts(requests: pl.LazyFrame) -> pl.LazyFrame:
    """Per-request rows (the columns of ``aggregate_requests.sql``) -> hourly usage facts.

    Pure and lazy so it streams: no window functions, one unpivot and one group-by.
    """
    total_input = (
        pl.col("input_tokens")
        + pl.col("cache_read_input_tokens")
        + pl.col("cache_write_input_tokens")
    )
    writes = pl.col("cache_write_input_tokens")
    writes_1h = pl.min_horizontal(pl.col("cache_write_1h_input_tokens").fill_null(0), writes)
    tier = pl.col("service_tier").str.to_lowercase()
    wide = requests.with_columns(
        hour=pl.col("event_time").dt.truncate("1h"),
        tier=pl.when(tier.is_null() | tier.is_in(["default", "standard"]))
        .then(pl.lit("standard"))
        .otherwise(tier),
        mode=pl.when(pl.col("operation") == BATCH_OPERATION)
        .then(pl.lit("batch"))
        .otherwise(pl.col("model_mode").fill_null("on_demand")),
        context_tier=pl.when(
            pl.col("long_context_threshold").is_not_null()
            & (total_input > pl.col("long_context_threshold"))
        )
        .then(pl.lit("long"))
        .otherwise(pl.lit("standard")),
        cache_write_input_tokens=writes - writes_1h,
        cache_write_1h_input_tokens=writes_1h,
        images=pl.col("image_count").fill_null(0),
    )
    first = pl.coalesce([pl.when(pl.col(c) > 0).then(pl.lit(c)) for c in CHARGE_ORDER])
    wide = wide.with_columns(first_charge=first)
    keys = [k for k in FACT_KEYS if k not in ("charge", "context_tier")]
    long = (
        wide.select([*keys, "context_tier", "first_charge", *CHARGE_ORDER])
        .unpivot(
            on=list(CHARGE_ORDER),
            index=[*keys, "context_tier", "first_charge"],
            variable_name="charge",
            value_name="quantity",
        )
        .filter(pl.col("quantity") > 0)
        .with_columns(
            # images are never long-context: the tier is about input tokens
            context_tier=pl.when(pl.col("charge") == "images")
            .then(pl.lit("standard"))
            .otherwise(pl.col("context_tier")),
            unit=pl.when(pl.col("charge") == "images")
            .then(pl.lit("image"))
            .otherwise(pl.lit("token")),
        )
    )
    return (
        long.group_by([*FACT_KEYS, "unit"])
        .agg(
            quantity=pl.col("quantity").sum().cast(pl.Int64),
            requests=pl.len().cast(pl.Int64),
            requests_counted=(pl.col("charge") == pl.col("first_charge")).sum().cast(pl.Int64),
        )
        .select([*FACT_KEYS, "quantity", "unit", "requests", "requests_counted"])
    )


def aggregate(
    con: duckdb.DuckDBPyConnection, start: date, end: date, *, run_id: str = "adhoc"
) -> StageResult:
    """Rebuild ``usage_hourly_facts`` for the UTC days ``start``..``end`` (inclusive).

    Delete-then-insert in one transaction: re-running a window replaces it, never adds to it.
    """
    t0 = time.perf_counter()
    params = {"start": start, "end": end}
    requests = con.sql(load("stages/aggregate_requests"), params=params).pl(lazy=True)
    facts = usage_facts(requests).collect(engine="streaming")
    n_requests, n_unresolved = _request_counts(con, params)
    with transaction(con):
        con.execute(
            "DELETE FROM usage_hourly_facts "
            "WHERE hour >= CAST($start AS TIMESTAMP) "
            "AND hour < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)",
            params,
        )
        con.register("_usage_facts", facts)
        try:
            con.execute(
                "INSERT INTO usage_hourly_facts BY NAME "
                "SELECT *, $run_id AS run_id FROM _usage_facts",
                {"run_id": run_id},
            )
        finally:
            con.unregister("_usage_facts")
    return StageResult(
        stage="aggregate",
        rows_in=n_requests,
        rows_out=facts.height,
        counts={"requests_unresolved_model": n_unresolved},
        seconds=time.perf_counter() - t0,
    )


def _request_counts(con: duckdb.DuckDBPyConnection, params: dict[str, date]) -> tuple[int, int]:
    """Requests in the window, and how many of them have no resolved model (for the summary)."""
    row = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT coalesce(m.resolved AND m.base_model "
        "IS NOT NULL, false)) FROM invocation_records AS r LEFT JOIN model_ids AS m "
        "USING (model_id) WHERE r.event_time >= CAST($start AS TIMESTAMP) "
        "AND r.event_time < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)",
        params,
    ).fetchall()[0]
    return int(row[0]), int(row[1])
