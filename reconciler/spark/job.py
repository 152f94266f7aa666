"""The Spark job: invocation logs -> hourly usage facts, quarantine, conflicts and a manifest.

Steps (each a Spark stage; the record rules are the product's own code, see
:mod:`reconciler.spark.tasks`):

1. **List** the sources on the driver with the local ingest's rules
   (:func:`reconciler.ingest.sources.expand_sources`: local paths, globs, ``s3://`` prefixes
   listed with boto3; body offloads and markers skipped). Each object gets its position in that
   order (``file_ord``), the order the local ingest reads them in.
2. **Parse** the objects in tasks (``mapInArrow``): each task reads whole files (local paths
   directly, S3 keys with boto3) and runs the local parser on them.
3. **Deduplicate** on (account_id, region, request_id) over the whole input: the first copy in
   (file_ord, line_number) order is kept, as the local ingest keeps the first copy in source
   order; a later copy whose four token counts differ is a duplicate conflict with the same
   detail text as ``queries/stages/ingest_conflicts.sql``.
4. **Resolve** the distinct model ids once, on the driver, with the resolve stage
   (:func:`reconciler.ingest.resolve.run`: parser, ``model_map`` file, Bedrock API).
5. **Roll up**: tasks attribute and aggregate their records with the product's stages in an
   in-memory DuckDB; the partial facts are summed per fact key.
6. **Write** Parquet under ``--output`` (layout: :mod:`reconciler.ingest.facts`).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from reconciler.core.config import Settings
from reconciler.ingest.facts import FACT_COLUMNS
from reconciler.ingest.limits import ingest_limits
from reconciler.ingest.sources import expand_sources
from reconciler.spark.resolve import resolve_model_table
from reconciler.spark.tasks import FACTS, OBJECTS, PARSED, parse_objects, rollup_records

__all__ = ["JobSummary", "ddl", "run_job"]

logger = logging.getLogger(__name__)

_RECORD_COLUMNS = (
    "source_uri",
    "file_ord",
    "line_number",
    "request_id",
    "account_id",
    "region",
    "event_time",
    "identity_arn",
    "operation",
    "model_id",
    "inference_region",
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_write_input_tokens",
    "cache_write_1h_input_tokens",
    "service_tier",
    "latency_mode",
    "error_code",
    "request_metadata",
)
_COUNTS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_write_input_tokens",
)
_KEY = ("account_id", "region", "request_id")


@dataclass
class JobSummary:
    """What the job did, in numbers (printed as the run summary)."""

    files: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    lines: int = 0
    records: int = 0
    duplicates: int = 0
    conflicts: int = 0
    quarantined: int = 0
    model_ids: int = 0
    model_ids_unresolved: int = 0
    outside_window: int = 0
    fact_rows: int = 0

    @property
    def findings(self) -> int:
        """Quarantined records and conflicts: exit 1, as ``ingest logs``."""
        return self.quarantined + self.conflicts


def ddl(schema: pa.Schema) -> str:
    """A Spark DDL string for an Arrow schema of the types this job uses."""
    names = {
        pa.string(): "string",
        pa.int64(): "bigint",
        pa.int32(): "int",
        pa.bool_(): "boolean",
        pa.timestamp("us"): "timestamp_ntz",
        pa.map_(pa.string(), pa.string()): "map<string,string>",
    }
    return ", ".join(f"`{f.name}` {names[f.type]}" for f in schema)


def run_job(
    spark: SparkSession,
    sources: list[str],
    output: str,
    settings: Settings,
    window: tuple[date, date] | None = None,
) -> JobSummary:
    """Run the whole job; ``output`` is a local path or a Hadoop URI (``s3://``, ``s3a://``).

    ``window`` (UTC dates, inclusive): only requests whose event date is in it become facts; the
    others are deduplicated and counted (``outside_window``) but left to the job whose window
    holds them. A nightly job reads its days' prefixes plus the first hour after them (logs are
    delivered after the request, so a day's last requests land in the next day's first folder),
    and every request is rolled up by exactly one job (docs/scale-out.md)."""
    summary = JobSummary()
    expansion = expand_sources(sources)
    objects = expansion.objects
    summary.files = len(objects)
    summary.skipped = dict(sorted(expansion.skipped.items()))
    table = pa.table(
        {
            "file_ord": pa.array(range(len(objects)), pa.int64()),
            "source_uri": pa.array([o.uri for o in objects], pa.string()),
            "fingerprint": pa.array([o.fingerprint for o in objects], pa.string()),
            "size_bytes": pa.array([o.size for o in objects], pa.int64()),
            "path": pa.array([o.path for o in objects], pa.string()),
            "bucket": pa.array([o.bucket for o in objects], pa.string()),
            "key": pa.array([o.key for o in objects], pa.string()),
        },
        schema=OBJECTS,
    )
    slices = max(1, min(len(objects), spark.sparkContext.defaultParallelism * 4))
    listed = _frame(spark, table).repartition(slices)
    parse = functools.partial(parse_objects, limits=ingest_limits(settings))
    parsed = listed.mapInArrow(parse, ddl(PARSED)).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        _run(spark, parsed, output, settings, summary, window)
    finally:
        parsed.unpersist()
    return summary


def _run(
    spark: SparkSession,
    parsed: DataFrame,
    output: str,
    settings: Settings,
    summary: JobSummary,
    window: tuple[date, date] | None,
) -> None:
    records = parsed.filter(F.col("kind") == "record").select(*_RECORD_COLUMNS)
    order = Window.partitionBy(*_KEY).orderBy("file_ord", "line_number")
    ranked = records.withColumn("rn", F.row_number().over(order))
    for name in ("source_uri", "line_number", *_COUNTS):
        ranked = ranked.withColumn(f"kept_{name}", F.first(name).over(order))
    ranked = ranked.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        in_window = _in_window(window)
        kept = ranked.filter((F.col("rn") == 1) & in_window).select(*_RECORD_COLUMNS)
        conflicts = _conflicts(ranked.filter(F.col("rn") > 1))
        per_file = ranked.groupBy("file_ord").agg(
            F.sum(F.when(F.col("rn") == 1, 1).otherwise(0)).alias("records"),
            F.sum(F.when(F.col("rn") > 1, 1).otherwise(0)).alias("duplicates"),
        )
        files = parsed.filter(F.col("kind") == "file").select(
            "file_ord",
            "source_uri",
            "fingerprint",
            "size_bytes",
            F.col("format").alias("kind"),
            F.col("problems").alias("quarantined"),
            "ledger",
        )
        manifest = files.join(per_file, "file_ord", "left").select(
            "file_ord",
            "source_uri",
            "fingerprint",
            "size_bytes",
            "kind",
            F.coalesce("records", F.lit(0)).cast("bigint").alias("records"),
            F.coalesce("duplicates", F.lit(0)).cast("bigint").alias("duplicates"),
            "quarantined",
            "ledger",
        )
        quarantine = parsed.filter(F.col("kind") == "problem").select(
            "source_uri", "line_number", "reason", "detail"
        )
        ids = sorted(str(r[0]) for r in kept.select("model_id").distinct().collect())
        model_ids = resolve_model_table(ids, settings)
        summary.model_ids = model_ids.num_rows
        summary.model_ids_unresolved = sum(1 for v in model_ids["resolved"].to_pylist() if not v)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, model_ids.schema) as writer:
            writer.write_table(model_ids)
        rollup = functools.partial(
            rollup_records, model_ids=sink.getvalue().to_pybytes(), settings=settings
        )
        partial = kept.mapInArrow(rollup, ddl(FACTS))
        keys = [c for c in FACT_COLUMNS if c not in ("quantity", "requests", "requests_counted")]
        facts = (
            partial.groupBy(*keys)
            .agg(
                F.sum("quantity").alias("quantity"),
                F.sum("requests").alias("requests"),
                F.sum("requests_counted").alias("requests_counted"),
            )
            .select(*FACT_COLUMNS)
        )
        _write(facts, output, "facts")
        _write(quarantine, output, "quarantine")
        _write(conflicts, output, "duplicate_conflicts")
        _write(manifest, output, "manifest")
        _write(_model_frame(spark, model_ids), output, "model_ids")
        totals = ranked.agg(
            F.sum(F.when(F.col("rn") == 1, 1).otherwise(0)),
            F.sum(F.when(F.col("rn") > 1, 1).otherwise(0)),
            F.sum(F.when((F.col("rn") == 1) & ~in_window, 1).otherwise(0)),
        ).collect()[0]
        summary.records, summary.duplicates = int(totals[0] or 0), int(totals[1] or 0)
        summary.outside_window = int(totals[2] or 0)
        problems = quarantine.agg(F.count(F.lit(1)), F.count("line_number")).collect()[0]
        summary.quarantined = int(problems[0])
        summary.lines = summary.records + summary.duplicates + int(problems[1])
        summary.conflicts = spark.read.parquet(f"{output}/duplicate_conflicts").count()
        summary.fact_rows = spark.read.parquet(f"{output}/facts").count()
    finally:
        ranked.unpersist()


def _in_window(window: tuple[date, date] | None) -> Column:
    """Requests whose event date (UTC) is in ``window``; all of them without one."""
    if window is None:
        return F.lit(True)
    first = datetime.combine(window[0], time())
    after = datetime.combine(window[1] + timedelta(days=1), time())
    return (F.col("event_time") >= F.lit(first).cast("timestamp_ntz")) & (
        F.col("event_time") < F.lit(after).cast("timestamp_ntz")
    )


def _conflicts(dups: DataFrame) -> DataFrame:
    """Duplicates whose token counts differ from the kept copy, with the local detail text."""
    differs = [F.col(c) != F.col(f"kept_{c}") for c in _COUNTS]
    detail = F.concat_ws(
        "; ",
        *(
            F.when(d, F.concat(F.lit(f"{c} "), F.col(f"kept_{c}"), F.lit(" != "), F.col(c)))
            for c, d in zip(_COUNTS, differs, strict=True)
        ),
    )
    any_diff = differs[0] | differs[1] | differs[2] | differs[3]
    return dups.filter(any_diff).select(
        "account_id",
        "region",
        "request_id",
        F.col("kept_source_uri").alias("kept_source_uri"),
        F.col("kept_line_number").alias("kept_line_number"),
        F.col("source_uri").alias("dup_source_uri"),
        F.col("line_number").alias("dup_line_number"),
        detail.alias("detail"),
    )


def _model_frame(spark: SparkSession, model_ids: pa.Table) -> DataFrame:
    """The driver's model-id table as a one-partition DataFrame (times as naive UTC)."""
    schema: list[Any] = []
    for f in model_ids.schema:
        if pa.types.is_timestamp(f.type):
            schema.append(pa.field(f.name, pa.timestamp("us")))
        elif pa.types.is_integer(f.type):
            schema.append(pa.field(f.name, pa.int64()))
        else:
            schema.append(f)
    table = model_ids.cast(pa.schema(schema))
    return _frame(spark, table).coalesce(1)


def _frame(spark: SparkSession, table: pa.Table) -> DataFrame:
    """An Arrow table as a DataFrame (PySpark refuses an empty Arrow table: rows then)."""
    schema = ddl(table.schema)
    if not table.num_rows:
        return spark.createDataFrame([], schema=schema)
    return spark.createDataFrame(table, schema=schema)


def _write(frame: DataFrame, output: str, part: str) -> None:
    frame.write.mode("overwrite").parquet(f"{output}/{part}")
