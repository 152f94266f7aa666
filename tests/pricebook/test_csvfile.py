"""Every validation error of a price file, with its exact message (file:line, what, fix)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reconciler.core.errors import PriceBookError
from reconciler.pricebook import read_price_files

GOOD = "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,1K tokens,0.000035,2025-01-01,,aws\n"
UNITS = "token, 1K tokens, 1M tokens, image, hour, minute, month, 1K units"


def error_of(paths) -> str:
    with pytest.raises(PriceBookError) as exc:
        read_price_files(paths)
    return str(exc.value)


def test_a_good_file_parses_to_exact_decimals(write_csv):
    path = write_csv("ok.csv", GOOD)
    (entry,) = read_price_files([path])
    assert entry.price_usd == Decimal("0.000035")
    assert entry.unit_factor == Decimal("0.001")
    assert entry.effective_from == date(2025, 1, 1)
    assert entry.effective_to is None
    assert entry.key.context_tier == "standard"
    assert entry.line_number == 2
    assert entry.source == "aws"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,,0.1,2025-01-01,,x",
            f"unit is empty; use one of: {UNITS}",
        ),
        (
            "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,1k tok,0.1,2025-01-01,,x",
            f"unknown unit '1k tok'; use one of: {UNITS}",
        ),
        (
            "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input,1K tokens,0.1,2025-01-01,,x",
            "unknown charge 'input'; use one of: input_tokens, output_tokens, "
            "cache_read_input_tokens, cache_write_input_tokens, cache_write_1h_input_tokens, "
            "images, model_unit_hours, custom_model_unit_minutes, training_tokens, "
            "storage_months, guardrail_text_units, other, agentcore_usage, knowledge_base_usage, "
            "model_unit_hours_1_month, model_unit_hours_6_months",
        ),
        (
            "amazon.nova-micro-v1:0,us-east-1,*,standard,ondemand,input_tokens,1K tokens,0.1,2025-01-01,,x",
            "unknown mode 'ondemand'; use one of: on_demand, batch, provisioned, custom_import",
        ),
        (
            "amazon.nova-micro-v1:0,us-east-1,*,premium,on_demand,input_tokens,1K tokens,0.1,2025-01-01,,x",
            "unknown tier 'premium'; use one of: standard, priority, flex, *",
        ),
        (
            "amazon.nova-micro-v1:0,us-east-1,cris,standard,on_demand,input_tokens,1K tokens,0.1,2025-01-01,,x",
            "unknown routing 'cris'; use one of: in_region, geo, global, regional, *",
        ),
        (
            'amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,1K tokens,"0,035",2025-01-01,,x',
            "price_usd '0,035' is not a decimal number; write it like 0.035 "
            "(a dot, no currency sign or thousands separator)",
        ),
        (
            "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,1K tokens,$0.1,2025-01-01,,x",
            "price_usd '$0.1' is not a decimal number; write it like 0.035 "
            "(a dot, no currency sign or thousands separator)",
        ),
        (
            "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,1K tokens,-0.1,2025-01-01,,x",
            "price_usd '-0.1' is negative; prices are zero or more",
        ),
        (
            "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,token,0.0000000000001,2025-01-01,,x",
            "price_usd '0.0000000000001' has more than 12 decimal places; "
            "use a larger unit (1K tokens or 1M tokens)",
        ),
        (
            "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,1K tokens,0.1,2025-06-01,2025-06-01,x",
            "effective_to 2025-06-01 is not after effective_from 2025-06-01; effective_to is "
            "exclusive: make it later, or leave it empty for an open range",
        ),
        (
            "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,1K tokens,0.1,2025-06-01,2025-05-01,x",
            "effective_to 2025-05-01 is not after effective_from 2025-06-01; effective_to is "
            "exclusive: make it later, or leave it empty for an open range",
        ),
        (
            "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,1K tokens,0.1,01/06/2025,,x",
            "effective_from '01/06/2025' is not an ISO date; write YYYY-MM-DD",
        ),
        (
            "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,1K tokens,0.1,,,x",
            "effective_from is empty; write the first day the price applies (YYYY-MM-DD)",
        ),
        (
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0,us-east-1,geo,standard,on_demand,input_tokens,1M tokens,3.3,2025-01-01,,x",
            "model 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' is an inference profile id; "
            "use the base model id 'anthropic.claude-sonnet-4-5-20250929-v1:0' and say the "
            "routing in the routing column",
        ),
        (
            "amazon.nova-micro-v1:0,US East,*,standard,on_demand,input_tokens,1K tokens,0.1,2025-01-01,,x",
            "unknown region 'US East'; use an AWS Region code (us-east-1) or *",
        ),
    ],
)
def test_each_validation_error_names_file_line_and_fix(write_csv, row, message):
    path = write_csv("bad.csv", GOOD + row + "\n")
    assert error_of([path]) == f"{path}:3: {message}"


def test_all_problems_of_a_row_are_listed(write_csv):
    path = write_csv(
        "bad.csv",
        "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input,,abc,2025-01-01,,x\n",
    )
    assert error_of([path]).splitlines() == [
        f"{path}:2: unknown charge 'input'; use one of: input_tokens, output_tokens, "
        "cache_read_input_tokens, cache_write_input_tokens, cache_write_1h_input_tokens, "
        "images, model_unit_hours, custom_model_unit_minutes, training_tokens, "
        "storage_months, guardrail_text_units, other, agentcore_usage, knowledge_base_usage, "
        "model_unit_hours_1_month, model_unit_hours_6_months",
        f"{path}:2: unit is empty; use one of: {UNITS}",
        f"{path}:2: price_usd 'abc' is not a decimal number; write it like 0.035 "
        "(a dot, no currency sign or thousands separator)",
    ]


def test_overlapping_ranges_for_the_same_key_are_rejected(write_csv):
    path = write_csv(
        "overlap.csv",
        "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,1K tokens,0.1,2025-01-01,,a\n"
        "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,1K tokens,0.2,2025-06-01,2025-07-01,b\n",
    )
    assert error_of([path]) == (
        f"{path}:3: 2025-06-01..2025-07-01 overlaps 2025-01-01..open at {path}:2 for the same "
        "key (model=amazon.nova-micro-v1:0, region=us-east-1, routing=*, tier=standard, "
        "mode=on_demand, charge=input_tokens, context_tier=standard) in layer overlay; "
        "end one range where the other begins (effective_to is exclusive)"
    )


def test_adjacent_ranges_do_not_overlap_and_other_keys_are_independent(write_csv):
    path = write_csv(
        "ok.csv",
        "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,1K tokens,0.1,2025-01-01,2025-06-01,a\n"
        "amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,input_tokens,1K tokens,0.2,2025-06-01,,b\n"
        "amazon.nova-micro-v1:0,*,*,standard,on_demand,input_tokens,1K tokens,0.3,2025-01-01,,c\n",
    )
    assert len(read_price_files([path])) == 3


def test_overlap_across_two_files_is_rejected(write_csv):
    a = write_csv("a.csv", GOOD)
    b = write_csv("b.csv", GOOD)
    assert error_of([a, b]).startswith(
        f"{b}:2: 2025-01-01..open overlaps 2025-01-01..open at {a}:2"
    )


def test_header_problems(write_csv):
    path = write_csv(
        "hdr.csv",
        "model,region,routing,tier,mode,charge,price_usd,effective_from,effective_to,source,prize\n",
        header=False,
    )
    assert error_of([path]).splitlines() == [
        f"{path}:1: missing column unit; the header must name: model, region, routing, tier, "
        "mode, charge, unit, price_usd, effective_from, effective_to, source",
        f"{path}:1: unknown column 'prize'; allowed: model, region, routing, tier, mode, "
        "charge, unit, price_usd, effective_from, effective_to, source, context_tier, "
        "checked, note",
    ]


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    assert error_of([path]) == f"{path}: no such file; check the path"


def test_comments_blank_lines_and_optional_columns(write_csv):
    path = write_csv(
        "opt.csv",
        "# a review comment\n"
        "model,region,routing,tier,mode,charge,context_tier,unit,price_usd,effective_from,effective_to,source,checked,note\n"
        "\n"
        "anthropic.claude-sonnet-4-20250514-v1:0,*,*,*,on_demand,input_tokens,long,1M tokens,6.00,2025-01-01,,aws,2026-10-14,long context\n",
        header=False,
    )
    (entry,) = read_price_files([path])
    assert entry.key.context_tier == "long"
    assert entry.checked == date(2026, 10, 14)
    assert entry.line_number == 4
    assert entry.price_usd == Decimal("6.00")


def test_hostile_values_are_quoted_and_cut_short_in_messages(write_csv):
    evil = "=HYPERLINK(\x1b[31m" + "x" * 100
    path = write_csv(
        "evil.csv",
        f'amazon.nova-micro-v1:0,us-east-1,*,standard,on_demand,"{evil}",1K tokens,0.1,2025-01-01,,x\n',
    )
    message = error_of([path])
    assert "\x1b" not in message
    assert "'=HYPERLINK(\\x1b[31m" + "x" * 44 + "...'" in message
