"""End to end on real billing vocabulary: invocation logs + a CUR 2.0 export -> reconciliation.

The CUR rows use usage types as real bills spell them (billing-vocabulary.md §1): first-party
`AmazonBedrock` Llama rows, Claude 4.6 rows under product code `AmazonBedrockService` with no
product family (exports before 2026-07-20), Marketplace `MP:` rows with an opaque product code,
AgentCore and Knowledge Base charges. Prices come from an overlay written here, so every figure
below is computed by hand from it.

A second scenario (acceptance) uses billing names, model ids and a Region that appear nowhere
else in the repository or the reference (new models of the same families): they reconcile
without unmapped rows through the log-candidate matcher, never through a table row.
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

import reconciler.core.aws
from reconciler.core.config import Settings, SourcesConfig, TolerancesConfig
from reconciler.db.runs import Run
from reconciler.pricebook.store import load_price_files
from reconciler.stages.pipeline import run_window
from tests.support.stage import per_region

ACCT = "210987654321"
DAY = date(2026, 8, 3)
OPUS46 = "anthropic.claude-opus-4-6-v1"
LLAMA33 = "meta.llama3-3-70b-instruct-v1:0"
SONNET45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
MP_CODE = "9qx2opaquesonnet45"

PRICE_HEADER = (
    "model,region,routing,tier,mode,charge,unit,price_usd,effective_from,effective_to,source\n"
)


def _log(region: str, model_id: str, tokens_in: int, tokens_out: int, n: int) -> dict[str, object]:
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": f"{DAY.isoformat()}T10:{n:02d}:00Z",
        "accountId": ACCT,
        "identity": {"arn": f"arn:aws:sts::{ACCT}:assumed-role/app/i-1"},
        "region": region,
        "requestId": f"req-{region}-{n:04d}",
        "operation": "Converse",
        "modelId": model_id,
        "input": {"inputContentType": "application/json", "inputTokenCount": tokens_in},
        "output": {"outputContentType": "application/json", "outputTokenCount": tokens_out},
        "requestMetadata": {"team": "search", "app": "api"},
    }


def _write_logs(root: Path, records: list[dict[str, object]]) -> Path:
    by_region: dict[str, list[dict[str, object]]] = {}
    for r in records:
        by_region.setdefault(str(r["region"]), []).append(r)
    for region, recs in by_region.items():
        d = root / "AWSLogs" / ACCT / "BedrockModelInvocationLogs" / region / "2026/08/03/10"
        d.mkdir(parents=True)
        with gzip.open(d / "20260803T100000000Z_abc.json.gz", "wt") as f:
            f.writelines(json.dumps(r) + "\n" for r in recs)
    return root


CUR_COLUMNS = (
    "bill_billing_period_start_date", "bill_payer_account_id", "line_item_usage_start_date",
    "line_item_usage_end_date", "line_item_usage_account_id", "line_item_product_code",
    "line_item_usage_type", "line_item_operation", "line_item_line_item_type",
    "line_item_usage_amount", "line_item_unblended_rate", "line_item_unblended_cost",
    "line_item_currency_code", "product", "product_product_family", "product_region_code",
)  # fmt: skip


def _cur_row(
    region: str, usage_type: str, qty: str, rate: str, cost: str, *, code: str = "AmazonBedrock",
    product: str = "Amazon Bedrock", model: str | None = None, inference: str | None = None,
    feature: str | None = None,
) -> list[str]:  # fmt: skip
    meta = {"product_name": product, "region": region}
    for key, value in (("model", model), ("inference_type", inference), ("feature", feature)):
        if value is not None:
            meta[key] = value
    return [
        "2026-08-01T00:00:00Z", ACCT, f"{DAY.isoformat()}T00:00:00Z",
        f"{DAY.isoformat()}T23:59:59Z", ACCT, code, usage_type, "InvokeModelInference", "Usage",
        qty, rate, cost, "USD", json.dumps(meta), "", region,
    ]  # fmt: skip


def _write_cur(path: Path, rows: list[list[str]]) -> Path:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CUR_COLUMNS)
        w.writerows(rows)
    return path


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_bedrock(region: str) -> object:
        raise AssertionError(f"no Bedrock control-plane call expected ({region})")

    monkeypatch.setattr(reconciler.core.aws, "client", per_region(no_bedrock))


def _run(tmp: Path, logs: Path, cur: Path, prices: str) -> duckdb.DuckDBPyConnection:
    overlay = tmp / "prices.csv"
    overlay.write_text(PRICE_HEADER + prices)
    settings = Settings(
        sources=SourcesConfig(logs=[str(logs)], invoices=[str(cur)], workers=1),
        tolerances=TolerancesConfig(absolute_usd=D("0.000001"), percent=D("0.01")),
    )
    db = tmp / "r.duckdb"
    with Run(str(db), "run") as run:
        load_price_files(run.con, [overlay], run.run_id)
        run_window(run, settings, DAY, DAY)
    return duckdb.connect(str(db), read_only=True)


# Prices per 1M tokens (overlay), and the CUR rows they imply (usage amounts in 1K tokens for
# AmazonBedrock / AmazonBedrockService, in 1M tokens for Marketplace):
#   Opus 4.6 global: in 5.00, out 25.00 -> 120,000 in = $0.60 (120 x 0.005), 8,000 out = $0.20
#   Llama 3.3 70B regional: in/out 0.72 -> 80,000 in = $0.0576, 20,000 out = $0.0144
#   Sonnet 4.5 geo (us.) billed regional via Marketplace: in 3.30 -> 50,000 = $0.165
PRICES = (
    f"{OPUS46},us-east-1,global,standard,on_demand,input_tokens,1M tokens,5.00,2026-01-01,,t\n"
    f"{OPUS46},us-east-1,global,standard,on_demand,output_tokens,1M tokens,25.00,2026-01-01,,t\n"
    f"{LLAMA33},us-east-1,*,standard,on_demand,input_tokens,1M tokens,0.72,2026-01-01,,t\n"
    f"{LLAMA33},us-east-1,*,standard,on_demand,output_tokens,1M tokens,0.72,2026-01-01,,t\n"
    f"{SONNET45},us-east-1,*,standard,on_demand,input_tokens,1M tokens,3.30,2026-01-01,,t\n"
    f"{SONNET45},us-east-1,*,standard,on_demand,output_tokens,1M tokens,16.50,2026-01-01,,t\n"
)
LOGS = [
    _log("us-east-1", f"global.{OPUS46}", 60000, 4000, 1),
    _log("us-east-1", f"global.{OPUS46}", 60000, 4000, 2),
    _log("us-east-1", LLAMA33, 80000, 20000, 3),
    _log("us-east-1", f"us.{SONNET45}", 50000, 0, 4),
]


def _cur_rows(
    llama_input_rate: str = "0.00072", llama_input_cost: str = "0.0576"
) -> list[list[str]]:
    sonnet = "Claude Sonnet 4.5 (Amazon Bedrock Edition)"
    return [
        # Claude 4.x first party under AmazonBedrockService, no product family (pre 2026-07-20)
        _cur_row("us-east-1", "USE1-Claude4.6Opus-input-tokens-cross-region-global", "120",
                 "0.005", "0.6", code="AmazonBedrockService", product="Amazon Bedrock Service"),
        _cur_row("us-east-1", "USE1-Claude4.6Opus-output-tokens-cross-region-global", "8",
                 "0.025", "0.2", code="AmazonBedrockService", product="Amazon Bedrock Service"),
        _cur_row("us-east-1", "USE1-Llama3-3-70B-input-tokens", "80", llama_input_rate,
                 llama_input_cost),
        _cur_row("us-east-1", "USE1-Llama3-3-70B-output-tokens", "20", "0.00072", "0.0144"),
        _cur_row("us-east-1", "USE1-MP:USE1_InputTokenCount-Units", "0.05", "3.3", "0.165",
                 code=MP_CODE, product=sonnet),
        # not model inference: own rows, never matched to tokens
        _cur_row("us-east-1", "USE1-Runtime:Consumption-based:vCPU", "2.5", "0.0895", "0.22375",
                 code="AmazonBedrockAgentCore", product="Amazon Bedrock AgentCore"),
        _cur_row("us-east-1", "USE1-Knowledge-Base:Consumption-based:Retrieval", "10", "0.1",
                 "1"),
    ]  # fmt: skip


def _recon(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT base_model, routing, charge, logged_quantity, invoiced_quantity, "
        "rated_cost_usd, invoiced_cost_usd, status, cause FROM reconciliation "
        "ORDER BY charge, base_model"
    ).fetchall()


def test_real_usage_types_reconcile_to_matched(tmp_path: Path) -> None:
    logs = _write_logs(tmp_path / "logs", LOGS)
    cur = _write_cur(tmp_path / "cur" / "export.csv", _cur_rows())
    con = _run(tmp_path, logs, cur, PRICES)
    rows = _recon(con)
    expected = [
        ("", None, "agentcore_usage", 0, D("2.5"), D(0), D("0.22375"), "gap", "non_token_charge"),
        (OPUS46, "global", "input_tokens", 120000, 120000, D("0.6"), D("0.6"), "matched", None),
        (SONNET45, "regional", "input_tokens", 50000, 50000, D("0.165"), D("0.165"), "matched",
         None),
        (LLAMA33, "regional", "input_tokens", 80000, 80000, D("0.0576"), D("0.0576"), "matched",
         None),
        ("", None, "knowledge_base_usage", 0, D(10), D(0), D("1"), "gap", "non_token_charge"),
        (OPUS46, "global", "output_tokens", 8000, 8000, D("0.2"), D("0.2"), "matched", None),
        (LLAMA33, "regional", "output_tokens", 20000, 20000, D("0.0144"), D("0.0144"), "matched",
         None),
    ]  # fmt: skip
    got = [(r[0] or "", *r[1:]) for r in rows]
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    # nothing silently dropped: all 7 rows are invoice lines, none unmapped
    assert con.execute("SELECT count(*), count(*) FILTER (WHERE NOT mapped) FROM invoice_lines"
                       ).fetchone() == (7, 0)  # fmt: skip


def test_changed_invoiced_price_is_one_price_mismatch(tmp_path: Path) -> None:
    logs = _write_logs(tmp_path / "logs", LOGS)
    # Llama input billed at $0.99/M instead of $0.72/M: 80 x 0.00099 = 0.0792
    cur = _write_cur(tmp_path / "cur" / "export.csv", _cur_rows("0.00099", "0.0792"))
    con = _run(tmp_path, logs, cur, PRICES)
    causes = con.execute(
        "SELECT base_model, charge, cause, delta_usd FROM reconciliation "
        "WHERE status = 'gap' AND charge NOT IN ('agentcore_usage', 'knowledge_base_usage')"
    ).fetchall()
    assert causes == [(LLAMA33, "input_tokens", "price_mismatch", D("0.0216"))]
    others = con.execute(
        "SELECT count(*) FROM reconciliation "
        "WHERE cause IN ('unbilled_usage', 'unmapped_usage_type', 'unlogged_usage')"
    ).fetchone()
    assert others == (0,)


# --- acceptance: names that appear nowhere in the repository or the reference -----------------

SONNET49 = "anthropic.claude-sonnet-4-9"
LLAMA45 = "meta.llama4-5-90b-instruct-v1:0"
NOVA3 = "amazon.nova-3-pro-v1:0"
HAIKU5 = "anthropic.claude-haiku-5-v1"
SYD = "ap-southeast-2"

NEW_PRICES = (
    f"{SONNET49},{SYD},*,standard,on_demand,input_tokens,1M tokens,4.00,2026-01-01,,t\n"
    f"{SONNET49},{SYD},global,standard,on_demand,output_tokens,1M tokens,20.00,2026-01-01,,t\n"
    f"{LLAMA45},{SYD},*,standard,batch,input_tokens,1M tokens,0.40,2026-01-01,,t\n"
    f"{LLAMA45},{SYD},*,standard,on_demand,input_tokens,1M tokens,0.80,2026-01-01,,t\n"
    f"{NOVA3},{SYD},*,standard,on_demand,input_tokens,1M tokens,1.00,2026-01-01,,t\n"
    f"{HAIKU5},{SYD},*,standard,on_demand,input_tokens,1M tokens,2.00,2026-01-01,,t\n"
)
NEW_LOGS = [
    _log(SYD, SONNET49, 100000, 0, 1),  # in-region input: $0.40
    _log(SYD, f"global.{SONNET49}", 0, 10000, 2),  # global output: $0.20
    _log(SYD, LLAMA45, 250000, 0, 3),  # $0.20
    _log(SYD, NOVA3, 30000, 0, 4),  # $0.03
    _log(SYD, f"apac.{HAIKU5}", 40000, 0, 5),  # geo, billed regional via Marketplace: $0.08
]


def test_acceptance_unseen_names_and_region_reconcile_without_unmapped_rows(
    tmp_path: Path,
) -> None:
    logs = _write_logs(tmp_path / "logs", NEW_LOGS)
    cur = _write_cur(
        tmp_path / "cur" / "export.csv",
        [
            _cur_row(
                SYD,
                "APS2-Claude4.9Sonnet-input-tokens",
                "100",
                "0.004",
                "0.4",
                code="AmazonBedrockService",
                product="Amazon Bedrock Service",
            ),
            _cur_row(
                SYD,
                "APS2-Claude4.9Sonnet-output-tokens-cross-region-global",
                "10",
                "0.02",
                "0.2",
                code="AmazonBedrockService",
                product="Amazon Bedrock Service",
            ),
            _cur_row(SYD, "APS2-Llama4-5-90B-input-tokens", "250", "0.0008", "0.2"),
            # a usage type of a shape never seen: the row's own description names the charge
            _cur_row(
                SYD,
                "APS2-Nova3Pro-input-tokens-turbo-mode",
                "30",
                "0.001",
                "0.03",
                model="Nova 3 Pro",
                inference="Input tokens",
                feature="On-demand Inference",
            ),
            _cur_row(
                SYD,
                "APS2-MP:APS2_input_tokens_standard-Units",
                "0.04",
                "2",
                "0.08",
                code="8zzopaquehaiku5",
                product="Claude Haiku 5 (Amazon Bedrock Edition)",
            ),
        ],
    )
    con = _run(tmp_path, logs, cur, NEW_PRICES)
    lines = con.execute(
        "SELECT usage_type, base_model, mapped FROM invoice_lines ORDER BY usage_type"
    ).fetchall()
    assert lines == [
        ("APS2-Claude4.9Sonnet-input-tokens", SONNET49, True),
        ("APS2-Claude4.9Sonnet-output-tokens-cross-region-global", SONNET49, True),
        ("APS2-Llama4-5-90B-input-tokens", LLAMA45, True),
        ("APS2-MP:APS2_input_tokens_standard-Units", HAIKU5, True),
        ("APS2-Nova3Pro-input-tokens-turbo-mode", NOVA3, True),
    ]
    # no table row names these: the log-candidate matcher did, and says how
    how = con.execute(
        "SELECT usage_type, model_match FROM invoice_line_items ORDER BY usage_type"
    ).fetchall()
    assert [(u, (m or "").split(" [")[0]) for u, m in how] == [
        ("APS2-Claude4.9Sonnet-input-tokens", f"'Claude4.9Sonnet' -> {SONNET49} (join_key)"),
        ("APS2-Claude4.9Sonnet-output-tokens-cross-region-global",
         f"'Claude4.9Sonnet' -> {SONNET49} (join_key)"),
        ("APS2-Llama4-5-90B-input-tokens", f"'Llama4-5-90B' -> {LLAMA45} (join_key)"),
        ("APS2-MP:APS2_input_tokens_standard-Units", f"'Claude Haiku 5' -> {HAIKU5} (join_key)"),
        ("APS2-Nova3Pro-input-tokens-turbo-mode", f"'Nova 3 Pro' -> {NOVA3} (join_key)"),
    ]  # fmt: skip
    rows = con.execute(
        "SELECT base_model, routing, charge, rated_cost_usd, invoiced_cost_usd, status, cause "
        "FROM reconciliation ORDER BY base_model, charge"
    ).fetchall()
    assert rows == [
        (NOVA3, "regional", "input_tokens", D("0.03"), D("0.03"), "matched", None),
        (HAIKU5, "regional", "input_tokens", D("0.08"), D("0.08"), "matched", None),
        (SONNET49, "regional", "input_tokens", D("0.4"), D("0.4"), "matched", None),
        (SONNET49, "global", "output_tokens", D("0.2"), D("0.2"), "matched", None),
        (LLAMA45, "regional", "input_tokens", D("0.2"), D("0.2"), "matched", None),
    ]


def test_acceptance_ambiguous_name_is_a_finding_naming_the_candidates(tmp_path: Path) -> None:
    # two logged ids share the join key of "Llama4-5-90B": never pick one
    logs = _write_logs(
        tmp_path / "logs",
        [_log(SYD, LLAMA45, 1000, 0, 1), _log(SYD, "meta.llama4-5-90b-v1:0", 1000, 0, 2)],
    )
    cur = _write_cur(
        tmp_path / "cur" / "export.csv",
        [_cur_row(SYD, "APS2-Llama4-5-90B-input-tokens", "2", "0.0008", "0.0016")],
    )
    con = _run(tmp_path, logs, cur, NEW_PRICES)
    (cause, status, explanation) = con.execute(
        "SELECT cause, status, explanation FROM reconciliation WHERE usage_type IS NOT NULL"
    ).fetchone()
    assert (cause, status) == ("unmapped_usage_type", "gap")
    assert "matches several model ids" in explanation
    assert "meta.llama4-5-90b-instruct-v1:0" in explanation
    assert "meta.llama4-5-90b-v1:0" in explanation
