"""AWS Price List import: offer files and GetProducts (botocore Stubber), never the network."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from reconciler.core.errors import SourceError
from reconciler.pricebook import bundled
from reconciler.pricebook.pricelist import (
    api_products,
    fetch_api_products,
    import_price_list,
    map_products,
    offer_products,
    read_offer,
)
from tests.support.stage import stage_ctx

DATA = Path(__file__).parent / "data"
BEDROCK = DATA / "offer_bedrock_us-east-1.json"
FOUNDATION = DATA / "offer_foundation_models_us-east-1.json"
NOVA = "amazon.nova-micro-v1:0"
SONNET45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"


def imported(con, *paths):
    for p in paths:
        report = map_products(offer_products(read_offer(str(p))), str(p))
        result = import_price_list(con, report, str(p), "r")
    return result


def price_rows(con):
    return con.execute(
        "SELECT base_model, routing, tier, mode, charge, unit, price_usd, effective_from,"
        " effective_to, source FROM prices WHERE layer = 'price_list'"
        " ORDER BY base_model, routing, tier, mode, charge, effective_from"
    ).fetchall()


def test_offer_files_map_to_price_rows_and_report_the_rest(con):
    imported(con, BEDROCK, FOUNDATION)
    d = date(2025, 10, 1)
    assert price_rows(con) == [
        (
            "amazon.nova-canvas-v1:0",
            "regional",
            "standard",
            "on_demand",
            "images",
            "image",
            Decimal("0.04"),
            d,
            None,
            "NOVACANVASIMG001",
        ),
        (
            NOVA,
            "regional",
            "standard",
            "batch",
            "input_tokens",
            "1K tokens",
            Decimal("0.0000175"),
            d,
            None,
            "NOVAMICROBATIN001",
        ),
        (
            NOVA,
            "regional",
            "standard",
            "on_demand",
            "input_tokens",
            "1K tokens",
            Decimal("0.000035"),
            d,
            None,
            "NOVAMICROIN000001",
        ),
        (
            NOVA,
            "regional",
            "standard",
            "on_demand",
            "output_tokens",
            "1K tokens",
            Decimal("0.00014"),
            d,
            None,
            "NOVAMICROOUT00001",
        ),
        (
            "amazon.nova-pro-v1:0",
            "regional",
            "flex",
            "on_demand",
            "input_tokens",
            "1K tokens",
            Decimal("0.0004"),
            d,
            None,
            "NOVAPROFLEXIN0001",
        ),
        (
            SONNET45,
            "global",
            "standard",
            "on_demand",
            "cache_write_1h_input_tokens",
            "1M tokens",
            Decimal("6"),
            d,
            None,
            "CLAUDES45CW1HG01",
        ),
        (
            SONNET45,
            "global",
            "standard",
            "on_demand",
            "input_tokens",
            "1M tokens",
            Decimal("3"),
            d,
            None,
            "CLAUDES45GLOIN01",
        ),
        (
            SONNET45,
            "regional",
            "standard",
            "on_demand",
            "input_tokens",
            "1M tokens",
            Decimal("3.3"),
            d,
            None,
            "CLAUDES45REGIN01",
        ),
    ]
    unmapped = con.execute("SELECT sku, reason FROM price_list_unmapped ORDER BY sku").fetchall()
    assert unmapped == [
        ("GIZMOINPUT000001", "billing name Gizmo9000 not in the billing-name table"),
        ("NOVAPROLATOPT0001", "latency-optimized price: the price key has no latency dimension"),
        (
            "WIDGETINPUT0001",
            "product 'Widget 1 (Amazon Bedrock Edition)' not in the billing-name table",
        ),
    ]


def test_imported_prices_rate_by_hand_and_beat_bundled(con):
    bundled.run(stage_ctx(con, "r"))
    imported(con, BEDROCK, FOUNDATION)
    d = date(2025, 11, 3)

    def cost(q, model, routing, charge="input_tokens"):
        return con.execute(
            "SELECT CAST($q * price_usd * unit_factor AS DECIMAL(38, 12)), layer FROM"
            " price_at($m, 'us-east-1', $rt, 'standard', 'on_demand', $c, 'standard', $d)",
            {"q": q, "m": model, "rt": routing, "c": charge, "d": d},
        ).fetchone()

    # formats.md §4.6: 412,345 Sonnet 4.5 tokens at 3.30 per 1M (Units) = 1.3607385
    assert cost(412_345, SONNET45, "in_region") == (Decimal("1.3607385"), "price_list")
    assert cost(412_345, SONNET45, "global") == (Decimal("1.237035"), "price_list")
    # 1,834,217 Nova Micro tokens at 0.000035 per 1K = 0.064197595 (formats.md §4.6)
    assert cost(1_834_217, NOVA, "geo") == (Decimal("0.064197595"), "price_list")
    # a global Nova call is not covered by a regional SKU: the bundled '*' row prices it
    assert cost(1_000_000, NOVA, "global") == (Decimal("0.035"), "bundled")


def test_reimport_is_a_no_op_and_a_newer_offer_closes_the_old_price(con, tmp_path):
    imported(con, BEDROCK)
    before = price_rows(con)
    again = imported(con, BEDROCK)
    assert again.counts["new_price_ids"] == 0
    assert price_rows(con) == before
    newer = json.loads(BEDROCK.read_text())
    term = newer["terms"]["OnDemand"]["NOVAMICROIN000001"]["NOVAMICROIN000001.JRTCKXETXF"]
    term["effectiveDate"] = "2026-01-01T00:00:00Z"
    next(iter(term["priceDimensions"].values()))["pricePerUnit"]["USD"] = "0.0000300000"
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(newer))
    imported(con, path)
    rows = [
        r
        for r in price_rows(con)
        if r[4] == "input_tokens" and r[3] == "on_demand" and r[0] == NOVA
    ]
    assert [(r[6], r[7], r[8]) for r in rows] == [
        (Decimal("0.000035"), date(2025, 10, 1), date(2026, 1, 1)),
        (Decimal("0.00003"), date(2026, 1, 1), None),
    ]


def test_contradicting_skus_for_one_key_are_reported_not_picked():
    offer = json.loads(BEDROCK.read_text())
    clone = copy.deepcopy(offer["products"]["NOVAMICROIN000001"])
    clone["sku"] = "NOVAMICROIN000002"
    offer["products"]["NOVAMICROIN000002"] = clone
    term = copy.deepcopy(offer["terms"]["OnDemand"]["NOVAMICROIN000001"])
    dim = next(iter(next(iter(term.values()))["priceDimensions"].values()))
    dim["pricePerUnit"]["USD"] = "0.0000400000"
    offer["terms"]["OnDemand"]["NOVAMICROIN000002"] = term
    report = map_products(offer_products(offer), "x")
    assert not [
        e
        for e in report.entries
        if e.key.charge == "input_tokens" and e.key.mode == "on_demand" and e.key.base_model == NOVA
    ]
    clash = sorted(u.sku for u in report.unmapped if "different prices" in u.reason)
    assert clash == ["NOVAMICROIN000001", "NOVAMICROIN000002"]


def test_missing_offer_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError) as exc:
        read_offer(f"file://{tmp_path}/nope.json")
    assert str(exc.value) == f"offer file file://{tmp_path}/nope.json not found; check the path"


def _as_price_list_items(offer_path):
    """Turn an offer file into GetProducts items: a JSON *string* per product."""
    offer = json.loads(offer_path.read_text())
    return [
        json.dumps(
            {
                "product": product,
                "serviceCode": offer["offerCode"],
                "terms": {"OnDemand": offer["terms"]["OnDemand"][sku]},
                "version": offer["version"],
                "publicationDate": offer["publicationDate"],
            }
        )
        for sku, product in offer["products"].items()
    ]


@pytest.fixture
def pricing_client(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return boto3.client("pricing", region_name="us-east-1")


def test_get_products_two_pages_via_stubber(con, pricing_client):
    bedrock_items = _as_price_list_items(BEDROCK)
    fm_items = _as_price_list_items(FOUNDATION)
    filters = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"}]
    with Stubber(pricing_client) as stub:
        stub.add_response(
            "get_products",
            {"FormatVersion": "aws_v1", "PriceList": bedrock_items[:4], "NextToken": "page-2"},
            {"ServiceCode": "AmazonBedrock", "FormatVersion": "aws_v1", "Filters": filters},
        )
        stub.add_response(
            "get_products",
            {"FormatVersion": "aws_v1", "PriceList": bedrock_items[4:]},
            {
                "ServiceCode": "AmazonBedrock",
                "FormatVersion": "aws_v1",
                "Filters": filters,
                "NextToken": "page-2",
            },
        )
        stub.add_response(  # Claude 4.x first-party bills here since 2026; none in this fixture
            "get_products",
            {"FormatVersion": "aws_v1", "PriceList": []},
            {"ServiceCode": "AmazonBedrockService", "FormatVersion": "aws_v1", "Filters": filters},
        )
        stub.add_response(
            "get_products",
            {"FormatVersion": "aws_v1", "PriceList": fm_items},
            {
                "ServiceCode": "AmazonBedrockFoundationModels",
                "FormatVersion": "aws_v1",
                "Filters": filters,
            },
        )
        report = map_products(fetch_api_products(pricing_client, ["us-east-1"]), "pricing-api")
        stub.assert_no_pending_responses()
    assert report.products == 11
    assert len(report.entries) == 8
    assert len(report.unmapped) == 3
    result = import_price_list(con, report, "pricing-api", "r")
    assert result.counts["unmapped"] == 3
    # the same rows as the offer-file route
    assert [r[-1] for r in price_rows(con)] == [
        "NOVACANVASIMG001",
        "NOVAMICROBATIN001",
        "NOVAMICROIN000001",
        "NOVAMICROOUT00001",
        "NOVAPROFLEXIN0001",
        "CLAUDES45CW1HG01",
        "CLAUDES45GLOIN01",
        "CLAUDES45REGIN01",
    ]


def test_api_products_reads_json_strings():
    items = _as_price_list_items(FOUNDATION)
    code, product, terms = next(api_products(items[:1]))
    assert code == "AmazonBedrockFoundationModels"
    assert product["sku"] == "CLAUDES45REGIN01"
    assert len(terms) == 1
