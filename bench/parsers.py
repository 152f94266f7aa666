"""Per-file parse of decompressed S3-delivery files, in one process: the ingest's parser against
the native NDJSON readers that issue 13 proposed as a fast path (bench/test_bench_ingest.py).

    python bench/parsers.py DIR ROUNDS

Every file is decompressed once, before timing; then each way parses every file, alternating,
``ROUNDS`` counted rounds after a warm-up. Prints one JSON object per way: median seconds and
the rows it produced (all equal, or the comparison is void).

* ours: ``reconciler.ingest.invocation_logs`` on the text (msgspec's typed decode of the partial
  schema, the record checks, the per-record limits, the Arrow table);
* Polars ``read_ndjson`` with the same partial schema (no validation, no body fields);
* DuckDB ``read_json`` with the same columns, from a copy of the text in /dev/shm (it cannot read
  a Python buffer), on one thread as in the ingest.
"""

from __future__ import annotations

import glob
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

S3_GLOB = "AWSLogs/*/BedrockModelInvocationLogs/*/*/*/*/*/*.json.gz"

_DUCK_COLUMNS = (
    "{schemaType: 'VARCHAR', schemaVersion: 'VARCHAR', timestamp: 'VARCHAR', "
    "accountId: 'VARCHAR', region: 'VARCHAR', requestId: 'VARCHAR', modelId: 'VARCHAR', "
    "identity: 'STRUCT(arn VARCHAR)', operation: 'VARCHAR', inferenceRegion: 'VARCHAR', "
    "input: 'STRUCT(inputTokenCount BIGINT, cacheReadInputTokenCount BIGINT, "
    "cacheWriteInputTokenCount BIGINT)', output: 'STRUCT(outputTokenCount BIGINT)', "
    "requestMetadata: 'MAP(VARCHAR, VARCHAR)', performanceConfig: 'STRUCT(latency VARCHAR)', "
    "errorCode: 'VARCHAR'}"
)


def main() -> None:
    import duckdb
    import polars as pl

    from reconciler.ingest.invocation_logs import decompress, parse_bytes

    root, rounds = Path(sys.argv[1]), int(sys.argv[2])
    files = sorted(glob.glob(str(root / S3_GLOB)))
    texts = [decompress(Path(f).read_bytes())[0] for f in files]
    schema = {
        "schemaType": pl.String,
        "schemaVersion": pl.String,
        "timestamp": pl.String,
        "accountId": pl.String,
        "region": pl.String,
        "requestId": pl.String,
        "modelId": pl.String,
        "identity": pl.Struct({"arn": pl.String}),
        "operation": pl.String,
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
        "performanceConfig": pl.Struct({"latency": pl.String}),
        "errorCode": pl.String,
    }
    con = duckdb.connect()
    con.execute("SET threads = 1")
    shm = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    scratch = shm / f"parsers-{os.getpid()}.json"

    def ours() -> int:
        return sum(parse_bytes(t, "bench").table.num_rows for t in texts)

    def polars_() -> int:
        return sum(pl.read_ndjson(io.BytesIO(t), schema=schema).height for t in texts)

    def duck() -> int:
        n = 0
        for t in texts:
            scratch.write_bytes(t)
            query = (
                f"SELECT * FROM read_json('{scratch}', format = 'newline_delimited', "
                f"columns = {_DUCK_COLUMNS})"
            )
            n += con.sql(query).to_arrow_table().num_rows  # every column, as the others
        return n

    ways: dict[str, Callable[[], int]] = {
        "ours": ours,
        "polars_read_ndjson": polars_,
        "duckdb_read_json": duck,
    }
    walls: dict[str, list[float]] = {k: [] for k in ways}
    rows: dict[str, int] = {}
    try:
        for i in range(rounds + 1):
            for name, way in ways.items():
                t0 = time.perf_counter()
                rows[name] = way()
                if i:
                    walls[name].append(time.perf_counter() - t0)
    finally:
        scratch.unlink(missing_ok=True)
    for name in ways:
        out = {"way": name, "seconds": statistics.median(walls[name]), "rows": rows[name]}
        out |= {"files": len(files), "bytes": sum(map(len, texts))}
        print(json.dumps(out))


if __name__ == "__main__":
    main()
