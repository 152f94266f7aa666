"""Acceptance: known traffic as invocation-log files, known prices as an overlay CSV, the nightly
`run` and then `reconciler whatif` through the CLI; routing and batch savings checked to the cent
against figures worked out by hand below (USD per 1M tokens)."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest

from reconciler.cli import main
from reconciler.db import connect

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
ACCT = "111122223333"
DAY = "2025-11-10"
CENT = D("0.01")

PRICES = f"""model,region,routing,tier,mode,charge,unit,price_usd,effective_from,effective_to,source
{HAIKU},us-east-1,regional,*,on_demand,input_tokens,1M tokens,1.10,2025-01-01,,test
{HAIKU},us-east-1,regional,*,on_demand,output_tokens,1M tokens,5.50,2025-01-01,,test
{HAIKU},us-east-1,global,*,on_demand,input_tokens,1M tokens,1.00,2025-01-01,,test
{HAIKU},us-east-1,global,*,on_demand,output_tokens,1M tokens,5.00,2025-01-01,,test
{HAIKU},us-east-1,regional,*,batch,input_tokens,1M tokens,0.55,2025-01-01,,test
{HAIKU},us-east-1,regional,*,batch,output_tokens,1M tokens,2.75,2025-01-01,,test
{HAIKU},us-east-1,global,*,batch,input_tokens,1M tokens,0.50,2025-01-01,,test
{HAIKU},us-east-1,global,*,batch,output_tokens,1M tokens,2.50,2025-01-01,,test
"""

# alpha/summaries: 10 requests through the us. (geo) profile, 150,000 input + 12,345 output each
ALPHA_IN, ALPHA_OUT = 1_500_000, 123_450
ALPHA_NOW = ALPHA_IN * D("1.10") / 10**6 + ALPHA_OUT * D("5.50") / 10**6  # 2.328975
ALPHA_GLOBAL = ALPHA_IN * D("1.00") / 10**6 + ALPHA_OUT * D("5.00") / 10**6  # 2.11725
ALPHA_BATCH = ALPHA_IN * D("0.55") / 10**6 + ALPHA_OUT * D("2.75") / 10**6  # 1.1644875
# beta/chat: 5 requests through the global profile, 20,000 input + 1,000 output each
BETA_NOW = 100_000 * D("1.00") / 10**6 + 5_000 * D("5.00") / 10**6  # 0.125
BETA_GEO = 100_000 * D("1.10") / 10**6 + 5_000 * D("5.50") / 10**6  # 0.1375
BETA_BATCH = 100_000 * D("0.50") / 10**6 + 5_000 * D("2.50") / 10**6  # 0.0625


def _record(i: int, model_id: str, team: str, app: str, tokens_in: int, tokens_out: int) -> str:
    return json.dumps(
        {
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": f"{DAY}T09:{i:02d}:00Z",
            "accountId": ACCT,
            "identity": {"arn": f"arn:aws:iam::{ACCT}:user/u"},
            "region": "us-east-1",
            "requestId": f"{team}-{i}",
            "operation": "Converse",
            "modelId": model_id,
            "input": {"inputTokenCount": tokens_in},
            "output": {"outputTokenCount": tokens_out},
            "requestMetadata": {"team": team, "app": app},
        }
    )


def cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def cents(value: str | None) -> D:
    assert value is not None
    return D(value).quantize(CENT, rounding=ROUND_HALF_UP)


def test_routing_and_batch_savings_to_the_cent(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    logs = tmp_path / "logs"
    logs.mkdir()
    lines = [_record(i, "us." + HAIKU, "alpha", "summaries", 150_000, 12_345) for i in range(10)]
    lines += [_record(i, "global." + HAIKU, "beta", "chat", 20_000, 1_000) for i in range(5)]
    (logs / "day.json").write_text("\n".join(lines) + "\n")
    (tmp_path / "prices.csv").write_text(PRICES)
    cfg = tmp_path / "reconciler.toml"
    cfg.write_text(
        f'[sources]\nlogs = ["{logs}"]\nworkers = 1\n\n'
        '[whatif]\nbatch_applications = ["summaries"]\n'
    )
    db = str(tmp_path / "r.duckdb")
    base = ["--db", db, "--config", str(cfg)]
    assert cli([*base, "prices", "load", str(tmp_path / "prices.csv")], capsys)[0] == 0
    cli([*base, "run", "--date", DAY], capsys)  # exit 1: logged, never billed

    code, out, _ = cli([*base, "whatif", "--start", DAY, "--end", DAY, "--format", "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    rows = doc["rows"]

    def pick(scenario, team):
        found = [
            r for r in rows
            if r["scenario"] == scenario and r["team"] == team and r["direction"] != "unchanged"
        ]  # fmt: skip
        assert len(found) == 1, found
        return found[0]

    alpha = pick("routing_global", "alpha")
    assert (alpha["from"], alpha["to"], alpha["direction"]) == ("geo", "global", "opportunity")
    assert cents(alpha["current_cost_usd"]) == D("2.33")
    assert cents(alpha["whatif_cost_usd"]) == D("2.12")
    assert cents(alpha["savings_usd"]) == D("0.21")
    assert D(alpha["savings_usd"]) == ALPHA_NOW - ALPHA_GLOBAL
    beta = pick("routing_global", "beta")
    assert (beta["direction"], cents(beta["savings_usd"])) == ("reverse", D("-0.01"))
    assert D(beta["savings_usd"]) == BETA_NOW - BETA_GEO

    batch_alpha = pick("batch", "alpha")
    assert batch_alpha["direction"] == "opportunity"  # batch_applications in reconciler.toml
    assert cents(batch_alpha["savings_usd"]) == D("1.16")
    assert D(batch_alpha["savings_usd"]) == ALPHA_NOW - ALPHA_BATCH
    batch_beta = pick("batch", "beta")
    assert (batch_beta["direction"], batch_beta["rank"]) == ("candidate", 1)
    assert cents(batch_beta["savings_usd"]) == D("0.06")
    assert D(batch_beta["savings_usd"]) == BETA_NOW - BETA_BATCH

    # every scenario's current cost ties to the spend report's total, exactly
    code, out, _ = cli([*base, "report", "--start", DAY, "--end", DAY, "--format", "json"], capsys)
    total = D(json.loads(out)["total"]["cost_usd"])
    assert total == ALPHA_NOW + BETA_NOW
    for scenario in ("routing_global", "batch", "tier", "caching", "provisioned", "model_switch"):
        got = sum(  # alternative rows re-price usage another row carries
            D(r["current_cost_usd"])
            for r in rows
            if r["scenario"] == scenario and r["direction"] != "alternative"
        )
        assert got == total, scenario
    totals = {t["scenario"]: t for t in doc["totals"]}
    assert D(totals["routing_global"]["savings_usd"]["opportunity"]) == ALPHA_NOW - ALPHA_GLOBAL
    assert D(totals["batch"]["savings_usd"]["candidate"]) == BETA_NOW - BETA_BATCH

    # the nightly run stored the window in the view, and its HTML report has the Savings section
    con = connect(db, read_only=True)
    try:
        stored = con.execute(
            "SELECT savings_usd FROM whatif WHERE window_start = $d AND window_end = $d "
            "AND scenario = 'batch' AND team = 'alpha'",
            {"d": DAY},
        ).fetchall()
    finally:
        con.close()
    assert stored == [(ALPHA_NOW - ALPHA_BATCH,)]
    html = (tmp_path / "reports" / f"report-{DAY}_{DAY}.html").read_text()
    assert '<section id="savings">' in html
    assert f"reconciler whatif --start {DAY} --end {DAY} --scenario batch" in html


def test_csv_columns_and_unpriced_cells(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "day.json").write_text(
        _record(0, "amazon.nova-micro-v1:0", "=cmd", "x", 1000, 10) + "\n"
    )
    cfg = tmp_path / "reconciler.toml"
    cfg.write_text(f'[sources]\nlogs = ["{logs}"]\nworkers = 1\n')
    db = str(tmp_path / "r.duckdb")
    base = ["--db", db, "--config", str(cfg)]
    cli([*base, "run", "--date", DAY, "--no-reports"], capsys)
    code, out, _ = cli(
        [*base, "whatif", "--start", DAY, "--end", DAY, "--format", "csv", "--no-save",
         "--scenario", "routing_global", "--scenario", "tier"],
        capsys,
    )  # fmt: skip
    assert code == 0
    header, *body = out.splitlines()
    assert header.split(",")[:13] == [
        "scenario", "direction", "team", "application", "base_model", "region", "from", "to",
        "quantity", "unit", "current_cost_usd", "whatif_cost_usd", "savings_usd",
    ]  # fmt: skip
    assert {line.split(",")[0] for line in body} == {"routing_global", "tier"}
    assert all(line.split(",")[2] == "'=cmd" for line in body)  # formula neutralised
    unpriced = [line.split(",") for line in body if line.split(",")[13] == "false"]
    assert unpriced  # no flex price for Nova Micro in the bundled book
    for cells in unpriced:  # empty what-if cost and savings, never 0
        assert cells[11:13] == ["", ""]
    code, _out, err = cli([*base, "whatif", "--start", DAY, "--end", DAY, "--move", "x"], capsys)
    assert code == 2
    assert "FROM_MODEL=TO_MODEL" in err
    # a window with nothing rated is never a silent 0
    code, out, err = cli([*base, "whatif", "--start", "2025-11-01", "--end", "2025-11-01"], capsys)
    assert code == 1
    assert "no rated usage in 2025-11-01..2025-11-01" in err
