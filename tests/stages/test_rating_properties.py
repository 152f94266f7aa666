"""Property: for any usage, the money adds up exactly, whatever the grouping."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.rating_data import (
    HAIKU_45,
    NOVA_MICRO,
    add_discount,
    add_model,
    add_price,
    add_request,
    at,
)

from reconciler.core.config import Settings
from reconciler.db import connect, migrate
from reconciler.db.stage import StageContext
from reconciler.outputs.report import build_report
from reconciler.stages import aggregate, rate

# (model id as logged, base model, routing): the last one is never resolved, so never priced
MODELS = [
    (NOVA_MICRO, NOVA_MICRO, "in_region"),
    ("global." + HAIKU_45, HAIKU_45, "global"),
    ("us." + HAIKU_45, HAIKU_45, "geo"),
    ("mystery", None, None),
]
# $ per 1M tokens: (base model, routing, charge) -> price; regional Haiku output has no price
PRICES = {
    (NOVA_MICRO, "*", "input_tokens"): "0.035",
    (NOVA_MICRO, "*", "output_tokens"): "0.14",
    (NOVA_MICRO, "*", "cache_read_input_tokens"): "0.00875",
    (HAIKU_45, "global", "input_tokens"): "1.00",
    (HAIKU_45, "global", "output_tokens"): "5.00",
    (HAIKU_45, "global", "cache_read_input_tokens"): "0.10",
    (HAIKU_45, "regional", "input_tokens"): "1.10",
    (HAIKU_45, "regional", "cache_read_input_tokens"): "0.11",
}
TOKEN_FIELDS = {
    "input_tokens": "input_tokens",
    "output_tokens": "output_tokens",
    "cache_read_input_tokens": "cache_read",
}

requests_st = st.lists(
    st.fixed_dictionaries(
        {
            "model": st.integers(0, len(MODELS) - 1),
            "team": st.sampled_from(["a", "b", "=c", "団"]),
            "day": st.integers(3, 4),
            "hour": st.integers(0, 23),
            "input_tokens": st.integers(0, 150_000),
            "output_tokens": st.integers(0, 10**7),
            "cache_read_input_tokens": st.integers(0, 40_000),
        }
    ),
    max_size=12,
)


def expected_list_cost(req):
    """Independent route: each request's tokens × its literal price / 1M, where one exists."""
    _, base, routing = MODELS[req["model"]]
    price_routing = {"in_region": "*", "global": "global", "geo": "regional"}.get(routing)
    total = Decimal(0)
    for charge in TOKEN_FIELDS:
        price = PRICES.get((base, price_routing, charge))
        if price is not None:
            total += Decimal(req[charge]) * Decimal(price) / Decimal(1_000_000)
    return total


@pytest.mark.slow  # a fresh database per example: 3-9 s in all
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reqs=requests_st, discount=st.sampled_from([None, "7.5", "12.345678"]))
def test_sum_over_teams_equals_total_rated_cost(reqs, discount):
    con = connect(":memory:")
    migrate(con)
    for model_id, base, routing in MODELS:
        if base is not None:
            add_model(con, model_id, base, routing)
    for i, ((base, routing, charge), price) in enumerate(PRICES.items()):
        add_price(con, f"p{i}", base, charge, price, routing=routing)
    if discount:
        add_discount(con, "edp", "provider", "anthropic", discount)
    for req in reqs:
        add_request(
            con,
            MODELS[req["model"]][0],
            at(req["day"], req["hour"]),
            input_tokens=req["input_tokens"],
            output_tokens=req["output_tokens"],
            cache_read=req["cache_read_input_tokens"],
            team=req["team"],
        )
    start, end = date(2025, 11, 3), date(2025, 11, 4)
    aggregate.run(StageContext(con, Settings(), "test", start, end))
    result = rate.run(StageContext(con, Settings(), "test", start, end))

    total, list_total = con.execute(
        "SELECT coalesce(sum(cost_usd), 0), coalesce(sum(list_cost_usd), 0) FROM spend"
    ).fetchall()[0]
    per_team = con.execute("SELECT team, sum(cost_usd) FROM spend GROUP BY team").fetchall()
    assert sum((c for _, c in per_team if c is not None), Decimal(0)) == total
    assert list_total == sum((expected_list_cost(r) for r in reqs), Decimal(0))
    assert Decimal(result.amounts["cost_usd"]) == total
    if not discount:
        assert total == list_total

    report = build_report(con, start, end, ["team"])
    assert (report.total.cost_usd or Decimal(0)) == total
    assert sum((r.cost_usd or Decimal(0) for r in report.rows), Decimal(0)) == total
    cent = Decimal("0.01")
    assert (report.total.cost_usd or Decimal(0)).quantize(cent) == total.quantize(cent)
    con.close()
