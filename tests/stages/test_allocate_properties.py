"""Property tests: allocation and the bill bridge conserve money exactly, for random inputs."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.recon import HAIKU, NOVA, line, rated

from reconciler.core.config import Settings
from reconciler.db import connect, migrate
from reconciler.db.stage import StageContext
from reconciler.stages import allocate, reconcile
from reconciler.stages.allocate import largest_remainder, split

CENT = Decimal("0.01")
amounts = st.decimals(
    min_value=Decimal("-1000"), max_value=Decimal("1000"), places=12, allow_nan=False
)


@given(st.lists(amounts, min_size=1, max_size=30))
def test_largest_remainder_never_loses_or_creates_a_cent(values):
    cents = largest_remainder(values)
    assert sum(cents) == sum(values).quantize(CENT, rounding=ROUND_HALF_UP)
    for v, c in zip(values, cents, strict=True):
        assert c == c.quantize(CENT)
        assert abs(c - v) < CENT


@given(amounts, st.lists(st.decimals(min_value=0, max_value=10**6, places=6), min_size=1))
def test_split_parts_sum_exactly(amount, weights):
    assert sum(split(amount, weights)) == amount


days = st.sampled_from([date(2025, 11, 3), date(2025, 11, 4), date(2025, 11, 30)])
models = st.sampled_from([NOVA, HAIKU, "acme.unpriced-v1:0"])
charges = st.sampled_from(["input_tokens", "output_tokens", "guardrail_text_units"])
money = st.decimals(min_value=Decimal("-5"), max_value=Decimal("50"), places=9)
rated_rows = st.lists(
    st.tuples(
        days,
        models,
        st.sampled_from(["a", "b", "c"]),
        st.integers(0, 10**7),
        st.one_of(st.none(), st.decimals(min_value=0, max_value=Decimal(40), places=9)),
    ),
    max_size=8,
)
invoice_rows = st.lists(
    st.tuples(
        days,
        models,
        charges,
        st.sampled_from(["Usage", "Credit", "Tax", "EdpDiscount"]),
        money,
        st.booleans(),
    ),
    max_size=8,
)
policies = st.sampled_from(
    [{}, {"non_token": "even"}, {"non_token": "owner", "owner_team": "platform"}]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rated_rows, invoice_rows, policies)
def test_allocation_and_bridge_sum_to_the_invoice(rated_in, invoice_in, policy):
    con = connect(":memory:")
    migrate(con)
    for day, model, team, qty, cost in rated_in:
        rated(con, day=day, base_model=model, team=team, quantity=qty, cost=cost)
    for day, model, charge, kind, cost, tied in invoice_in:
        token = charge != "guardrail_text_units"
        line(
            con,
            day=day,
            charge=charge,
            line_item_type=kind,
            cost=cost,
            base_model=model if (token and (kind == "Usage" or tied)) else None,
            quantity="1" if kind == "Usage" else None,
            tokens_per_unit=1000 if token else None,
            routing="regional" if token else None,
        )
    cfg = Settings.model_validate({"allocation": policy})
    start, end = date(2025, 11, 1), date(2025, 11, 30)
    reconcile.run(StageContext(con, cfg, "test", start, end))
    allocate.run(StageContext(con, cfg, "test", start, end))

    invoiced = sum((Decimal(str(c)) for *_, c, _ in invoice_in), Decimal(0))
    rated_total = sum((c for *_, c in rated_in if c is not None), Decimal(0))
    allocated = con.execute("SELECT coalesce(sum(allocated_usd), 0) FROM allocated_spend")
    assert allocated.fetchone()[0] == invoiced.quantize(CENT, rounding=ROUND_HALF_UP)
    bridge = con.execute("SELECT name, amount_usd FROM bill_bridge ORDER BY step").fetchall()
    if not rated_in and not invoice_in:
        assert bridge == []
        return
    assert bridge[0] == ("rated_total", rated_total)
    assert bridge[-1] == ("invoiced_total", invoiced)
    assert sum(a for _, a in bridge[:-1]) == invoiced  # start + every cause step, no residual
    con.close()


accounts = st.sampled_from(["111111111111", "222222222222", "333333333333"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(days, accounts, st.sampled_from(["a", "b", "c"]), money), max_size=6),
    st.lists(st.tuples(days, accounts, st.sampled_from(["Usage", "Credit"]), money), max_size=6),
    st.sampled_from([{}, {"non_token": "even"}]),
)
def test_charges_without_a_model_stay_in_their_account(rated_in, invoice_in, policy):
    """A guardrail charge or untied credit of account X only reaches teams with usage in X."""
    con = connect(":memory:")
    migrate(con)
    for day, account, team, cost in rated_in:
        rated(con, day=day, account=account, team=team, quantity=1000, cost=abs(cost))
    for day, account, kind, cost in invoice_in:
        guard = kind == "Usage"
        line(
            con,
            day=day,
            account=account,
            line_item_type=kind,
            cost=cost,
            base_model=None,
            charge="guardrail_text_units" if guard else None,
            usage_type="Guardrail-ContentPolicyUnitsConsumed" if guard else None,
            quantity="1" if guard else None,
            tokens_per_unit=None,
            routing=None,
        )
    cfg = Settings.model_validate({"allocation": policy})
    start, end = date(2025, 11, 1), date(2025, 11, 30)
    reconcile.run(StageContext(con, cfg, "test", start, end))
    allocate.run(StageContext(con, cfg, "test", start, end))
    teams_of = {(account, team) for _, account, team, _ in rated_in}
    landed = con.execute(
        "SELECT DISTINCT account_id, team FROM allocated_spend "
        "WHERE lines IN ('non_token', 'credit') AND team <> 'unattributed'"
    ).fetchall()
    assert set(landed) <= teams_of
    con.close()
