"""Helpers that write rows straight into the interface tables the rating tests read.

The model-id resolver, attribution and price-book stages live on other branches; these helpers
stand in for them with the exact columns of queries/schema/0001_core_tables.sql.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

ACCOUNT = "111122223333"
NOW = datetime(2025, 12, 1, tzinfo=UTC).replace(tzinfo=None)

SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0"
HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
NOVA_MICRO = "amazon.nova-micro-v1:0"
NOVA_PRO = "amazon.nova-pro-v1:0"
TITAN_EMBED = "amazon.titan-embed-text-v2:0"

_counter = {"n": 0}


def add_model(con, model_id, base_model, routing, *, mode="on_demand", resolved=True):
    con.execute(
        "INSERT INTO model_ids (model_id, base_model, routing, kind, mode, resolved, resolution,"
        " resolved_at) VALUES ($id, $b, $r, $k, $m, $res, $how, $t)",
        {
            "id": model_id,
            "b": base_model,
            "r": routing,
            "k": "foundation_model" if resolved else "unknown",
            "m": mode,
            "res": resolved,
            "how": "parsed" if resolved else "unresolved:test",
            "t": NOW,
        },
    )


def add_request(
    con,
    model_id,
    event_time,
    *,
    input_tokens=0,
    output_tokens=0,
    cache_read=0,
    cache_write=0,
    cache_write_1h=None,
    service_tier=None,
    operation="Converse",
    region="us-east-1",
    account=ACCOUNT,
    metadata=None,
    team=None,
    application="app",
    rule="rules[1]:request_metadata",
    request_id=None,
):
    """One invocation record (and its attribution when ``team`` is given); returns its id."""
    _counter["n"] += 1
    rid = request_id or f"req-{_counter['n']:06d}"
    con.execute(
        "INSERT INTO invocation_records (request_id, account_id, region, event_time, operation,"
        " model_id, input_tokens, output_tokens, cache_read_input_tokens,"
        " cache_write_input_tokens, cache_write_1h_input_tokens, service_tier, request_metadata,"
        " source_uri, line_number, run_id) VALUES ($rid, $acct, $region, $t, $op, $model, $i,"
        " $o, $cr, $cw, $cw1h, $tier, $md, 'test://logs', 1, 'test')",
        {
            "rid": rid,
            "acct": account,
            "region": region,
            "t": event_time,
            "op": operation,
            "model": model_id,
            "i": input_tokens,
            "o": output_tokens,
            "cr": cache_read,
            "cw": cache_write,
            "cw1h": cache_write_1h,
            "tier": service_tier,
            "md": metadata or {},
        },
    )
    if team is not None:
        con.execute(
            "UPDATE invocation_records SET team = $team, application = $app, "
            "attribution_rule = $rule, attribution_run_id = 'test' "
            "WHERE account_id = $a AND region = $r AND request_id = $rid",
            {"a": account, "r": region, "rid": rid, "team": team, "app": application, "rule": rule},
        )
    return rid


_FACTORS = {"token": "1", "1K tokens": "0.001", "1M tokens": "0.000001", "image": "1"}


def add_price(
    con,
    price_id,
    base_model,
    charge,
    price_usd,
    *,
    unit="1M tokens",
    region="us-east-1",
    routing="*",
    tier="standard",
    mode="on_demand",
    context_tier="standard",
    effective_from=date(2025, 1, 1),
    effective_to=None,
    layer="bundled",
):
    con.execute(
        "INSERT INTO prices (price_id, base_model, region, routing, tier, mode, charge, "
        "context_tier, unit, unit_factor, price_usd, effective_from, effective_to, layer, source, "
        "checked, loaded_at, run_id) "
        "VALUES ($id, $model, $region, $routing, $tier, $mode, $charge, $ctx,"
        " $unit, $factor, $price, $from, $to, $layer, 'test', NULL, $now, 'test')",
        {
            "id": price_id,
            "model": base_model,
            "region": region,
            "routing": routing,
            "tier": tier,
            "mode": mode,
            "charge": charge,
            "ctx": context_tier,
            "unit": unit,
            "factor": Decimal(_FACTORS[unit]),
            "price": Decimal(price_usd),
            "from": effective_from,
            "to": effective_to,
            "layer": layer,
            "now": NOW,
        },
    )


def add_discount(con, discount_id, scope, scope_value, percent, *, effective_from=date(2025, 1, 1)):
    con.execute(
        "INSERT INTO discounts (discount_id, scope, scope_value, percent, effective_from, "
        "effective_to, source, run_id) "
        "VALUES ($id, $scope, $value, $pct, $from, NULL, 'test', 'test')",
        {
            "id": discount_id,
            "scope": scope,
            "value": scope_value,
            "pct": Decimal(percent),
            "from": effective_from,
        },
    )


def at(day: int, hour: int = 12, month: int = 11) -> datetime:
    """A naive UTC timestamp in 2025 (the tables store UTC without a zone)."""
    return datetime(2025, month, day, hour, 0, 0, tzinfo=UTC).replace(tzinfo=None)
