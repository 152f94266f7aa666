"""Invoice ingest on the fixtures and on small hand-written files; figures computed by hand."""

from __future__ import annotations

import gzip
import os
import shutil
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from reconciler.core.config import InvoicesConfig, Settings
from reconciler.core.quarantine import Problems
from reconciler.ingest import invoices
from reconciler.ingest.invoice_units import check_units
from reconciler.ingest.invoices import detect_format
from tests.support.stage import stage_ctx

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "invoices"
SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
# The 29 Bedrock rows' unblended costs, as written in fixtures/invoices/make_invoices.py ROWS.
FIXTURE_COSTS = [
    "0.00014622", "-0.000014622", "0.0034716", "0.00799", "0.0060192", "0.00396", "0.0072",
    "0.00033", "0.000495", "0.045", "0.00072", "0.00096", "0.00001225", "0.000021", "0.03",
    "508.32", "-1.25", "0.0024", "0.003", "0.0033", "0.0044", "0.0000046", "0.0000092", "42.36",
    "0.0576", "0.0144", "0.0135", "0.00001925", "0.0000077",
]  # fmt: skip
# 508.32 + 42.36 - 1.25 = 549.43; the other 26 rows add up to 0.204951398 (README arithmetic)
FIXTURE_TOTAL = Decimal("549.634951398")
# Usage-line tokens: 1K-token rows x 1000 (Titan, Nova Pro, Nova Micro x3 incl. the 550 "units"
# that are really tokens, Llama, DeepSeek, Mantle), Marketplace rows x 1,000,000 (Claude).
FIXTURE_TOKENS = (
    7311 + 900 + 300 + 350 + 150 + 100 + 50 + 80000 + 20000 + 10000 + 300000 + 550000 + 55
) + (1052 + 484 + 18240 + 1200 + 480 + 300 + 90 + 800 + 200 + 3000 + 800)
COMPARED = (
    "billing_period, usage_start, usage_end, account_id, region, product_code, product, "
    "usage_type, operation, charge_category, billing_model_name, base_model, routing, tier, "
    "mode, charge, usage_kind, endpoint, mapped, quantity, unit, unit_source, tokens_per_unit, "
    "quantity_tokens, unit_check, unblended_rate, unblended_cost_usd, net_cost_usd, resource_id"
)


def _ingest(con, *sources, settings=None, problems=None, run_id="run-1", **kw):
    return invoices.run(
        stage_ctx(con, run_id, settings=settings or Settings(), problems=problems),
        sources=[str(s) for s in sources],
        **kw,
    )


def _lines(con, fmt):
    # the table, not the view: the view shows only the source used (stages/invoice_precedence)
    return sorted(
        con.execute(
            f"SELECT {COMPARED} FROM invoice_line_items WHERE source_format = $f", {"f": fmt}
        ).fetchall(),
        key=repr,
    )


def test_fixture_formats_give_identical_invoice_lines(con):
    for d in ("cur2_parquet", "cur2_csv", "focus12", "focus10"):
        result = _ingest(con, FIX / d, run_id=d)
        assert (result.rows_in, result.rows_out) == (30, 29)
        assert result.counts["non_bedrock_rows"] == 1  # the EC2 row
        assert result.counts["files_skipped"] == 1  # the manifest
        # every export after the first holds the same month: superseded, reported, not summed
        expected = {} if d == "cur2_parquet" else {"superseded_invoice_source": 1}
        assert result.problems_by_reason == expected
    parquet = _lines(con, "cur2")
    assert len(parquet) == 58  # two CUR 2.0 exports (Parquet, CSV.gz) of the same 29 rows
    assert parquet[0::2] == parquet[1::2]
    assert _lines(con, "focus_1_2") == parquet[0::2]
    assert _lines(con, "focus_1_0") == parquet[0::2]
    # FOCUS cannot say EdpDiscount: the line type is its ChargeCategory (Credit)
    types = dict(
        con.execute(
            "SELECT source_format, list(DISTINCT line_item_type ORDER BY line_item_type) "
            "FROM invoice_line_items GROUP BY ALL"
        ).fetchall()
    )
    assert types["cur2"] == ["Credit", "EdpDiscount", "Usage"]
    assert types["focus_1_2"] == types["focus_1_0"] == ["Credit", "Usage"]
    for fmt in ("focus_1_0", "focus_1_2"):
        total, tokens = con.execute(
            "SELECT sum(unblended_cost_usd), sum(quantity_tokens) FROM invoice_line_items "
            "WHERE source_format = $f",
            {"f": fmt},
        ).fetchone()
        assert total == sum(Decimal(c) for c in FIXTURE_COSTS) == FIXTURE_TOTAL
        assert tokens == FIXTURE_TOKENS == 995862


def test_exact_decimals_and_units_from_parquet(con):
    _ingest(con, FIX / "cur2_parquet")
    row = con.execute(
        "SELECT quantity, unit, tokens_per_unit, quantity_tokens, unblended_rate, "
        "unblended_cost_usd, net_cost_usd, base_model, routing, line_number, iam_principal "
        "FROM invoice_lines WHERE usage_type = 'USE1-TitanEmbeddingV2-Text-input-tokens' "
        "AND line_item_type = 'Usage'"
    ).fetchone()
    assert row == (
        Decimal("7.311"), "1K tokens", 1000, Decimal("7311"), Decimal("0.00002"),
        Decimal("0.00014622"), Decimal("0.00014622"), "amazon.titan-embed-text-v2:0", "regional",
        1, "arn:aws:sts::111122223333:assumed-role/etl-bot/i-0a1b2c3d",
    )  # fmt: skip
    assert str(row[5].normalize()) == "0.00014622"


def test_marketplace_rows_found_by_product_name_and_mp_usage_type(con):
    _ingest(con, FIX / "cur2_parquet")
    rows = con.execute(
        "SELECT base_model, product_code, routing, charge, quantity_tokens, unit "
        "FROM invoice_lines WHERE usage_type LIKE '%-MP:%' ORDER BY line_number"
    ).fetchall()
    s, h, m = "7zgyu5r4sonnet45exmpl", "b2rj8kq1haiku45exmpl", "1M tokens"
    assert rows == [
        (SONNET, s, "regional", "input_tokens", Decimal(1052), m),
        (SONNET, s, "regional", "output_tokens", Decimal(484), m),
        (SONNET, s, "regional", "cache_read_input_tokens", Decimal(18240), m),
        (SONNET, s, "global", "input_tokens", Decimal(1200), m),
        (SONNET, s, "global", "output_tokens", Decimal(480), m),
        (HAIKU, h, "regional", "input_tokens", Decimal(300), m),
        (HAIKU, h, "regional", "output_tokens", Decimal(90), m),
        (SONNET, s, "global", "input_tokens", Decimal(800), m),
        (SONNET, s, "global", "output_tokens", Decimal(200), m),
        (HAIKU, h, "regional", "input_tokens", Decimal(3000), m),
        (HAIKU, h, "regional", "output_tokens", Decimal(800), m),
    ]  # fmt: skip


def test_reconciliation_causes_are_present_in_the_fixture(con):
    _ingest(con, FIX / "cur2_parquet")
    got = dict(
        con.execute(
            "SELECT usage_type, [usage_kind, charge, CAST(mapped AS VARCHAR), endpoint] "
            "FROM invoice_lines WHERE line_item_type = 'Usage' AND ("
            "NOT mapped OR usage_kind <> 'token' OR endpoint = 'mantle')"
        ).fetchall()
    )
    assert got == {
        "USE1-DeepSeekR1-input-tokens": ["token", "input_tokens", "false", "runtime"],
        "USW2-Guardrail-ContentPolicyUnitsConsumed": [
            "guardrail", "guardrail_text_units", "true", "runtime"],
        "USE1-NovaPro-ProvisionedThroughput-NoCommit-ModelUnits": [
            "provisioned", "model_unit_hours", "true", "runtime"],
        "EUW1-NovaPro-ProvisionedThroughput-NoCommit-ModelUnits": [
            "provisioned", "model_unit_hours", "true", "runtime"],
        "USE1-openai.gpt-oss-120b-mantle-input-tokens-standard": [
            "token", "input_tokens", "true", "mantle"],
    }  # fmt: skip
    credits = con.execute(
        "SELECT line_item_type, net_cost_usd, quantity_tokens FROM invoice_lines "
        "WHERE charge_category = 'Credit' ORDER BY line_item_type"
    ).fetchall()
    assert credits == [
        ("Credit", Decimal("-1.25"), None),
        ("EdpDiscount", Decimal("-0.000014622"), None),
    ]


def test_reingesting_the_same_files_is_a_no_op(con):
    _ingest(con, FIX / "cur2_csv")
    again = _ingest(con, FIX / "cur2_csv")
    assert (again.rows_in, again.rows_out, again.counts["files_unchanged"]) == (0, 0, 1)
    assert con.execute("SELECT count(*) FROM invoice_line_items").fetchone()[0] == 29


def _copy_export(tmp_path):
    dst = tmp_path / "exports"
    shutil.copytree(FIX / "cur2_csv", dst)
    data = dst / "bedrock-cur-csv" / "data" / "BILLING_PERIOD=2025-11"
    return dst, data / "bedrock-cur-csv-00001.csv.gz"


def _rewrite(path, transform):
    text = gzip.decompress(path.read_bytes()).decode()
    path.write_bytes(gzip.compress(transform(text).encode()))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_redelivered_period_replaces_the_previous_one(con, tmp_path):
    root, file = _copy_export(tmp_path)
    _ingest(con, root)
    # AWS refreshes the open month: the provisioned line is corrected, the credit dropped.
    _rewrite(
        file,
        lambda t: (
            "\n".join(
                line.replace(",508.32,", ",254.16,")
                for line in t.splitlines()
                if ",Credit," not in line
            )
            + "\n"
        ),
    )
    result = _ingest(con, root)
    assert (result.rows_out, result.counts["files"]) == (28, 1)
    total, n = con.execute(
        "SELECT sum(unblended_cost_usd), count(*) FROM invoice_line_items"
    ).fetchone()
    assert n == 28
    assert total == FIXTURE_TOTAL - Decimal("254.16") + Decimal("1.25")
    assert con.execute("SELECT count(*) FROM source_objects").fetchone()[0] == 2


def test_one_file_of_a_partition_brings_its_siblings(con, tmp_path):
    _, file = _copy_export(tmp_path)
    sibling = file.with_name("bedrock-cur-csv-00002.csv.gz")
    text = gzip.decompress(file.read_bytes()).decode().splitlines()
    sibling.write_bytes(gzip.compress(("\n".join([text[0], text[1]]) + "\n").encode()))
    result = _ingest(con, file)  # only 00001 named
    # the sibling's one row repeats line 2 of 00001: a duplicate line item, loaded once
    assert (result.counts["files"], result.rows_out) == (2, 29)
    assert result.counts["duplicate_line_items"] == 1
    assert result.problems_by_reason == {"duplicate_line_item": 1}


CUR2_HEADER = (
    "bill_billing_period_start_date,line_item_usage_start_date,line_item_usage_end_date,"
    "line_item_usage_account_id,line_item_product_code,line_item_usage_type,"
    "line_item_line_item_type,line_item_usage_amount,pricing_unit,line_item_unblended_rate,"
    "line_item_unblended_cost,line_item_net_unblended_cost,discount,product_region_code\n"
)
P, D = "2025-11-01T00:00:00Z", "2025-11-03T00:00:00Z"


def _cur2_csv(tmp_path, rows, name="cur.csv"):
    path = tmp_path / name
    path.write_text(CUR2_HEADER + "".join(f"{P},{D},{D},{r}\n" for r in rows))
    return path


def test_bad_rows_are_quarantined_and_good_rows_load(con, tmp_path):
    path = _cur2_csv(
        tmp_path,
        [
            "111122223333,AmazonBedrock,USE1-NovaMicro-input-tokens,Usage,10,,0.000035,0.00035,,,us-east-1",
            "111122223333,AmazonBedrock,USE1-NovaMicro-output-tokens,Usage,10,,0.00014,abc,,,us-east-1",
            "111122223333,AmazonEC2,BoxUsage:t3.micro,Usage,1,,0.01,zzz,,,us-east-1",
        ],
    )  # fmt: skip
    problems = Problems()
    result = _ingest(con, path, problems=problems)
    assert result.problems_by_reason == {"bad_field": 1}
    assert (result.rows_out, result.counts["non_bedrock_rows"]) == (1, 1)
    assert con.execute("SELECT line_number, reason, detail FROM quarantine").fetchall() == [
        (3, "bad_field", "unblended cost is not a number")
    ]


def test_unknown_format_is_quarantined(con, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    result = _ingest(con, path)
    assert result.problems_by_reason == {"unknown_format": 1}
    assert con.execute("SELECT count(*) FROM source_objects").fetchone()[0] == 0


def test_discount_map_and_net_unblended_cost_give_net_cost(con, tmp_path):
    path = _cur2_csv(
        tmp_path,
        [
            '111122223333,AmazonBedrock,USE1-NovaMicro-input-tokens,Usage,1000,,0.000035,0.035,,'
            '"{""edp_discount"": -0.0035, ""private_rate_discount"": -0.00175}",us-east-1',
            "111122223333,AmazonBedrock,USE1-NovaMicro-output-tokens,Usage,1000,,0.00014,0.14,"
            "0.126,,us-east-1",
            "111122223333,AmazonBedrock,USE1-NovaLite-input-tokens,Usage,1000,,0.00006,0.06,,,us-east-1",
        ],
    )  # fmt: skip
    _ingest(con, path)
    assert con.execute(
        "SELECT usage_type, net_cost_usd FROM invoice_lines ORDER BY line_number"
    ).fetchall() == [
        ("USE1-NovaMicro-input-tokens", Decimal("0.035") - Decimal("0.0035") - Decimal("0.00175")),
        ("USE1-NovaMicro-output-tokens", Decimal("0.126")),
        ("USE1-NovaLite-input-tokens", Decimal("0.06")),
    ]


def _price(con, model, charge, per_1k):
    con.execute(
        "INSERT INTO prices (price_id, base_model, region, routing, tier, mode, charge, "
        "context_tier, unit, unit_factor, price_usd, effective_from, effective_to, layer, source, "
        "checked, loaded_at, run_id) "
        "VALUES ($id, $m, 'us-east-1', 'in_region', 'standard', 'on_demand', "
        "$c, 'standard', '1K tokens', 0.001, $p, DATE '2025-01-01', NULL, 'bundled', 'test', "
        "NULL, now(), 'r')",
        {"id": f"{model}:{charge}", "m": model, "c": charge, "p": Decimal(per_1k)},
    )


def test_unit_conversion_and_x1000_check(con, tmp_path):
    # Nova Micro in us-east-1: $0.035 / $0.14 per 1M tokens, stored per 1K tokens (x 0.001).
    _price(con, "amazon.nova-micro-v1:0", "input_tokens", "0.000035")
    _price(con, "amazon.nova-micro-v1:0", "output_tokens", "0.00014")
    path = _cur2_csv(
        tmp_path,
        [
            # 1,834,217 tokens billed in thousands: $0.064197595 -> consistent
            "111122223333,AmazonBedrock,USE1-NovaMicro-input-tokens,Usage,1834.217,,0.000035,0.064197595,,,us-east-1",
            # quantity in tokens, cost of 120,500 tokens: assumed 1K unit makes it x1000 too big
            "111122223333,AmazonBedrock,USE1-NovaMicro-output-tokens,Usage,120500,,0.00000014,0.01687,,,us-east-1",
            # pricing unit says 1M tokens: 0.0001205 x 1e6 = 120,500 tokens -> consistent
            "444455556666,AmazonBedrock,USE1-NovaMicro-output-tokens,Usage,0.1205,"
            "1M tokens,0.14,0.01687,,,us-east-1",
            # no price for this model -> unknown
            "111122223333,AmazonBedrock,USE1-NovaLite-input-tokens,Usage,1000,,0.00006,0.06,,,us-east-1",
        ],
    )  # fmt: skip
    _ingest(con, path)
    rows = con.execute(
        "SELECT quantity_tokens, tokens_per_unit, unit, unit_source, unit_check FROM invoice_lines "
        "ORDER BY line_number"
    ).fetchall()
    assert rows == [
        (Decimal(1834217), 1000, "1K tokens", "usage_type_default", "ok"),
        (Decimal(120500000), 1000, "1K tokens", "usage_type_default", "x1000_off"),
        (Decimal(120500), 1_000_000, "1M tokens", "pricing_unit", "ok"),
        (Decimal(1000000), 1000, "1K tokens", "usage_type_default", "unknown"),
    ]
    # the check is re-runnable: once Nova Lite has a price, its line is checked too
    _price(con, "amazon.nova-lite-v1:0", "input_tokens", "0.00006")
    check_units(con)
    assert con.execute(
        "SELECT unit_check FROM invoice_lines WHERE usage_type = 'USE1-NovaLite-input-tokens'"
    ).fetchone() == ("ok",)


def test_unit_defaults_are_configurable(con):
    settings = Settings(invoices=InvoicesConfig(marketplace_tokens_per_unit=1000))
    _ingest(con, FIX / "cur2_parquet", settings=settings)
    assert con.execute(
        "SELECT quantity_tokens, unit FROM invoice_lines "
        "WHERE usage_type = 'USE1-MP:USE1_InputTokenCount-Units'"
    ).fetchone() == (Decimal("1.052"), "1K tokens")


def test_legacy_cur_column_names(con, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_text(
        "bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/UsageEndDate,"
        "lineItem/UsageAccountId,lineItem/ProductCode,product/ProductName,lineItem/UsageType,"
        "lineItem/LineItemType,lineItem/UsageAmount,pricing/unit,lineItem/UnblendedRate,"
        "lineItem/UnblendedCost,product/regionCode\n"
        f"{P},{D},2025-11-04T00:00:00Z,444455556666,AmazonBedrock,Amazon Bedrock,"
        "USW2-NovaPro-output-tokens,Usage,40,1K tokens,0.0032,0.128,us-west-2\n"
        f"{P},{D},2025-11-04T00:00:00Z,444455556666,AmazonEC2,Amazon EC2,BoxUsage,Usage,1,Hrs,"
        "0.1,0.1,us-west-2\n"
    )
    assert detect_format({"lineItem/UsageType"}) == "cur_legacy"
    result = _ingest(con, path)
    assert (result.rows_out, result.counts["non_bedrock_rows"]) == (1, 1)
    assert con.execute(
        "SELECT source_format, account_id, region, base_model, charge, quantity_tokens, "
        "unblended_cost_usd, unit_source, line_number FROM invoice_lines"
    ).fetchone() == (
        "cur_legacy", "444455556666", "us-west-2", "amazon.nova-pro-v1:0", "output_tokens",
        Decimal(40000), Decimal("0.128"), "pricing_unit", 2,
    )  # fmt: skip


def test_payer_account_from_every_format(con, tmp_path):
    # the fixture exports name payer 111122223333 on every row (make_invoices.py)
    for d in ("cur2_parquet", "cur2_csv", "focus12", "focus10"):
        _ingest(con, FIX / d)
    got = con.execute(
        "SELECT source_format, list(DISTINCT payer_account_id), count(*) FROM invoice_line_items "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert got == [
        ("cur2", ["111122223333"], 58),
        ("focus_1_0", ["111122223333"], 29),
        ("focus_1_2", ["111122223333"], 29),
    ]
    # legacy CUR: bill/PayerAccountId, a numeric id padded to 12 digits like usage accounts;
    # a file without the column leaves it NULL
    path = tmp_path / "legacy-payer.csv"
    path.write_text(
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/UsageStartDate,"
        "lineItem/UsageAccountId,lineItem/ProductCode,lineItem/UsageType,lineItem/LineItemType,"
        "lineItem/UsageAmount,lineItem/UnblendedCost\n"
        f"{P},99887766,{D},444455556666,AmazonBedrock,USW2-NovaPro-output-tokens,Usage,40,0.128\n"
    )
    bare = tmp_path / "legacy-bare.csv"
    bare.write_text(
        "bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/UsageAccountId,"
        "lineItem/ProductCode,lineItem/UsageType,lineItem/LineItemType,lineItem/UsageAmount,"
        "lineItem/UnblendedCost\n"
        f"{P},{D},444455556666,AmazonBedrock,USW2-NovaPro-input-tokens,Usage,40,0.032\n"
    )
    _ingest(con, path, bare)
    assert con.execute(
        "SELECT usage_type, payer_account_id FROM invoice_line_items "
        "WHERE source_format = 'cur_legacy' ORDER BY 1"
    ).fetchall() == [
        ("USW2-NovaPro-input-tokens", None),
        ("USW2-NovaPro-output-tokens", "000099887766"),
    ]


@pytest.fixture
def aws_env(monkeypatch):
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_s3_data_exports_layout(con, aws_env):
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="acme-cur")
        for p in (FIX / "cur2_parquet").rglob("*"):
            if p.is_file():
                key = "cur/" + p.relative_to(FIX / "cur2_parquet").as_posix()
                s3.upload_file(str(p), "acme-cur", key)
        first = _ingest(con, "s3://acme-cur/cur/bedrock-cur/")
        again = _ingest(con, "s3://acme-cur/cur/bedrock-cur/")
    assert (first.rows_out, first.counts["files_skipped"]) == (29, 1)
    assert (again.counts["files_unchanged"], again.rows_out) == (1, 0)
    uri, fingerprint, kind = con.execute(
        "SELECT source_uri, fingerprint, kind FROM source_objects"
    ).fetchone()
    assert uri == (
        "s3://acme-cur/cur/bedrock-cur/data/BILLING_PERIOD=2025-11/bedrock-cur-00001.snappy.parquet"
    )
    assert (len(fingerprint), kind) == (32, "invoice_cur2")  # the object's MD5 ETag
    assert (
        con.execute("SELECT sum(unblended_cost_usd) FROM invoice_lines").fetchone()[0]
        == FIXTURE_TOTAL
    )


def _cli(args, capsys):
    from reconciler.cli import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_cli_ingest_invoice_exit_codes(tmp_path, capsys):
    db = str(tmp_path / "r.duckdb")
    code, _, err = _cli(["--db", db, "ingest", "invoice", str(FIX / "focus12")], capsys)
    assert code == 0
    assert "ingest invoice: 30 in, 29 out; files 1; files_unchanged 0; files_skipped 1; " in err
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    code, out, _ = _cli(["--db", db, "ingest", "invoice", "--json", str(bad)], capsys)
    assert code == 1  # quarantined file
    assert '"unknown_format": 1' in out
    code, _, err = _cli(["--db", db, "ingest", "invoice"], capsys)
    assert code == 2
    assert err == (
        "reconciler: error: no invoice source: pass SRC... "
        "or set [sources] invoices in the config "
        "(or pull Cost Explorer: --cost-explorer --start D --end D)\n"
    )
