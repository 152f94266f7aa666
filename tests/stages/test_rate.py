"""Rating with money computed by hand: literal token counts × literal Decimal prices / 1M.

Prices are those of the reference price table (formats.md §5.12), per 1M tokens.
"""

from datetime import date
from decimal import Decimal

import pytest
from support.rating_data import (
    ACCOUNT,
    HAIKU_45,
    NOVA_MICRO,
    NOVA_PRO,
    SONNET_45,
    TITAN_EMBED,
    add_discount,
    add_model,
    add_price,
    add_request,
    at,
)

from reconciler.core.config import Settings
from reconciler.db.stage import StageContext
from reconciler.stages import aggregate, rate

M = Decimal(1_000_000)
DAY = date(2025, 11, 3)


def per_m(tokens: int, price: str) -> Decimal:
    """The independent route: tokens × $ per 1M tokens."""
    return Decimal(tokens) * Decimal(price) / M


def run(con, start=DAY, end=DAY):
    aggregate.run(StageContext(con, Settings(), "test", start, end))
    return rate.run(StageContext(con, Settings(), "test", start, end))


def spend(con, **where):
    cond = " AND ".join(f"{k} = ${k}" for k in where) or "true"
    return con.execute(
        "SELECT charge, quantity, cost_usd, price_id FROM spend WHERE "
        + cond
        + " ORDER BY charge, price_id",
        where,
    ).fetchall()


def cost(con, **where):
    cond = " AND ".join(f"{k} = ${k}" for k in where) or "true"
    return con.execute("SELECT sum(cost_usd) FROM spend WHERE " + cond, where).fetchall()[0][0]


def test_cache_read_and_5m_and_1h_writes_have_their_own_prices(con):
    add_model(con, "global." + HAIKU_45, HAIKU_45, "global")
    for pid, charge, price in [
        ("h-in", "input_tokens", "1.00"),
        ("h-out", "output_tokens", "5.00"),
        ("h-w5", "cache_write_input_tokens", "1.25"),
        ("h-w1h", "cache_write_1h_input_tokens", "2.00"),
        ("h-r", "cache_read_input_tokens", "0.10"),
    ]:
        add_price(con, pid, HAIKU_45, charge, price, routing="global")
    add_request(
        con,
        "global." + HAIKU_45,
        at(3),
        input_tokens=2000,
        cache_write=10000,
        cache_write_1h=4000,
        cache_read=50000,
        output_tokens=800,
        team="t",
    )
    result = run(con)
    assert spend(con) == [
        ("cache_read_input_tokens", 50000, per_m(50000, "0.10"), "h-r"),
        ("cache_write_1h_input_tokens", 4000, per_m(4000, "2.00"), "h-w1h"),
        ("cache_write_input_tokens", 6000, per_m(6000, "1.25"), "h-w5"),
        ("input_tokens", 2000, per_m(2000, "1.00"), "h-in"),
        ("output_tokens", 800, per_m(800, "5.00"), "h-out"),
    ]
    assert cost(con) == Decimal("0.0265")  # 0.002 + 0.0075 + 0.008 + 0.005 + 0.004
    assert result.amounts["cost_usd"] == "0.026500000000"
    assert result.findings == 0


def sonnet_45_prices(con):
    add_price(con, "s-reg-in", SONNET_45, "input_tokens", "3.30", routing="regional")
    add_price(con, "s-reg-out", SONNET_45, "output_tokens", "16.50", routing="regional")
    add_price(con, "s-glo-in", SONNET_45, "input_tokens", "3.00", routing="global")
    add_price(con, "s-glo-out", SONNET_45, "output_tokens", "15.00", routing="global")


def test_geo_global_and_in_region_sonnet_45(con):
    sonnet_45_prices(con)
    add_model(con, "us." + SONNET_45, SONNET_45, "geo")
    add_model(con, "global." + SONNET_45, SONNET_45, "global")
    add_model(con, SONNET_45, SONNET_45, "in_region")
    for model_id, team in [("us." + SONNET_45, "geo"), ("global." + SONNET_45, "glo")]:
        add_request(con, model_id, at(3), input_tokens=100_000, output_tokens=10_000, team=team)
    add_request(con, SONNET_45, at(3), input_tokens=100_000, output_tokens=10_000, team="inr")
    run(con)  # 100,000 input stays below Sonnet 4.5's 200,000 long-context threshold
    assert spend(con, team="geo") == [
        ("input_tokens", 100_000, Decimal("0.33"), "s-reg-in"),
        ("output_tokens", 10_000, Decimal("0.165"), "s-reg-out"),
    ]
    assert spend(con, team="glo") == [
        ("input_tokens", 100_000, Decimal("0.30"), "s-glo-in"),
        ("output_tokens", 10_000, Decimal("0.15"), "s-glo-out"),
    ]
    assert spend(con, team="inr") == [
        ("input_tokens", 100_000, Decimal("0.33"), "s-reg-in"),
        ("output_tokens", 10_000, Decimal("0.165"), "s-reg-out"),
    ]
    # the invocations-log example of formats.md §1.6, priced at the geo rates: $0.0132528
    add_price(con, "s-reg-r", SONNET_45, "cache_read_input_tokens", "0.33", routing="regional")
    add_request(
        con,
        "us." + SONNET_45,
        at(3),
        input_tokens=412,
        cache_read=18240,
        output_tokens=356,
        team="search",
    )
    run(con)
    assert cost(con, team="search") == Decimal("0.0132528")


def test_a_region_has_its_own_price_never_the_us_east_1_fallback(con):
    add_model(con, NOVA_MICRO, NOVA_MICRO, "in_region")
    add_price(con, "nm-use1", NOVA_MICRO, "input_tokens", "0.035", region="us-east-1")
    add_price(con, "nm-euw1", NOVA_MICRO, "input_tokens", "0.046", region="eu-west-1")
    add_request(con, NOVA_MICRO, at(3), input_tokens=2_000_000, region="us-east-1", team="us")
    add_request(con, NOVA_MICRO, at(3), input_tokens=2_000_000, region="eu-west-1", team="eu")
    add_request(con, NOVA_MICRO, at(3), input_tokens=2_000_000, region="eu-west-2", team="uk")
    result = run(con)
    assert spend(con, team="us") == [("input_tokens", 2_000_000, Decimal("0.070"), "nm-use1")]
    assert spend(con, team="eu") == [("input_tokens", 2_000_000, Decimal("0.092"), "nm-euw1")]
    assert spend(con, team="uk") == [("input_tokens", 2_000_000, None, None)]
    assert result.findings == 1
    assert result.counts["unpriced_rows_no_price"] == 1


def test_batch_flex_and_priority(con):
    add_model(con, NOVA_MICRO, NOVA_MICRO, "in_region")
    add_model(con, NOVA_PRO, NOVA_PRO, "in_region")
    add_price(con, "nm-b-in", NOVA_MICRO, "input_tokens", "0.0175", mode="batch")
    add_price(con, "nm-b-out", NOVA_MICRO, "output_tokens", "0.07", mode="batch")
    add_price(con, "nm-in", NOVA_MICRO, "input_tokens", "0.035")
    for tier, i, o in [("standard", "0.80", "3.20"), ("flex", "0.40", "1.60"),
                       ("priority", "1.40", "5.60")]:  # fmt: skip
        add_price(con, f"np-{tier}-in", NOVA_PRO, "input_tokens", i, tier=tier)
        add_price(con, f"np-{tier}-out", NOVA_PRO, "output_tokens", o, tier=tier)
    add_request(
        con,
        NOVA_MICRO,
        at(3),
        input_tokens=1_000_000,
        output_tokens=500_000,
        operation="CreateModelInvocationJob",
        team="batch",
    )
    for tier, team in [(None, "std"), ("flex", "flex"), ("priority", "prio")]:
        add_request(
            con,
            NOVA_PRO,
            at(3),
            input_tokens=1_000_000,
            output_tokens=1_000_000,
            service_tier=tier,
            team=team,
        )
    run(con)
    assert cost(con, team="batch") == per_m(1_000_000, "0.0175") + per_m(500_000, "0.07")
    assert cost(con, team="batch") == Decimal("0.0525")
    assert cost(con, team="std") == Decimal("4.00")
    assert cost(con, team="flex") == Decimal("2.00")
    assert cost(con, team="prio") == Decimal("7.00")
    assert con.execute("SELECT DISTINCT mode FROM spend WHERE team = 'batch'").fetchall() == [
        ("batch",)
    ]


def test_embeddings_are_input_tokens_only(con):
    add_model(con, TITAN_EMBED, TITAN_EMBED, "in_region")
    add_price(con, "te-in", TITAN_EMBED, "input_tokens", "0.02")
    add_request(con, TITAN_EMBED, at(3), input_tokens=7311, output_tokens=0, team="etl")
    run(con)
    assert spend(con) == [("input_tokens", 7311, Decimal("0.00014622"), "te-in")]


def test_long_context_tier_prices_the_whole_request_at_long_rates(con):
    add_model(con, "global." + SONNET_45, SONNET_45, "global")
    for ctx, i, o, r in [("standard", "3.00", "15.00", "0.30"), ("long", "6.00", "22.50", "0.60")]:
        add_price(
            con, f"{ctx}-in", SONNET_45, "input_tokens", i, routing="global", context_tier=ctx
        )
        add_price(con, f"{ctx}-out", SONNET_45, "output_tokens", o, routing="global",
                  context_tier=ctx)  # fmt: skip
        add_price(con, f"{ctx}-r", SONNET_45, "cache_read_input_tokens", r, routing="global",
                  context_tier=ctx)  # fmt: skip
    # 150,000 + 60,000 cache read = 210,000 > 200,000: long
    add_request(
        con,
        "global." + SONNET_45,
        at(3),
        input_tokens=150_000,
        cache_read=60_000,
        output_tokens=2_000,
        team="long",
    )
    add_request(
        con, "global." + SONNET_45, at(3), input_tokens=100_000, output_tokens=1_000, team="short"
    )
    run(con)
    assert spend(con, team="long") == [
        ("cache_read_input_tokens", 60_000, Decimal("0.036"), "long-r"),
        ("input_tokens", 150_000, Decimal("0.9"), "long-in"),
        ("output_tokens", 2_000, Decimal("0.045"), "long-out"),
    ]
    assert cost(con, team="long") == Decimal("0.981")
    assert cost(con, team="short") == Decimal("0.315")  # 0.3 + 0.015 at standard rates


def test_unknown_model_is_unpriced_with_null_cost_and_a_finding(con):
    add_price(con, "any", "*", "input_tokens", "1.00", region="*")  # a wildcard must not catch it
    add_request(con, "arn:aws:bedrock:us-east-1:1:imported-model/zz", at(3), input_tokens=500,
                team="x")  # fmt: skip
    result = run(con)
    rows = con.execute(
        "SELECT quantity, unit_price_usd, list_cost_usd, discount_usd, cost_usd, price_id, priced,"
        " unpriced_reason, routing FROM spend"
    ).fetchall()
    assert rows == [(500, None, None, None, None, None, False, "unknown_model", "unknown")]
    assert result.findings == 1
    assert result.counts["unpriced_rows_unknown_model"] == 1
    assert result.counts["unpriced_quantity"] == 500
    assert result.amounts["cost_usd"] == "0.000000000000"


def test_a_price_change_inside_the_window_prices_each_day_at_its_own_price(con):
    add_model(con, NOVA_MICRO, NOVA_MICRO, "in_region")
    add_price(con, "old", NOVA_MICRO, "input_tokens", "0.035", effective_to=date(2025, 11, 4))
    add_price(con, "new", NOVA_MICRO, "input_tokens", "0.040", effective_from=date(2025, 11, 4))
    add_request(con, NOVA_MICRO, at(3, 23), input_tokens=1_000_000, team="t")
    add_request(con, NOVA_MICRO, at(4, 0), input_tokens=1_000_000, team="t")
    run(con, DAY, date(2025, 11, 4))
    got = con.execute("SELECT usage_date, cost_usd, price_id FROM spend ORDER BY 1").fetchall()
    assert got == [
        (date(2025, 11, 3), Decimal("0.035"), "old"),
        (date(2025, 11, 4), Decimal("0.040"), "new"),
    ]
    run(con, DAY, DAY)  # re-rating the past day alone still uses the price of then
    assert con.execute("SELECT cost_usd, price_id FROM spend WHERE usage_date = $d",
                       {"d": DAY}).fetchall() == [(Decimal("0.035"), "old")]  # fmt: skip


def test_negotiated_discounts_most_specific_scope_wins(con):
    add_model(con, "global." + HAIKU_45, HAIKU_45, "global")
    add_model(con, NOVA_MICRO, NOVA_MICRO, "in_region")
    add_price(con, "h-in", HAIKU_45, "input_tokens", "1.00", routing="global", region="*")
    add_price(con, "nm-in", NOVA_MICRO, "input_tokens", "0.035", region="*")
    add_discount(con, "edp-anthropic", "provider", "anthropic", "10")
    add_discount(con, "acct-b", "account", "999988887777", "5")
    add_request(con, "global." + HAIKU_45, at(3), input_tokens=1_000_000, team="a")
    add_request(con, "global." + HAIKU_45, at(3), input_tokens=1_000_000, team="b",
                account="999988887777")  # fmt: skip
    add_request(con, NOVA_MICRO, at(3), input_tokens=1_000_000, team="n")
    run(con)
    got = con.execute(
        "SELECT team, list_cost_usd, discount_usd, cost_usd, discount_id FROM spend ORDER BY team"
    ).fetchall()
    assert got == [
        ("a", Decimal("1.00"), Decimal("0.10"), Decimal("0.90"), "edp-anthropic"),
        ("b", Decimal("1.00"), Decimal("0.05"), Decimal("0.95"), "acct-b"),
        ("n", Decimal("0.035"), Decimal("0"), Decimal("0.035"), None),
    ]


def test_precedence_overlay_then_specificity(con):
    add_model(con, NOVA_MICRO, NOVA_MICRO, "in_region")
    add_price(con, "bundled-exact", NOVA_MICRO, "input_tokens", "0.035")
    add_price(con, "bundled-any-region", NOVA_MICRO, "input_tokens", "0.050", region="*")
    add_request(con, NOVA_MICRO, at(3), input_tokens=1_000_000, team="t")
    run(con)
    assert spend(con) == [("input_tokens", 1_000_000, Decimal("0.035"), "bundled-exact")]
    add_price(con, "overlay", NOVA_MICRO, "input_tokens", "0.030", region="*", layer="overlay")
    run(con)
    assert spend(con) == [("input_tokens", 1_000_000, Decimal("0.030"), "overlay")]


def snapshot(con):
    return set(
        con.execute(
            "SELECT * EXCLUDE (run_id) FROM spend"  # run_id differs between runs by design
        ).fetchall()
    )


def test_changing_one_price_changes_only_the_rows_it_prices(con):
    sonnet_45_prices(con)
    add_model(con, "us." + SONNET_45, SONNET_45, "geo")
    add_model(con, NOVA_MICRO, NOVA_MICRO, "in_region")
    add_price(con, "nm-in", NOVA_MICRO, "input_tokens", "0.035")
    add_price(con, "nm-out", NOVA_MICRO, "output_tokens", "0.14")
    for team in ("a", "b"):
        add_request(con, "us." + SONNET_45, at(3), input_tokens=1000, output_tokens=100, team=team)
        add_request(con, NOVA_MICRO, at(3), input_tokens=1000, output_tokens=100, team=team)
    run(con)
    before = snapshot(con)
    run(con)
    assert snapshot(con) == before  # idempotent: same rows, nothing doubled
    con.execute("UPDATE prices SET price_usd = 0.15 WHERE price_id = 'nm-out'")
    rate.run(StageContext(con, Settings(), "test", DAY, DAY))
    after = snapshot(con)
    changed = {(r[9], r[7]) for r in before ^ after}  # (team, charge)
    assert changed == {("a", "output_tokens"), ("b", "output_tokens")}
    assert len(before - after) == 2
    assert cost(con, base_model=NOVA_MICRO, charge="output_tokens") == 2 * per_m(100, "0.15")


@pytest.mark.parametrize("unit", ["1K tokens", "token"])
def test_unit_factor_not_division(con, unit):
    add_model(con, NOVA_MICRO, NOVA_MICRO, "in_region")
    price = {"1K tokens": "0.000035", "token": "0.000000035"}[unit]
    add_price(con, "p", NOVA_MICRO, "input_tokens", price, unit=unit)
    add_request(con, NOVA_MICRO, at(3), input_tokens=123_456_789, team="t")
    run(con)
    assert cost(con) == Decimal("123456789") * Decimal("0.035") / M  # 4.320987615


def test_account_is_a_key(con):
    add_model(con, NOVA_MICRO, NOVA_MICRO, "in_region")
    add_price(con, "p", NOVA_MICRO, "input_tokens", "0.035")
    add_request(con, NOVA_MICRO, at(3), input_tokens=10, team="t", account=ACCOUNT)
    add_request(con, NOVA_MICRO, at(3), input_tokens=20, team="t", account="000000000001")
    run(con)
    assert con.execute("SELECT count(*) FROM spend").fetchall() == [(2,)]


def test_unpriced_usage_makes_the_run_exit_1(tmp_path):
    from reconciler.db.runs import Run

    db = str(tmp_path / "r.duckdb")
    with Run(db, "run") as r:
        add_request(r.con, "mystery", at(3), input_tokens=5, team="t")
        r.add(aggregate.run(StageContext(r.con, Settings(), r.run_id, DAY, DAY)))
        r.add(rate.run(StageContext(r.con, Settings(), r.run_id, DAY, DAY)))
    assert r.summary.exit_code == 1
    assert r.summary.status == "findings"
    with Run(db, "run") as r2:
        assert r2.con.execute("SELECT DISTINCT run_id FROM spend").fetchall() == [(r.run_id,)]
        r2.con.execute("UPDATE model_ids SET resolved = true")  # no-op: the model has no row
        add_model(r2.con, "mystery", NOVA_MICRO, "in_region")
        add_price(r2.con, "p", NOVA_MICRO, "input_tokens", "0.035")
        r2.add(aggregate.run(StageContext(r2.con, Settings(), r2.run_id, DAY, DAY)))
        r2.add(rate.run(StageContext(r2.con, Settings(), r2.run_id, DAY, DAY)))
    assert r2.summary.exit_code == 0  # once the model resolves and has a price


def test_guardrail_blocked_requests_count_in_the_report(con):
    from reconciler.outputs.report import build_report, render

    add_model(con, NOVA_MICRO, NOVA_MICRO, "in_region")
    add_price(con, "nm-in", NOVA_MICRO, "input_tokens", "0.035")
    add_price(con, "nm-out", NOVA_MICRO, "output_tokens", "0.14")
    add_request(con, NOVA_MICRO, at(3), input_tokens=1000, output_tokens=10, team="search")
    add_request(con, NOVA_MICRO, at(3), team="search")  # blocked by a guardrail: 0/0
    add_request(con, NOVA_MICRO, at(3, 13), team="ops")  # blocked too
    add_request(con, NOVA_MICRO, at(4, 1), team="ops")  # 0/0 but the next day: not counted
    run(con)
    report = build_report(con, DAY, DAY, ["team"])
    got = {r.keys: (r.requests, r.tokens, r.cost_usd) for r in report.rows}
    assert got == {
        ("search",): (2, 1010, per_m(1000, "0.035") + per_m(10, "0.14")),
        ("ops",): (1, 0, Decimal(0)),
    }
    assert (report.total.requests, report.no_token_requests, report.unpriced_rows) == (3, 2, 0)
    table = render(report, "table")
    assert "requests include 2 with no tokens (blocked by a guardrail, or failed)" in table
    by_charge = build_report(con, DAY, DAY, ["team", "charge"])
    assert sorted((r.keys, r.requests) for r in by_charge.rows) == [
        (("search", "input_tokens"), 1),
        (("search", "output_tokens"), 1),
    ]
    assert by_charge.total.requests == 2 + 2  # per charge (as documented), plus the two blocked
