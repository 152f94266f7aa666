"""Insert hand-written rated usage and invoice lines straight into the interface tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

D = Decimal
DAY = date(2025, 11, 3)
ACCT = "123456789012"
NOVA = "amazon.nova-micro-v1:0"
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"


def rated(
    con,
    *,
    quantity,
    cost,
    team="search",
    application="api",
    base_model=NOVA,
    routing="in_region",
    tier="standard",
    mode="on_demand",
    charge="input_tokens",
    day=DAY,
    region="us-east-1",
    account=ACCT,
    list_cost=None,
    discount=None,
):
    """One rated_usage row; cost None = unpriced."""
    priced = cost is not None
    list_cost = list_cost if list_cost is not None else cost
    con.execute(
        "INSERT INTO rated_usage (usage_date, account_id, region, base_model, routing, tier, mode,"
        " charge, context_tier, team, application, attribution_rule, quantity, unit,"
        " list_cost_usd, discount_usd, cost_usd, priced, unpriced_reason, run_id) VALUES"
        " ($d, $a, $r, $m, $ro, $t, $mo, $c, 'standard', $team, $app, 'default', $q, 'token',"
        " $lc, $disc, $cost, $p, $why, 'test')",
        {
            "d": day,
            "a": account,
            "r": region,
            "m": base_model,
            "ro": routing,
            "t": tier,
            "mo": mode,
            "c": charge,
            "team": team,
            "app": application,
            "q": quantity,
            "lc": D(list_cost) if priced else None,
            "disc": D(discount) if discount is not None else (D(0) if priced else None),
            "cost": D(cost) if priced else None,
            "p": priced,
            "why": None if priced else "no_price",
        },
    )


def line(
    con,
    *,
    cost,
    quantity=None,
    tokens_per_unit=1000,
    net=None,
    line_item_type="Usage",
    base_model=NOVA,
    routing="regional",
    tier="standard",
    mode="on_demand",
    charge="input_tokens",
    usage_type="USE1-NovaMicro-input-tokens",
    mapped=True,
    unit="1K tokens",
    unit_check="ok",
    hour=14,
    day=DAY,
    region="us-east-1",
    account=ACCT,
):
    """One invoice_line_items row; quantity in the native unit (1K tokens by default)."""
    start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC).replace(tzinfo=None)
    qty = D(quantity) if quantity is not None else None
    qtok = qty * tokens_per_unit if qty is not None and tokens_per_unit else None
    con.execute(
        "INSERT INTO invoice_line_items (billing_period, usage_start, usage_end, account_id,"
        " region, usage_type, line_item_type, base_model, routing, tier, mode, charge, quantity,"
        " unit, tokens_per_unit, quantity_tokens, unblended_cost_usd, net_cost_usd, mapped,"
        " source_format, source_uri, line_number, run_id, unit_check) VALUES"
        " ($bp, $s, $s + INTERVAL 1 HOUR, $a, $r, $ut, $lit, $m, $ro, $t, $mo, $c, $q, $u, $tpu,"
        " $qt, $cost, $net, $mapped, 'cur2', 'test.parquet', 1, 'test', $uc)",
        {
            "bp": day.replace(day=1),
            "s": start,
            "a": account,
            "r": region,
            "ut": usage_type,
            "lit": line_item_type,
            "m": base_model,
            "ro": routing,
            "t": tier,
            "mo": mode,
            "c": charge,
            "q": qty,
            "u": unit,
            "tpu": tokens_per_unit,
            "qt": qtok,
            "cost": D(cost),
            "net": D(net) if net is not None else D(cost),
            "mapped": mapped,
            "uc": unit_check,
        },
    )


def hourly(con, *, hour, quantity, team="search", base_model=NOVA, mode="provisioned", day=DAY):
    """One usage_hourly_facts row (only what the idle-capacity check reads matters)."""
    con.execute(
        "INSERT INTO usage_hourly_facts (hour, account_id, region, base_model, model_resolved,"
        " routing, tier, mode, charge, context_tier, team, application, attribution_rule,"
        " quantity, unit, requests, run_id) VALUES ($h, $a, 'us-east-1', $m, TRUE, 'in_region',"
        " 'standard', $mo, 'input_tokens', 'standard', $team, 'api', 'default', $q, 'token', 1,"
        " 'test')",
        {
            "h": datetime(day.year, day.month, day.day, hour, tzinfo=UTC).replace(tzinfo=None),
            "a": ACCT,
            "m": base_model,
            "mo": mode,
            "team": team,
            "q": quantity,
        },
    )
