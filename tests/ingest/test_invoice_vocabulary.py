"""Which rows are Bedrock, bills that describe themselves, FOCUS by its mandatory columns.

Small hand-written files; every expected value is written out by hand.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from support.recon import rated

from reconciler.core.config import Settings
from reconciler.db.stage import StageContext
from reconciler.ingest import invoices
from reconciler.ingest.invoices import detect_format
from reconciler.stages import reconcile
from tests.support.stage import stage_ctx

ACCT = "123456789012"
SONNET45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
OPUS46 = "anthropic.claude-opus-4-6-v1"

CUR2 = (
    "bill_billing_period_start_date", "line_item_usage_start_date", "line_item_usage_end_date",
    "line_item_usage_account_id", "line_item_product_code", "line_item_usage_type",
    "line_item_line_item_type", "line_item_usage_amount", "line_item_unblended_cost", "product",
    "product_product_family", "product_region_code",
)  # fmt: skip
LEGACY = (
    "bill/BillingPeriodStartDate", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
    "lineItem/UsageAccountId", "lineItem/ProductCode", "lineItem/UsageType",
    "lineItem/LineItemType", "lineItem/UsageAmount", "lineItem/UnblendedCost",
    "product/ProductName", "product/regionCode",
)  # fmt: skip


def _csv(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _cur(code: str, usage_type: str, qty: str, cost: str, product: dict[str, str] | None = None,
         family: str = "", kind: str = "Usage") -> list[str]:  # fmt: skip
    return [
        "2026-06-01T00:00:00Z", "2026-06-03T14:00:00Z", "2026-06-03T15:00:00Z", ACCT, code,
        usage_type, kind, qty, cost, json.dumps(product or {}), family, "us-east-1",
    ]  # fmt: skip


def _ingest(con, path: Path):
    return invoices.run(stage_ctx(con, "r1", settings=Settings()), sources=[str(path)])


def _lines(con):
    return con.execute(
        "SELECT usage_type, product_code, base_model, charge, usage_kind, routing, mapped, "
        "quantity_tokens FROM invoice_lines ORDER BY line_number"
    ).fetchall()


def test_bedrock_product_codes_without_product_family_are_kept(con, tmp_path):
    # exports before 2026-07-20 (and legacy CUR) have no product_product_family
    path = _csv(tmp_path / "cur.csv", CUR2, [
        _cur("AmazonBedrockService", "USE1-Claude4.6Opus-input-tokens-cross-region-global",
             "120", "0.6"),
        _cur("9qx2opaque", "USE1-MP:USE1_created_image_stable_image_core-Units", "3", "0.12",
             {"product_name": "Stable Image Core (Amazon Bedrock Edition)"}),
        _cur("AmazonBedrockFoundationModels", "USE1-MP:USE1_InputTokenCount-Units", "0.5",
             "1.65", {"product_name": "Claude Sonnet 4.5 (Amazon Bedrock Edition)"}),
        _cur("AmazonBedrockAgentCore", "USE1-Runtime:Consumption-based:vCPU", "2", "0.179"),
        _cur("AmazonBedrock", "USE1-Knowledge-Base:Consumption-based:Retrieval", "4", "0.4"),
        _cur("AmazonEC2", "BoxUsage:t3.micro", "1", "0.0104"),
    ])  # fmt: skip
    result = _ingest(con, path)
    assert (result.rows_in, result.rows_out) == (6, 5)
    assert result.counts["bedrock_rows"] == 5
    assert result.counts["non_bedrock_rows"] == 1
    assert result.counts["non_model_rows"] == 2
    assert result.problems_by_reason == {}
    assert _lines(con) == [
        ("USE1-Claude4.6Opus-input-tokens-cross-region-global", "AmazonBedrockService", OPUS46,
         "input_tokens", "token", "global", True, D(120000)),
        ("USE1-MP:USE1_created_image_stable_image_core-Units", "9qx2opaque", None, "images",
         "image", "regional", False, None),
        ("USE1-MP:USE1_InputTokenCount-Units", "AmazonBedrockFoundationModels", SONNET45,
         "input_tokens", "token", "regional", True, D(500000)),
        ("USE1-Runtime:Consumption-based:vCPU", "AmazonBedrockAgentCore", None,
         "agentcore_usage", "agentcore", None, True, None),
        ("USE1-Knowledge-Base:Consumption-based:Retrieval", "AmazonBedrock", None,
         "knowledge_base_usage", "knowledge_base", None, True, None),
    ]  # fmt: skip


def test_legacy_cur_amazon_bedrock_service_rows_are_kept(con, tmp_path):
    path = _csv(tmp_path / "legacy.csv", LEGACY, [
        ["2026-06-01T00:00:00Z", "2026-06-03T14:00:00Z", "2026-06-03T15:00:00Z", ACCT,
         "AmazonBedrockService", "USE1-Claude4.6Opus-output-tokens", "Usage", "2", "0.05",
         "Amazon Bedrock Service", "us-east-1"],
    ])  # fmt: skip
    result = _ingest(con, path)
    assert (result.rows_out, result.counts["non_bedrock_rows"]) == (1, 0)
    got = con.execute("SELECT base_model, charge, quantity_tokens FROM invoice_lines").fetchall()
    assert got == [(OPUS46, "output_tokens", D(2000))]


def test_a_usage_type_no_table_knows_is_read_from_the_product_map(con, tmp_path):
    path = _csv(tmp_path / "cur.csv", CUR2, [
        # unknown suffix: the grammar says unknown; the product map says what it is
        _cur("AmazonBedrock", "USE1-Claude4.5Sonnet-input-tokens-warp", "10", "0.033",
             {"model": "Claude Sonnet 4.5", "inference_type": "Input tokens",
              "feature": "Batch Inference"}, family="Amazon Bedrock"),
        # a billing name no table knows, a display name the product table knows
        _cur("AmazonBedrock", "USE1-ClaudeSonnet4.5X-output-tokens", "1", "0.015",
             {"model": "Claude Sonnet 4.5", "inference_type": "Output tokens"},
             family="Amazon Bedrock"),
        # nothing says what it is: an explicit unknown, reported as unmapped
        _cur("AmazonBedrock", "USE1-Claude4.5Sonnet-input-tokens-warp", "1", "0.003",
             family="Amazon Bedrock"),
    ])  # fmt: skip
    result = _ingest(con, path)
    assert result.counts["unmapped_rows"] == 1
    assert con.execute(
        "SELECT base_model, charge, mode, usage_kind, mapped, quantity_tokens FROM invoice_lines "
        "ORDER BY line_number"
    ).fetchall() == [
        (SONNET45, "input_tokens", "batch", "token", True, D(10000)),
        (SONNET45, "output_tokens", "on_demand", "token", True, D(1000)),
        # the model is known (Claude4.5Sonnet), the charge is not: unmapped, nothing guessed
        (SONNET45, "other", "on_demand", "unknown", False, None),
    ]


# The header of the FinOps Foundation's FOCUS 1.0 sample data (a multi-cloud file: no x_ columns).
FOCUS10_SAMPLE = (
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName",
    "CommitmentDiscountStatus", "CommitmentDiscountType", "ConsumedQuantity", "ConsumedUnit",
    "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost",
    "ListUnitPrice", "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName",
    "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
    "ServiceCategory", "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName",
    "Tags",
)  # fmt: skip


def _focus_row(header: tuple[str, ...] = FOCUS10_SAMPLE, **values: str) -> list[str]:
    base = dict.fromkeys(header, "")
    base.update(
        BillingCurrency="USD", BillingPeriodStart="2026-06-01T00:00:00Z",
        BillingPeriodEnd="2026-07-01T00:00:00Z", ChargePeriodStart="2026-06-03T00:00:00Z",
        ChargePeriodEnd="2026-06-04T00:00:00Z", BillingAccountId="999988887777",
        SubAccountId=ACCT, ProviderName="Microsoft", ChargeCategory="Usage", Tags="{}",
    )  # fmt: skip
    base.update(values)
    return [base[c] for c in header]


def test_focus_sample_without_aws_columns_is_focus_1_0_with_0_bedrock_rows(con, tmp_path):
    assert detect_format(set(FOCUS10_SAMPLE)) == "focus_1_0"
    path = _csv(tmp_path / "focus_sample.csv", FOCUS10_SAMPLE, [
        _focus_row(BilledCost="12.5", ServiceName="Virtual Machines", RegionId="eastus"),
        _focus_row(BilledCost="0.3", ServiceName="Storage", ChargeCategory="Tax"),
    ])  # fmt: skip
    result = _ingest(con, path)
    assert result.problems_by_reason == {}  # not unknown_format
    assert (result.rows_in, result.rows_out) == (2, 0)
    assert (result.counts["bedrock_rows"], result.counts["non_bedrock_rows"]) == (0, 2)
    assert con.execute(
        "SELECT kind FROM source_objects WHERE source_uri LIKE '%focus_sample.csv'"
    ).fetchall() == [("invoice_focus_1_0",)]


@pytest.mark.parametrize(
    ("columns", "fmt"),
    [
        (set(FOCUS10_SAMPLE), "focus_1_0"),
        (set(FOCUS10_SAMPLE) | {"x_UsageType", "x_ServiceCode"}, "focus_1_0"),
        (set(FOCUS10_SAMPLE) | {"SkuMeter", "SkuPriceDetails", "ServiceSubcategory"}, "focus_1_2"),
        (set(FOCUS10_SAMPLE) | {"InvoiceId", "PricingCurrency"}, "focus_1_2"),
        ({"ChargeCategory", "BilledCost"}, None),  # two columns are not a FOCUS file
        (set(FOCUS10_SAMPLE) - {"BillingCurrency"}, None),
    ],
)
def test_focus_is_recognised_by_its_mandatory_columns(columns, fmt):
    assert detect_format(columns) == fmt


def test_focus_adjustment_is_a_discount_and_tax_a_tax(con, tmp_path):
    header = (*FOCUS10_SAMPLE, "x_ServiceCode", "x_UsageType")
    bedrock = {"ServiceName": "Amazon Bedrock", "RegionId": "us-east-1", "ProviderName": "AWS"}
    rows = [
        _focus_row(header, BilledCost="0.035", PricingQuantity="1000", EffectiveCost="0.035",
                   **bedrock, x_ServiceCode="AmazonBedrock",
                   x_UsageType="USE1-NovaMicro-input-tokens"),
        _focus_row(header, BilledCost="-0.5", EffectiveCost="-0.5", ChargeCategory="Adjustment",
                   **bedrock, x_ServiceCode="AmazonBedrock"),
        _focus_row(header, BilledCost="0.2", EffectiveCost="0.2", ChargeCategory="Tax", **bedrock,
                   x_ServiceCode="AmazonBedrock"),
    ]  # fmt: skip
    path = _csv(tmp_path / "focus_aws.csv", header, rows)
    result = _ingest(con, path)
    assert result.rows_out == 3
    rated(con, quantity=1_000_000, cost="0.035", day=date(2026, 6, 3), routing="in_region")
    reconcile.run(StageContext(con, Settings(), "r2", date(2026, 6, 3), date(2026, 6, 3)))
    got = con.execute(
        "SELECT line_item_type, invoiced_cost_usd, cause FROM reconciliation "
        "ORDER BY invoiced_cost_usd"
    ).fetchall()
    assert got == [
        ("Adjustment", D("-0.5"), "discount_or_credit"),
        (None, D("0.035"), None),  # the usage line: exact
        ("Tax", D("0.2"), "tax_or_fee"),
    ]
