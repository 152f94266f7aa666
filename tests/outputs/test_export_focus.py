"""FOCUS 1.2 export: columns, types, exact totals, categories, CSV neutralisation, CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import support.focus_fixture as fx

from reconciler.cli import main
from reconciler.core.errors import ConfigError
from reconciler.db import connect, migrate
from reconciler.outputs.export_focus import export_focus, last_full_month, render_csv

NOV = (date(2025, 11, 1), date(2025, 11, 30))

EXPECTED_COLUMNS = [
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "EffectiveCost", "InvoiceIssuerName",
    "ListCost", "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName",
    "PublisherName", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SubAccountId",
    "Tags",
    "x_Team", "x_Application", "x_BaseModel", "x_Charge", "x_AllocationMethod",
    "x_AllocatedLines",
]  # fmt: skip


@pytest.fixture
def fcon(con):
    fx.load(con)
    return con


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_columns_and_exact_billed_total(fcon):
    table, result = export_focus(fcon, *NOV, billing_account_id=fx.ACCOUNT)
    rows = _csv_rows(render_csv(table))
    assert list(rows[0]) == EXPECTED_COLUMNS
    assert len(rows) == 7 == result.rows
    # 1.23 + 4.56 + 0.07 + 0.50 - 1.50 + 2.00 + 0.30, summed from the CSV text itself
    assert sum(Decimal(r["BilledCost"]) for r in rows) == Decimal("7.16")
    assert result.billed_total_usd == Decimal("7.16")
    for col in ("EffectiveCost", "ListCost", "ContractedCost"):
        assert [r[col] for r in rows] == [r["BilledCost"] for r in rows]
    assert sorted(r["BilledCost"] for r in rows) == sorted(
        ["1.23", "4.56", "0.07", "0.50", "-1.50", "2.00", "0.30"]
    )
    assert {r["BillingCurrency"] for r in rows} == {"USD"}
    assert {r["ServiceName"] for r in rows} == {"Amazon Bedrock"}
    assert {r["ServiceCategory"] for r in rows} == {"AI and Machine Learning"}
    assert {r["ProviderName"] for r in rows} == {"AWS"}
    assert {r["BillingAccountId"] for r in rows} == {fx.ACCOUNT}


def test_parquet_types_and_exact_total(fcon, tmp_path):
    out = tmp_path / "focus.parquet"
    export_focus(fcon, *NOV, out=out, fmt="parquet", billing_account_id=fx.ACCOUNT)
    t = pq.read_table(out)
    assert t.column_names == EXPECTED_COLUMNS
    money = pa.decimal128(38, 12)
    for col in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingQuantity"):
        assert t.schema.field(col).type == money, col
    for col in ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"):
        assert t.schema.field(col).type == pa.timestamp("ms", tz="UTC"), col
    assert t.schema.field("BillingAccountId").type == pa.string()
    assert sum(t.column("BilledCost").to_pylist()) == Decimal("7.16")


def test_quantities_categories_and_periods(fcon):
    table, _ = export_focus(fcon, *NOV, billing_account_id=fx.ACCOUNT)
    rows = table.to_pylist()

    def one(team, model, charge, day):
        (hit,) = [
            r
            for r in rows
            if (r["x_Team"], r["x_BaseModel"], r["x_Charge"]) == (team, model, charge)
            and r["ChargePeriodStart"].date() == day
        ]
        return hit

    usage = one("search", fx.HAIKU, "input_tokens", date(2025, 11, 3))
    assert usage["ConsumedQuantity"] == Decimal(1_230_000)  # 1,000,000 + 230,000 logged
    assert usage["PricingQuantity"] == Decimal(1_230_000)
    assert (usage["ConsumedUnit"], usage["PricingUnit"]) == ("Tokens", "Tokens")
    assert (usage["ChargeCategory"], usage["ChargeFrequency"]) == ("Usage", "Usage-Based")
    assert usage["PricingCategory"] == "Standard"
    assert usage["PublisherName"] == "Anthropic"
    assert usage["ChargePeriodStart"] == datetime(2025, 11, 3, tzinfo=UTC)
    assert usage["ChargePeriodEnd"] == datetime(2025, 11, 4, tzinfo=UTC)
    assert usage["BillingPeriodStart"] == datetime(2025, 11, 1, tzinfo=UTC)
    assert usage["BillingPeriodEnd"] == datetime(2025, 12, 1, tzinfo=UTC)
    assert json.loads(usage["Tags"]) == {"team": "search", "application": "api"}
    assert usage["x_AllocationMethod"] == "rated_cost"

    unlogged = one("unattributed", fx.HAIKU, "input_tokens", date(2025, 11, 3))
    assert unlogged["ChargeCategory"] == "Usage"
    assert unlogged["ConsumedQuantity"] is None
    assert unlogged["PricingUnit"] is None

    credit = one("unattributed", None, "other", date(2025, 11, 3))
    assert credit["BilledCost"] == Decimal("-1.50")
    assert (credit["ChargeCategory"], credit["ChargeFrequency"]) == ("Credit", "One-Time")
    assert credit["PricingCategory"] is None

    tax = one("search", None, "other", date(2025, 11, 4))
    assert (tax["ChargeCategory"], tax["BilledCost"]) == ("Tax", Decimal("0.30"))

    nova = one(fx.HOSTILE_TEAM, fx.NOVA, "input_tokens", date(2025, 11, 3))
    assert nova["PublisherName"] == "AWS"
    assert nova["ConsumedQuantity"] == Decimal(2_000_000)


def test_csv_neutralises_text_but_not_amounts(fcon):
    table, _ = export_focus(fcon, *NOV, billing_account_id=fx.ACCOUNT)
    rows = _csv_rows(render_csv(table))
    (hostile,) = [r for r in rows if r["x_Application"] == "'+app"]
    assert hostile["x_Team"] == "'" + fx.HOSTILE_TEAM
    assert hostile["ChargeDescription"].startswith("Amazon Bedrock input_tokens")
    # Tags is JSON (starts with "{"): it round-trips to the raw strings
    assert json.loads(hostile["Tags"]) == {"team": fx.HOSTILE_TEAM, "application": fx.HOSTILE_APP}
    (credit,) = [r for r in rows if r["ChargeCategory"] == "Credit"]
    assert credit["BilledCost"] == "-1.50"
    for r in rows:
        for k, v in r.items():
            if k not in {"BilledCost", "EffectiveCost", "ListCost", "ContractedCost"}:
                assert not v.startswith(("=", "+", "-", "@", "\t", "\r")), (k, v)


def test_window_filters_days(fcon):
    _, result = export_focus(fcon, date(2025, 11, 4), date(2025, 11, 4), billing_account_id="1")
    assert (result.rows, result.billed_total_usd) == (2, Decimal("2.30"))  # 2.00 + 0.30


def test_billing_account_defaults_to_the_one_invoice_account(fcon):
    with pytest.raises(ConfigError, match=r"no invoice lines .*pass --billing-account-id"):
        export_focus(fcon, *NOV)
    fcon.execute(
        "INSERT INTO invoice_line_items (billing_period, usage_start, usage_end, account_id, "
        "line_item_type, unblended_cost_usd, net_cost_usd, mapped, source_format, source_uri, "
        "run_id) VALUES ('2025-11-01', '2025-11-03', '2025-11-04', $a, 'Usage', 1, 1, true, "
        "'cur2', 'x', 'r')",
        {"a": "210987654321"},
    )
    table, _ = export_focus(fcon, *NOV)
    assert set(table.column("BillingAccountId").to_pylist()) == {"210987654321"}


def _invoice_line(con, account, payer, day="2025-11-03"):
    con.execute(
        "INSERT INTO invoice_line_items (billing_period, usage_start, usage_end, account_id, "
        "payer_account_id, line_item_type, unblended_cost_usd, net_cost_usd, mapped, "
        "source_format, source_uri, run_id) VALUES ('2025-11-01', CAST($d AS TIMESTAMP), "
        "CAST($d AS TIMESTAMP) + INTERVAL 1 DAY, $a, $p, 'Usage', 1, 1, true, 'cur2', 'x', 'r')",
        {"a": account, "p": payer, "d": day},
    )


def test_billing_account_is_each_accounts_payer_and_sub_account_the_usage_account(fcon):
    a, b, orphan = "111111111111", "222222222222", fx.ACCOUNT
    _invoice_line(fcon, a, "900000000001")
    _invoice_line(fcon, b, "900000000002")
    for team, account in (("search", a), (fx.HOSTILE_TEAM, b)):
        for table in ("allocated_spend_rows", "rated_usage"):
            fcon.execute(
                f"UPDATE {table} SET account_id = $acct WHERE team = $t",
                {"acct": account, "t": team},
            )
    # the unattributed rows stay on fx.ACCOUNT, which has no invoice line: which payer?
    with pytest.raises(ConfigError, match=r"2 payer accounts on the invoice .*--billing-acc"):
        export_focus(fcon, *NOV)
    _invoice_line(fcon, orphan, None)  # a line from an export without the payer column
    with pytest.raises(ConfigError, match=r"2 payer accounts"):
        export_focus(fcon, *NOV)
    fcon.execute(
        "UPDATE invoice_line_items SET payer_account_id = '900000000001' WHERE account_id = $o",
        {"o": orphan},
    )
    table, _ = export_focus(fcon, *NOV)
    got = sorted(
        {(r["SubAccountId"], r["BillingAccountId"], r["x_Team"]) for r in table.to_pylist()}
    )
    assert got == [
        (a, "900000000001", "search"),
        (orphan, "900000000001", "unattributed"),
        (b, "900000000002", fx.HOSTILE_TEAM),
    ]
    # quantities still match per account: search's Haiku input on 11-03 is 1,230,000 tokens
    (q,) = [
        r["ConsumedQuantity"]
        for r in table.to_pylist()
        if (r["x_Team"], r["x_Charge"], r["ChargePeriodStart"].day) == ("search", "input_tokens", 3)
    ]
    assert q == Decimal(1_230_000)
    # the flag overrides every row
    table, _ = export_focus(fcon, *NOV, billing_account_id="555555555555")
    assert set(table.column("BillingAccountId").to_pylist()) == {"555555555555"}


def test_missing_view_is_a_clear_error(con):
    con.execute("DROP VIEW allocated_spend")  # e.g. a database written by an older version
    with pytest.raises(ConfigError, match="no allocated_spend view"):
        export_focus(con, *NOV, billing_account_id="1")


def test_an_older_spend_view_is_named_with_what_to_do(fcon):
    # a database last written by a version whose spend view had no quantity/unit: its views are
    # re-created only by a writing command, and export focus reads it read-only
    body = fcon.execute(
        "SELECT sql FROM duckdb_views() WHERE view_name = 'spend' AND NOT internal"
    ).fetchone()[0]
    fcon.execute(
        "CREATE OR REPLACE VIEW spend AS SELECT * EXCLUDE (quantity, unit) FROM ("
        + body.split(" AS ", 1)[1].rstrip().rstrip(";")
        + ")"
    )
    with pytest.raises(
        ConfigError,
        match=r"view spend lacks column\(s\) quantity, unit .* "
        r"run any writing command",
    ):
        export_focus(fcon, *NOV, billing_account_id="1")


def test_last_full_month():
    assert last_full_month(date(2026, 3, 1)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert last_full_month(date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))


@pytest.fixture
def db_file(tmp_path):
    path = tmp_path / "r.duckdb"
    c = connect(str(path))
    migrate(c)
    fx.load(c)
    c.close()
    return path


def _run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_cli_csv_to_stdout(db_file, capsys):
    code, out, err = _run(
        ["--db", str(db_file), "export", "focus", "--start", "2025-11-01", "--end", "2025-11-30",
         "--billing-account-id", fx.ACCOUNT],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert sum(Decimal(r["BilledCost"]) for r in _csv_rows(out)) == Decimal("7.16")
    assert (
        err == "export focus: 7 rows, BilledCost total 7.160000000000 USD, 2025-11-01..2025-11-30\n"
    )


def test_cli_parquet_needs_out(db_file, capsys):
    code, out, err = _run(["--db", str(db_file), "export", "focus", "--format", "parquet"], capsys)
    assert (code, out) == (2, "")
    assert err == "reconciler: error: export focus: --format parquet needs --out PATH\n"


def test_cli_parquet_file(db_file, tmp_path, capsys):
    out = tmp_path / "f.parquet"
    code, stdout, _ = _run(
        ["--db", str(db_file), "export", "focus", "--start", "2025-11-03", "--end", "2025-11-03",
         "--format", "parquet", "--out", str(out), "--billing-account-id", fx.ACCOUNT],
        capsys,
    )  # fmt: skip
    assert (code, stdout) == (0, "")
    # 1.23 + 4.56 + 0.07 + 0.50 - 1.50 on 2025-11-03
    assert sum(pq.read_table(out).column("BilledCost").to_pylist()) == Decimal("4.86")
