"""What-if scenarios on the fixture of whatif_data.py: every expected figure worked out by hand
there and below (tokens x literal $ per 1M), never by calling the code under test."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from support.rating_data import ACCOUNT, HAIKU_45, NOVA_MICRO, SONNET_45, add_discount
from support.whatif_data import END, SPEND_TOTAL, START, load_fixture

from reconciler.core.config import Settings, WhatifConfig
from reconciler.core.errors import ConfigError
from reconciler.db import connect, migrate
from reconciler.db.stage import StageContext
from reconciler.stages.whatif import (
    SCENARIOS,
    WhatifOptions,
    compute_whatif,
    options_from_config,
    parse_moves,
    store_whatif,
)

M = D(1_000_000)


def per_m(tokens: int, price: str) -> D:
    return D(tokens) * D(price) / M


OPTIONS = WhatifOptions(
    batch_applications=("tagger",),
    moves=((SONNET_45, HAIKU_45),),
    model_unit_tokens_per_minute={"*": 1_000_000, SONNET_45: 20_000},
)


@pytest.fixture
def fx(con):
    load_fixture(con)
    return con


@pytest.fixture(scope="module")
def result():
    """The fixture re-rated with OPTIONS once for the read-only tests of this module."""
    c = connect(":memory:")
    migrate(c)
    load_fixture(c)
    yield compute_whatif(c, START, END, OPTIONS)
    c.close()


def rows(result, scenario, **match):
    return [
        r
        for r in result.rows
        if r.scenario == scenario and all(getattr(r, k) == v for k, v in match.items())
    ]


def one(result, scenario, **match):
    found = rows(result, scenario, **match)
    assert len(found) == 1, found
    return found[0]


def test_fixture_spend_total_is_the_hand_figure(fx):
    assert fx.execute("SELECT sum(cost_usd) FROM spend").fetchall()[0][0] == SPEND_TOTAL


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_scenario_current_cost_sums_to_the_spend_total(result, scenario):
    once = [r for r in rows(result, scenario) if r.direction != "alternative"]
    assert sum(r.current_cost_usd or 0 for r in once) == SPEND_TOTAL
    assert result.total(scenario).current_cost_usd == SPEND_TOTAL == result.spend_total_usd


def test_only_tier_has_alternative_rows_and_they_repeat_movable_usage(result):
    """Alternatives re-price usage a tier row already carries: every on-demand token spend row
    of the fixture (all of it: 20.2625)."""
    assert {r.scenario for r in result.rows if r.direction == "alternative"} == {
        "tier", "provisioned"
    }  # fmt: skip
    alternative = rows(result, "tier", direction="alternative")
    assert sum(r.current_cost_usd for r in alternative) == SPEND_TOTAL


def test_routing_global_prices_each_day_at_its_own_price(result):
    """search/ranker (geo): 11-03 2,000,000 in at $3.00 global (was $3.30) + 100,000 out at $15;
    11-05 after the price change 1,000,000 in at $2.70 + 100,000 out at $15."""
    r = one(result, "routing_global", team="search", application="ranker")
    current = (
        per_m(2_000_000, "3.30") + per_m(100_000, "16.50")
        + per_m(1_000_000, "3.00") + per_m(100_000, "16.50")
    )  # fmt: skip
    whatif = (
        per_m(2_000_000, "3.00") + per_m(100_000, "15.00")
        + per_m(1_000_000, "2.70") + per_m(100_000, "15.00")
    )  # fmt: skip
    assert (r.direction, r.from_, r.to) == ("opportunity", "geo", "global")
    assert (r.current_cost_usd, r.whatif_cost_usd) == (current, whatif)
    assert r.savings_usd == D("1.20") == current - whatif
    assert r.quantity == 3_200_000


def test_routing_reverse_shows_what_residency_costs(result):
    r = one(result, "routing_global", team="search", application="chat")
    assert (r.direction, r.from_, r.to) == ("reverse", "global", "geo")
    assert r.whatif_cost_usd == per_m(1_000_000, "3.30") + per_m(200_000, "16.50")
    assert r.savings_usd == D("-0.60")


def test_a_model_with_no_global_price_is_an_unpriced_row_not_zero(result):
    r = one(result, "routing_global", team="ops", application="tagger")
    assert (r.priced, r.unpriced_reason) == (False, "no_target_price")
    assert (r.whatif_cost_usd, r.savings_usd) == (None, None)
    assert r.current_cost_usd == per_m(4_000_000, "0.035") + per_m(1_000_000, "0.14")
    total = result.total("routing_global")
    # left out of the savings: only the ranker's 1.20 is an opportunity with a price
    assert total.savings_usd["opportunity"] == D("1.20")
    assert total.unpriced_rows == 4  # tagger, urgent, and the Haiku cache charges (no geo price)


def test_batch_eligible_application_and_ranked_candidates(result):
    tagger = one(result, "batch", team="ops", application="tagger")
    assert tagger.direction == "opportunity"
    assert tagger.whatif_cost_usd == per_m(4_000_000, "0.0175") + per_m(1_000_000, "0.07")
    assert tagger.savings_usd == D("0.14")
    ranker = one(result, "batch", team="search", application="ranker")
    assert (ranker.direction, ranker.rank) == ("candidate", 1)
    assert ranker.whatif_cost_usd == per_m(3_000_000, "1.65") + per_m(200_000, "8.25")
    assert ranker.savings_usd == D("12.90") - D("6.60")
    chat = one(result, "batch", team="search", application="chat")
    assert (chat.rank, chat.savings_usd) == (2, D("6.00") - D("3.00"))
    # Haiku has no batch price here: unpriced candidates, ranked by current cost all the same
    bot = one(result, "batch", team="support", application="bot")
    assert (bot.rank, bot.priced, bot.whatif_cost_usd) == (3, False, None)
    total = result.total("batch")
    assert total.savings_usd["opportunity"] == D("0.14")
    assert total.savings_usd["candidate"] == D("6.30") + D("3.00") + D("0.045")


def test_batch_eligibility_comes_from_the_config(fx):
    opts = options_from_config(WhatifConfig(batch_applications=["ranker"]))
    result = compute_whatif(fx, START, END, opts)
    assert one(result, "batch", application="ranker").direction == "opportunity"
    assert one(result, "batch", application="tagger").direction == "candidate"


def test_tier_reprices_each_logged_tier_at_every_other_tier(result):
    """Nova Micro: standard $0.035 / $0.14, flex $0.0175 / $0.07, priority input $0.0625 and no
    priority output price."""
    tagger = one(result, "tier", application="tagger", to="flex")
    assert (tagger.direction, tagger.from_) == ("opportunity", "standard")
    assert tagger.whatif_cost_usd == per_m(4_000_000, "0.0175") + per_m(1_000_000, "0.07")
    assert tagger.savings_usd == D("0.28") - D("0.14")
    # standard -> priority: input priced (4M x 0.0625 = 0.25 against 0.14), output unpriced
    up = rows(result, "tier", application="tagger", to="priority")
    priced = [r for r in up if r.priced]
    unpriced = [r for r in up if not r.priced]
    got = [(r.direction, r.current_cost_usd, r.whatif_cost_usd, r.savings_usd) for r in priced]
    assert got == [("alternative", D("0.14"), D("0.25"), D("-0.11"))]
    assert [(r.unpriced_reason, r.current_cost_usd, r.whatif_cost_usd) for r in unpriced] == [
        ("no_target_price", D("0.14"), None)
    ]
    urgent = one(result, "tier", application="urgent", to="standard")
    assert (urgent.direction, urgent.from_) == ("opportunity", "priority")
    assert urgent.savings_usd == per_m(1_000_000, "0.0625") - per_m(1_000_000, "0.035")
    urgent_flex = one(result, "tier", application="urgent", to="flex")
    assert urgent_flex.direction == "alternative"
    assert urgent_flex.whatif_cost_usd == D("0.0175")
    assert urgent_flex.savings_usd == D("0.0625") - D("0.0175") == D("0.045")
    # no flex or priority price for Sonnet: both targets unpriced, never $0
    for target in ("flex", "priority"):
        ranker = rows(result, "tier", application="ranker", to=target)
        assert {(r.priced, r.unpriced_reason, r.whatif_cost_usd) for r in ranker} == {
            (False, "no_target_price", None)
        }
    total = result.total("tier")
    assert total.current_cost_usd == SPEND_TOTAL
    assert total.savings_usd["opportunity"] == D("0.14") + D("0.0275")
    assert total.savings_usd["alternative"] == D("-0.11") + D("0.045")


def test_tier_moves_flex_usage_to_standard_and_priority(con):
    """ops/slowjob on flex: 2,000,000 input + 1,000,000 output = 0.035 + 0.07 = 0.105. At
    standard 0.07 + 0.14 = 0.21 (reverse: flex saves 0.105); at priority the input costs 0.125
    (against 0.035) and the output has no priority price."""
    from support.rating_data import add_request, at

    from reconciler.stages import aggregate, rate

    load_fixture(con)
    add_request(con, NOVA_MICRO, at(4), team="ops", application="slowjob",
                input_tokens=2_000_000, output_tokens=1_000_000, service_tier="flex")  # fmt: skip
    aggregate.run(StageContext(con, Settings(), "test", START, END))
    rate.run(StageContext(con, Settings(), "test", START, END))
    result = compute_whatif(con, START, END, WhatifOptions(scenarios=("tier",)))
    back = one(result, "tier", application="slowjob", to="standard")
    assert (back.direction, back.from_, back.current_cost_usd) == ("reverse", "flex", D("0.105"))
    assert (back.whatif_cost_usd, back.savings_usd) == (D("0.21"), D("-0.105"))
    up = sorted(rows(result, "tier", application="slowjob", to="priority"), key=lambda r: r.priced)
    assert [(r.direction, r.priced, r.current_cost_usd, r.whatif_cost_usd) for r in up] == [
        ("alternative", False, D("0.07"), None),
        ("alternative", True, D("0.035"), D("0.125")),
    ]
    assert result.total("tier").current_cost_usd == SPEND_TOTAL + D("0.105")


def test_cache_that_loses_money_is_an_opportunity(result):
    """support/bot: reads 100,000 x ($1.00 - $0.10) saved 0.09; 5-minute writes 300,000 x
    ($1.25 - $1.00) cost 0.075 extra; 1-hour writes 100,000 x ($2.00 - $1.00) cost 0.10 extra:
    net the cache cost 0.085 more than it saved."""
    bot = one(result, "caching", application="bot", from_="prompt caching")
    assert bot.direction == "opportunity"
    assert bot.current_cost_usd == (
        per_m(100_000, "0.10") + per_m(300_000, "1.25") + per_m(100_000, "2.00")
    )
    assert bot.whatif_cost_usd == per_m(500_000, "1.00")
    assert bot.savings_usd == D("0.085")
    assert "100,000 cache-read tokens saved $0.09" in bot.detail
    assert "300,000 5-minute write tokens cost $0.08 extra" in bot.detail
    assert "100,000 1-hour write tokens cost $0.10 extra" in bot.detail


def test_cache_that_pays_is_the_reverse(result):
    faq = one(result, "caching", application="faq", from_="prompt caching")
    assert faq.direction == "reverse"
    assert faq.savings_usd == (
        per_m(1_000_000, "0.10") + per_m(100_000, "1.25") - per_m(1_100_000, "1.00")
    )


def test_caching_candidate_at_the_stated_hit_rate(fx, result):
    """ranker has 100,000 input tokens a request and no cache: at hit rate 0.5 half its input is
    read ($0.33) and half written ($4.125); 11-03 2,000,000 (was $3.30), 11-05 1,000,000 ($3.00)."""
    r = one(result, "caching", application="ranker", direction="candidate")
    assert r.current_cost_usd == per_m(2_000_000, "3.30") + per_m(1_000_000, "3.00")
    assert r.whatif_cost_usd == per_m(1_500_000, "0.33") + per_m(1_500_000, "4.125")
    assert r.savings_usd == D("2.9175")
    assert r.rank == 1
    assert "hit rate 0.5" in r.assumption
    # at hit rate 0.8: 2,400,000 read, 600,000 written
    high_rate = options_from_config(WhatifConfig(cache_hit_rate=D("0.8")))
    high = compute_whatif(fx, START, END, high_rate)
    r8 = one(high, "caching", application="ranker", direction="candidate")
    assert r8.whatif_cost_usd == per_m(2_400_000, "0.33") + per_m(600_000, "4.125")
    assert "--hit-rate" not in r8.command
    cli = compute_whatif(fx, START, END, options_from_config(WhatifConfig(), hit_rate=D("0.8")))
    from_cli = one(cli, "caching", application="ranker", direction="candidate")
    assert "--hit-rate 0.8" in from_cli.command
    # apps that already cache are not candidates; a model without cache prices is unpriced
    assert not rows(result, "caching", application="bot", direction="candidate")
    assert one(result, "caching", application="chat", direction="candidate").whatif_cost_usd is None


def test_model_switch_reprices_logged_tokens_on_the_other_model(result):
    ranker = one(result, "model_switch", application="ranker")
    assert (ranker.from_, ranker.to) == (SONNET_45, HAIKU_45)
    assert ranker.whatif_cost_usd == per_m(3_000_000, "1.10") + per_m(200_000, "5.50")
    chat = one(result, "model_switch", application="chat")
    assert chat.whatif_cost_usd == per_m(1_000_000, "1.00") + per_m(200_000, "5.00")
    assert "tokenisation differ" in chat.assumption
    assert f"--move {SONNET_45}={HAIKU_45}" in chat.command
    assert result.total("model_switch").savings_usd["opportunity"] == D("8.50") + D("4.00")


def _break_even(whatif_cost, tokens, current, capacity):
    """The utilisation at which on-demand costs what the units cost, in % to one decimal."""
    return (D(whatif_cost) * tokens / D(current) / capacity * 100).quantize(D("0.1"))


def test_provisioned_each_commitment_term_from_the_busiest_hour(result):
    """Sonnet us-east-1 (one account): busiest hour 11-03 12:00 = 20 x 105,000 = 2,100,000
    tokens; at 20,000 tokens/min a unit carries 1,200,000 an hour, so 2 units over 72 hours:
    no commitment 2 x 72 x $50 = $7,200, 1-month 2 x 72 x $40 = $5,760, 6-month no price; against
    $18.90 on demand. Capacity 2 x 20,000 x 60 x 72 = 172,800,000 tokens, used 4,400,000."""
    terms = {r.to: r for r in rows(result, "provisioned", base_model=SONNET_45)}
    assert sorted(terms) == [
        "provisioned 2 MU, 1-month commitment",
        "provisioned 2 MU, 6-month commitment",
        "provisioned 2 MU, no commitment",
    ]
    none, month, six = (
        terms[f"provisioned 2 MU, {t} commitment"] for t in ("no", "1-month", "6-month")
    )
    for r in (none, month, six):
        assert (r.team, r.from_, r.quantity) == ("*", f"on_demand in account {ACCOUNT}", 4_400_000)
        assert r.current_cost_usd == D("18.90")
    assert (none.direction, none.whatif_cost_usd) == ("candidate", D(72 * 2 * 50))
    assert none.savings_usd == D("18.90") - D(7200)
    assert (month.direction, month.whatif_cost_usd) == ("alternative", D(72 * 2 * 40))
    assert month.savings_usd == D("18.90") - D(5760)
    assert (six.direction, six.priced, six.unpriced_reason) == (
        "alternative", False, "no_target_price"
    )  # fmt: skip
    assert (six.whatif_cost_usd, six.savings_usd) == (None, None)
    assert "utilisation 2.5%" in none.detail  # 4,400,000 / 172,800,000
    assert f"break-even utilisation {_break_even(7200, 4_400_000, '18.90', 172_800_000)}%" in (
        none.detail
    )
    assert "break-even utilisation 970.0%" in none.detail
    assert "break-even utilisation 776.0%" in month.detail
    assert "break-even" not in six.detail
    # the scenario's current cost counts the usage once (the no-commitment row)
    assert result.total("provisioned").current_cost_usd == SPEND_TOTAL
    # the '*' capacity applies to Nova, which has no model-unit price: unpriced, not $0
    for nova in rows(result, "provisioned", base_model=NOVA_MICRO):
        assert (nova.priced, nova.unpriced_reason) == (False, "no_target_price")


def test_provisioned_is_sized_per_account(con):
    """A second account sends Sonnet 1,000,000 input tokens in one hour of 11-04 (Regional
    $3.30: $3.30): 1 unit of its own (1,000,000 < 1,200,000), 72 x $50 = $3,600 without
    commitment; the first account keeps its 2 units and $18.90."""
    from support.rating_data import add_request, at

    from reconciler.stages import aggregate, rate

    load_fixture(con)
    for _ in range(10):
        add_request(con, "us." + SONNET_45, at(4), account="444455556666", team="search",
                    application="ranker", input_tokens=100_000)  # fmt: skip
    aggregate.run(StageContext(con, Settings(), "test", START, END))
    rate.run(StageContext(con, Settings(), "test", START, END))
    result = compute_whatif(con, START, END, OPTIONS)
    got = sorted(
        (r.from_, r.to, r.current_cost_usd, r.whatif_cost_usd)
        for r in rows(result, "provisioned", base_model=SONNET_45, direction="candidate")
    )
    assert got == sorted([
        (f"on_demand in account {ACCOUNT}", "provisioned 2 MU, no commitment", D("18.90"),
         D(7200)),
        ("on_demand in account 444455556666", "provisioned 1 MU, no commitment", D("3.30"),
         D(3600)),
    ])  # fmt: skip


def test_provisioned_without_a_capacity_assumption_is_unpriced(fx):
    result = compute_whatif(fx, START, END, WhatifOptions())
    terms = rows(result, "provisioned", base_model=SONNET_45)
    assert sorted(r.to for r in terms) == [
        "provisioned, 1-month commitment", "provisioned, 6-month commitment",
        "provisioned, no commitment",
    ]  # fmt: skip
    for s in terms:
        assert (s.whatif_cost_usd, s.unpriced_reason) == (None, "no_capacity_assumption")


def test_discounts_apply_to_the_whatif_cost_like_to_the_current_cost(con):
    add_discount(con, "d-anthropic", "provider", "anthropic", "10")
    load_fixture(con)
    result = compute_whatif(con, START, END, OPTIONS)
    r = one(result, "routing_global", application="ranker")
    assert r.current_cost_usd == D("12.90") * D("0.9")
    assert r.savings_usd == D("1.20") * D("0.9")


def test_repricing_a_spend_row_at_its_own_key_gives_its_cost(fx):
    """The what-if pricing path and the rate stage agree to the last decimal."""
    compute_whatif(fx, START, END, WhatifOptions(scenarios=("tier",)))
    fx.execute("DELETE FROM wf_moves")
    fx.execute(
        "INSERT INTO wf_moves (scenario, direction, base_key, part, from_label, to_label, "
        "assumption, t_base_model, t_routing, t_tier, t_mode, t_charge, t_context_tier, "
        "t_quantity) SELECT 'same', 'opportunity', base_key, 1, '', '', '', base_model, "
        "routing, tier, mode, charge, context_tier, quantity FROM wf_base WHERE priced"
    )
    from reconciler.db.sql import load

    fx.execute(load("whatif/reprice"))
    mismatched = fx.execute(
        "SELECT count(*) FROM wf_base b JOIN wf_priced p USING (base_key) "
        "WHERE p.cost_usd <> b.cost_usd"
    ).fetchall()[0][0]
    priced = fx.execute("SELECT count(*) FROM wf_priced").fetchall()[0][0]
    assert (mismatched, priced) == (0, 18)  # every spend row of the fixture


def test_unpriced_usage_stays_unpriced_in_every_scenario(con):
    load_fixture(con)
    con.execute("UPDATE rated_usage SET cost_usd = NULL, priced = false, price_id = NULL, "
                "unpriced_reason = 'no_price' WHERE application = 'urgent'")  # fmt: skip
    result = compute_whatif(con, START, END, OPTIONS)
    for scenario in ("routing_global", "batch", "tier", "caching", "model_switch"):
        urgent = rows(result, scenario, application="urgent")
        assert [(r.unpriced_reason, r.current_cost_usd, r.whatif_cost_usd) for r in urgent] == [
            ("current_unpriced", None, None)
        ]
        assert result.total(scenario).current_cost_usd == SPEND_TOTAL - D("0.0625")


def test_store_replaces_the_window_and_the_view_reads_it(fx, result):
    store_whatif(fx, result, run_id="r1")
    store_whatif(fx, result, run_id="r2")
    got = fx.execute(
        "SELECT scenario, sum(current_cost_usd), count(DISTINCT run_id) FROM whatif "
        "WHERE window_start = $s AND window_end = $e AND direction <> 'alternative' "
        "GROUP BY scenario ORDER BY scenario",
        {"s": START, "e": END},
    ).fetchall()
    assert got == [(s, SPEND_TOTAL, 1) for s in sorted(SCENARIOS)]
    cols = [d[0] for d in fx.execute("SELECT * FROM whatif LIMIT 0").description]
    for col in ("scenario", "team", "application", "base_model", "from", "to", "quantity",
                "current_cost_usd", "whatif_cost_usd", "savings_usd", "assumption"):  # fmt: skip
        assert col in cols


def test_moves_are_checked():
    assert parse_moves(["a=b", " c = d "]) == (("a", "b"), ("c", "d"))
    for bad in (["a"], ["a="], ["a=a"], ["a=b", "a=c"]):
        with pytest.raises(ConfigError):
            parse_moves(bad)
    with pytest.raises(ConfigError):
        options_from_config(WhatifConfig(), scenarios=["nope"])
    with pytest.raises(ConfigError):
        options_from_config(WhatifConfig(), hit_rate=D("1.5"))


def test_an_empty_window_stores_nothing_and_clears_its_old_rows(fx, result):
    """The nightly run refreshes every window, even one with no usage left in it."""
    from reconciler.stages.whatif import refresh_whatif

    store_whatif(fx, result, run_id="old")
    fx.execute("DELETE FROM rated_usage")
    stage = refresh_whatif(fx, WhatifConfig(), START, END, "new")
    assert (stage.rows_out, stage.findings) == (0, 0)
    assert fx.execute("SELECT count(*) FROM whatif").fetchall() == [(0,)]


def test_the_nightly_step_reuses_an_unchanged_window_and_recomputes_a_changed_setting(fx):
    """refresh_whatif (the nightly run's step) keys the stored window by its inputs and settings.
    A marker written into the stored rows survives a run with nothing changed (reused, not
    recomputed) and is gone after a changed [whatif] setting, a --move stored by `whatif`, or a
    changed price."""
    from reconciler.stages.whatif import refresh_whatif

    def ranker_candidate():
        return fx.execute(
            "SELECT whatif_cost_usd FROM whatif WHERE scenario = 'caching' "
            "AND direction = 'candidate' AND application = 'ranker'"
        ).fetchall()

    def mark():
        fx.execute("UPDATE whatif_rows SET whatif_cost_usd = 1 WHERE scenario = 'caching' "
                   "AND direction = 'candidate' AND application = 'ranker'")  # fmt: skip

    at_half = per_m(1_500_000, "0.33") + per_m(1_500_000, "4.125")
    first = refresh_whatif(fx, WhatifConfig(), START, END, "r1")
    assert ranker_candidate() == [(at_half,)]
    mark()
    again = refresh_whatif(fx, WhatifConfig(), START, END, "r2")
    assert ranker_candidate() == [(D(1),)]  # reused: nothing recomputed
    assert (again.rows_out, again.counts, again.amounts) == (
        first.rows_out, first.counts, first.amounts
    )  # fmt: skip
    refresh_whatif(fx, WhatifConfig(cache_hit_rate=D("0.8")), START, END, "r3")
    assert ranker_candidate() == [(per_m(2_400_000, "0.33") + per_m(600_000, "4.125"),)]
    refresh_whatif(fx, WhatifConfig(), START, END, "r4")
    assert ranker_candidate() == [(at_half,)]
    # `reconciler whatif --move ...` stores the window with other settings: the next run redoes it
    moved = compute_whatif(fx, START, END, OPTIONS)
    store_whatif(fx, moved, run_id="cli")
    assert fx.execute("SELECT count(*) FROM whatif WHERE scenario = 'model_switch' "
                      "AND direction = 'opportunity'").fetchall() == [(2,)]  # fmt: skip
    refresh_whatif(fx, WhatifConfig(), START, END, "r5")
    assert fx.execute("SELECT count(*) FROM whatif WHERE scenario = 'model_switch' "
                      "AND direction = 'opportunity'").fetchall() == [(0,)]  # fmt: skip
    # a changed price recomputes too: Sonnet's Regional cache read from $0.33 to $0.30
    mark()
    fx.execute("UPDATE prices SET price_usd = 0.30 WHERE price_id = 's-cr-r'")
    refresh_whatif(fx, WhatifConfig(), START, END, "r6")
    assert ranker_candidate() == [(per_m(1_500_000, "0.30") + per_m(1_500_000, "4.125"),)]


def test_whatif_settings_are_part_of_the_window_fingerprint(fx):
    """The nightly run reuses its window stages only when this fingerprint is unchanged."""
    from reconciler.core.config import Settings
    from reconciler.stages.pipeline import window_fingerprint

    base = window_fingerprint(fx, Settings(), START, END)
    assert window_fingerprint(fx, Settings(), START, END) == base
    for changed in (
        WhatifConfig(cache_hit_rate=D("0.8")),
        WhatifConfig(moves=[f"{SONNET_45}={HAIKU_45}"]),
        WhatifConfig(batch_applications=["ranker"]),
        WhatifConfig(model_unit_tokens_per_minute={"*": 1000}),
    ):
        assert window_fingerprint(fx, Settings(whatif=changed), START, END) != base


def test_a_database_without_the_shared_macros_computes_read_only(tmp_path):
    """A database last written by an older version has the views but not the rating macros;
    `whatif --no-save` opens it read-only and must still price (tagger at flex: 0.14)."""
    path = str(tmp_path / "old.duckdb")
    c = connect(path)
    migrate(c)
    load_fixture(c)
    for macro in ("routing_matches", "in_effect", "price_unit_kind", "discount_applies",
                  "discount_scope_rank"):  # fmt: skip
        c.execute(f"DROP MACRO {macro}")
    c.close()
    ro = connect(path, read_only=True)
    try:
        result = compute_whatif(ro, START, END, WhatifOptions(scenarios=("tier",)))
    finally:
        ro.close()
    tagger = one(result, "tier", application="tagger", to="flex")
    assert (tagger.whatif_cost_usd, tagger.savings_usd) == (D("0.14"), D("0.14"))
