"""Price List import with the real usage types of billing-vocabulary.md §1: price rows AND the
usage-type -> model map, from offer files and from GetProducts (botocore Stubber), with display
names matched to the model ids in the logs / ListFoundationModels (§3)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from reconciler.cli import main
from reconciler.core.usage_types import (
    BillingNames,
    learned_rows,
    load_billing_names,
    parse_usage_type,
)
from reconciler.db import connect, migrate
from reconciler.ingest import invoices
from reconciler.pricebook.pricelist import (
    fetch_api_products,
    import_price_list,
    list_foundation_models,
    map_products,
    name_rows,
    offer_products,
    read_offer,
)
from tests.support.stage import stage_ctx

DATA = Path(__file__).parent / "data"
CODES = ("AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels")
OFFERS = [DATA / f"offer_real_{c}.json" for c in CODES]

LLAMA33 = "meta.llama3-3-70b-instruct-v1:0"
LLAMA405 = "meta.llama3-1-405b-instruct-v1:0"
OPUS46 = "anthropic.claude-opus-4-6-v1"
SONNET4 = "anthropic.claude-sonnet-4-20250514-v1:0"
SONNET45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
QWEN32 = "qwen.qwen3-32b-v1:0"
NOVAPRO = "amazon.nova-pro-v1:0"
TITAN2 = "amazon.titan-embed-text-v2:0"

# The model ids "seen in the logs": profiles and an ARN as logged, near-misses on purpose
# (Llama 3.1 70B is not "Llama 3.1 70B Latency Optimized"; deepseek.v3 is not "DeepSeek V3.1";
# minimax-m2.5 is not minimax-m2; two Stable Image Core versions tie).
LOGGED = [
    LLAMA33,
    "us.meta.llama3-1-70b-instruct-v1:0",
    LLAMA405,
    "deepseek.v3-v1:0",
    NOVAPRO,
    QWEN32,
    "deepseek.v3.2",
    "minimax.minimax-m2",
    "minimax.minimax-m2.5",
    TITAN2,
    HAIKU3,
    "global." + SONNET4,
    OPUS46,
    SONNET45,
    "stability.stable-image-core-v1:0",
    "stability.stable-image-core-v1:1",
    "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123",
]

# A small table standing in for the bundled one, so these expectations do not move when the
# bundled billing names grow: it knows two names the Price List confirms.
TABLE = BillingNames().extended(
    [
        ("billing_name", "Qwen3-32B", QWEN32, None),
        ("product_name", "Claude Sonnet 4.5 (Amazon Bedrock Edition)", SONNET45, None),
    ]
)

D = date(2026, 7, 1)
EXPECTED_PRICES = [  # (model, region, routing, mode, charge, unit, price, sku), sorted
    (NOVAPRO, "ap-northeast-1", "regional", "on_demand", "cache_read_input_tokens", "1K tokens",
     Decimal("0.00021"), "RNOVAPROCRAPN101"),
    (TITAN2, "us-east-1", "regional", "on_demand", "input_tokens", "1K tokens",
     Decimal("0.00002"), "RTITANEMBV2IN001"),
    (HAIKU3, "us-east-1", "regional", "on_demand", "input_tokens", "1K tokens",
     Decimal("0.00025"), "KMZFVEBPVFAP5FUF"),
    (OPUS46, "us-east-1", "global", "on_demand", "input_tokens", "1K tokens",
     Decimal("0.005"), "RCL46OPUSGLOIN01"),
    (OPUS46, "us-east-1", "regional", "on_demand", "input_tokens", "1M tokens",
     Decimal("5.5"), "RMPOPUS46REGIN01"),
    (SONNET4, "us-east-1", "global", "on_demand", "cache_read_input_tokens", "1K tokens",
     Decimal("0.0003"), "RCL4SONCRGLOB001"),
    (SONNET45, "us-east-1", "global", "on_demand", "input_tokens", "1M tokens",
     Decimal("3"), "RMPS45GLOBALIN01"),
    (LLAMA405, "us-east-1", "regional", "batch", "output_tokens", "1K tokens",
     Decimal("0.0048"), "RLLAMA405BATOUT1"),
    (LLAMA33, "us-east-1", "regional", "on_demand", "input_tokens", "1K tokens",
     Decimal("0.00072"), "RLLAMA33IN000001"),
    (QWEN32, "eu-west-1", "regional", "batch", "input_tokens", "1K tokens",
     Decimal("0.000075"), "RQWEN332BBATIN01"),
]  # fmt: skip

EXPECTED_NAMES = [  # billing_name_map rows learned (name_type, name, base_model, SKU)
    ("billing_name", "Claude4.6Opus", OPUS46, "RCL46OPUSGLOIN01"),
    ("billing_name", "Claude4Sonnet", SONNET4, "RCL4SONCRGLOB001"),
    ("billing_name", "Claude3Haiku", HAIKU3, "KMZFVEBPVFAP5FUF"),
    ("billing_name", "Llama3-1-405B", LLAMA405, "RLLAMA405BATOUT1"),
    ("billing_name", "Llama3-3-70B", LLAMA33, "RLLAMA33IN000001"),
    ("billing_name", "NovaPro", NOVAPRO, "RNOVAPROCRAPN101"),
    ("billing_name", "TitanEmbeddingV2-Text", TITAN2, "RTITANEMBV2IN001"),
    ("product_name", "Claude Opus 4.6 (Amazon Bedrock Edition)", OPUS46, "RMPOPUS46REGIN01"),
    ("usage_type", "APN1-NovaPro-cache-read-input-token-count", NOVAPRO, "RNOVAPROCRAPN101"),
    ("usage_type", "EU-Qwen3-32B-input-tokens-batch", QWEN32, "RQWEN332BBATIN01"),
    ("usage_type", "USE1-Claude3Haiku-input-tokens", HAIKU3, "KMZFVEBPVFAP5FUF"),
    ("usage_type", "USE1-Claude4.6Opus-input-tokens-cross-region-global", OPUS46,
     "RCL46OPUSGLOIN01"),
    ("usage_type", "USE1-Claude4Sonnet-cache-read-input-token-count-cross-region-global",
     SONNET4, "RCL4SONCRGLOB001"),
    ("usage_type", "USE1-Llama3-1-405B-output-tokens-batch", LLAMA405, "RLLAMA405BATOUT1"),
    ("usage_type", "USE1-Llama3-3-70B-input-tokens", LLAMA33, "RLLAMA33IN000001"),
    ("usage_type", "USE1-TitanEmbeddingV2-Text-input-tokens", TITAN2, "RTITANEMBV2IN001"),
    ("usage_type", "USE1-deepseek.v3.2-mantle-input-tokens-standard", "deepseek.v3.2",
     "RDSV32MANTLEIN01"),
    ("usage_type", "USE1-minimax.minimax-m2-mantle-input-tokens-standard",
     "minimax.minimax-m2", "RMINIMAXM2MANT01"),
]  # fmt: skip


def _offer_products():
    for path in OFFERS:
        yield from offer_products(read_offer(str(path)))


def price_rows(con):
    return con.execute(
        "SELECT base_model, region, routing, mode, charge, unit, price_usd, source FROM prices"
        " WHERE layer = 'price_list' ORDER BY base_model, region, routing, mode, charge"
    ).fetchall()


def name_map(con):
    return con.execute(
        "SELECT name_type, name, base_model, source FROM billing_name_map ORDER BY name_type, name"
    ).fetchall()


def expected_name_map():
    return [
        (k, n, b, f"AWS Price List {_code(sku)} SKU {sku} 2026-07-01")
        for k, n, b, sku in sorted(EXPECTED_NAMES)
    ]


def _code(sku):
    for path in OFFERS:
        offer = json.loads(path.read_text())
        if sku in offer["products"]:
            return offer["offerCode"]
    raise AssertionError(sku)


def _check_import(con, report):
    import_price_list(con, report, "origin-1", "run-1")
    assert [(*r[:6], r[6], r[7]) for r in price_rows(con)] == [
        (*e[:6], e[6], e[7]) for e in sorted(EXPECTED_PRICES)
    ]
    assert all(r[6] == e[6] for r, e in zip(price_rows(con), sorted(EXPECTED_PRICES), strict=True))
    assert name_map(con) == expected_name_map()
    why = dict(con.execute("SELECT sku, reason FROM price_list_unmapped ORDER BY sku").fetchall())
    # Never the nearest name: a finding naming the Region and the candidates
    first_ten = (  # the 16 logged ids less the ARN, sorted; the rest counted
        "amazon.nova-pro-v1:0, amazon.titan-embed-text-v2:0, "
        "anthropic.claude-3-haiku-20240307-v1:0, anthropic.claude-opus-4-6-v1, "
        "anthropic.claude-sonnet-4-5-20250929-v1:0, deepseek.v3-v1:0, deepseek.v3.2, "
        "global.anthropic.claude-sonnet-4-20250514-v1:0, meta.llama3-1-405b-instruct-v1:0, "
        "meta.llama3-3-70b-instruct-v1:0 (+6 more)"
    )
    assert why["RLLAMA31LATOPT01"] == (
        "model name 'Llama 3.1 70B Latency Optimized' in us-east-1 matches no model id seen in "
        f"the logs or catalogue (join_key); candidates: {first_ten}"
    )
    assert why["RDEEPSEEKV31IN01"].startswith("model name 'DeepSeek V3.1' in us-east-1 matches no")
    assert why["RMPSTABLECORE001"] == (
        "model name 'Stable Image Core' in us-east-1 matches several model ids (join_key); "
        "candidates: stability.stable-image-core-v1:0, stability.stable-image-core-v1:1"
    )
    # Mantle SKUs teach their usage type but have no price key (not in invocation logs)
    assert why["RDSV32MANTLEIN01"] == "mantle endpoint price: its usage is not in invocation logs"
    assert len(why) == 5
    facts = con.execute(
        "SELECT sku, region_code, model_name, inference_type, feature, service_tier, base_model,"
        " match_status, match_stage, effective_date FROM price_list_names"
        " WHERE sku IN ('RQWEN332BBATIN01', 'RMINIMAXM2MANT01', 'RDEEPSEEKV31IN01') ORDER BY sku"
    ).fetchall()
    assert facts == [
        ("RDEEPSEEKV31IN01", "us-east-1", "DeepSeek V3.1", "Input tokens", "On-demand Inference",
         None, None, "missing", "join_key", D),
        ("RMINIMAXM2MANT01", "us-east-1", "MiniMax M2", "Input tokens", "On-demand Inference",
         "standard", "minimax.minimax-m2", "matched", "mantle", D),
        ("RQWEN332BBATIN01", "eu-west-1", "Qwen3 32B", "Input tokens", "Batch Inference", None,
         QWEN32, "matched", "join_key", D),
    ]  # fmt: skip


def test_offer_files_give_price_rows_and_the_usage_type_map(con):
    report = map_products(_offer_products(), "origin-1", TABLE, LOGGED)
    assert report.products == 15
    _check_import(con, report)
    # Re-importing changes nothing (rows replaced per origin, upserted by name)
    import_price_list(
        con, map_products(_offer_products(), "origin-1", TABLE, LOGGED), "origin-1", "r2"
    )
    assert name_map(con) == expected_name_map()
    assert con.execute("SELECT count(*) FROM price_list_names").fetchone() == (15,)


@pytest.fixture
def stubbed(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return (
        boto3.client("pricing", region_name="us-east-1"),
        boto3.client("bedrock", region_name="us-east-1"),
    )


def _price_list_strings(path):
    offer = json.loads(path.read_text())
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


def test_get_products_and_list_foundation_models_give_the_same_rows(con, stubbed):
    pricing, bedrock = stubbed
    regions = ["us-east-1", "ap-northeast-1", "eu-west-1"]
    by_region: dict[tuple[str, str], list[str]] = {}
    for code, path in zip(CODES, OFFERS, strict=True):
        for item in _price_list_strings(path):
            reg = json.loads(item)["product"]["attributes"]["regionCode"]
            by_region.setdefault((code, reg), []).append(item)
    with Stubber(pricing) as stub, Stubber(bedrock) as bstub:
        # the catalogue has every logged model except the ARN; the logs (below) add nothing
        bstub.add_response(
            "list_foundation_models",
            {
                "modelSummaries": [
                    {"modelId": m, "modelArn": "arn:x", "modelName": m, "providerName": "p"}
                    for m in LOGGED[:-1]
                ]
            },
            {},
        )
        bstub.add_client_error("list_foundation_models", service_error_code="AccessDeniedException")
        bstub.add_client_error("list_foundation_models", service_error_code="AccessDeniedException")
        found, problems = list_foundation_models(regions, lambda region: bedrock)
        assert found == set(LOGGED[:-1])
        assert problems == [
            "ListFoundationModels in ap-northeast-1: AccessDeniedException",
            "ListFoundationModels in eu-west-1: AccessDeniedException",
        ]
        for code in CODES:
            for reg in regions:
                stub.add_response(
                    "get_products",
                    {"FormatVersion": "aws_v1", "PriceList": by_region.get((code, reg), [])},
                    {
                        "ServiceCode": code,
                        "FormatVersion": "aws_v1",
                        "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": reg}],
                    },
                )
        report = map_products(fetch_api_products(pricing, regions), "origin-1", TABLE, found)
        stub.assert_no_pending_responses()
        bstub.assert_no_pending_responses()
    assert report.products == 15
    _check_import(con, report)


def test_learned_names_feed_the_invoice_mapping_under_the_users_file(con, tmp_path):
    import_price_list(con, map_products(_offer_products(), "o", TABLE, LOGGED), "o", "r")
    names = load_billing_names(None, learned_rows(con))
    # The billing name learned from one SKU maps the other meters of that model too
    out = parse_usage_type("USE1-Llama3-3-70B-output-tokens-batch", None, names=names)
    assert out is not None
    assert out.base_model == LLAMA33
    opus = parse_usage_type(
        "USE1-MP:USE1_OutputTokenCount-Units",
        "Claude Opus 4.6 (Amazon Bedrock Edition)",
        names=names,
    )
    assert opus is not None
    assert opus.base_model == OPUS46
    # A name nobody matched is not learned (never the nearest: Llama 3.1 70B Latency Optimized);
    # the grammar reads the usage type as Llama 3.1 70B, latency-optimized: its own price, the
    # same model (usage_types: `<BillingName>-LatencyOptimized`)
    assert "Llama3-1-70B-LatencyOptimized" not in names.billing
    lat = parse_usage_type("USE1-Llama3-1-70B-LatencyOptimized-input-tokens", None, names=names)
    assert lat is not None
    assert (lat.billing_model_name, lat.latency_optimized) == ("Llama3-1-70B", True)
    # The user's file wins over what the Price List taught
    user = tmp_path / "names.csv"
    user.write_text("name_type,name,base_model,charge\nbilling_name,Llama3-3-70B,acme.x-v1:0,\n")
    mine = load_billing_names(str(user), learned_rows(con))
    got = parse_usage_type("USE1-Llama3-3-70B-input-tokens-batch", None, names=mine)
    assert got is not None
    assert got.base_model == "acme.x-v1:0"


def test_name_conflicts_are_reported_not_learned():
    offer = json.loads(OFFERS[0].read_text())
    clone = json.loads(json.dumps(offer["products"]["RLLAMA33IN000001"]))
    clone["sku"] = "RLLAMA33IN000002"
    clone["attributes"]["regionCode"] = "us-west-2"
    clone["attributes"]["model"] = "Llama 3.1 405B"  # same billing name, another model
    offer["products"]["RLLAMA33IN000002"] = clone
    offer["terms"]["OnDemand"]["RLLAMA33IN000002"] = offer["terms"]["OnDemand"]["RLLAMA33IN000001"]
    report = map_products(offer_products(offer), "o", TABLE, LOGGED)
    rows, conflicts = name_rows(report)
    assert ("billing_name", "Llama3-3-70B") not in {(r[0][0], r[0][1]) for r in rows}
    both = (
        f"{LLAMA405} (AWS Price List AmazonBedrock SKU RLLAMA33IN000002 2026-07-01); "
        f"{LLAMA33} (AWS Price List AmazonBedrock SKU RLLAMA33IN000001 2026-07-01)"
    )
    assert conflicts == [
        f"billing_name 'Llama3-3-70B' matched different models: {both}",
        f"usage_type 'USE1-Llama3-3-70B-input-tokens' matched different models: {both}",
    ]


def test_cli_import_matches_against_the_model_ids_in_the_database(tmp_path, capsys):
    db = tmp_path / "r.duckdb"
    con = connect(str(db))
    migrate(con)
    con.executemany(
        "INSERT INTO model_ids (model_id, base_model, kind, resolved, resolution, resolved_at)"
        " VALUES ($m, $m, 'foundation_model', true, 'parsed', TIMESTAMP '2026-07-02 00:00:00')",
        [{"m": m} for m in (LLAMA33, "deepseek.v3-v1:0")],
    )
    con.close()
    with pytest.raises(SystemExit) as exc:
        main(["--db", str(db), "prices", "import", "--offer", str(OFFERS[0])])
    _, err = capsys.readouterr()
    assert exc.value.code in (0, 1)
    assert "unmapped SKU RDEEPSEEKV31IN01" in err
    assert "'DeepSeek V3.1' in us-east-1 matches no model id" in err
    con = connect(str(db))
    learned = con.execute(
        "SELECT name, base_model, source FROM billing_name_map WHERE name_type = 'usage_type'"
    ).fetchall()
    con.close()
    assert learned == [
        (
            "USE1-Llama3-3-70B-input-tokens",
            LLAMA33,
            "AWS Price List AmazonBedrock SKU RLLAMA33IN000001 2026-07-01",
        )
    ]


def test_invoice_ingest_maps_usage_types_by_what_the_import_learned(con, tmp_path):
    from reconciler.core.config import Settings

    # A Llama meter the Price List fixture does not list (on-demand input of Llama 3.1 405B):
    # mapped through the billing name learned from the batch-output SKU. DeepSeek V3.1 matched
    # nothing at import, so its invoice line stays unmapped (never deepseek.v3-v1:0).
    cur = tmp_path / "cur.csv"
    cur.write_text(
        "bill_billing_period_start_date,line_item_usage_start_date,line_item_usage_end_date,"
        "line_item_usage_account_id,line_item_product_code,line_item_usage_type,"
        "line_item_line_item_type,line_item_usage_amount,pricing_unit,line_item_unblended_rate,"
        "line_item_unblended_cost,line_item_net_unblended_cost,discount,product_region_code\n"
        "2026-07-01T00:00:00Z,2026-07-03T00:00:00Z,2026-07-03T00:00:00Z,111122223333,"
        "AmazonBedrock,USE1-Llama3-1-405B-input-tokens,Usage,10,,0.0024,0.024,,,us-east-1\n"
        "2026-07-01T00:00:00Z,2026-07-03T00:00:00Z,2026-07-03T00:00:00Z,111122223333,"
        "AmazonBedrock,USE1-DeepSeekV3-1-input-tokens,Usage,10,,0.00058,0.0058,,,us-east-1\n"
    )

    def lines(c):
        return c.execute("SELECT usage_type, base_model FROM invoice_lines ORDER BY 1").fetchall()

    fresh = connect(":memory:")  # the same invoice without an import first
    migrate(fresh)
    invoices.run(stage_ctx(fresh, "r0", settings=Settings()), sources=[str(cur)])
    # The bundled billing names now list every §1 name (Llama3-1-405B included), so the fresh
    # database maps it too; what the import adds must agree with it, and DeepSeek V3.1 stays
    # unmapped either way (no table row, nothing learned).
    assert lines(fresh) == [
        ("USE1-DeepSeekV3-1-input-tokens", None),
        ("USE1-Llama3-1-405B-input-tokens", LLAMA405),
    ]
    fresh.close()
    import_price_list(con, map_products(_offer_products(), "o", TABLE, LOGGED), "o", "r1")
    invoices.run(stage_ctx(con, "r2", settings=Settings()), sources=[str(cur)])
    assert lines(con) == [
        ("USE1-DeepSeekV3-1-input-tokens", None),
        ("USE1-Llama3-1-405B-input-tokens", LLAMA405),
    ]
