"""The reference readers the ingest is timed against, each a whole process (bench/harness.py).

    python bench/readers.py floor  GLOB [--procs 2]   # decompress every file with isal, discard
    python bench/readers.py polars GLOB               # scan_ndjson(schema=only needed) -> collect
    python bench/readers.py duckdb GLOB DB            # read_json(format='auto') -> table

Each prints one JSON line: records and sum(input tokens) (the floor prints uncompressed bytes), so
the harness can check that every reader saw the same rows. They read exactly the fields the ingest
keeps (docs/performance.md), as shared/reference/performance-floor.md did.
"""

from __future__ import annotations

import argparse
import glob
import json
import multiprocessing
from pathlib import Path


def _decompress(path: str) -> int:
    from isal import isal_zlib

    return len(isal_zlib.decompress(Path(path).read_bytes(), wbits=31))


def floor(pattern: str, procs: int) -> dict[str, int]:
    """Every file decompressed with Python isal in ``procs`` processes; the output is dropped."""
    files = sorted(glob.glob(pattern))
    if procs <= 1:
        sizes = [_decompress(f) for f in files]
    else:
        with multiprocessing.get_context("spawn").Pool(procs) as pool:
            sizes = pool.map(_decompress, files, chunksize=1)
    return {"files": len(files), "uncompressed_bytes": sum(sizes)}


def polars_reader(pattern: str) -> dict[str, int]:
    """Polars ``scan_ndjson`` with a schema of only the needed fields, flattened, collected."""
    import polars as pl

    schema = {
        "schemaType": pl.String,
        "timestamp": pl.String,
        "accountId": pl.String,
        "identity": pl.Struct({"arn": pl.String}),
        "region": pl.String,
        "requestId": pl.String,
        "operation": pl.String,
        "modelId": pl.String,
        "errorCode": pl.String,
        "inferenceRegion": pl.String,
        "input": pl.Struct(
            {
                "inputTokenCount": pl.Int64,
                "cacheReadInputTokenCount": pl.Int64,
                "cacheWriteInputTokenCount": pl.Int64,
            }
        ),
        "output": pl.Struct({"outputTokenCount": pl.Int64}),
        "requestMetadata": pl.Struct({"team": pl.String, "app": pl.String}),
    }
    df = (
        pl.scan_ndjson(pattern, schema=schema)
        .select(
            pl.col("timestamp").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC"),
            "accountId",
            pl.col("identity").struct.field("arn").alias("identity_arn"),
            "region",
            "requestId",
            "operation",
            "modelId",
            "errorCode",
            "inferenceRegion",
            pl.col("input").struct.field("inputTokenCount").fill_null(0).alias("input_tokens"),
            pl.col("input").struct.field("cacheReadInputTokenCount").alias("cache_read"),
            pl.col("input").struct.field("cacheWriteInputTokenCount").alias("cache_write"),
            pl.col("output").struct.field("outputTokenCount").alias("output_tokens"),
            pl.col("requestMetadata").struct.field("team").alias("team"),
            pl.col("requestMetadata").struct.field("app").alias("app"),
        )
        .collect()
    )
    return {"records": df.height, "input_tokens": int(df["input_tokens"].sum())}


_DUCKDB_COLUMNS = {
    "timestamp": "TIMESTAMP",
    "accountId": "VARCHAR",
    "identity": "STRUCT(arn VARCHAR)",
    "region": "VARCHAR",
    "requestId": "VARCHAR",
    "operation": "VARCHAR",
    "modelId": "VARCHAR",
    "errorCode": "VARCHAR",
    "inferenceRegion": "VARCHAR",
    "input": "STRUCT(inputTokenCount BIGINT, cacheReadInputTokenCount BIGINT, "
    "cacheWriteInputTokenCount BIGINT)",
    "output": "STRUCT(outputTokenCount BIGINT)",
    "requestMetadata": "MAP(VARCHAR, VARCHAR)",
}


def duckdb_reader(pattern: str, db: str) -> dict[str, int]:
    """DuckDB ``read_json(columns=..., format='auto')`` into a table of a DuckDB file."""
    import duckdb

    for p in (Path(db), Path(db + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(db)
    con.execute("SET preserve_insertion_order = false")
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in _DUCKDB_COLUMNS.items()) + "}"
    con.execute(
        f"""
        CREATE TABLE meta AS
        SELECT "timestamp" AS event_time, accountId AS account_id, identity.arn AS identity_arn,
               region, requestId AS request_id, operation, modelId AS model_id,
               errorCode AS error_code, inferenceRegion AS inference_region,
               coalesce(input.inputTokenCount, 0) AS input_tokens,
               input.cacheReadInputTokenCount AS cache_read,
               input.cacheWriteInputTokenCount AS cache_write,
               output.outputTokenCount AS output_tokens, requestMetadata AS request_metadata
        FROM read_json($pattern, columns = {columns}, format = 'auto', compression = 'gzip')
        """,
        {"pattern": pattern},
    )
    records, tokens = con.execute("SELECT count(*), sum(input_tokens) FROM meta").fetchone() or (
        0,
        0,
    )
    con.close()
    return {"records": int(records), "input_tokens": int(tokens or 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reader", choices=["floor", "polars", "duckdb"])
    parser.add_argument("glob")
    parser.add_argument("db", nargs="?")
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args()
    if args.reader == "floor":
        out = floor(args.glob, args.procs)
    elif args.reader == "polars":
        out = polars_reader(args.glob)
    else:
        out = duckdb_reader(args.glob, args.db)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
