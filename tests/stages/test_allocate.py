"""Allocation of invoiced cost to teams, on hand-computed figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from support.recon import DAY, HAIKU, D, hourly, line, rated

from reconciler.core.config import Settings, load_settings
from reconciler.core.errors import ConfigError
from reconciler.db.stage import StageContext
from reconciler.stages import allocate, reconcile
from reconciler.stages.allocate import largest_remainder, split


def run(con, settings=None, start=DAY, end=DAY):
    settings = settings or Settings()
    reconcile.run(StageContext(con, settings, "r1", start, end))
    return allocate.run(StageContext(con, settings, "r1", start, end))


def alloc(con, where="TRUE"):
    return con.execute(
        "SELECT team, application, base_model, charge, lines, basis, allocated_usd "
        f"FROM allocated_spend WHERE {where} ORDER BY ALL NULLS FIRST"
    ).fetchall()


def total(con):
    return con.execute("SELECT sum(allocated_usd) FROM allocated_spend").fetchone()[0]


def guardrail(con, cost="3.00"):
    line(
        con,
        quantity="20",
        tokens_per_unit=None,
        unit="1K units",
        cost=cost,
        base_model=None,
        routing=None,
        charge="guardrail_text_units",
        usage_type="USE1-Guardrail-ContentPolicyUnitsConsumed",
    )


def test_split_in_proportion_to_rated_cost(con):
    rated(con, quantity=600_000, cost="0.02", team="a")
    rated(con, quantity=400_000, cost="0.01", team="b")
    line(con, quantity="1000", cost="1.00")  # invoiced $1.00 -> 2/3 and 1/3
    result = run(con)
    assert alloc(con) == [
        ("a", "api", "amazon.nova-micro-v1:0", "input_tokens", "usage", "rated_cost", D("0.67")),
        ("b", "api", "amazon.nova-micro-v1:0", "input_tokens", "usage", "rated_cost", D("0.33")),
    ]
    exact = con.execute("SELECT exact_usd FROM allocated_spend ORDER BY team").fetchall()
    assert exact == [(D("0.666666666667"),), (D("0.333333333333"),)]
    assert result.amounts["allocated_usd"] == "1.00"


def test_tokens_when_part_of_the_bucket_is_unpriced_and_ties_go_by_key(con):
    rated(con, quantity=3000, cost=None, team="a")
    rated(con, quantity=1000, cost="0.01", team="b")
    line(con, quantity="4", cost="0.10")
    run(con)
    # 3:1 by tokens: 0.075 and 0.025; both remainders 0.005, the extra cent goes to team a
    assert [(r[0], r[5], r[6]) for r in alloc(con)] == [
        ("a", "tokens", D("0.08")),
        ("b", "tokens", D("0.02")),
    ]


def test_unlogged_and_unmapped_go_to_unattributed(con):
    line(con, quantity="500", cost="0.07", charge="output_tokens")
    line(con, quantity="1", cost="1.23", base_model=None, mapped=False, usage_type="USE1-X")
    run(con)
    assert alloc(con) == [
        (
            "unattributed",
            "unattributed",
            None,
            "input_tokens",
            "unmapped",
            "unattributed",
            D("1.23"),
        ),
        (
            "unattributed",
            "unattributed",
            "amazon.nova-micro-v1:0",
            "output_tokens",
            "unlogged",
            "unattributed",
            D("0.07"),
        ),
    ]


@pytest.mark.parametrize(
    ("allocation", "expected"),
    [
        ({}, [("a", "api", "rated_cost", D("2.00")), ("b", "api", "rated_cost", D("1.00"))]),
        (
            {"non_token": "even"},
            [("a", "shared", "even", D("1.50")), ("b", "shared", "even", D("1.50"))],
        ),
        (
            {"non_token": "owner", "owner_team": "platform"},
            [("platform", "shared", "owner", D("3.00"))],
        ),
        (
            {"charges": {"guardrail_text_units": "even"}},
            [("a", "shared", "even", D("1.50")), ("b", "shared", "even", D("1.50"))],
        ),
    ],
)
def test_non_token_policies(con, allocation, expected):
    rated(con, quantity=1000, cost="2", team="a")
    rated(con, quantity=1000, cost="1", team="b", base_model=HAIKU)
    line(con, quantity="1", cost="2")
    line(con, quantity="1", cost="1", base_model=HAIKU)
    guardrail(con)
    run(con, Settings.model_validate({"allocation": allocation}))
    got = alloc(con, "charge = 'guardrail_text_units'")
    assert [(r[0], r[1], r[5], r[6]) for r in got] == expected
    assert all(r[4] == "non_token" for r in got)
    assert total(con) == D(6)


@pytest.mark.parametrize(
    ("allocation", "expected"),
    [
        # usage_share: A us-east-1 by A's rated cost there, 2:1 -> 2.00 / 1.00; A us-west-2 has
        # no A usage in that Region: A's rated cost that day, 2:1 -> 0.60 / 0.30 (never 2:1:5
        # with B's team c); B -> c 2.50; C has no usage at all -> unattributed 4.00
        (
            {},
            [
                ("111111111111", "a", "api", "rated_cost", D("2.60")),
                ("111111111111", "b", "api", "rated_cost", D("1.30")),
                ("222222222222", "c", "api", "rated_cost", D("2.50")),
                ("333333333333", "unattributed", "unattributed", "unattributed", D("4.00")),
            ],
        ),
        # even: A's two teams only, 3.00 / 2 + 0.90 / 2 = 1.95 each (not thirds with team c)
        (
            {"non_token": "even"},
            [
                ("111111111111", "a", "shared", "even", D("1.95")),
                ("111111111111", "b", "shared", "even", D("1.95")),
                ("222222222222", "c", "shared", "even", D("2.50")),
                ("333333333333", "unattributed", "unattributed", "unattributed", D("4.00")),
            ],
        ),
    ],
)
def test_non_token_charges_stay_in_their_account(con, allocation, expected):
    a, b, c = "111111111111", "222222222222", "333333333333"
    rated(con, quantity=1000, cost="2", team="a", account=a)
    rated(con, quantity=1000, cost="1", team="b", account=a, base_model=HAIKU)
    rated(con, quantity=1000, cost="5", team="c", account=b)
    line(con, quantity="1", cost="2", account=a)
    line(con, quantity="1", cost="1", account=a, base_model=HAIKU)
    line(con, quantity="1", cost="5", account=b)
    for cost, account, region in (
        ("3.00", a, "us-east-1"),
        ("0.90", a, "us-west-2"),
        ("2.50", b, "us-east-1"),
        ("4.00", c, "us-east-1"),
    ):
        line(
            con,
            quantity="10",
            tokens_per_unit=None,
            unit="1K units",
            cost=cost,
            base_model=None,
            routing=None,
            charge="guardrail_text_units",
            usage_type="Guardrail-ContentPolicyUnitsConsumed",
            account=account,
            region=region,
        )
    run(con, Settings.model_validate({"allocation": allocation}))
    got = con.execute(
        "SELECT account_id, team, application, basis, allocated_usd FROM allocated_spend "
        "WHERE charge = 'guardrail_text_units' ORDER BY ALL"
    ).fetchall()
    assert got == expected
    # 2 + 1 + 5 usage + 3.00 + 0.90 + 2.50 + 4.00 guardrails
    assert total(con) == D("18.40")
    # nothing of A's or C's guardrails reached team c
    assert con.execute(
        "SELECT sum(allocated_usd) FROM allocated_spend WHERE team = 'c'"
    ).fetchone()[0] == D("7.50")


def test_idle_provisioned_hours_are_their_own_line(con):
    # two model-unit hours at $20: traffic at 10:00 only -> 11:00 is idle
    line(
        con,
        quantity="1",
        tokens_per_unit=None,
        unit="hour",
        cost="20",
        hour=10,
        charge="model_unit_hours",
        mode="provisioned",
        routing=None,
    )
    line(
        con,
        quantity="1",
        tokens_per_unit=None,
        unit="hour",
        cost="20",
        hour=11,
        charge="model_unit_hours",
        mode="provisioned",
        routing=None,
    )
    hourly(con, hour=10, quantity=4000)
    rated(con, quantity=1000, cost=None, team="a", mode="provisioned")
    rated(con, quantity=3000, cost=None, team="b", mode="provisioned")
    run(con)
    got = alloc(con, "charge = 'model_unit_hours'")
    assert [(r[0], r[4], r[5], r[6]) for r in got] == [
        ("a", "non_token", "tokens", D("5.00")),
        ("b", "non_token", "tokens", D("15.00")),
        ("idle", "idle", "idle", D("20.00")),
    ]
    owner = Settings.model_validate({"allocation": {"idle": "owner", "owner_team": "ml-platform"}})
    run(con, owner)
    got = alloc(con, "charge = 'model_unit_hours' AND lines = 'idle'")
    assert [(r[0], r[5], r[6]) for r in got] == [("ml-platform", "owner", D("20.00"))]


def test_untied_credit_follows_the_days_rated_cost(con):
    rated(con, quantity=1000, cost="2", team="a")
    rated(con, quantity=1000, cost="1", team="b")
    line(
        con,
        cost="-3",
        line_item_type="Credit",
        base_model=None,
        charge=None,
        routing=None,
        usage_type=None,
        quantity=None,
    )
    run(con)
    got = alloc(con, "charge = 'other'")
    assert [(r[0], r[4], r[6]) for r in got] == [("a", "credit", D(-2)), ("b", "credit", D(-1))]


def test_untied_credit_stays_in_its_account(con):
    a, b, c = "111111111111", "222222222222", "333333333333"
    nxt = date(2025, 11, 4)
    rated(con, quantity=1000, cost="2", team="a", account=a)
    rated(con, quantity=1000, cost="1", team="b", account=a)
    rated(con, quantity=1000, cost="5", team="c", account=b)

    def credit(cost, account, day=DAY):
        line(
            con,
            cost=cost,
            line_item_type="Credit",
            base_model=None,
            charge=None,
            routing=None,
            usage_type=None,
            quantity=None,
            account=account,
            day=day,
        )

    credit("-3", a)  # account a's teams only, 2:1 (not 2:1:5 over the whole day)
    credit("-0.30", a, nxt)  # no usage of a on 11-04: a's teams over the billing period, 2:1
    credit("-4", c)  # account c has no rated usage at all: unattributed
    line(con, quantity="1", cost="5", account=b)  # b's usage, billed
    run(con, start=DAY, end=nxt)
    got = con.execute(
        "SELECT usage_date, account_id, team, basis, allocated_usd FROM allocated_spend "
        "WHERE charge = 'other' ORDER BY ALL"
    ).fetchall()
    assert got == [
        (DAY, a, "a", "rated_cost", D(-2)),
        (DAY, a, "b", "rated_cost", D(-1)),
        (DAY, c, "unattributed", "unattributed", D(-4)),
        (nxt, a, "a", "rated_cost", D("-0.20")),
        (nxt, a, "b", "rated_cost", D("-0.10")),
    ]
    # usage rows carry their account too; nothing of a's credits reached team c
    assert con.execute(
        "SELECT account_id, charge, allocated_usd FROM allocated_spend WHERE team = 'c'"
    ).fetchall() == [(b, "input_tokens", D(5))]


def test_cents_are_rounded_once_per_billing_period(con):
    days = [date(2025, 11, d) for d in (3, 4, 5)]
    for d in days:
        rated(con, quantity=1000, cost="0.005", team="a", day=d)
        line(con, quantity="1", cost="0.005", day=d)
    run(con, start=days[0], end=days[-1])
    # 3 x $0.005 = $0.015 -> $0.02 (half-up); floors are 0, the two cents go to the first days
    got = con.execute("SELECT usage_date, allocated_usd FROM allocated_spend ORDER BY 1").fetchall()
    assert got == [(days[0], D("0.01")), (days[1], D("0.01")), (days[2], D(0))]


def test_rerun_does_not_double_count(con):
    rated(con, quantity=1000, cost="1", team="a")
    line(con, quantity="1", cost="1")
    run(con)
    run(con)
    assert total(con) == D(1)
    assert con.execute("SELECT count(*) FROM allocated_spend_rows").fetchone()[0] == 1


def test_owner_policy_needs_an_owner_team(tmp_path):
    cfg = tmp_path / "reconciler.toml"
    cfg.write_text('[allocation]\nnon_token = "owner"\n')
    with pytest.raises(
        ConfigError, match="key 'allocation': Value error, an 'owner' allocation policy needs"
    ):
        load_settings(str(cfg))


def test_largest_remainder_examples():
    # the largest remainder (0.003334) gets the missing cent
    assert largest_remainder([D("0.333333"), D("0.333333"), D("0.333334")]) == [
        D("0.33"),
        D("0.33"),
        D("0.34"),
    ]
    # equal remainders: the earlier position wins
    assert largest_remainder([D("0.005"), D("0.005")]) == [D("0.01"), D(0)]
    # floors -0.01 and 0.01; one cent missing; tied remainders: the first gets it
    assert largest_remainder([D("-0.005"), D("0.015")]) == [D(0), D("0.01")]
    assert sum(largest_remainder([D("-0.005"), D("0.015")])) == D("0.01")
    # the total is rounded half-up like the AWS invoice: $0.025 -> $0.03 (half-even: $0.02)
    assert largest_remainder([D("0.0125"), D("0.0125")]) == [D("0.02"), D("0.01")]
    # ties away from zero for a net credit: -$0.025 -> -$0.03; floors -0.02, -0.02, one cent back
    assert largest_remainder([D("-0.0125"), D("-0.0125")]) == [D("-0.01"), D("-0.02")]


def test_split_is_exact():
    parts = split(D(1), [D(1), D(1), D(1)])
    assert parts == [D("0.333333333333"), D("0.333333333333"), D("0.333333333334")]
    assert split(D(1), [D(0), D(0)]) == [D("0.5"), D("0.5")]
    assert sum(split(Decimal("-7.01"), [D(3), D(5), D(11)])) == Decimal("-7.01")
