"""End to end: ``reconciler demo`` on the bundled fixtures, checked against figures worked out by
hand from fixtures/README.md (logged tokens), fixtures/invoices/README.md (invoice rows and their
arithmetic) and the literal bundled prices (USD per 1M tokens) written below.

The demo runs twice into one temporary database with sockets and the Bedrock control-plane client
disabled: it must never call AWS, and the second run must change nothing.
"""

from __future__ import annotations

import contextlib
import csv
import io
import socket
import sys
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

import reconciler.core.aws
from reconciler.cli import cli
from tests.support.stage import per_region

A1, A2 = "111122223333", "444455556666"
SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
LLAMA = "meta.llama3-3-70b-instruct-v1:0"
NOVA_PRO, NOVA_MICRO = "amazon.nova-pro-v1:0", "amazon.nova-micro-v1:0"
TITAN, GPT_OSS = "amazon.titan-embed-text-v2:0", "openai.gpt-oss-120b-1:0"
M = D("0.000001")  # prices below are per 1M tokens

# Rated cost per team: logged tokens (fixtures/README.md, s/m/d records) x bundled list price.
SEARCH = (
    # qa-bot, 11-03: Sonnet us. (geo $3.30 in, $16.50 out, $0.33 cache read), global ($3, $15)
    1052 * D("3.3") * M + 484 * D("16.5") * M + 18240 * D("0.33") * M
    + 1200 * D("3") * M + 480 * D("15") * M
    # qa-bot, 11-04: Sonnet us. incl. 2,000 cache-write tokens at $4.125
    + 10000 * D("0.33") * M + 2000 * D("4.125") * M + 500 * D("3.3") * M + 250 * D("16.5") * M
    # ranker: Haiku in-region ($1.10, $5.50); its priority-tier request has no price (unpriced)
    + 300 * D("1.1") * M + 90 * D("5.5") * M
    # embeddings (principal rule, role etl-bot): Titan v2, $0.02
    + 7311 * D("0.02") * M
)  # fmt: skip
SUPPORT = (
    (250 + 40) * D("0.035") * M + (120 + 10) * D("0.14") * M  # Nova Micro us-west-2
    + 900 * D("0.8") * M + 300 * D("3.2") * M  # Nova Pro
    + 700 * D("3") * M + 300 * D("15") * M  # Sonnet global, 11-04
)  # fmt: skip
SCRIPT_TEAM = 60 * D("0.035") * M + 20 * D("0.14") * M  # team "<script>alert(1)</script>"
DATA_PLATFORM = (
    100 * D("0.046") * M + 50 * D("0.184") * M  # catalog: Nova Micro eu-west-1
    + 3000 * D("1.1") * M + 800 * D("5.5") * M  # etl-summaries: the AIP, mapped to Haiku (geo)
    + 800 * D("3") * M + 200 * D("15") * M  # pipelines: Sonnet global, eu-west-1
    + 550 * D("0.035") * M + 55 * D("0.14") * M  # sandbox: Nova Micro us-west-2
    # provisioned-model tokens: $0 per token in the bundled book (the model-unit hours bill
    # them); Llama eu-west-1: no price
)  # fmt: skip
RATED_TOTAL = D("0.06802702")
INVOICED_TOTAL = D("549.634951398")  # fixtures/invoices/README.md

# (day, account, region, model-or-usage-type, routing, charge) -> (delta, status, cause)
DIFFERENCES = {
    ("2025-11-03", A1, "us-east-1", TITAN, "regional", "input_tokens"):
        (D("-0.000014622"), "gap", "discount_or_credit"),  # 10% EDP on $0.00014622
    **{
        ("2025-11-03", A1, "us-east-1", HAIKU, "regional", c): (D(0), "gap", "unpriced_usage")
        for c in ("input_tokens", "output_tokens", "cache_write_input_tokens",
                  "cache_write_1h_input_tokens")
    },  # the priority-tier Haiku request: no priority price in the book
    ("2025-11-03", A1, "us-east-1", SONNET, "global", "input_tokens"):
        (1200 * (D("3.3") - D("3")) * M, "gap", "price_mismatch"),  # billed at the geo rate
    ("2025-11-03", A1, "us-east-1", SONNET, "regional", "output_tokens"):
        (D("0.00799") - 484 * D("16.5") * M, "matched", "rounding"),
    ("2025-11-03", A1, "us-east-1", GPT_OSS, "regional", "input_tokens"):
        (D("0.045"), "gap", "unlogged_usage"),  # Mantle
    ("2025-11-03", A1, "us-west-2", "-", "-", "guardrail_text_units"):
        (D("0.03"), "gap", "non_token_charge"),
    ("2025-11-03", A2, "us-east-1", NOVA_PRO, "-", "model_unit_hours"):
        (24 * D("21.18"), "gap", "non_token_charge"),  # idle provisioned throughput
    ("2025-11-04", A1, "us-east-1", "Credit", "-", "-"): (D("-1.25"), "gap", "discount_or_credit"),
    **{
        ("2025-11-04", A1, "us-east-1", SONNET, routing, charge): (-amount, "gap", "unbilled_usage")
        for routing, charge, amount in (
            ("global", "input_tokens", 700 * D("3") * M),
            ("global", "output_tokens", 300 * D("15") * M),
            ("regional", "cache_read_input_tokens", 10000 * D("0.33") * M),
            ("regional", "cache_write_input_tokens", 2000 * D("4.125") * M),
            ("regional", "input_tokens", 500 * D("3.3") * M),
            ("regional", "output_tokens", 250 * D("16.5") * M),
        )
    },
    ("2025-11-04", A2, "eu-west-1", NOVA_PRO, "-", "model_unit_hours"):
        (2 * D("21.18"), "gap", "non_token_charge"),  # busy provisioned throughput
    # 5,000 + 1,000 tokens through the provisioned ARN: the busy hours above bill them
    ("2025-11-04", A2, "eu-west-1", NOVA_PRO, "regional", "input_tokens"):
        (D(0), "matched", "provisioned_tokens"),
    ("2025-11-04", A2, "eu-west-1", NOVA_PRO, "regional", "output_tokens"):
        (D(0), "matched", "provisioned_tokens"),
    ("2025-11-04", A2, "eu-west-1", LLAMA, "regional", "input_tokens"):
        (D(0), "gap", "unpriced_usage"),
    ("2025-11-04", A2, "eu-west-1", LLAMA, "regional", "output_tokens"):
        (D(0), "gap", "unpriced_usage"),
    ("2025-11-04", A2, "us-east-1", "USE1-DeepSeekR1-input-tokens", "regional", "input_tokens"):
        (D("0.0135"), "gap", "unmapped_usage_type"),
    ("2025-11-04", A2, "us-east-1", LLAMA, "regional", "input_tokens"):
        (D("0.0576"), "gap", "unlogged_usage"),  # logging off in that account and Region
    ("2025-11-04", A2, "us-east-1", LLAMA, "regional", "output_tokens"):
        (D("0.0144"), "gap", "unlogged_usage"),
    ("2025-11-04", A2, "us-west-2", NOVA_MICRO, "regional", "input_tokens"):
        (D(0), "matched", "unit_mismatch"),  # 550 "thousands" that are really tokens
}  # fmt: skip
# Buckets whose invoice line equals our rating exactly (fixtures/invoices/README.md, MATCH rows)
EXACT = {
    ("2025-11-03", A1, "us-east-1", SONNET, "regional", "input_tokens"),
    ("2025-11-03", A1, "us-east-1", SONNET, "regional", "cache_read_input_tokens"),
    ("2025-11-03", A1, "us-east-1", SONNET, "global", "output_tokens"),
    ("2025-11-03", A1, "us-east-1", HAIKU, "regional", "input_tokens"),
    ("2025-11-03", A1, "us-east-1", HAIKU, "regional", "output_tokens"),
    ("2025-11-03", A1, "us-west-2", NOVA_PRO, "regional", "input_tokens"),
    ("2025-11-03", A1, "us-west-2", NOVA_PRO, "regional", "output_tokens"),
    ("2025-11-03", A1, "us-west-2", NOVA_MICRO, "regional", "input_tokens"),
    ("2025-11-03", A1, "us-west-2", NOVA_MICRO, "regional", "output_tokens"),
    ("2025-11-04", A2, "eu-west-1", SONNET, "global", "input_tokens"),
    ("2025-11-04", A2, "eu-west-1", SONNET, "global", "output_tokens"),
    ("2025-11-04", A2, "eu-west-1", HAIKU, "regional", "input_tokens"),
    ("2025-11-04", A2, "eu-west-1", HAIKU, "regional", "output_tokens"),
    ("2025-11-04", A2, "eu-west-1", NOVA_MICRO, "regional", "input_tokens"),
    ("2025-11-04", A2, "eu-west-1", NOVA_MICRO, "regional", "output_tokens"),
    ("2025-11-04", A2, "us-west-2", NOVA_MICRO, "regional", "output_tokens"),
}
KEY_SQL = (
    "CAST(usage_date AS VARCHAR), account_id, region, "
    "coalesce(base_model, usage_type, line_item_type, '-'), coalesce(routing, '-'), "
    "coalesce(charge, '-')"
)
VIEWS = (
    "invocations", "usage_hourly", "spend", "invoice_lines", "reconciliation", "bill_bridge",
    "allocated_spend", "attribution_coverage", "logging_coverage", "quarantine",
)  # fmt: skip


def _cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(args=args, prog_name="reconciler", standalone_mode=False)
    return int(code), out.getvalue(), err.getvalue()


def _snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(db), read_only=True) as c:
        snap = {}
        for view in VIEWS:
            cols = [r[0] for r in c.execute(f"DESCRIBE {view}").fetchall()]
            keep = ", ".join(x for x in cols if x != "run_id")
            snap[view] = c.execute(f"SELECT {keep} FROM {view} ORDER BY ALL").fetchall()
        return snap


def _no_network(*args: object, **kwargs: object) -> None:
    raise AssertionError(f"the demo opened a network connection: {args[1:]}")


def _no_bedrock(region: str) -> object:
    raise AssertionError(f"the demo asked the Bedrock API ({region}) instead of the model map")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Run the demo twice (no network, no Bedrock client); snapshot the views after each run."""
    root = tmp_path_factory.mktemp("demo")
    db, out = root / "demo.duckdb", root / "demo-out"
    args = ["--db", str(db), "demo", "--small", "--out-dir", str(out)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _no_network)
        mp.setattr(reconciler.core.aws, "client", per_region(_no_bedrock))
        first = _cli(args)
        snap1 = _snapshot(db)
        second = _cli(args)
        snap2 = _snapshot(db)
    return {"db": db, "out": out, "first": first, "second": second, "snaps": (snap1, snap2)}


@pytest.fixture
def q(demo):
    with duckdb.connect(str(demo["db"]), read_only=True) as c:
        yield lambda sql: c.execute(sql).fetchall()


def test_demo_exits_0_on_findings_and_says_where_it_wrote(demo):
    code, out, err = demo["first"]
    assert code == 0
    assert "(demo): findings, exit 1" in err  # the run itself has findings ...
    assert (
        "demo: exit 0: the findings above are the two-day fixtures' planted traps (8 quarantined "
        "records; 1 duplicate conflict; 6 unpriced, 3 unlogged, 6 unbilled, 1 price-mismatch, "
        "1 unmapped-usage-type, 3 non-token-charge buckets; docs/demo.md)"
    ) in err
    assert "records 29; duplicates 4; conflicts 1; quarantined 8" in err
    html, focus = demo["out"] / "report.html", demo["out"] / "focus-2025-11.csv"
    assert f"Wrote {html} (HTML report) and {focus} (FOCUS 1.2 export)" in out
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # stdout: the per-team table, one line per difference, the bridge
    assert "Bedrock spend by team, 2025-11-03 to 2025-11-04 (USD)" in out
    assert "Reconciliation, 2025-11-03 to 2025-11-04: 26 bucket(s) differ" in out
    assert "16 match exactly" in out
    assert "Bill bridge: rated total to invoiced total" in out
    assert "2025-11  invoiced_total       549.634951398  549.634951398       42" in out


def test_gap_lines_carry_cause_and_one_line_explanation(demo):
    out = demo["first"][1]
    lines = [ln for ln in out.splitlines() if ln.startswith("2025-11-0")]
    assert len(lines) == 26
    price = next(ln for ln in lines if "price_mismatch" in ln)
    assert price.split() [:8] == [
        "2025-11-03", A1, "us-east-1", SONNET, "global", "input_tokens", "+0.00036", "gap",
    ]  # fmt: skip
    assert price.endswith(
        "quantities agree (1200 logged) but invoiced $0.003960 vs rated $0.003600: "
        "check the price book"
    )
    unit = next(ln for ln in lines if "unit_mismatch" in ln)
    assert unit.endswith(
        "invoiced quantity 550000.000 is ~1000x off logged 550: invoice unit misread"
    )
    assert next(ln for ln in lines if "rounding" in ln).endswith(
        "delta $0.000004 is within the tolerance of $0.000080"
    )


def test_per_team_spend(q):
    got = dict(q("SELECT team, sum(cost_usd) FROM spend GROUP BY team"))
    assert got == {
        "search": SEARCH,
        "support": SUPPORT,
        "<script>alert(1)</script>": SCRIPT_TEAM,
        "data-platform": DATA_PLATFORM,
    }
    assert SEARCH + SUPPORT + SCRIPT_TEAM + DATA_PLATFORM == RATED_TOTAL
    # unpriced, never $0: the priority Haiku request and the eu-west-1 Llama calls
    assert q(
        "SELECT team, application, base_model, sum(quantity), bool_or(cost_usd IS NULL) "
        "FROM spend WHERE NOT priced GROUP BY ALL ORDER BY ALL"
    ) == [
        ("data-platform", "etl-summaries", LLAMA, 1500 + 700, True),
        ("search", "ranker", HAIKU, 2000 + 150 + 2000 + 1000, True),
    ]


def test_attribution_rules_and_offline_resolution(q):
    # the AIP and the provisioned model resolve from the model map, not the Bedrock API
    assert q(
        "SELECT resolution, base_model, mode FROM model_ids "
        "WHERE model_id LIKE '%:application-inference-profile/%' "
        "OR model_id LIKE '%:provisioned-model/%' ORDER BY model_id"
    ) == [
        ("mapping_file", HAIKU, "on_demand"),
        ("mapping_file", NOVA_PRO, "provisioned"),
    ]
    rules = dict(q("SELECT team, list(DISTINCT application ORDER BY application) FROM spend "
                   "WHERE team IN ('search', 'data-platform') GROUP BY team"))  # fmt: skip
    assert rules == {
        "search": ["embeddings", "qa-bot", "ranker"],  # embeddings: principal rule (etl-bot)
        # pipelines: principal rule gives the application, the account rule the team
        "data-platform": ["catalog", "etl-summaries", "pipelines", "sandbox"],
    }
    assert q("SELECT count(*) FROM invocations WHERE team = 'unattributed'") == [(0,)]


def test_reconciliation_row_per_cause(q):
    rows = q(
        f"SELECT {KEY_SQL}, delta_usd, status, cause FROM reconciliation WHERE cause IS NOT NULL"
    )
    got = {tuple(r[:6]): (r[6], r[7], r[8]) for r in rows}
    assert len(rows) == len(got) == 26
    assert got == DIFFERENCES
    main_causes = {
        "unlogged_usage", "unbilled_usage", "price_mismatch", "unit_mismatch",
        "discount_or_credit", "unmapped_usage_type", "non_token_charge", "rounding",
    }  # fmt: skip
    assert main_causes <= {c for _, _, c in got.values()}
    exact = q(f"SELECT {KEY_SQL}, delta_usd, status FROM reconciliation WHERE cause IS NULL")
    assert {tuple(r[:6]) for r in exact} == EXACT
    assert {(r[6], r[7]) for r in exact} == {(D(0), "matched")}


def test_bill_bridge_walks_from_rated_to_invoiced(q):
    steps = q("SELECT name, amount_usd, running_total_usd FROM bill_bridge ORDER BY step")
    by_name = {n: a for n, a, _ in steps}
    assert (steps[0][0], steps[-1][0]) == ("rated_total", "invoiced_total")
    assert by_name == {
        "rated_total": RATED_TOTAL,
        "unlogged_usage": D("0.045") + D("0.0576") + D("0.0144"),
        "unbilled_usage": -D("0.023925"),
        "unpriced_usage": D(0),
        "unmapped_usage_type": D("0.0135"),
        "unit_mismatch": D(0),
        "price_mismatch": D("0.00036"),
        "non_token_charge": D("508.32") + D("42.36") + D("0.03"),
        "provisioned_tokens": D(0),
        "discount_or_credit": D("-1.25") - D("0.000014622"),
        "rounding": D("0.000004"),
        "invoiced_total": INVOICED_TOTAL,
    }
    causes = sum(a for n, a, _ in steps[1:-1])
    assert RATED_TOTAL + causes == INVOICED_TOTAL  # exactly, no residual
    assert steps[-2][2] == steps[-1][2] == INVOICED_TOTAL


def test_allocated_spend_sums_to_the_invoice_to_the_cent(q):
    assert q("SELECT sum(allocated_usd) FROM allocated_spend") == [(D("549.63"),)]
    assert q("SELECT sum(exact_usd) FROM allocated_spend") == [(INVOICED_TOTAL,)]
    # idle provisioned hours on their own line; the busy hours to the team that used them
    assert q(
        "SELECT team, application, allocated_usd FROM allocated_spend "
        "WHERE charge = 'model_unit_hours' ORDER BY usage_date"
    ) == [("idle", "idle", D("508.32")), ("data-platform", "pipelines", D("42.36"))]
    # guardrail units: policy "even" over the three teams active in account 1 that day
    assert q(
        "SELECT team, allocated_usd FROM allocated_spend "
        "WHERE charge = 'guardrail_text_units' ORDER BY team"
    ) == [("<script>alert(1)</script>", D("0.01")), ("search", D("0.01")), ("support", D("0.01"))]
    # the untied -$1.25 credit of account 1 on 11-04 goes to account 1's teams only (none of
    # data-platform's, account 2), by their rated cost that day: qa-bot 0.017325 (Sonnet us.
    # 0.0033 + 0.00825 + 0.00165 + 0.004125), helpdesk 0.0066 (Sonnet global 0.0021 + 0.0045)
    qa_bot = (D("-1.25") * D("0.017325") / D("0.023925")).quantize(D("1e-12"))
    assert qa_bot == D("-0.905172413793")
    assert q(
        "SELECT account_id, team, application, exact_usd, allocated_usd FROM allocated_spend "
        "WHERE charge = 'other' ORDER BY team"
    ) == [
        (A1, "search", "qa-bot", qa_bot, D("-0.91")),
        (A1, "support", "helpdesk", D("-1.25") - qa_bot, D("-0.34")),
    ]


def test_quarantine_counts(q):
    assert dict(q("SELECT reason, count(*) FROM quarantine GROUP BY reason")) == {
        "corrupt_gzip": 2,
        "truncated_line": 1,
        "not_json": 1,
        "unexpected_schema_type": 1,
        "missing_field": 1,
        "negative_token_count": 1,
        "non_integer_token_count": 1,
    }


def test_logging_coverage_from_recorded_metrics(q):
    assert q(
        "SELECT model_id, metric_tokens, logged_tokens, missing_hours FROM "
        "logging_coverage_summary WHERE model_id LIKE 'amazon.%' ORDER BY model_id"
    ) == [
        (NOVA_MICRO, 500 + 200 + 1200 + 400, 350 + 150, 1),
        (NOVA_PRO, 900 + 300, 900 + 300, 0),
    ]


def test_second_run_changes_nothing(demo):
    snap1, snap2 = demo["snaps"]
    assert all(snap1[v] for v in VIEWS if v != "attribution_coverage")
    assert snap1 == snap2
    code, out, err = demo["second"]
    assert code == 0
    assert out == demo["first"][1]
    assert "skipped_already_loaded 13" in err
    assert "files_unchanged 1" in err


def test_focus_export_totals(demo):
    text = (demo["out"] / "focus-2025-11.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sum(D(r["BilledCost"]) for r in rows) == D("549.63")
    # the payer from the invoice lines (bill_payer_account_id), no --billing-account-id needed;
    # SubAccountId is the usage account of each allocated row
    assert {r["BillingAccountId"] for r in rows} == {A1}
    assert {r["SubAccountId"] for r in rows} == {A1, A2}


@pytest.mark.slow
def test_focus_export_of_the_demo_passes_focus_validator(demo, tmp_path):
    import outputs.test_focus_validator as fv
    import pyarrow.parquet as pq

    from reconciler.demo.run import DEMO_END, DEMO_PAYER, DEMO_START
    from reconciler.outputs.export_focus import export_focus

    with duckdb.connect(str(demo["db"]), read_only=True) as c:
        table, _ = export_focus(c, DEMO_START, DEMO_END)
    assert set(table.column("BillingAccountId").to_pylist()) == {DEMO_PAYER}
    rules, py = fv._rules()
    if rules == "1.2":
        assert py is not None
        exe, site = fv._venv(py, *fv.V12)
        path = tmp_path / "demo.parquet"
        pq.write_table(table, path)
        out = fv._validate(
            exe, site, ["--data-file", str(path), "--validate-version", "1.2", "--block-download"]
        )
        assert "Total:" in out, out[-2000:]
        assert fv._failures_12(out) <= fv.ALLOWED_12, sorted(fv._failures_12(out) - fv.ALLOWED_12)
    else:
        exe, site = fv._venv(sys.executable, *fv.V10)
        data, overrides = tmp_path / "demo10.csv", tmp_path / "overrides.yaml"
        data.write_text(fv._as_focus_1_0(table))
        overrides.write_text(fv.OVERRIDES_10)
        out = fv._validate(
            exe,
            site,
            ["--data-file", str(data), "--validate-version", "1.0", "--override-file",
             str(overrides)],
        )  # fmt: skip
        failed = set(fv.re.findall(r"^(\S+) failed:", out, flags=fv.re.M))
        assert failed <= fv.ALLOWED_10, (sorted(failed - fv.ALLOWED_10), out[-2000:])


@pytest.mark.slow
def test_html_report_of_the_demo_renders_in_chromium(demo):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))
    try:
        import browser.test_html_in_chromium as browser  # skips (module level) without Chromium
    finally:
        sys.path.pop(0)
    from selenium.webdriver.common.by import By

    options = browser.webdriver.ChromeOptions()
    options.binary_location = str(browser.CHROMIUM)
    for flag in browser.FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={demo['out'] / 'chromium-profile'}")
    d = browser.webdriver.Chrome(
        options=options, service=browser.webdriver.ChromeService(str(browser.DRIVER))
    )
    try:
        d.get((demo["out"] / "report.html").as_uri())
        assert [h.text for h in d.find_elements(By.TAG_NAME, "h2")] == [
            "Chargeback per team",
            "Rated spend per team",
            "Spend per model",
            "Bill bridge",
            "Reconciliation gaps",
            "Attribution rule coverage",
            "Logging coverage",
        ]
        body = d.find_element(By.TAG_NAME, "body").text
        assert "no data" not in body.lower()
        for css in ("#team-chart rect.seg", "svg.waterfall rect.step"):
            boxes = browser._boxes(d, css)
            assert boxes, css
            assert all(b["w"] > 0 and b["h"] > 0 for b in boxes), (css, boxes)
        for table in ("chargeback-table", "team-table", "model-table", "bridge-table", "gap-table"):
            rows = d.find_elements(By.CSS_SELECTOR, f"table.{table} tbody tr")
            assert rows, table
        assert (
            "<script>alert(1)</script>" in d.find_element(By.CSS_SELECTOR, "table.team-table").text
        )
        assert d.find_elements(By.TAG_NAME, "script") == []
    finally:
        d.quit()


@pytest.mark.parametrize("export", ["cur2_csv", "focus12", "focus10"])
def test_every_invoice_format_gives_the_same_reconciliation(demo, tmp_path, export):
    from reconciler.db.runs import Run
    from reconciler.demo.run import DEMO_END, DEMO_START, demo_settings, fixtures_dir
    from reconciler.stages.pipeline import run_window

    settings = demo_settings()
    invoices = [str(fixtures_dir() / "invoices" / export)]
    settings = settings.model_copy(
        update={"sources": settings.sources.model_copy(update={"invoices": invoices})}
    )
    db = tmp_path / f"{export}.duckdb"
    with Run(str(db), "run") as run:
        run_window(run, settings, DEMO_START, DEMO_END)
    for view in ("reconciliation", "bill_bridge", "allocated_spend"):
        assert _snapshot(db)[view] == demo["snaps"][0][view], view
