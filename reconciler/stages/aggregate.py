"""Aggregation: invocation records -> hourly usage facts, one row per billable charge.

Input tables: ``invocation_records`` (with the attribution the attribute stage stored on each
record), ``model_ids``, ``long_context_thresholds``, ``imported_usage_facts`` (hourly facts the
Spark job computed, loaded by ``reconciler ingest facts``: copied as they are, and local records
in the cells they cover are left out, so the same logs never count twice).
Output table: ``usage_hourly_facts`` (the ``usage_hourly`` view).

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

The joins happen in DuckDB (``queries/stages/aggregate_requests.sql``), and so does a
pre-aggregation (``queries/stages/aggregate_groups.sql``: the per-request rules, then sums per
group), so Polars (:func:`facts_from_groups`) sees about a tenth of the rows: a 10M-request month
went from 15 s and 6 GiB to a few seconds (docs/performance.md). :func:`usage_facts` runs both
steps on a frame of requests, for tests. Counting is done on integers only; money never enters
this stage.

Invariants: re-running a window replaces that window's hours (delete + insert in one
transaction), so it never double counts; sum(quantity) per charge equals the sum of the
corresponding record column (cache writes: 5m + 1h = logged writes).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import duckdb

from reconciler.core.errors import ConfigError
from reconciler.core.vocabulary import REQUEST_CHARGES
from reconciler.db import bulk, transaction
from reconciler.db.sql import execute, load
from reconciler.db.stage import StageContext, StageResult
from reconciler.ingest.facts import FACT_KEYS  # the grain, shared with the Spark route

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "BATCH_OPERATION",
    "FACT_KEYS",
    "READS",
    "WRITES",
    "check_token_range",
    "facts_from_groups",
    "run",
    "usage_facts",
]

READS = (
    "invocation_records",
    "model_ids",
    "long_context_thresholds",
    "imported_usage_facts",
)
WRITES = ("usage_hourly_facts",)

BATCH_OPERATION = "CreateModelInvocationJob"
"""Operation value an ingest writes on records that came from a batch job's output."""


_BIGINT_MAX = 2**63 - 1


def check_token_range(groups: pl.DataFrame) -> None:
    """Refuse, with a message a person can act on, a window whose token totals do not fit a
    BIGINT (``usage_hourly_facts.quantity``), before anything is narrowed.

    The group sums are HUGEINT (exact); if each charge's total over the whole window fits, every
    partial sum below it fits too. The ingest keeps each count under a plausibility ceiling
    (``ingest.max_tokens_per_count``), so this only trips when that ceiling was raised far
    beyond any real request and implausible records were loaded.
    """
    for charge in REQUEST_CHARGES:
        total = groups[charge].sum() if groups.height else 0
        if total is not None and int(total) > _BIGINT_MAX:
            raise ConfigError(
                f"the window's {charge} add up to {int(total)}, past the BIGINT range: records "
                "with implausible token counts were loaded (ingest.max_tokens_per_count was "
                "raised); find them in the invocations view by their largest counts, lower the "
                "ceiling and reload those files"
            )


def usage_facts(requests: pl.LazyFrame) -> pl.LazyFrame:
    """Per-request rows (the columns of ``aggregate_requests.sql``) -> hourly usage facts.

    The same two steps as the stage, without a database file: the per-request rules of
    ``aggregate_groups.sql`` in an in-memory DuckDB, then :func:`facts_from_groups`.
    """
    con = duckdb.connect(":memory:")
    try:
        con.register("requests", requests.collect())
        groups = con.sql(load("stages/aggregate_groups")).pl()
    finally:
        con.close()
    return facts_from_groups(groups.lazy())


def facts_from_groups(groups: pl.LazyFrame) -> pl.LazyFrame:
    """Pre-aggregated request groups (``aggregate_groups.sql``) -> hourly usage facts.

    Tier and mode are functions of a group's keys, so they are applied per group and the groups
    that then share every fact key are summed, still one row per group with all six charges
    side by side; each of those rows then becomes one row per charge with a non-zero quantity.
    Summing before the unpivot keeps the group-by on about half a million wide rows instead of
    the 5 M narrow ones it would see after (docs/performance.md). Pure and lazy.
    """
    import polars as pl  # lazily: a nightly no-op never needs Polars

    tier = pl.col("service_tier").str.to_lowercase()
    keys = [k for k in FACT_KEYS if k not in ("charge", "context_tier")]
    summed = [f"{c}{suffix}" for c in REQUEST_CHARGES for suffix in ("", "_requests", "_first")]
    wide = (
        groups.with_columns(
            tier=pl.when(tier.is_null() | tier.is_in(["default", "standard"]))
            .then(pl.lit("standard"))
            .otherwise(tier),
            mode=pl.when(pl.col("operation") == BATCH_OPERATION)
            .then(pl.lit("batch"))
            .otherwise(pl.col("model_mode").fill_null("on_demand")),
        )
        .group_by([*keys, "long_context"])
        .agg([pl.col(c).sum() for c in summed])
    )

    def charge_rows(c: str, frame: pl.LazyFrame, context_tier: pl.Expr) -> pl.LazyFrame:
        return frame.select(
            *keys,
            charge=pl.lit(c),
            context_tier=context_tier,
            quantity=pl.col(c).cast(pl.Int64),
            unit=pl.lit("image" if c == "images" else "token"),
            requests=pl.col(f"{c}_requests").cast(pl.Int64),
            # a request's first charge has a non-zero quantity, so all of them are counted here
            requests_counted=pl.col(f"{c}_first").cast(pl.Int64),
        ).filter(pl.col("requests") > 0)

    long = pl.when(pl.col("long_context")).then(pl.lit("long")).otherwise(pl.lit("standard"))
    tokens = [charge_rows(c, wide, long) for c in REQUEST_CHARGES if c != "images"]
    # images are never long-context (the tier is about input tokens): the long and standard
    # groups of one key become one row, so this charge alone is summed again
    images = (
        wide.filter(pl.col("images_requests") > 0)
        .group_by(keys)
        .agg([pl.col(f"images{suffix}").sum() for suffix in ("", "_requests", "_first")])
    )
    tokens.append(charge_rows("images", images, pl.lit("standard")))
    columns = [*FACT_KEYS, "quantity", "unit", "requests", "requests_counted"]
    return pl.concat(tokens).select(columns)


def run(ctx: StageContext) -> StageResult:
    """Rebuild ``usage_hourly_facts`` for the UTC days of ``ctx.window()`` (inclusive).

    Delete-then-insert in one transaction: re-running a window replaces it, never adds to it.
    """
    import polars as pl  # lazily: a nightly no-op never needs Polars

    t0 = time.perf_counter()
    con, run_id = ctx.con, ctx.run_id
    start, end = ctx.window()
    params = {"start": start, "end": end}
    query = (
        "WITH requests AS (\n"
        + load("stages/aggregate_requests")
        + "\n)\n"
        + load("stages/aggregate_groups")
    )
    groups = con.sql(query, params=params).pl()
    check_token_range(groups)
    facts = facts_from_groups(groups.lazy()).collect()
    imported = con.sql(load("stages/aggregate_imported_cells"), params=params).pl()
    if imported.height:  # cells the Spark job covered: its facts win (reconciler.ingest.facts)
        facts = facts.join(imported, on=["hour", "account_id", "region"], how="anti")
    n_requests = int(groups["requests"].sum())
    n_unresolved = int(groups.filter(~pl.col("model_resolved"))["requests"].sum())
    with transaction(con):
        execute(con, "stages/aggregate_delete", params)
        bulk.insert(
            con, "stages/aggregate_insert", facts.to_arrow(), {"run_id": run_id}, ordered=False
        )
        execute(con, "stages/aggregate_imported_insert", params | {"run_id": run_id})
    return StageResult(
        stage="aggregate",
        rows_in=n_requests,
        rows_out=facts.height,
        counts={"requests_unresolved_model": n_unresolved},
        seconds=time.perf_counter() - t0,
    )
