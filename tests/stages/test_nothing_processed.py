"""A run that processed nothing is a finding, never a silent exit 0 (issue 15, item 3).

`run` exits 1 when its window has no invocation records or no invoice lines in the database,
and the warning says which is missing and where it should have come from; data ingested by
separate commands before a `run` without sources counts. A window in the future is a usage error.
`export focus` defaults to the latest billing period with allocated spend and says so.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import support.focus_fixture as fx
from support.recon import ACCT, line

from reconciler.cli import main
from reconciler.db import connect, migrate

WARN = "WARNING reconciler.stages.pipeline: nothing processed: "
NO_LOGS_CONFIGURED = (
    WARN + "no invocation records for 2025-11-03..2025-11-03; no source is configured for them "
    "and none were ingested: load them (reconciler ingest logs / ingest cloudwatch, or "
    "[sources] logs)"
)
NO_INVOICE_CONFIGURED = (
    WARN + "no invoice lines for 2025-11-03..2025-11-03; no source is configured for them and "
    "none were ingested: load them (reconciler ingest invoice, or [sources] invoices)"
)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("RECONCILER_CONFIG", "RECONCILER_DB", "RECONCILER_LOG_FORMAT", "RECONCILER_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def database(tmp_path, *, logs=False, invoice=False):
    db = str(tmp_path / "r.duckdb")
    con = connect(db)
    migrate(con)
    if logs:  # one Nova Micro request of 1M input tokens, 2025-11-03 14:00 (as `ingest logs`)
        con.execute(
            "INSERT INTO invocation_records (request_id, account_id, region, event_time, "
            "identity_arn, operation, model_id, input_tokens, output_tokens, "
            "cache_read_input_tokens, cache_write_input_tokens, request_metadata, source_uri, "
            "line_number, run_id) VALUES ('r1', $acct, 'us-east-1', "
            "TIMESTAMP '2025-11-03 14:00:00', 'arn:aws:iam::111122223333:user/u', 'Converse', "
            "'amazon.nova-micro-v1:0', 1000000, 0, 0, 0, MAP {'team': 'a'}, 'test', 1, 'seed')",
            {"acct": ACCT},
        )
    if invoice:  # billed the same: 1000 x 1K tokens at $0.035 per 1M = $0.035
        line(con, quantity="1000", cost="0.035")
    con.close()
    return db


def window_inputs(out):
    (stage,) = [s for s in json.loads(out)["stages"] if s["stage"] == "window_inputs"]
    return stage["counts"], stage["findings"]


def warnings(err):
    return [x for x in err.splitlines() if x.startswith(WARN)]


RUN = ["run", "--date", "2025-11-03", "--no-reports", "--json"]


def test_an_empty_window_without_sources_is_exit_1_naming_both(tmp_path, capsys):
    code, out, err = run_cli(["--db", database(tmp_path), *RUN], capsys)
    assert code == 1
    assert warnings(err) == [NO_LOGS_CONFIGURED, NO_INVOICE_CONFIGURED]
    assert window_inputs(out) == ({"invocations": 0, "invoice_lines": 0}, 2)


def test_logs_without_an_invoice_is_exit_1_naming_the_invoice(tmp_path, capsys):
    code, out, err = run_cli(["--db", database(tmp_path, logs=True), *RUN], capsys)
    assert code == 1
    assert warnings(err) == [NO_INVOICE_CONFIGURED]
    assert window_inputs(out) == ({"invocations": 1, "invoice_lines": 0}, 1)


def test_data_ingested_by_separate_commands_keeps_a_run_without_sources_green(tmp_path, capsys):
    code, out, err = run_cli(["--db", database(tmp_path, logs=True, invoice=True), *RUN], capsys)
    assert code == 0
    assert warnings(err) == []
    assert window_inputs(out) == ({"invocations": 1, "invoice_lines": 1}, 0)
    # a rerun reuses the window's results and still checks its inputs
    code, out, _ = run_cli(["--db", str(tmp_path / "r.duckdb"), *RUN], capsys)
    assert (code, window_inputs(out)) == (0, ({"invocations": 1, "invoice_lines": 1}, 0))


def test_a_monthly_invoice_line_covers_every_day_of_its_month(tmp_path, capsys):
    db = database(tmp_path, logs=True, invoice=True)
    con = connect(db)
    con.execute(
        "UPDATE invoice_line_items SET usage_start = TIMESTAMP '2025-11-01 00:00:00', "
        "usage_end = TIMESTAMP '2025-12-01 00:00:00'"
    )
    con.close()
    _, out, err = run_cli(["--db", db, *RUN], capsys)  # may be a gap: the month vs. one day
    assert warnings(err) == []
    assert window_inputs(out) == ({"invocations": 1, "invoice_lines": 1}, 0)


def test_configured_sources_that_deliver_nothing_say_so(tmp_path, capsys):
    (tmp_path / "logs").mkdir()
    (tmp_path / "reconciler.toml").write_text('[sources]\nlogs = ["logs"]\n')
    code, _, err = run_cli(["--db", database(tmp_path, invoice=True), *RUN], capsys)
    assert code == 1
    assert warnings(err) == [
        WARN + "no invocation records for 2025-11-03..2025-11-03; the configured sources "
        "delivered none for these dates: check their delivery"
    ]


def test_a_window_in_the_future_is_a_usage_error(tmp_path, capsys):
    today = datetime.now(UTC).date()
    tomorrow = today + timedelta(days=1)
    code, out, err = run_cli(
        ["--db", database(tmp_path), "run", "--date", str(tomorrow), "--no-reports"], capsys
    )
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"reconciler: error: the window {tomorrow}..{tomorrow} is in the future (today is "
        f"{today} UTC): nothing can have been used or billed yet; give past dates (--date "
        "defaults to yesterday)"
    ]


# --- export focus ---------------------------------------------------------------------------


@pytest.fixture
def focus_db(tmp_path):
    path = str(tmp_path / "f.duckdb")
    con = connect(path)
    migrate(con)
    fx.load(con)  # November 2025: allocated spend of $7.16 in whole cents
    con.close()
    return path


def test_export_focus_defaults_to_the_latest_billing_period_with_data(focus_db, capsys):
    code, out, err = run_cli(
        ["--db", focus_db, "export", "focus", "--billing-account-id", fx.ACCOUNT], capsys
    )
    assert code == 0
    assert err.splitlines() == [
        "export focus: no --start/--end: exporting 2025-11-01..2025-11-30, the latest billing "
        "period with allocated spend",
        "export focus: 7 rows, BilledCost total 7.160000000000 USD, 2025-11-01..2025-11-30",
    ]
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sum(Decimal(r["BilledCost"]) for r in rows) == Decimal("7.16")


def test_export_focus_of_an_empty_database_is_exit_1(tmp_path, capsys):
    code, out, err = run_cli(["--db", database(tmp_path), "export", "focus"], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "export focus: the database holds no allocated spend; run `reconciler run` for a "
        "period with usage and an invoice first"
    ]


def test_export_focus_of_a_period_without_spend_is_exit_1(focus_db, capsys):
    code, _, err = run_cli(
        ["--db", focus_db, "export", "focus", "--start", "2025-10-01", "--end", "2025-10-31",
         "--billing-account-id", fx.ACCOUNT],
        capsys,
    )  # fmt: skip
    assert code == 1
    assert err.splitlines() == [
        "export focus: no allocated spend for 2025-10-01..2025-10-31; nothing exported (run "
        "`reconciler run` for those dates, or pick another period)"
    ]
