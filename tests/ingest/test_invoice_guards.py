"""Invoice guards (issue 15): overlapping sources, duplicate line items, currency, negative usage,
S3 keys too long for a file name. Every figure is computed by hand in the test."""

from __future__ import annotations

import csv
import gzip
import io
import os
import shutil
from decimal import Decimal as D
from pathlib import Path

import boto3
import duckdb
import pytest

from reconciler.cli import main
from reconciler.core.config import InvoicesConfig, Settings
from reconciler.core.quarantine import Problems
from reconciler.ingest import invoices
from tests.support.stage import stage_ctx

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "fixtures" / "invoices"
# fixtures/invoices/README.md: the 29 Bedrock rows of 2025-11 add up to 549.634951398 USD
# (508.32 + 42.36 - 1.25 = 549.43, plus 0.204951398 for the 26 small rows).
BILL = D("549.634951398")
# Account A2's rows of it (README rows 16, 18-29): 508.32 + 42.36 + 0.0024 + 0.003 + 0.0033
# + 0.0044 + 0.0000046 + 0.0000092 + 0.0576 + 0.0144 + 0.0135 + 0.00001925 + 0.0000077
A2_BILL = D("550.77864075")
P = "2025-11-01T00:00:00Z"
A1 = "111122223333"
HEADER = [
    "bill_billing_period_start_date", "line_item_usage_start_date", "line_item_usage_end_date",
    "line_item_usage_account_id", "line_item_product_code", "line_item_usage_type",
    "line_item_line_item_type", "line_item_usage_amount", "line_item_unblended_cost",
]  # fmt: skip
NOVA_IN, NOVA_OUT = "USE1-NovaMicro-input-tokens", "USE1-NovaMicro-output-tokens"


def cur2(rows: list[dict[str, str]], extra: tuple[str, ...] = ()) -> str:
    """A CUR 2.0 CSV. Each row: day, usage_type, amount, cost (+ type, extra columns)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER + list(extra))
    for r in rows:
        day = int(r["day"])
        w.writerow(
            [P, f"2025-11-{day:02d}T00:00:00Z", f"2025-11-{day + 1:02d}T00:00:00Z",
             r.get("account", A1), "AmazonBedrock", r["usage_type"], r.get("type", "Usage"),
             r["amount"], r["cost"]] + [r.get(c, "") for c in extra]
        )  # fmt: skip
    return out.getvalue()


ROWS = [
    {"day": "3", "usage_type": NOVA_IN, "amount": "2", "cost": "0.00007"},
    {"day": "3", "usage_type": NOVA_OUT, "amount": "1", "cost": "0.00014"},
    {"day": "4", "usage_type": NOVA_IN, "amount": "10", "cost": "0.00035"},
]
ROWS_TOTAL = D("0.00056")  # 0.00007 + 0.00014 + 0.00035


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as c:
        return c.execute(sql).fetchall()


def ingest(con, *sources, settings=None, run_id="run-1"):
    problems = Problems()
    result = invoices.run(
        stage_ctx(con, run_id, settings=settings or Settings(), problems=problems),
        sources=[str(s) for s in sources],
    )
    return result, problems


def total(con) -> D:
    return con.execute("SELECT coalesce(sum(unblended_cost_usd), 0) FROM invoice_lines").fetchone()[
        0
    ]


def copy_export(src: str, dest: Path) -> None:
    shutil.copytree(FIX / src, dest / src)


# --- 1. overlapping sources: one is used, the others reported, never summed --------------------


def test_cur2_and_focus_of_one_month_in_one_folder_count_once(tmp_path, capsys):
    folder = tmp_path / "billing"
    for export in ("cur2_parquet", "focus12"):
        copy_export(export, folder)
    db = tmp_path / "r.duckdb"
    code, _out, err = cli(["--db", str(db), "ingest", "invoice", str(folder)], capsys)
    assert code == 1, err  # a finding: two billing exports of one month
    assert "superseded_invoice_source=1" in err
    # before the guard: 2 x 549.634951398 = 1099.269902796
    assert query(db, "SELECT sum(unblended_cost_usd), count(*) FROM invoice_lines") == [(BILL, 29)]
    assert query(
        db, "SELECT source_format, used, lines FROM invoice_sources ORDER BY ALL"
    ) == [
        ("cur2", True, 13), ("cur2", True, 16),  # accounts A2 (13 lines) and A1 (16 lines)
        ("focus_1_2", False, 13), ("focus_1_2", False, 16),
    ]  # fmt: skip
    (_reason, detail), = query(
        db, "SELECT reason, detail FROM quarantine WHERE reason = 'superseded_invoice_source'"
    )  # fmt: skip
    assert "29 focus_1_2 lines" in detail
    assert "cur2 source" in detail
    # the raw lines of both are kept (for invoice_sources); nothing of FOCUS is counted
    assert query(db, "SELECT count(*) FROM invoice_line_items") == [(58,)]


def test_all_four_fixture_exports_in_any_order_give_one_bill(con):
    # CUR 2.0 Parquet and CSV (copies of one format), FOCUS 1.2 and 1.0: cur2 wins over FOCUS
    for i, export in enumerate(("focus10", "cur2_csv", "focus12", "cur2_parquet")):
        ingest(con, FIX / export, run_id=f"run-{i}")
    assert total(con) == BILL  # before: 4 x 549.634951398 = 2198.539805592
    used = con.execute("SELECT DISTINCT source_format FROM invoice_sources WHERE used").fetchall()
    assert used == [("cur2",)]
    # one of the two CUR 2.0 copies is used per account: the latest delivery (file mtime)
    assert con.execute("SELECT count(*) FROM invoice_sources WHERE used").fetchone() == (2,)


def test_two_copies_of_a_cur_under_different_s3_keys(aws, tmp_path, capsys):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="acme-cur")
    body = cur2(ROWS).encode()
    s3.put_object(Bucket="acme-cur", Key="cur/old-export/bedrock.csv", Body=body)
    s3.put_object(Bucket="acme-cur", Key="cur/copy-of-export/bedrock.csv", Body=body)
    db = tmp_path / "r.duckdb"
    code, _, err = cli(["--db", str(db), "ingest", "invoice", "s3://acme-cur/cur/"], capsys)
    assert code == 1, err
    assert query(db, "SELECT sum(unblended_cost_usd), count(*) FROM invoice_lines") == [
        (ROWS_TOTAL, 3)  # not 0.00112
    ]
    assert query(db, "SELECT count(*) FILTER (WHERE used), count(*) FROM invoice_sources") == [
        (1, 2)
    ]


def test_parts_of_one_bill_are_all_used_copies_are_not(con, tmp_path):
    # Two files of one CUR with different line items (a multi-file legacy-style assembly): both
    # are the bill. Line item ids tell parts from copies.
    extra = ("identity_line_item_id", "identity_time_interval")
    interval = "2025-11-03T00:00:00Z/2025-11-04T00:00:00Z"
    part1 = [dict(ROWS[0], identity_line_item_id="aaa", identity_time_interval=interval)]
    part2 = [dict(ROWS[1], identity_line_item_id="bbb", identity_time_interval=interval)]
    (tmp_path / "bill-1.csv").write_text(cur2(part1, extra))
    (tmp_path / "bill-2.csv").write_text(cur2(part2, extra))
    _result, problems = ingest(con, tmp_path / "bill-1.csv", tmp_path / "bill-2.csv")
    assert problems.by_reason() == {}
    assert total(con) == D("0.00021")  # 0.00007 + 0.00014: both parts
    # a copy of part 1 (same line item id) elsewhere: the later delivery is used, not both
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "bill-1.csv").write_text(cur2(part1, extra))
    os.utime(tmp_path / "copy" / "bill-1.csv", (2_000_000_000, 2_000_000_000))
    _, problems = ingest(con, tmp_path / "copy" / "bill-1.csv", run_id="run-2")
    assert problems.by_reason() == {"superseded_invoice_source": 1}
    assert total(con) == D("0.00021")


def test_a_redelivered_period_replaces_the_previous_one_beside_a_superseded_focus(con, tmp_path):
    export = tmp_path / "cur" / "acme" / "data" / "BILLING_PERIOD=2025-11"
    export.mkdir(parents=True)
    (export / "acme-00001.csv").write_text(cur2(ROWS))
    copy_export("focus12", tmp_path)
    ingest(con, export / "acme-00001.csv", tmp_path / "focus12", run_id="run-1")
    # account A1: the CUR's rows, FOCUS superseded; account A2 is only in the FOCUS export, so
    # its FOCUS lines are its bill (precedence is per billing period and account)
    assert total(con) == ROWS_TOTAL + A2_BILL
    # AWS refreshes the open month: the day-4 line grows from 0.00035 to 0.0007
    redelivered = [*ROWS[:2], dict(ROWS[2], amount="20", cost="0.0007")]
    (export / "acme-00001.csv").write_text(cur2(redelivered))
    os.utime(export / "acme-00001.csv", (2_000_000_000, 2_000_000_000))
    result, _ = ingest(con, export / "acme-00001.csv", tmp_path / "focus12", run_id="run-2")
    assert (result.counts["files"], result.counts["files_unchanged"]) == (1, 1)
    assert total(con) == D("0.00091") + A2_BILL  # 0.00007 + 0.00014 + 0.0007: replaced


def test_cost_explorer_lines_superseded_by_a_cur_are_not_a_finding(con, tmp_path):
    con.execute(
        "INSERT INTO invoice_line_items (billing_period, usage_start, usage_end, account_id,"
        " line_item_type, unblended_cost_usd, net_cost_usd, mapped, source_format,"
        " source_family, source_uri, run_id) VALUES ('2025-11-01', '2025-11-03', '2025-11-04',"
        " $a, 'Usage', 9.99, 9.99, true, 'cost_explorer', 'cost_explorer', 'ce:x', 'run-0')",
        {"a": A1},
    )
    path = tmp_path / "cur.csv"
    path.write_text(cur2(ROWS))
    result, problems = ingest(con, path)
    assert problems.by_reason() == {}
    assert result.counts["superseded_lines"] == 1
    assert total(con) == ROWS_TOTAL  # not 9.99 + 0.00056


# --- 2. duplicate line items -------------------------------------------------------------------


def test_every_row_duplicated_loads_once(tmp_path, capsys):
    path = tmp_path / "cur.csv"
    path.write_text(cur2(ROWS + ROWS))
    db = tmp_path / "r.duckdb"
    code, _, err = cli(["--db", str(db), "ingest", "invoice", str(path)], capsys)
    assert code == 1, err
    assert "duplicate_line_items 3" in err
    assert query(db, "SELECT sum(unblended_cost_usd), count(*) FROM invoice_lines") == [
        (ROWS_TOTAL, 3)  # not 0.00112, 6
    ]
    assert query(db, "SELECT line_number, reason FROM quarantine") == [
        (None, "duplicate_line_item")
    ]
    assert query(db, "SELECT records, duplicates FROM source_objects") == [(3, 3)]


def test_duplicates_by_line_item_id_and_interval(con, tmp_path):
    extra = ("identity_line_item_id", "identity_time_interval")
    iv = "2025-11-03T00:00:00Z/2025-11-04T00:00:00Z"
    rows = [
        dict(ROWS[0], identity_line_item_id="a1", identity_time_interval=iv),
        dict(ROWS[0], identity_line_item_id="a1", identity_time_interval=iv),  # duplicate
        # same id, another hour: a different line item
        dict(ROWS[0], identity_line_item_id="a1", identity_time_interval="2025-11-03T01/x"),
        # same fields, another id: two line items that happen to be equal; both count
        dict(ROWS[0], identity_line_item_id="a2", identity_time_interval=iv),
    ]
    path = tmp_path / "cur.csv"
    path.write_text(cur2(rows, extra))
    result, problems = ingest(con, path)
    assert (result.rows_out, result.counts["duplicate_line_items"]) == (3, 1)
    assert problems.by_reason() == {"duplicate_line_item": 1}
    assert total(con) == 3 * D("0.00007")


# --- 3. currency and negative usage -------------------------------------------------------------


def eur_bill(tmp_path: Path) -> Path:
    rows = [dict(r, line_item_currency_code="EUR") for r in ROWS]
    path = tmp_path / "eur.csv"
    path.write_text(cur2(rows, ("line_item_currency_code",)))
    return path


def test_eur_bill_is_refused_without_a_rate(tmp_path, capsys):
    db = tmp_path / "r.duckdb"
    code, _, err = cli(["--db", str(db), "ingest", "invoice", str(eur_bill(tmp_path))], capsys)
    assert code == 1, err
    assert "non_usd_currency=1" in err
    assert query(db, "SELECT count(*) FROM invoice_lines") == [(0,)]
    (detail,) = query(db, "SELECT detail FROM quarantine WHERE reason = 'non_usd_currency'")[0]
    assert "3 Bedrock lines billed in EUR" in detail
    assert "currency_rates" in detail
    # not recorded as loaded: once a rate is configured, the next ingest loads it
    assert query(db, "SELECT count(*) FROM source_objects") == [(0,)]


def test_eur_bill_converted_by_a_configured_rate(con, tmp_path):
    settings = Settings(invoices=InvoicesConfig(currency_rates={"EUR": D("1.08")}))
    _result, problems = ingest(con, eur_bill(tmp_path), settings=settings)
    assert problems.by_reason() == {}
    assert con.execute(
        "SELECT currency, currency_rate, unblended_cost_usd, net_cost_usd FROM invoice_lines "
        "ORDER BY unblended_cost_usd"
    ).fetchall() == [
        ("EUR", D("1.08"), D("0.0000756"), D("0.0000756")),  # 0.00007 x 1.08
        ("EUR", D("1.08"), D("0.0001512"), D("0.0001512")),  # 0.00014 x 1.08
        ("EUR", D("1.08"), D("0.000378"), D("0.000378")),  # 0.00035 x 1.08
    ]


def test_usd_is_kept_on_every_line(con, tmp_path):
    path = tmp_path / "cur.csv"
    path.write_text(cur2(ROWS))  # no currency column: USD
    ingest(con, path)
    assert con.execute("SELECT DISTINCT currency, currency_rate FROM invoice_lines").fetchall() == [
        ("USD", D(1))
    ]


def test_currency_rate_config_is_validated(tmp_path, capsys):
    cfg = tmp_path / "reconciler.toml"
    cfg.write_text('[invoices]\ncurrency_rates = { EUR = "-1" }\n')
    code, _, err = cli(
        ["--db", str(tmp_path / "r.duckdb"), "--config", str(cfg), "ingest", "invoice",
         str(eur_bill(tmp_path))], capsys,
    )  # fmt: skip
    assert code == 2
    assert "currency_rates.EUR: the rate must be a positive number" in err


def test_negative_usage_cost_is_a_finding(tmp_path, capsys):
    rows = [
        *ROWS,
        {"day": "5", "usage_type": NOVA_IN, "amount": "1", "cost": "-0.5"},
        {"day": "5", "usage_type": NOVA_IN, "amount": "0", "cost": "-0.25", "type": "Credit"},
    ]
    path = tmp_path / "cur.csv"
    path.write_text(cur2(rows))
    db = tmp_path / "r.duckdb"
    code, _, err = cli(["--db", str(db), "ingest", "invoice", str(path)], capsys)
    assert code == 1, err
    assert query(db, "SELECT line_number, reason FROM quarantine") == [(5, "negative_usage_cost")]
    # the credit (-0.25) is a line of its own and loads; the negative Usage line does not
    assert query(db, "SELECT sum(unblended_cost_usd), count(*) FROM invoice_lines") == [
        (ROWS_TOTAL - D("0.25"), 4)
    ]


# --- 4. S3 keys longer than a file name may be ------------------------------------------------


def test_s3_object_with_a_300_character_key_loads(aws, tmp_path, capsys):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="acme-cur")
    name = "bedrock-cur-" + "x" * 281 + ".csv.gz"  # one path component of 300 characters
    assert len(name) == 300
    s3.put_object(Bucket="acme-cur", Key="exports/" + name, Body=gzip.compress(cur2(ROWS).encode()))
    db = tmp_path / "r.duckdb"
    code, _, err = cli(["--db", str(db), "ingest", "invoice", "s3://acme-cur/exports/"], capsys)
    assert code == 0, err
    assert "File name too long" not in err
    assert query(db, "SELECT count(*), sum(unblended_cost_usd) FROM invoice_lines") == [
        (3, ROWS_TOTAL)
    ]
    # and the next ingest is a no-op, not a crash
    code, _, err = cli(["--db", str(db), "ingest", "invoice", "s3://acme-cur/exports/"], capsys)
    assert code == 0, err
    assert "files_unchanged 1" in err
