"""Acceptance (issue 15): a billing folder full of poison — the same month as CUR 2.0 Parquet,
CUR 2.0 CSV, FOCUS 1.2 and FOCUS 1.0, a copy with every row twice, a bill in EUR, a negative
Usage line, a file of unknown format and a corrupt Parquet file — goes through the nightly `run`
and `export focus` without exit 70, and the invoice, the reconciliation, the allocation and the
FOCUS export all come to one copy of the bill, computed by hand in fixtures/invoices/README.md."""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import shutil
import socket
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

import reconciler.core.aws
from reconciler.cli import main
from tests.support.stage import per_region

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "fixtures"
BILL = D("549.634951398")  # fixtures/invoices/README.md: the 29 Bedrock rows of 2025-11
CUR_HEAD = (
    "bill_billing_period_start_date,line_item_usage_start_date,line_item_usage_end_date,"
    "line_item_usage_account_id,line_item_product_code,line_item_usage_type,"
    "line_item_line_item_type,line_item_usage_amount,line_item_unblended_cost"
)


def _cli(args: list[str]) -> tuple[int, str, str]:
    """The real entry point (its error boundary turns a crash into exit 70)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
            code: object = 0
        except SystemExit as exc:
            code = exc.code
    return int(code or 0), out.getvalue(), err.getvalue()  # type: ignore[call-overload]


def poison_folder(root: Path) -> Path:
    billing = root / "billing"
    for export in ("cur2_parquet", "cur2_csv", "focus12", "focus10"):
        shutil.copytree(FIX / "invoices" / export, billing / export)
    # a re-export of the CUR 2.0 CSV with every row twice, under another prefix
    src = next((FIX / "invoices" / "cur2_csv").rglob("*.csv.gz"))
    lines = gzip.decompress(src.read_bytes()).decode().splitlines()
    doubled = billing / "again" / "cur-again" / "data" / "BILLING_PERIOD=2025-11"
    doubled.mkdir(parents=True)
    body = "\n".join([lines[0], *lines[1:], *lines[1:]]) + "\n"
    (doubled / "cur-again-00001.csv.gz").write_bytes(gzip.compress(body.encode()))
    # the same month's Bedrock usage of account A1 billed in EUR: refused (no rate configured)
    (billing / "eur.csv").write_text(
        CUR_HEAD + ",line_item_currency_code\n"
        "2025-11-01T00:00:00Z,2025-11-03T00:00:00Z,2025-11-04T00:00:00Z,111122223333,"
        "AmazonBedrock,USW2-NovaPro-input-tokens,Usage,0.9,0.00066,EUR\n"
    )
    # a third account whose only Bedrock line is a negative Usage cost: quarantined
    (billing / "negative.csv").write_text(
        CUR_HEAD + "\n2025-11-01T00:00:00Z,2025-11-03T00:00:00Z,2025-11-04T00:00:00Z,"
        "777788889999,AmazonBedrock,USE1-NovaMicro-input-tokens,Usage,1,-50\n"
    )
    (billing / "notes.csv").write_text("a,b\n1,2\n")  # unknown format
    (billing / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    return billing


def test_poison_billing_folder_gives_one_copy_of_the_bill(tmp_path, monkeypatch):
    billing = poison_folder(tmp_path)
    shutil.copy(FIX / "demo-model-map.csv", tmp_path / "model-map.csv")
    config = tmp_path / "reconciler.toml"
    config.write_text(
        'model_map = "model-map.csv"\n[sources]\n'
        f"logs = [{str(FIX / 'logs')!r}]\ninvoices = [{str(billing)!r}]\nworkers = 1\n"
    )
    db = tmp_path / "r.duckdb"

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(reconciler.core.aws, "client", per_region(no_network))
    base = ["--db", str(db), "--config", str(config)]
    code, _, err = _cli([*base, "run", "--start", "2025-11-03", "--end", "2025-11-04",
                         "--no-reports"])  # fmt: skip
    assert code == 1, err  # findings (the poison, gaps), never 70
    with duckdb.connect(str(db), read_only=True) as c:
        q = lambda sql: c.execute(sql).fetchall()  # noqa: E731
        # before the guards: 2,198.54 (four exports) + 549.63 (the doubled copy, twice) ...
        assert q("SELECT sum(net_cost_usd), count(*) FROM invoice_lines") == [(BILL, 29)]
        assert q("SELECT sum(invoiced_cost_usd) FROM reconciliation") == [(BILL,)]
        assert q("SELECT sum(exact_usd) FROM allocated_spend") == [(BILL,)]
        reasons = {r for (r,) in q("SELECT DISTINCT reason FROM quarantine")}
        assert {
            "superseded_invoice_source", "duplicate_line_item", "non_usd_currency",
            "negative_usage_cost", "unknown_format", "unreadable_file",
        } <= reasons  # fmt: skip
        assert q("SELECT count(*) FROM invoice_lines WHERE currency <> 'USD'") == [(0,)]
    out_file = tmp_path / "focus.csv"
    code, _, err = _cli([*base, "export", "focus", "--start", "2025-11-03", "--end", "2025-11-04",
                         "--out", str(out_file)])  # fmt: skip
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out_file.read_text(encoding="utf-8"))))
    assert sum(D(r["BilledCost"]) for r in rows) == D("549.63")  # not 2,198.54
    # a second nightly run over the same folder changes nothing and still never exits 70
    code, _, err = _cli([*base, "run", "--start", "2025-11-03", "--end", "2025-11-04",
                         "--no-reports"])  # fmt: skip
    assert code == 1, err
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT sum(net_cost_usd) FROM invoice_lines").fetchall() == [(BILL,)]


@pytest.mark.parametrize("order", [0, 1])
def test_ingest_order_does_not_change_the_bill(tmp_path, order):
    billing = poison_folder(tmp_path)
    parts = sorted(p for p in billing.iterdir())
    if order:
        parts.reverse()
    db = tmp_path / "r.duckdb"
    for p in parts:
        code, _, err = _cli(["--db", str(db), "ingest", "invoice", str(p)])
        assert code in (0, 1), err
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT sum(net_cost_usd) FROM invoice_lines").fetchall() == [(BILL,)]
