"""build_report_data against stand-in tables named like the views other stages provide."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from reconciler.outputs.html_report import render_html
from reconciler.outputs.report_data import build_report_data

NOV3, NOV4 = date(2025, 11, 3), date(2025, 11, 4)


REAL_VIEWS = ("spend", "bill_bridge", "reconciliation", "logging_coverage_summary")


def _drop_real_views(con) -> None:
    """These tests feed hand-made stand-ins; the real views are covered by the e2e test."""
    for view in REAL_VIEWS:
        con.execute(f"DROP VIEW IF EXISTS {view}")


def _stand_ins(con) -> None:
    _drop_real_views(con)
    con.execute(
        "CREATE TABLE spend (usage_date DATE, team VARCHAR, base_model VARCHAR, charge VARCHAR, "
        "unit VARCHAR, quantity BIGINT, cost_usd DECIMAL(38, 12), priced BOOLEAN, "
        "application VARCHAR DEFAULT 'app', account_id VARCHAR DEFAULT 'a')"
    )
    con.executemany(
        "INSERT INTO spend (usage_date, team, base_model, charge, unit, quantity, cost_usd, "
        "priced) VALUES ($1, $2, $3, $4, 'token', $5, $6, $7)",
        [
            (NOV3, "search", "m1", "input_tokens", 1000, D("0.10"), True),
            (NOV3, "search", "m1", "input_tokens", 500, D("0.05"), True),
            (NOV3, "search", "m1", "output_tokens", 200, D("0.40"), True),
            (NOV4, "ml", "m2", "input_tokens", 300, None, False),
            (date(2025, 11, 9), "search", "m1", "input_tokens", 9, D("9.00"), True),  # outside
        ],
    )
    con.execute(
        "CREATE TABLE bill_bridge (billing_period DATE, step INTEGER, kind VARCHAR, name VARCHAR, "
        "amount_usd DECIMAL(38, 12), running_total_usd DECIMAL(38, 12), buckets BIGINT)"
    )
    con.executemany(
        "INSERT INTO bill_bridge VALUES ($1, $2, $3, $4, $5, 0, 1)",
        [
            (date(2025, 11, 1), 0, "start", "rated_total", D("0.55")),
            (date(2025, 11, 1), 1, "cause", "unlogged_usage", D("0.45")),
            (date(2025, 11, 1), 2, "end", "invoiced_total", D("1.00")),
            (date(2025, 10, 1), 0, "start", "rated_total", D("7")),  # another month
        ],
    )
    con.execute(
        "CREATE TABLE reconciliation (usage_date DATE, account_id VARCHAR, region VARCHAR, "
        "base_model VARCHAR, charge VARCHAR, logged_quantity BIGINT, invoiced_quantity "
        "DECIMAL(38, 12), rated_cost_usd DECIMAL(38, 12), invoiced_cost_usd DECIMAL(38, 12), "
        "delta_usd DECIMAL(38, 12), status VARCHAR, cause VARCHAR, explanation VARCHAR)"
    )
    con.executemany(
        "INSERT INTO reconciliation VALUES ($1, 'a', 'us-east-1', 'm1', 'input_tokens', 1, 1, "
        "$2, $3, $4, $5, $6, 'x')",
        [
            (NOV3, D("0.15"), D("0.20"), D("0.05"), "gap", "price_mismatch"),
            (NOV3, D("0.40"), D("0.40"), D("0"), "matched", None),
            (NOV4, D("0"), D("0.45"), D("0.45"), "gap", "unlogged_usage"),
        ],
    )
    con.execute(
        "CREATE TABLE logging_coverage_summary (account_id VARCHAR, region VARCHAR, "
        "model_id VARCHAR, first_hour TIMESTAMP, last_hour TIMESTAMP, "
        "coverage_pct DECIMAL(9, 4), missing_hours BIGINT)"
    )
    con.executemany(
        "INSERT INTO logging_coverage_summary VALUES ('a', 'us-east-1', $1, $2, $3, $4, $5)",
        [
            ("m1", "2025-11-04 23:00", "2025-11-06 00:00", D("87.5"), 3),
            ("m2", "2025-10-01 00:00", "2025-11-02 23:00", D("10"), 100),  # ends before
        ],
    )
    # attribution_coverage is a real view on main: feed its rated_usage side
    con.executemany(
        "INSERT INTO rated_usage (usage_date, account_id, region, base_model, routing, tier, mode, "
        "charge, context_tier, team, application, attribution_rule, quantity, unit, cost_usd, "
        "priced, run_id) VALUES ($1, 'a', 'r', 'm1', 'in_region', 'standard', 'on_demand', "
        "'input_tokens', 'standard', 't', 'app', $2, 1, 'token', $3, true, 'run')",
        [(NOV3, "rules[0]:request_metadata", D("3.00")), (NOV3, "unattributed", D("1.00"))],
    )


def test_reads_every_section_for_the_period(con):
    _stand_ins(con)
    data = build_report_data(con, NOV3, NOV4)
    assert data.unavailable == {}
    assert [(r.team, r.day, r.cost_usd, r.unpriced_rows) for r in data.team_daily] == [
        ("search", NOV3, D("0.55"), 0),  # 0.10 + 0.05 + 0.40
        ("ml", NOV4, None, 1),  # unpriced: None, not 0
    ]
    assert [(m.base_model, m.charge, m.quantity, m.cost_usd) for m in data.models] == [
        ("m1", "input_tokens", 1500, D("0.15")),
        ("m1", "output_tokens", 200, D("0.40")),
        ("m2", "input_tokens", 300, None),
    ]
    assert [(s.step, s.cause, s.amount_usd) for s in data.bridge] == [
        (0, "rated_total", D("0.55")),
        (1, "unlogged_usage", D("0.45")),
        (2, "invoiced_total", D("1.00")),
    ]
    assert [(g.day, g.delta_usd, g.cause) for g in data.gaps] == [
        (NOV4, D("0.45"), "unlogged_usage"),  # biggest |delta| first; matched row left out
        (NOV3, D("0.05"), "price_mismatch"),
    ]
    assert [(r.rule, r.cost_usd, r.share) for r in data.attribution] == [
        ("rules[0]:request_metadata", D("3.00"), D("0.75")),
        ("unattributed", D("1.00"), D("0.25")),
    ]
    assert [(c.model_id, c.coverage_pct, c.missing_hours) for c in data.logging] == [
        ("m1", D("87.5"), 3)
    ]
    # invoiced 1.00 in November but nothing allocated yet: shown, and it does not tie
    assert data.chargeback is not None
    [period] = data.chargeback.periods
    assert (period.billing_period, period.amount_usd, period.invoiced_usd, period.ties) == (
        date(2025, 11, 1),
        D(0),
        D("1.00"),
        False,
    )
    assert period.rated_usd == D("0.55") + D("9.00")  # the whole month, priced rows only
    doc = render_html(data)
    assert doc.count('<rect class="step"') == 3
    assert doc.count('<rect class="seg"') == 1
    assert "invoiced 1.00: DOES NOT TIE (allocated 0.00;" in doc


def test_missing_views_are_named_not_fatal(con):
    _drop_real_views(con)
    con.execute("CREATE TABLE bill_bridge (billing_period DATE, step INTEGER, name VARCHAR)")
    data = build_report_data(con, NOV3, NOV4)
    assert data.unavailable == {
        "chargeback": "view bill_bridge lacks amount_usd, kind; view spend is not in this database",
        "team_spend": "view spend is not in this database",
        "models": "view spend is not in this database",
        "bridge": "view bill_bridge lacks column(s) amount_usd, kind",
        "gaps": "view reconciliation is not in this database",
        "logging": "view logging_coverage_summary is not in this database",
    }
    assert data.attribution == ()  # the view exists on main; nothing rated yet
    doc = render_html(data)
    assert "No data for this period (view spend is not in this database)." in doc
