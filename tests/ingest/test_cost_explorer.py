"""Cost Explorer as an invoice source, against a botocore Stubber (moto's ce mock returns nothing
useful). Every expected figure below is written by hand from the stubbed responses."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from support.recon import line, rated

import reconciler.core.aws
from reconciler.cli import main
from reconciler.core.config import Settings
from reconciler.core.errors import SourceError, SourceUnavailable
from reconciler.db.stage import StageContext
from reconciler.ingest import cost_explorer
from reconciler.ingest.cost_explorer import api_window, line_item_type
from reconciler.stages import reconcile
from tests.support.stage import stage_ctx

D = Decimal
BEDROCK = "Amazon Bedrock"
SONNET_SVC = "Claude Sonnet 4.5 (Amazon Bedrock Edition)"
SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA = "amazon.nova-micro-v1:0"
A1, A2 = "111111111111", "222222222222"
START, END = date(2025, 11, 3), date(2025, 11, 4)
API = {"Start": "2025-11-03", "End": "2025-11-05"}  # End exclusive: the day after END
METRICS = ["UnblendedCost", "NetUnblendedCost", "UsageQuantity"]
GROUP_BY = [
    {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
    {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"},
]


@pytest.fixture
def aws_env(monkeypatch):
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    for k in ("AWS_ENDPOINT_URL", "RECONCILER_CONFIG", "RECONCILER_LOG_FORMAT"):
        monkeypatch.delenv(k, raising=False)


@pytest.fixture
def ce(aws_env):
    return boto3.client("ce", region_name="us-east-1")


def group(usage_type, account, cost, quantity, net=None, unit="N/A"):
    return {
        "Keys": [usage_type, account],
        "Metrics": {
            "UnblendedCost": {"Amount": cost, "Unit": "USD"},
            "NetUnblendedCost": {"Amount": net if net is not None else cost, "Unit": "USD"},
            "UsageQuantity": {"Amount": quantity, "Unit": unit},
        },
    }


def day(start, end, groups, estimated=False):
    return {
        "TimePeriod": {"Start": start, "End": end},
        "Total": {},
        "Groups": groups,
        "Estimated": estimated,
    }


def cau_params(service, record_type, token=None):
    params = {
        "TimePeriod": API,
        "Granularity": "DAILY",
        "Metrics": METRICS,
        "GroupBy": GROUP_BY,
        "Filter": {
            "And": [
                {"Dimensions": {"Key": "SERVICE", "Values": [service]}},
                {"Dimensions": {"Key": "RECORD_TYPE", "Values": [record_type]}},
            ]
        },
    }
    if token:
        params["NextPageToken"] = token
    return params


def dv(values, token=None):
    out = {
        "DimensionValues": [{"Value": v, "Attributes": {}} for v in values],
        "ReturnSize": len(values),
        "TotalSize": len(values),
    }
    if token:
        out["NextPageToken"] = token
    return out


def queue_pull(stub, *, bedrock_usage=None, sonnet_usage=None, sonnet_error=None):
    """The calls of one pull over START..END, in the order the stage makes them; sonnet_error
    (code, HTTP status) makes the last call fail."""
    svc = {"TimePeriod": API, "Dimension": "SERVICE", "Context": "COST_AND_USAGE"}
    stub.add_response("get_dimension_values", dv(["Amazon EC2", BEDROCK], "s2"), svc)
    stub.add_response(
        "get_dimension_values",
        dv([SONNET_SVC, "Amazon Simple Storage Service"]),
        {**svc, "NextPageToken": "s2"},
    )
    stub.add_response(
        "get_dimension_values",
        dv(["Usage", "Credit"]),
        {
            "TimePeriod": API,
            "Dimension": "RECORD_TYPE",
            "Context": "COST_AND_USAGE",
            "Filter": {"Dimensions": {"Key": "SERVICE", "Values": [BEDROCK, SONNET_SVC]}},
        },
    )
    # Amazon Bedrock: a credit, then usage over two pages
    stub.add_response(
        "get_cost_and_usage",
        {
            "ResultsByTime": [
                day("2025-11-03", "2025-11-04", [
                    group("USE1-NovaMicro-input-tokens", A1, "-0.5", "0"),
                ]),
                day("2025-11-04", "2025-11-05", [], estimated=True),
            ]
        },
        cau_params(BEDROCK, "Credit"),
    )  # fmt: skip
    pages = bedrock_usage or [
        {
            "ResultsByTime": [
                day("2025-11-03", "2025-11-04", [
                    group("USE1-NovaMicro-input-tokens", A1, "0.064197595", "1834.217"),
                    group("USE1-NovaMicro-input-tokens", A2, "0.00875", "250"),
                    group("USE1-Mystery9000-input-tokens", A1, "0.01", "10"),
                    group("USE1-NovaMicro-input-tokens", "333333333333", "12,5", "1"),
                ])
            ],
            "NextPageToken": "p2",
        },
        {
            "ResultsByTime": [
                day("2025-11-04", "2025-11-05", [
                    group("USE1-NovaMicro-output-tokens", A2, "0.01687", "120.5"),
                ], estimated=True),
            ]
        },
    ]  # fmt: skip
    for i, page in enumerate(pages):
        stub.add_response(
            "get_cost_and_usage", page, cau_params(BEDROCK, "Usage", "p2" if i else None)
        )
    # Claude Sonnet 4.5 (Marketplace): no credit, one usage group with a 10% discount
    empty = {"ResultsByTime": [day("2025-11-03", "2025-11-04", [])]}
    stub.add_response("get_cost_and_usage", empty, cau_params(SONNET_SVC, "Credit"))
    if sonnet_error:
        stub.add_client_error("get_cost_and_usage", sonnet_error[0], "no", sonnet_error[1])
        return
    stub.add_response(
        "get_cost_and_usage",
        sonnet_usage
        or {
            "ResultsByTime": [
                day("2025-11-03", "2025-11-04", [
                    group("USE1-MP:USE1_InputTokenCount-Units", A1, "1.3607385", "0.412345",
                          net="1.22466465"),
                ])
            ]
        },
        cau_params(SONNET_SVC, "Usage"),
    )  # fmt: skip


def pull(con, ce, run_id="run-1", payer_lookup=lambda: None, **queued):
    stub = Stubber(ce)
    queue_pull(stub, **queued)
    with stub:
        result = cost_explorer.run(
            stage_ctx(con, run_id, settings=Settings(), start=START, end=END, client=ce),
            payer_lookup=payer_lookup,
        )
        stub.assert_no_pending_responses()
    return result


COLS = (
    "CAST(usage_start AS VARCHAR), CAST(usage_end AS VARCHAR), CAST(billing_period AS VARCHAR),"
    " account_id, region, product_code, product, usage_type, line_item_type, charge_category,"
    " base_model, routing, charge, mode, tier, mapped, quantity, unit, unit_source,"
    " tokens_per_unit, quantity_tokens, unblended_cost_usd, net_cost_usd, source_format"
)
NOVA_IN, NOVA_OUT = "USE1-NovaMicro-input-tokens", "USE1-NovaMicro-output-tokens"
D3 = ("2025-11-03 00:00:00", "2025-11-04 00:00:00", "2025-11-01")
D4 = ("2025-11-04 00:00:00", "2025-11-05 00:00:00", "2025-11-01")
NOVA_LINE = ("us-east-1", "AmazonBedrock", BEDROCK)
EXPECTED = sorted(
    [
        (*D3, A1, *NOVA_LINE, NOVA_IN, "Credit", "Credit", NOVA, "regional", "input_tokens",
         "on_demand", "standard", True, D("0"), "1K tokens", "usage_type_default", 1000, None,
         D("-0.5"), D("-0.5"), "cost_explorer"),
        (*D3, A1, *NOVA_LINE, NOVA_IN, "Usage", "Usage", NOVA, "regional", "input_tokens",
         "on_demand", "standard", True, D("1834.217"), "1K tokens", "usage_type_default", 1000,
         D("1834217"), D("0.064197595"), D("0.064197595"), "cost_explorer"),
        (*D3, A2, *NOVA_LINE, NOVA_IN, "Usage", "Usage", NOVA, "regional", "input_tokens",
         "on_demand", "standard", True, D("250"), "1K tokens", "usage_type_default", 1000,
         D("250000"), D("0.00875"), D("0.00875"), "cost_explorer"),
        (*D3, A1, *NOVA_LINE, "USE1-Mystery9000-input-tokens", "Usage", "Usage", None,
         "regional", "input_tokens", "on_demand", "standard", False, D("10"), "1K tokens",
         "usage_type_default", 1000, D("10000"), D("0.01"), D("0.01"), "cost_explorer"),
        (*D4, A2, *NOVA_LINE, NOVA_OUT, "Usage", "Usage", NOVA, "regional", "output_tokens",
         "on_demand", "standard", True, D("120.5"), "1K tokens", "usage_type_default", 1000,
         D("120500"), D("0.01687"), D("0.01687"), "cost_explorer"),
        (*D3, A1, "us-east-1", None, SONNET_SVC, "USE1-MP:USE1_InputTokenCount-Units", "Usage",
         "Usage", SONNET, "regional", "input_tokens", "on_demand", "standard", True,
         D("0.412345"), "1M tokens", "usage_type_default", 1000000, D("412345"),
         D("1.3607385"), D("1.22466465"), "cost_explorer"),
    ],
    key=repr,
)  # fmt: skip


def lines(con):
    return sorted(con.execute(f"SELECT {COLS} FROM invoice_lines").fetchall(), key=repr)


def test_pull_gives_the_hand_written_invoice_lines(con, ce):
    result = pull(con, ce, payer_lookup=lambda: "999988887777")
    assert lines(con) == EXPECTED
    assert (result.rows_in, result.rows_out) == (7, 6)  # 7 groups, 1 quarantined
    assert result.counts == {
        "services": 2,
        "record_types": 2,
        "estimated_days": 1,
        "unmapped_rows": 1,
        "replaced_rows": 0,
        "payer_unknown": 0,
        "non_model_rows": 0,
        "model_matched": 0,
        "model_unmatched": 1,  # Mystery9000: no logged model to match it to
        "superseded_lines": 0,
    }
    assert con.execute("SELECT DISTINCT payer_account_id FROM invoice_lines").fetchall() == [
        ("999988887777",)
    ]
    # -0.5 + 0.064197595 + 0.00875 + 0.01 + 0.01687 + 1.3607385; net has 1.22466465 for Sonnet
    assert result.amounts == {"unblended_usd": "0.960556095000", "net_usd": "0.824482245000"}
    assert result.problems_by_reason == {"bad_field": 1}
    q = con.execute("SELECT source_uri, line_number, reason, detail FROM quarantine").fetchall()
    assert q == [
        (
            "ce:GetCostAndUsage?service=Amazon Bedrock&record_type=Usage"
            "&start=2025-11-03&end=2025-11-05",
            4,
            "bad_field",
            "UnblendedCost Amount is not a decimal number",
        )
    ]
    # the 5th group of that pull (page 2) keeps counting lines across pages
    assert con.execute(
        "SELECT line_number FROM invoice_lines WHERE usage_type = $u", {"u": NOVA_OUT}
    ).fetchall() == [(5,)]
    assert con.execute(
        "SELECT source_uri, fingerprint, kind, records, quarantined FROM source_objects"
    ).fetchall() == [
        (
            "ce:GetCostAndUsage?start=2025-11-03&end=2025-11-05",
            "window:2025-11-03/2025-11-05",
            "invoice_cost_explorer",
            6,
            1,
        )
    ]


def test_rerun_replaces_the_window_and_never_double_counts(con, ce):
    pull(con, ce)
    again = pull(con, ce, run_id="run-2")
    assert lines(con) == EXPECTED
    assert again.counts["replaced_rows"] == 6
    assert con.execute("SELECT DISTINCT run_id FROM invoice_lines").fetchall() == [("run-2",)]
    # a later pull in which AWS revised the Sonnet cost: the old figure is gone, not added to
    revised = {
        "ResultsByTime": [
            day("2025-11-03", "2025-11-04", [
                group("USE1-MP:USE1_InputTokenCount-Units", A1, "1.65", "0.5"),
            ])
        ]
    }  # fmt: skip
    pull(con, ce, run_id="run-3", sonnet_usage=revised)
    assert con.execute(
        "SELECT quantity_tokens, unblended_cost_usd, net_cost_usd FROM invoice_lines "
        "WHERE product = $p",
        {"p": SONNET_SVC},
    ).fetchall() == [(D("500000"), D("1.65"), D("1.65"))]
    assert con.execute("SELECT count(*) FROM invoice_lines").fetchone() == (6,)


def test_pull_leaves_other_days_and_cur_rows_alone(con, ce):
    line(con, cost="9.99", day=date(2025, 11, 3), account=A1)  # a CUR row of the same day
    con.execute(
        "INSERT INTO invoice_line_items (billing_period, usage_start, usage_end, account_id,"
        " line_item_type, unblended_cost_usd, net_cost_usd, mapped, source_format, source_uri,"
        " run_id) VALUES ('2025-11-01', '2025-11-05', '2025-11-06', $a, 'Usage', 7, 7, true,"
        " 'cost_explorer', 'ce:earlier', 'run-0')",
        {"a": A2},
    )
    pull(con, ce)
    pull(con, ce, run_id="run-2")
    rows = con.execute(
        "SELECT source_format, CAST(usage_start AS DATE), unblended_cost_usd FROM invoice_lines"
        " WHERE run_id NOT IN ('run-1', 'run-2')"
    ).fetchall()
    assert sorted(rows) == [
        ("cost_explorer", date(2025, 11, 5), D("7")),
        ("cur2", date(2025, 11, 3), D("9.99")),
    ]


def test_window_end_is_made_exclusive_for_the_api():
    assert api_window(date(2025, 11, 3), date(2025, 11, 4)) == ("2025-11-03", "2025-11-05")
    assert api_window(date(2025, 12, 31), date(2025, 12, 31)) == ("2025-12-31", "2026-01-01")
    with pytest.raises(Exception, match="before --start"):
        api_window(date(2025, 11, 4), date(2025, 11, 3))


def test_record_types_get_their_cur_names():
    assert line_item_type("Enterprise Discount Program Discount") == "EdpDiscount"
    assert line_item_type("Private Rate Card Discount") == "PrivateRateDiscount"
    assert line_item_type("Credit") == "Credit"
    assert line_item_type("SavingsPlanCoveredUsage") == "SavingsPlanCoveredUsage"


def test_no_bedrock_service_clears_the_window(con, ce):
    pull(con, ce)
    stub = Stubber(ce)
    stub.add_response(
        "get_dimension_values",
        dv(["Amazon EC2"]),
        {"TimePeriod": API, "Dimension": "SERVICE", "Context": "COST_AND_USAGE"},
    )
    with stub:
        result = cost_explorer.run(
            stage_ctx(con, "run-2", settings=Settings(), start=START, end=END, client=ce),
            payer_lookup=lambda: None,
        )
    assert (result.rows_out, result.counts["replaced_rows"]) == (0, 6)
    assert con.execute("SELECT count(*) FROM invoice_lines").fetchone() == (0,)


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("LimitExceededException", 400, SourceUnavailable),
        ("ThrottlingException", 400, SourceUnavailable),
        ("DataUnavailableException", 400, SourceUnavailable),
        ("AccessDeniedException", 400, SourceError),
    ],
)
def test_api_errors_map_to_exit_codes_and_write_nothing(con, ce, code, status, error):
    stub = Stubber(ce)
    queue_pull(stub, sonnet_error=(code, status))  # the last GetCostAndUsage fails
    with stub, pytest.raises(error, match=f"ce:GetCostAndUsage failed: {code}") as info:
        cost_explorer.run(
            stage_ctx(con, "r", settings=Settings(), start=START, end=END, client=ce),
            payer_lookup=lambda: None,
        )
    assert type(info.value) is error
    assert con.execute("SELECT count(*) FROM invoice_lines").fetchone() == (0,)


def test_reconciliation_uses_cur_where_it_exists_and_cost_explorer_elsewhere(con, ce):
    pull(con, ce)
    # A CUR line for account A1 in November: A1's Cost Explorer lines are ignored; A2 keeps them.
    line(con, cost="0.07", quantity="2000", day=START, account=A1)
    rated(con, quantity=2_000_000, cost="0.07", day=START, account=A1)
    rated(con, quantity=250_000, cost="0.00875", day=START, account=A2)
    result = reconcile.run(StageContext(con, Settings(), "rec", START, END))
    by_account = dict(
        con.execute(
            "SELECT account_id, CAST(sum(invoiced_cost_usd) AS DECIMAL(38, 12))"
            " FROM reconciliation GROUP BY ALL"
        ).fetchall()
    )
    # A1: only the CUR 0.07 (not CE's 0.064197595 - 0.5 + 0.01 + 1.22466465)
    # A2: CE's 0.00875 (11-03) + 0.01687 (11-04)
    assert by_account == {A1: D("0.07"), A2: D("0.02562")}
    assert result.amounts["invoiced_usd"] == "0.095620000000"
    a2 = con.execute(
        "SELECT usage_date, charge, invoiced_quantity, cause FROM reconciliation"
        " WHERE account_id = $a ORDER BY usage_date",
        {"a": A2},
    ).fetchall()
    assert a2 == [
        (START, "input_tokens", D("250000"), None),  # logged and billed agree exactly
        (END, "output_tokens", D("120500"), "unlogged_usage"),
    ]


class _Organization:
    """An Organizations client whose organization's management account is ``payer``."""

    def __init__(self, payer):
        self.payer = payer

    def describe_organization(self):
        return {"Organization": {"MasterAccountId": self.payer}}


def _cli(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_cli_pull_and_throttling_exit_3(tmp_path, capsys, monkeypatch, ce):
    clients = {"ce": ce, "organizations": _Organization("999988887777"), "sts": None}
    monkeypatch.setattr(
        reconciler.core.aws, "client", lambda service, region=None: clients[service]
    )
    db = str(tmp_path / "r.duckdb")
    argv = ["--db", db, "ingest", "invoice", "--cost-explorer"]
    stub = Stubber(ce)
    queue_pull(stub)
    with stub:
        code, _, err = _cli([*argv, "--start", "2025-11-03", "--end", "2025-11-04"], capsys)
    assert code == 1  # one group quarantined
    assert "ingest cost explorer: 7 in, 6 out; services 2; record_types 2; " in err
    stub = Stubber(ce)
    stub.add_client_error("get_dimension_values", "LimitExceededException", "Rate exceeded", 400)
    with stub:
        code, _, err = _cli([*argv, "--start", "2025-11-03", "--end", "2025-11-04"], capsys)
    assert code == 3
    assert err == (
        "reconciler: error: ce:GetDimensionValues failed: LimitExceededException: "
        "Rate exceeded; retry later\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cost-explorer"], "--cost-explorer needs --start D and --end D"),
        (["--cost-explorer", "--start", "2025-11-03"], "--cost-explorer needs --start D"),
        (["--start", "2025-11-03", "--end", "2025-11-04"], "--start and --end go with"),
        (["--cost-explorer", "--start", "2025-11-04", "--end", "2025-11-03"], "is before --start"),
        (
            ["--cost-explorer", "--start", "11/03/2025", "--end", "2025-11-04"],
            "YYYY-MM-DD|%Y-%m-%d",
        ),
    ],
)
def test_cli_flag_errors_are_usage_errors(tmp_path, capsys, aws_env, args, message):
    code, _, err = _cli(["--db", str(tmp_path / "r.duckdb"), "ingest", "invoice", *args], capsys)
    assert code == 2
    assert re.search(message, err), err


def test_idle_capacity_uses_cur_where_it_exists(con):
    from reconciler.db import sql

    pt = {
        "charge": "model_unit_hours",
        "mode": "provisioned",
        "unit": "hour",
        "tokens_per_unit": None,
        "usage_type": "USE1-NovaMicro-ProvisionedThroughput-ModelUnits",
    }
    line(con, cost="20", quantity="1", account=A1, **pt)  # CUR, idle (nothing logged)
    line(con, cost="30", quantity="1", account=A2, **pt)  # to become a Cost Explorer line
    con.execute(
        "UPDATE invoice_line_items SET source_format = 'cost_explorer' WHERE account_id = $a",
        {"a": A2},
    )
    line(con, cost="25", quantity="1", account=A1, hour=15, **pt)
    con.execute(
        "UPDATE invoice_line_items SET source_format = 'cost_explorer' WHERE account_id = $a"
        " AND unblended_cost_usd = 25",
        {"a": A1},
    )
    idle = sql.execute(con, "stages/allocate_idle", {"start": START, "end": START}).fetchall()
    # A1: the CUR 20 only (its Cost Explorer 25 is superseded); A2: Cost Explorer 30 (no CUR)
    assert sorted((r[1], r[8]) for r in idle) == [(A1, D("20")), (A2, D("30"))]


def test_injected_client_without_lookup_leaves_the_payer_unknown(con, ce):
    result = pull(con, ce)
    assert result.counts["payer_unknown"] == 6
    assert con.execute("SELECT DISTINCT payer_account_id FROM invoice_lines").fetchall() == [
        (None,)
    ]


class _NoCall:
    def __getattr__(self, name):
        raise AssertionError(f"unexpected call {name}")


def test_payer_is_the_organization_management_account(aws_env, monkeypatch):
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
    with mock_aws():
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        assert cost_explorer.lookup_payer_account(org, _NoCall()) == "111122223333"


def test_payer_outside_an_organization_is_the_caller(aws_env, monkeypatch):
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "444455556666")
    with mock_aws():
        org = boto3.client("organizations", region_name="us-east-1")
        sts = boto3.client("sts", region_name="us-east-1")
        assert cost_explorer.lookup_payer_account(org, sts) == "444455556666"


def test_payer_unknown_when_organizations_denies(aws_env):
    org = boto3.client("organizations", region_name="us-east-1")
    stub = Stubber(org)
    stub.add_client_error("describe_organization", "AccessDeniedException", "no", 403)
    with stub:
        assert cost_explorer.lookup_payer_account(org, _NoCall()) is None


def test_agentcore_and_bedrock_service_are_kept_apart_from_tokens(con, ce):
    agentcore, service = "Amazon Bedrock AgentCore", "Amazon Bedrock Service"
    opus = "anthropic.claude-opus-4-6-v1"
    stub = Stubber(ce)
    svc = {"TimePeriod": API, "Dimension": "SERVICE", "Context": "COST_AND_USAGE"}
    stub.add_response("get_dimension_values", dv([agentcore, service, "Amazon EC2"]), svc)
    stub.add_response(
        "get_dimension_values",
        dv(["Usage"]),
        {
            "TimePeriod": API,
            "Dimension": "RECORD_TYPE",
            "Context": "COST_AND_USAGE",
            "Filter": {"Dimensions": {"Key": "SERVICE", "Values": [agentcore, service]}},
        },
    )
    stub.add_response(
        "get_cost_and_usage",
        {"ResultsByTime": [day("2025-11-03", "2025-11-04", [
            group("USE1-Runtime:Consumption-based:vCPU", A1, "0.179", "2"),
            group("USE1-Runtime:Consumption-based:Memory", A1, "0.0189", "2"),
        ])]},
        cau_params(agentcore, "Usage"),
    )  # fmt: skip
    stub.add_response(
        "get_cost_and_usage",
        {"ResultsByTime": [day("2025-11-03", "2025-11-04", [
            group("USE1-Claude4.6Opus-input-tokens-cross-region-global", A1, "0.6", "120"),
        ])]},
        cau_params(service, "Usage"),
    )  # fmt: skip
    with stub:
        result = cost_explorer.run(
            stage_ctx(con, "r", settings=Settings(), start=START, end=END, client=ce),
            payer_lookup=lambda: None,
        )
        stub.assert_no_pending_responses()
    assert result.counts["non_model_rows"] == 2
    assert result.counts["unmapped_rows"] == 0
    got = con.execute(
        "SELECT usage_type, product_code, base_model, charge, usage_kind, mapped, quantity_tokens"
        " FROM invoice_lines ORDER BY usage_type"
    ).fetchall()
    assert got == [
        ("USE1-Claude4.6Opus-input-tokens-cross-region-global", "AmazonBedrockService", opus,
         "input_tokens", "token", True, D(120000)),
        ("USE1-Runtime:Consumption-based:Memory", "AmazonBedrockAgentCore", None,
         "agentcore_usage", "agentcore", True, None),
        ("USE1-Runtime:Consumption-based:vCPU", "AmazonBedrockAgentCore", None,
         "agentcore_usage", "agentcore", True, None),
    ]  # fmt: skip
    # the logged Opus tokens match the Opus line; the AgentCore compute is its own line
    rated(con, quantity=120000, cost="0.6", base_model=opus, routing="global", account=A1,
          day=START)  # fmt: skip
    reconcile.run(StageContext(con, Settings(), "r2", START, START))
    rows = con.execute(
        "SELECT base_model, charge, invoiced_cost_usd, status, cause FROM reconciliation "
        "ORDER BY charge"
    ).fetchall()
    assert rows == [
        (None, "agentcore_usage", D("0.1979"), "gap", "non_token_charge"),
        (opus, "input_tokens", D("0.6"), "matched", None),
    ]
