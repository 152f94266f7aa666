"""What runs inside Spark tasks: the product's parser and roll-up, on Arrow batches.

No pyspark import here: these are plain functions from Arrow batches to Arrow batches, handed to
``DataFrame.mapInArrow`` by :mod:`reconciler.spark.job` (and testable without Spark).

* :func:`parse_objects` -- one row per source object in, its parse out: every good record, every
  problem and one summary row per file, all in the wide :data:`PARSED` layout (``kind`` says which
  of the three a row is). The parse is :func:`reconciler.ingest.invocation_logs.parse_path` /
  ``parse_bytes`` with the same limits, so quarantine reasons, details and line numbers are the
  local ingest's.
* :func:`rollup_records` -- deduplicated records in, partial hourly facts out: an in-memory
  DuckDB with the product's schema runs the attribution and aggregation stages
  (:func:`reconciler.stages.attribute.run`, :func:`reconciler.stages.aggregate.run`)
  on each chunk.
  Facts are sums over requests, so the partial facts of disjoint chunks add up (the job sums
  them per fact key) to exactly what one local run computes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from reconciler.core import aws
from reconciler.core.config import Settings
from reconciler.core.quarantine import Reason
from reconciler.db import sql
from reconciler.db.migrate import migrate
from reconciler.db.stage import StageContext
from reconciler.ingest.facts import FACT_COLUMNS
from reconciler.ingest.invocation_logs import (
    RECORD_SCHEMA,
    ParsedFile,
    parse_bytes,
    parse_path,
    too_large,
)
from reconciler.ingest.limits import IngestLimits
from reconciler.ingest.sources import SourceObject, fetch_s3
from reconciler.stages import aggregate, attribute

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = [
    "FACTS",
    "OBJECTS",
    "PARSED",
    "ROLLUP_CHUNK",
    "parse_objects",
    "rollup_records",
]

OBJECTS = pa.schema(
    [
        ("file_ord", pa.int64()),
        ("source_uri", pa.string()),
        ("fingerprint", pa.string()),
        ("size_bytes", pa.int64()),
        ("path", pa.string()),
        ("bucket", pa.string()),
        ("key", pa.string()),
    ]
)
"""The source objects, in the order the local ingest reads them (``file_ord``)."""

_RECORD_FIELDS = [
    pa.field(f.name, pa.timestamp("us") if f.name == "event_time" else f.type)
    for f in RECORD_SCHEMA
]
PARSED = pa.schema(
    [
        ("kind", pa.string()),  # record | problem | file
        ("file_ord", pa.int64()),
        ("source_uri", pa.string()),
        *_RECORD_FIELDS,  # line_number: the record's or the problem's (NULL: whole file)
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("fingerprint", pa.string()),
        ("size_bytes", pa.int64()),
        ("format", pa.string()),
        ("ledger", pa.bool_()),
        ("problems", pa.int64()),
    ]
)
"""One layout for the three kinds of parse output, so one pass over the files yields all."""

FACTS = pa.schema(
    [
        ("hour", pa.timestamp("us")),
        ("account_id", pa.string()),
        ("region", pa.string()),
        ("base_model", pa.string()),
        ("model_resolved", pa.bool_()),
        ("routing", pa.string()),
        ("tier", pa.string()),
        ("mode", pa.string()),
        ("charge", pa.string()),
        ("context_tier", pa.string()),
        ("team", pa.string()),
        ("application", pa.string()),
        ("attribution_rule", pa.string()),
        ("quantity", pa.int64()),
        ("unit", pa.string()),
        ("requests", pa.int64()),
        ("requests_counted", pa.int64()),
    ]
)
"""Partial hourly facts; the columns of ``usage_hourly_facts`` without ``run_id``."""
assert tuple(FACTS.names) == FACT_COLUMNS

ROLLUP_CHUNK = 1_000_000
"""Records aggregated at once in a task: bounds a task's memory whatever its partition size."""

_DETAIL_CHARS = 300  # as reconciler.ingest.load stores quarantine details


def parse_objects(
    batches: Iterator[pa.RecordBatch], limits: IngestLimits
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` function: source objects (:data:`OBJECTS`) -> parse rows (:data:`PARSED`)."""
    client: S3Client | None = None
    for batch in batches:
        for row in batch.to_pylist():
            obj = SourceObject(
                uri=row["source_uri"],
                fingerprint=row["fingerprint"],
                size=row["size_bytes"],
                path=row["path"],
                bucket=row["bucket"],
                key=row["key"],
            )
            if obj.path is None and client is None:
                client = aws.client("s3")
            parsed = _parse(obj, client, limits)
            yield from _parse_rows(row["file_ord"], obj, parsed)


def _parse(obj: SourceObject, client: S3Client | None, limits: IngestLimits) -> ParsedFile:
    """The local ingest's reading of one object (reconciler.ingest.reader), in this task."""
    if obj.path is not None:
        return parse_path(obj.path, obj.uri, limits)
    assert client is not None
    if obj.size > limits.max_decompressed_bytes:
        return too_large(obj.uri, limits.max_decompressed_bytes, "is")
    data = fetch_s3(client, obj)
    if data is None:
        return ParsedFile(
            obj.uri,
            RECORD_SCHEMA.empty_table(),
            [(None, Reason.UNREADABLE_FILE, "object vanished between listing and reading")],
            format="unknown",
            over_limit=True,  # not in the ledger: read again next time
        )
    return parse_bytes(data, obj.uri, limits=limits)


def _parse_rows(ord_: int, obj: SourceObject, parsed: ParsedFile) -> Iterator[pa.RecordBatch]:
    table = parsed.table
    n = table.num_rows
    if n:
        columns: dict[str, pa.Array | pa.ChunkedArray] = {
            "kind": pa.repeat(pa.scalar("record"), n),
            "file_ord": pa.repeat(pa.scalar(ord_, pa.int64()), n),
            "source_uri": pa.repeat(pa.scalar(obj.uri), n),
        }
        for f in _RECORD_FIELDS:
            columns[f.name] = table[f.name].cast(f.type)
        yield from _widen(pa.table(columns)).to_batches()
    retry = parsed.over_limit or any(p[1] is Reason.UNREADABLE_FILE for p in parsed.problems)
    problems = parsed.problems
    extra = {
        "kind": ["problem"] * len(problems) + ["file"],
        "file_ord": [ord_] * (len(problems) + 1),
        "source_uri": [obj.uri] * (len(problems) + 1),
        "line_number": [p[0] for p in problems] + [None],
        "reason": [p[1].value for p in problems] + [None],
        "detail": [p[2][:_DETAIL_CHARS] for p in problems] + [None],
        "fingerprint": [None] * len(problems) + [obj.fingerprint],
        "size_bytes": [None] * len(problems) + [obj.size],
        "format": [None] * len(problems) + [parsed.format],
        "ledger": [None] * len(problems) + [not retry],
        "problems": [None] * len(problems) + [len(problems)],
    }
    yield from _widen(
        pa.table({k: pa.array(v, PARSED.field(k).type) for k, v in extra.items()})
    ).to_batches()


def _widen(table: pa.Table) -> pa.Table:
    """``table`` in the :data:`PARSED` layout (missing columns all NULL)."""
    n = table.num_rows
    arrays = [
        table[f.name] if f.name in table.column_names else pa.nulls(n, f.type) for f in PARSED
    ]
    return pa.Table.from_arrays(arrays, schema=PARSED).combine_chunks()


def rollup_records(
    batches: Iterator[pa.RecordBatch], model_ids: bytes, settings: Settings
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` function: deduplicated records (the ``invocation_records`` columns) ->
    partial hourly facts (:data:`FACTS`), through the product's attribution and aggregation.

    ``model_ids``: the job's model-id resolutions as Arrow IPC (resolved once, on the driver)."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET threads = 1")  # Spark runs one task per core already
        migrate(con)
        resolutions = pa.ipc.open_stream(model_ids).read_all()
        con.register("_job_model_ids", resolutions)
        sql.execute(con, "spark/model_ids_insert").fetchall()
        con.unregister("_job_model_ids")
        chunk: list[pa.RecordBatch] = []
        rows = 0
        for batch in batches:
            chunk.append(batch)
            rows += batch.num_rows
            if rows >= ROLLUP_CHUNK:
                yield from _rollup_chunk(con, pa.Table.from_batches(chunk), settings)
                chunk, rows = [], 0
        if rows:
            yield from _rollup_chunk(con, pa.Table.from_batches(chunk), settings)
    finally:
        con.close()


def _rollup_chunk(
    con: duckdb.DuckDBPyConnection, records: pa.Table, settings: Settings
) -> Iterator[pa.RecordBatch]:
    sql.execute(con, "spark/scratch_clear").fetchall()
    con.register("_job_records", records)
    try:
        sql.execute(con, "spark/records_insert").fetchall()
        span = sql.execute(con, "spark/records_span").fetchall()[0]
    finally:
        con.unregister("_job_records")
    start, end = span[0], span[1]
    ctx = StageContext(con, settings, run_id="spark", start=start, end=end)
    attribute.run(ctx)
    aggregate.run(ctx)
    columns = ", ".join(FACT_COLUMNS)
    facts = con.sql(f"SELECT {columns} FROM usage_hourly_facts").to_arrow_table()  # noqa: S608
    yield from facts.cast(FACTS).to_batches()
