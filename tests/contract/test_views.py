"""The public views are an API: ad hoc SQL and scripts rely on their names, columns and types.

`DESCRIBE <view>` of every view in queries/views/ is pinned by tests/goldens/views.json. Changing a
view means regenerating the golden (`pytest --update-goldens tests/contract/test_views.py`) in the
same commit, with a CHANGELOG.md line; removing or retyping a CONTRACT column needs a note on the
issue (CONTRACT.md). The CONTRACT's own key columns are also checked here, by name and type.
"""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.db.migrate import view_files

GOLDEN = Path(__file__).resolve().parents[1] / "goldens" / "views.json"

# CONTRACT.md "DuckDB: public views": the key columns, with the contract's types where it fixes one.
CONTRACT = {
    "invocations": "request_id account_id region event_time:TIMESTAMP identity_arn operation "
    "model_id base_model routing input_tokens:BIGINT output_tokens:BIGINT "
    "cache_read_input_tokens:BIGINT cache_write_input_tokens:BIGINT request_metadata "
    "team application source_uri",
    "usage_hourly": "hour:TIMESTAMP account_id region base_model routing tier mode charge team "
    "application quantity:BIGINT unit",
    "spend": "usage_date account_id region base_model routing tier mode charge team application "
    "quantity unit unit_price_usd:DECIMAL(38,12) cost_usd:DECIMAL(38,12) price_id priced:BOOLEAN",
    "invoice_lines": "usage_start:TIMESTAMP usage_end:TIMESTAMP account_id region product "
    "usage_type line_item_type base_model routing tier mode charge quantity unit "
    "quantity_tokens unblended_cost_usd:DECIMAL(38,12) net_cost_usd:DECIMAL(38,12) source_uri",
    "reconciliation": "usage_date account_id region base_model routing tier mode charge "
    "logged_quantity invoiced_quantity rated_cost_usd:DECIMAL(38,12) "
    "invoiced_cost_usd:DECIMAL(38,12) delta_usd:DECIMAL(38,12) status cause",
    "allocated_spend": "usage_date team application base_model charge",
    "quarantine": "run_id source_uri line_number reason detail",
    "runs": "run_id command started_at:TIMESTAMP finished_at:TIMESTAMP status exit_code summary",
}


def _describe(con) -> dict[str, dict[str, str]]:
    names = [name.removesuffix(".sql") for name in view_files()]
    return {
        name: {row[0]: row[1] for row in con.execute(f"DESCRIBE {name}").fetchall()}
        for name in names
    }


def test_contract_views_have_their_key_columns(con):
    views = _describe(con)
    for view, spec in CONTRACT.items():
        for item in spec.split():
            column, _, typ = item.partition(":")
            assert column in views[view], f"{view}.{column} missing"
            if typ:
                assert views[view][column] == typ, f"{view}.{column} is {views[view][column]}"


def test_every_view_matches_its_golden(con, request):
    views = _describe(con)
    if request.config.getoption("--update-goldens"):
        GOLDEN.write_text(json.dumps(views, indent=1, sort_keys=True) + "\n")
    assert views == json.loads(GOLDEN.read_text())
