from datetime import date, datetime

import polars as pl
from support.rating_data import (
    NOVA_MICRO,
    SONNET_4,
    SONNET_45,
    add_model,
    add_request,
    at,
)

from reconciler.core.config import Settings
from reconciler.db.stage import StageContext
from reconciler.stages import aggregate
from reconciler.stages.aggregate import usage_facts

KEYS = {
    "account_id": "111122223333",
    "region": "us-east-1",
    "base_model": SONNET_45,
    "model_resolved": True,
    "routing": "global",
    "operation": "Converse",
    "model_mode": "on_demand",
    "service_tier": None,
    "team": "search",
    "application": "qa",
    "attribution_rule": "rules[1]",
    "cache_write_1h_input_tokens": None,
    "image_count": None,
    "long_context_threshold": 200000,
}


def request(**overrides):
    row = KEYS | {
        "event_time": datetime(2025, 11, 3, 14, 7, 22),  # noqa: DTZ001 - tables hold naive UTC
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_write_input_tokens": 0,
    }
    return row | overrides


def facts_of(rows):
    schema = {
        "cache_write_1h_input_tokens": pl.Int64,
        "image_count": pl.Int64,
        "long_context_threshold": pl.Int64,
        "service_tier": pl.String,
        "model_mode": pl.String,
    }
    frame = pl.DataFrame(rows, schema_overrides=schema)
    return usage_facts(frame.lazy()).collect(engine="streaming")


def by_charge(facts):
    return {
        (r["charge"], r["context_tier"]): (r["quantity"], r["requests"], r["requests_counted"])
        for r in facts.iter_rows(named=True)
    }


def test_each_token_class_is_its_own_charge_and_cache_writes_split_by_ttl():
    facts = facts_of(
        [
            request(
                input_tokens=100,
                output_tokens=50,
                cache_read_input_tokens=1000,
                cache_write_input_tokens=300,
                cache_write_1h_input_tokens=120,
            ),
            # same hour and key: no uncached input, so it is counted on its cache read
            request(cache_read_input_tokens=500, output_tokens=10),
        ]
    )
    assert by_charge(facts) == {
        ("input_tokens", "standard"): (100, 1, 1),
        ("cache_read_input_tokens", "standard"): (1500, 2, 1),
        ("cache_write_input_tokens", "standard"): (180, 1, 0),  # 300 - 120
        ("cache_write_1h_input_tokens", "standard"): (120, 1, 0),
        ("output_tokens", "standard"): (60, 2, 0),
    }
    assert facts["requests_counted"].sum() == 2
    assert set(facts["unit"]) == {"token"}
    assert facts["hour"].to_list() == [datetime(2025, 11, 3, 14)] * 5  # noqa: DTZ001


def test_unknown_ttl_split_bills_every_write_as_5_minutes():
    facts = facts_of([request(cache_write_input_tokens=31814, input_tokens=3)])
    assert by_charge(facts) == {
        ("input_tokens", "standard"): (3, 1, 1),
        ("cache_write_input_tokens", "standard"): (31814, 1, 0),
    }


def test_long_context_moves_all_token_charges_of_the_request():
    facts = facts_of(
        [
            # 1000 + 199000 + 1 = 200001 > 200000: long, output included
            request(
                input_tokens=1000,
                cache_read_input_tokens=199000,
                cache_write_input_tokens=1,
                output_tokens=7,
            ),
            # exactly at the threshold stays standard
            request(input_tokens=200000, output_tokens=3),
            # a model without a threshold never goes long
            request(input_tokens=900000, long_context_threshold=None, base_model=NOVA_MICRO),
        ]
    )
    got = {
        (r["base_model"], r["charge"], r["context_tier"]): r["quantity"]
        for r in facts.iter_rows(named=True)
    }
    assert got == {
        (SONNET_45, "input_tokens", "long"): 1000,
        (SONNET_45, "cache_read_input_tokens", "long"): 199000,
        (SONNET_45, "cache_write_input_tokens", "long"): 1,
        (SONNET_45, "output_tokens", "long"): 7,
        (SONNET_45, "input_tokens", "standard"): 200000,
        (SONNET_45, "output_tokens", "standard"): 3,
        (NOVA_MICRO, "input_tokens", "standard"): 900000,
    }


def test_tier_mode_and_zero_quantities():
    facts = facts_of(
        [
            request(input_tokens=1, service_tier="default"),
            request(input_tokens=2, service_tier="FLEX"),
            request(input_tokens=4, service_tier="priority"),
            request(input_tokens=8, operation="CreateModelInvocationJob"),
            request(input_tokens=16, model_mode=None),
            request(input_tokens=32, model_mode="provisioned"),
            request(),  # a guardrail block: all zeros, no rows
        ]
    )
    got = {(r["tier"], r["mode"]): r["quantity"] for r in facts.iter_rows(named=True)}
    assert got == {
        ("standard", "on_demand"): 1 + 16,
        ("flex", "on_demand"): 2,
        ("priority", "on_demand"): 4,
        ("standard", "batch"): 8,
        ("standard", "provisioned"): 32,
    }
    assert (facts["quantity"] > 0).all()


def test_images_are_a_charge_in_images():
    facts = facts_of([request(input_tokens=10, image_count=3)])
    got = {(r["charge"], r["unit"]): r["quantity"] for r in facts.iter_rows(named=True)}
    assert got == {("input_tokens", "token"): 10, ("images", "image"): 3}


def fact_rows(con):
    return con.execute(
        "SELECT hour, base_model, model_resolved, routing, charge, context_tier, team,"
        " application, attribution_rule, quantity FROM usage_hourly ORDER BY ALL"
    ).fetchall()


def test_stage_joins_models_attribution_and_thresholds_and_is_idempotent(con):
    add_model(con, "us." + SONNET_4, SONNET_4, "geo")
    add_request(
        con, "us." + SONNET_4, at(3, 9), input_tokens=150000, cache_read=60000, team="search"
    )
    add_request(con, "arn:aws:bedrock:x:imported-model/abc", at(3, 23), output_tokens=5)
    add_request(con, NOVA_MICRO, at(2, 23), input_tokens=1, metadata={"team": "ops", "app": "cli"})
    add_request(con, NOVA_MICRO, at(4, 0), input_tokens=99, team="later")  # outside the window

    first = aggregate.run(
        StageContext(con, Settings(), "test", date(2025, 11, 2), date(2025, 11, 3))
    )
    assert (first.rows_in, first.rows_out) == (3, 4)
    assert first.counts == {"requests_unresolved_model": 2}
    expected = [
        (at(2, 23), NOVA_MICRO, False, "unknown", "input_tokens", "standard", "ops", "cli",
         "fallback:request_metadata", 1),
        (at(3, 9), SONNET_4, True, "geo", "cache_read_input_tokens", "long", "search", "app",
         "rules[1]:request_metadata", 60000),
        (at(3, 9), SONNET_4, True, "geo", "input_tokens", "long", "search", "app",
         "rules[1]:request_metadata", 150000),
        (at(3, 23), "arn:aws:bedrock:x:imported-model/abc", False, "unknown", "output_tokens",
         "standard", "unattributed", "unattributed", "unattributed", 5),
    ]  # fmt: skip
    assert fact_rows(con) == expected
    aggregate.run(StageContext(con, Settings(), "test", date(2025, 11, 2), date(2025, 11, 3)))
    assert fact_rows(con) == expected  # replaced, not added
    aggregate.run(StageContext(con, Settings(), "test", date(2025, 11, 4), date(2025, 11, 4)))
    assert len(fact_rows(con)) == 5  # the next day does not touch the earlier window
