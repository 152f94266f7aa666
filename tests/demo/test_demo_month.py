"""The generated demo month (reconciler/demo/month.py, what `make demo` runs): deterministic, a
real shape (every team in the hundreds or thousands of dollars), the traps present, and the
allocation tied to the invoice to the cent. The small fixtures keep their own tests
(tests/e2e/test_demo.py runs `demo --small`); nothing else depends on this data."""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from reconciler.cli import cli
from reconciler.demo.month import write_month


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.gz"))}


def test_the_month_is_written_byte_for_byte_the_same_every_time(tmp_path):
    a = write_month(tmp_path / "a")
    b = write_month(tmp_path / "b")
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert a.records == b.records
    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / "a").rglob("*.gz")}
    write_month(tmp_path / "a")  # a re-run rewrites nothing (so the ledger skips every file)
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "a").rglob("*.gz")} == mtimes


def test_the_month_counts_what_it_wrote(tmp_path):
    m = write_month(tmp_path)
    lines = [
        line
        for p in sorted(m.logs.rglob("*.json.gz"))
        for line in gzip.decompress(p.read_bytes()).splitlines()
    ]
    good = []
    for line in lines:
        with contextlib.suppress(ValueError):
            good.append(json.loads(line))
    assert len(lines) - len(good) == m.quarantined == 2  # a cut line and an HTML page
    assert len(good) == m.records + 1  # + the good line of the broken file
    assert {r["requestMetadata"]["team"] for r in good if "requestMetadata" in r} == {
        "search",
        "support",
        "growth",
        "data-platform",
        "risk",
    }
    operations = {r["operation"] for r in good}
    assert operations == {"Converse", "CreateModelInvocationJob"}
    models = {r["modelId"].split(".", 1)[0] for r in good}
    assert {"us", "global"} <= models  # geo and global profiles
    assert any("provisioned-model" in r["modelId"] for r in good)
    assert any("cacheReadInputTokenCount" in r["input"] for r in good)
    rows = invoice_rows(m.invoices)
    assert len(rows) == m.invoice_lines
    assert sum(Decimal(r["line_item_unblended_cost"]) for r in rows) == m.invoiced_usd


def demo(db: Path, out_dir: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(
            args=["--db", str(db), "demo", "--out-dir", str(out_dir)],
            prog_name="reconciler",
            standalone_mode=False,
        )
    return int(code), out.getvalue(), err.getvalue()


def invoice_rows(root: Path) -> list[dict[str, str]]:
    (path,) = root.rglob("*.csv.gz")
    return list(csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode())))


@pytest.mark.slow
def test_make_demo_shows_a_month_with_real_amounts_tied_to_the_invoice(tmp_path):
    db, out_dir = tmp_path / "demo.duckdb", tmp_path / "demo-out"
    code, out, err = demo(db, out_dir)
    assert code == 0, err
    assert "Chargeback by team, billing period 2025-11 (invoiced cost, USD)" in out
    assert "Bedrock spend by team, 2025-11-01 to 2025-11-30 (USD)" in out
    # a second run finds nothing new: same output, and the database is not even republished
    # (no stage rewrote anything: reconciler.db.publish)
    published = hashlib.sha256(db.read_bytes()).hexdigest()
    assert demo(db, out_dir)[:2] == (0, out)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == published
    # independent route: the invoice as written, summed with Decimal, rounded like the bill
    rows = invoice_rows(out_dir / "data" / "invoices")
    invoiced = sum((Decimal(r["line_item_unblended_cost"]) for r in rows), Decimal(0))
    with duckdb.connect(str(db), read_only=True) as con:
        teams = dict(
            con.execute(
                "SELECT team, sum(cost_usd) FROM spend WHERE priced GROUP BY team"
            ).fetchall()
        )
        allocated = con.execute("SELECT sum(allocated_usd) FROM allocated_spend").fetchone()[0]
        causes = {c for (c,) in con.execute("SELECT DISTINCT cause FROM reconciliation").fetchall()}
        quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
        modes = {m for (m,) in con.execute("SELECT DISTINCT mode FROM spend").fetchall()}
        routings = {r for (r,) in con.execute("SELECT DISTINCT routing FROM spend").fetchall()}
    assert set(teams) == {"search", "support", "growth", "data-platform", "risk"}
    assert all(Decimal(100) <= v <= Decimal(10000) for v in teams.values()), teams
    assert allocated == invoiced.quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert invoiced > Decimal(3000)
    assert {
        "unlogged_usage",
        "unbilled_usage",
        "unpriced_usage",
        "price_mismatch",
        "non_token_charge",
        "discount_or_credit",
        "unmapped_usage_type",
        "provisioned_tokens",
    } <= causes
    assert quarantined == 2
    assert {"on_demand", "batch", "provisioned"} <= modes
    assert {"in_region", "geo", "global"} <= routings


def test_traps_message_counts_what_the_run_found():
    """The closing line names the planted traps from the run's own counts, by kind."""
    from reconciler.db.runs import RunSummary, StageResult
    from reconciler.demo.run import traps_message

    summary = RunSummary("r", "demo", exit_code=1, status="findings")
    summary.stages = [
        StageResult("ingest logs", problems_by_reason={"not_json": 1, "truncated_line": 2}),
        StageResult("reconcile", counts={"exact": 9, "unpriced_usage": 4, "price_mismatch": 1}),
    ]
    assert traps_message(summary, small=False) == (
        "demo: exit 0: the findings above are the demo month's planted traps (3 quarantined "
        "records; 4 unpriced, 1 price-mismatch buckets; docs/demo.md) (`reconciler run` would "
        "exit 1)"
    )
    assert "the two-day fixtures' planted traps" in traps_message(summary, small=True)
