"""A month of invocations written straight into a DuckDB database with SQL (no JSON), for the
pipeline benchmarks: the nightly no-op run and aggregation + rating + reconciliation.

    python bench/month.py --rows 10000000 --db bench/data/month_10m.duckdb

Rows are deterministic functions of the row number (hashes), as in
shared/reference/performance-floor.md section f: 30 days of November 2025, 200 identity ARNs
(20 roles x 10 sessions), 12 model ids that the bundled price book prices (plus their geo
profiles), about 29% of rows without a team, cache reads on some rows. A small directory of real
log files is ingested too, so that ``[sources] logs`` has objects that are all in the ledger.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from reconciler.db.stage import StageContext
from reconciler.ingest import load
from tests.support.stage import stage_ctx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MODELS = [
    "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "anthropic.claude-haiku-4-5-20251001-v1:0",
    "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    "amazon.nova-micro-v1:0",
    "us.amazon.nova-micro-v1:0",
    "amazon.nova-lite-v1:0",
    "amazon.nova-pro-v1:0",
    "us.amazon.nova-pro-v1:0",
    "amazon.titan-embed-text-v2:0",
    "anthropic.claude-3-5-haiku-20241022-v1:0",
]
TEAMS = ["search", "support", "data-platform", "growth", "risk"]

FILL = """
INSERT INTO invocation_records (
    request_id, account_id, region, event_time, identity_arn, operation, model_id,
    inference_region, input_tokens, output_tokens, cache_read_input_tokens,
    cache_write_input_tokens, cache_write_1h_input_tokens, service_tier, latency_mode, error_code,
    request_metadata, source_uri, line_number, run_id, dedupe_key
)
SELECT
    'req-' || i AS request_id,
    CASE WHEN h % 3 = 0 THEN '444455556666' ELSE '111122223333' END AS account_id,
    CASE WHEN h % 3 = 0 THEN 'eu-west-1' WHEN h % 3 = 1 THEN 'us-east-1' ELSE 'us-west-2' END,
    TIMESTAMP '2025-11-01' + to_microseconds(CAST(i::HUGEINT * 2592000000000 // $rows AS BIGINT)),
    'arn:aws:sts::111122223333:assumed-role/role-' || (h % 20) || '/s' || ((h // 20) % 10),
    CASE WHEN h % 4 = 0 THEN 'InvokeModel' ELSE 'Converse' END,
    $models[1 + (h // 7) % 12],
    NULL,
    100 + (h // 11) % 3000,
    20 + (h // 13) % 800,
    CASE WHEN (h // 17) % 7 = 0 THEN (h // 19) % 5000 ELSE 0 END,
    0, NULL, NULL, NULL, NULL,
    CASE WHEN (h // 23) % 100 < 29 THEN NULL
         ELSE MAP {'team': $teams[1 + (h // 29) % 5], 'app': 'app-' || ((h // 31) % 4)} END,
    's3://bench/month/' || (i // 1000) || '.json.gz',
    1 + i % 1000,
    'bench-month',
    NULL
FROM (SELECT i, CAST(hash(i) % 1000000007 AS BIGINT) AS h FROM range($rows) AS t(i))
"""


def build(db: str, rows: int, logs: Path | None = None) -> float:
    """Create ``db`` with ``rows`` synthetic invocations (+ ``logs`` ingested); seconds taken."""
    from reconciler.db.connect import connect
    from reconciler.db.migrate import migrate

    t0 = time.perf_counter()
    for p in (Path(db), Path(db + ".wal")):
        p.unlink(missing_ok=True)
    con = connect(db)
    migrate(con)
    con.execute(FILL, {"rows": rows, "models": MODELS, "teams": TEAMS})
    con.execute(
        "UPDATE invocation_records SET dedupe_key = invocation_key(account_id, region, request_id)"
    )
    con.execute("CHECKPOINT")
    con.close()
    if logs is not None:
        from reconciler.core.quarantine import Problems

        con = connect(db)
        load.run(stage_ctx(con, "bench-logs", problems=Problems()), sources=[str(logs)], workers=1)
        con.close()
    return time.perf_counter() - t0


def attribute_month(db: str) -> float:
    """Run the attribution stage over November 2025 (as a nightly run would have); seconds."""
    from datetime import date

    from reconciler.core.config import Settings
    from reconciler.db.connect import connect
    from reconciler.stages import attribute

    t0 = time.perf_counter()
    con = connect(db)
    attribute.run(
        StageContext(con, Settings(), "bench-month", date(2025, 11, 1), date(2025, 11, 30))
    )
    con.close()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--db", required=True)
    parser.add_argument("--logs", type=Path)
    args = parser.parse_args()
    print(f"{build(args.db, args.rows, args.logs):.1f} s")


if __name__ == "__main__":
    main()
