"""Provisioned Throughput, custom models, custom deployments and AIP geo through the Bedrock
control plane (botocore Stubber); imported models. Every expected value is written by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.stub import Stubber
from test_resolve import ACCT, AIP, HAIKU, SONNET, _client, _invocation, _profile, _unreachable

from reconciler.core.config import Settings
from reconciler.db.stage import StageContext
from reconciler.ingest import resolve
from reconciler.ingest.resolve import geo_of_regions
from reconciler.stages import aggregate, rate
from tests.support.stage import per_region, stage_ctx

NOVA = "amazon.nova-micro-v1:0"
NOVA_128K = "amazon.nova-micro-v1:0:128k"
LLAMA = "meta.llama3-8b-instruct-v1:0"
PT1 = f"arn:aws:bedrock:us-east-1:{ACCT}:provisioned-model/pt1pt1pt1pt1"
PT2 = f"arn:aws:bedrock:us-east-1:{ACCT}:provisioned-model/pt2pt2pt2pt2"
PT3 = f"arn:aws:bedrock:us-east-1:{ACCT}:provisioned-model/pt3pt3pt3pt3"
CUSTOM = f"arn:aws:bedrock:us-east-1:{ACCT}:custom-model/{NOVA_128K}/cm1cm1cm1cm1"
CUSTOM_IMPORTED = f"arn:aws:bedrock:us-east-1:{ACCT}:custom-model/imported/cm2cm2cm2cm2"
DEPLOY1 = f"arn:aws:bedrock:us-east-1:{ACCT}:custom-model-deployment/dp1dp1dp1dp1"
DEPLOY2 = f"arn:aws:bedrock:us-east-1:{ACCT}:custom-model-deployment/dp2dp2dp2dp2"
IMPORTED = f"arn:aws:bedrock:us-east-1:{ACCT}:imported-model/im1im1im1im1"
CREATED = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)
EXPIRES_UTC = dt.datetime(2025, 11, 1, 4, 30, tzinfo=dt.UTC).replace(tzinfo=None)  # stored naive


def _fm(region, model):
    return f"arn:aws:bedrock:{region}::foundation-model/{model}"


def _pt(arn, model_arn, foundation_arn, units, commitment=None, expires=None):
    body = {
        "modelUnits": units,
        "desiredModelUnits": units,
        "provisionedModelName": "team-pt",
        "provisionedModelArn": arn,
        "modelArn": model_arn,
        "desiredModelArn": model_arn,
        "foundationModelArn": foundation_arn,
        "status": "InService",
        "creationTime": CREATED,
        "lastModifiedTime": CREATED,
    }
    if commitment:
        body["commitmentDuration"] = commitment
        body["commitmentExpirationTime"] = expires
    return body


def _custom_model(arn, base_arn):
    return {
        "modelArn": arn,
        "modelName": "tuned",
        "creationTime": CREATED,
        "baseModelArn": base_arn,
    }


def _deployment(arn, model_arn):
    return {
        "customModelDeploymentArn": arn,
        "modelDeploymentName": "tuned-on-demand",
        "modelArn": model_arn,
        "createdAt": CREATED,
        "status": "Active",
    }


_COLUMNS = (
    "base_model, routing, kind, mode, resolved, resolution, model_units, commitment_duration,"
    " commitment_expires_at, source_model_arn"
)


def _row(con, model_id):
    return con.execute(
        f"SELECT {_COLUMNS} FROM model_ids WHERE model_id = $m", {"m": model_id}
    ).fetchone()


def _counting(client):
    """Count the API calls a client makes (registered ahead of the Stubber's own hook)."""
    calls: list[str] = []
    client.meta.events.register(
        "provide-client-params.bedrock.*",
        lambda params, model, **kw: calls.append(model.name),
    )
    return calls


def test_provisioned_throughput_resolves_with_model_units_and_commitment(con):
    """PT1 serves a base model (1-month commitment, 2 MUs); PT2 a custom model whose ARN names
    its base (no commitment, 1 MU); PT3 a custom model built from an imported one, whose base
    only GetCustomModel knows (foundationModelArn unusable)."""
    for i, model_id in enumerate([PT1, PT2, PT3, PT1]):
        _invocation(con, f"r{i}", model_id)
    client = _client()
    calls = _counting(client)
    stub = Stubber(client)
    expires = dt.datetime(2025, 11, 1, 6, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    stub.add_response(
        "get_provisioned_model_throughput",
        _pt(PT1, _fm("us-east-1", NOVA), _fm("us-east-1", NOVA), 2, "OneMonth", expires),
        {"provisionedModelId": PT1},
    )
    stub.add_response(
        "get_provisioned_model_throughput",
        _pt(PT2, CUSTOM, _fm("us-east-1", NOVA_128K), 1),
        {"provisionedModelId": PT2},
    )
    stub.add_response(
        "get_provisioned_model_throughput",
        _pt(PT3, CUSTOM_IMPORTED, "not-an-arn", 4, "SixMonths", expires),
        {"provisionedModelId": PT3},
    )
    stub.add_response(
        "get_custom_model",
        _custom_model(CUSTOM_IMPORTED, _fm("us-east-1", LLAMA)),
        {"modelIdentifier": CUSTOM_IMPORTED},
    )
    with stub:
        result = resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(lambda r: client)))
        stub.assert_no_pending_responses()
    assert calls == [
        "GetProvisionedModelThroughput",
        "GetProvisionedModelThroughput",
        "GetProvisionedModelThroughput",
        "GetCustomModel",
    ]
    # 06:30 at UTC+2 is 04:30 UTC
    assert _row(con, PT1) == (
        NOVA, "in_region", "provisioned", "provisioned", True, "bedrock_api", 2, "OneMonth",
        EXPIRES_UTC, None,
    )  # fmt: skip
    assert _row(con, PT2) == (
        NOVA_128K, "in_region", "provisioned", "provisioned", True, "bedrock_api", 1,
        "NoCommitment", None, CUSTOM,
    )  # fmt: skip
    assert _row(con, PT3) == (
        LLAMA, "in_region", "provisioned", "provisioned", True, "bedrock_api", 4, "SixMonths",
        EXPIRES_UTC, CUSTOM_IMPORTED,
    )  # fmt: skip
    assert (result.rows_in, result.rows_out, result.findings) == (3, 3, 0)
    assert result.counts == {"bedrock_api": 3}
    # cached: a second run looks nothing up
    again = resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(lambda r: pytest.fail(r))))
    assert (again.rows_in, again.findings) == (0, 0)


def test_provisioned_failures_are_findings_retried_next_run(con):
    """Deleted PT -> provisioned_not_found; endpoint down -> provisioned_lookup_failed; both
    unresolved (usage unpriced, never $0) and tried again on a later run."""
    _invocation(con, "r1", PT1)
    _invocation(con, "r2", PT2)
    client = _client()
    stub = Stubber(client)
    stub.add_client_error(
        "get_provisioned_model_throughput", "ResourceNotFoundException", http_status_code=404
    )
    stub.add_client_error(
        "get_provisioned_model_throughput", "ThrottlingException", http_status_code=400
    )
    with stub:
        first = resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(lambda r: client)))
        stub.assert_no_pending_responses()
    assert first.counts == {
        "unresolved:provisioned_lookup_failed": 1,
        "unresolved:provisioned_not_found": 1,
    }
    assert first.findings == 2
    assert _row(con, PT1)[:6] == (
        None, None, "provisioned", "provisioned", False, "unresolved:provisioned_not_found",
    )  # fmt: skip
    assert con.execute("SELECT base_model FROM invocations WHERE request_id = 'r1'").fetchone() == (
        None,
    )
    every_run = Settings(model_id_retry_minutes=0)  # ask on every run (default: once an hour)
    unreachable = resolve.run(stage_ctx(con, "r1", every_run, aws=per_region(_unreachable)))
    assert unreachable.counts == {"unresolved:provisioned_lookup_failed": 2}
    client = _client()
    stub = Stubber(client)
    for arn in (PT1, PT2):
        stub.add_response(
            "get_provisioned_model_throughput",
            _pt(arn, _fm("us-east-1", NOVA), _fm("us-east-1", NOVA), 1),
            {"provisionedModelId": arn},
        )
    with stub:
        third = resolve.run(stage_ctx(con, "r1", every_run, aws=per_region(lambda r: client)))
        stub.assert_no_pending_responses()
    assert (third.rows_in, third.rows_out, third.findings) == (2, 2, 0)
    assert _row(con, PT1)[:7] == (
        NOVA, "in_region", "provisioned", "provisioned", True, "bedrock_api", 1,
    )  # fmt: skip


def test_access_denied_is_remembered_per_kind_bad_credentials_per_region(con):
    """AccessDenied on GetInferenceProfile must not stop the PT lookup (another IAM action);
    UnrecognizedClientException (bad credentials) stops every lookup in that Region."""
    aip2 = f"arn:aws:bedrock:us-east-1:{ACCT}:application-inference-profile/b2b2b2b2b2b2"
    pt_eu = f"arn:aws:bedrock:eu-west-1:{ACCT}:provisioned-model/eueueueueueu"
    aip_eu = f"arn:aws:bedrock:eu-west-1:{ACCT}:application-inference-profile/e1e1e1e1e1e1"
    for i, model_id in enumerate([AIP, aip2, PT1, pt_eu, aip_eu]):
        _invocation(con, f"r{i}", model_id)
    clients = {"us-east-1": _client("us-east-1"), "eu-west-1": _client("eu-west-1")}
    calls = {region: _counting(c) for region, c in clients.items()}
    us, eu = Stubber(clients["us-east-1"]), Stubber(clients["eu-west-1"])
    # pending order is by model_id: ...application-inference-profile/0x..., .../b2..., PT1
    us.add_client_error("get_inference_profile", "AccessDeniedException", http_status_code=403)
    us.add_response(
        "get_provisioned_model_throughput",
        _pt(PT1, _fm("us-east-1", NOVA), _fm("us-east-1", NOVA), 3),
        {"provisionedModelId": PT1},
    )
    eu.add_client_error(
        "get_inference_profile", "UnrecognizedClientException", http_status_code=403
    )
    with us, eu:
        result = resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(clients.__getitem__)))
        us.assert_no_pending_responses()
        eu.assert_no_pending_responses()
    assert calls == {
        "us-east-1": ["GetInferenceProfile", "GetProvisionedModelThroughput"],
        "eu-west-1": ["GetInferenceProfile"],
    }
    assert result.counts == {
        "bedrock_api": 1,
        "unresolved:aip_lookup_failed": 3,
        "unresolved:provisioned_lookup_failed": 1,
    }
    assert _row(con, PT1)[6] == 3


def test_custom_models_and_deployments(con):
    """A custom-model ARN naming its base is parsed (no API call); one built from an imported
    model asks GetCustomModel; a deployment asks GetCustomModelDeployment for its custom model,
    and GetCustomModel only when that model's ARN names no base."""
    for i, model_id in enumerate([CUSTOM, CUSTOM_IMPORTED, DEPLOY1, DEPLOY2]):
        _invocation(con, f"r{i}", model_id)
    client = _client()
    calls = _counting(client)
    stub = Stubber(client)
    # pending order is by model_id, and "custom-model-deployment/" sorts before "custom-model/"
    stub.add_response(
        "get_custom_model_deployment",
        _deployment(DEPLOY1, CUSTOM),
        {"customModelDeploymentIdentifier": DEPLOY1},
    )
    stub.add_response(
        "get_custom_model_deployment",
        _deployment(DEPLOY2, CUSTOM_IMPORTED),
        {"customModelDeploymentIdentifier": DEPLOY2},
    )
    stub.add_response(
        "get_custom_model",
        _custom_model(CUSTOM_IMPORTED, CUSTOM),  # based on another custom model: its path
        {"modelIdentifier": CUSTOM_IMPORTED},
    )
    stub.add_response(
        "get_custom_model",
        _custom_model(CUSTOM_IMPORTED, _fm("us-east-1", LLAMA)),
        {"modelIdentifier": CUSTOM_IMPORTED},
    )
    with stub:
        result = resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(lambda r: client)))
        stub.assert_no_pending_responses()
    assert calls == [
        "GetCustomModelDeployment",
        "GetCustomModelDeployment",
        "GetCustomModel",
        "GetCustomModel",
    ]
    assert _row(con, CUSTOM) == (
        NOVA_128K, "in_region", "custom", "provisioned", True, "parsed", None, None, None, None,
    )  # fmt: skip
    assert _row(con, CUSTOM_IMPORTED) == (
        LLAMA, "in_region", "custom", "provisioned", True, "bedrock_api", None, None, None, None,
    )  # fmt: skip
    assert _row(con, DEPLOY1) == (
        NOVA_128K, "in_region", "custom_deployment", "on_demand", True, "bedrock_api", None,
        None, None, CUSTOM,
    )  # fmt: skip
    assert _row(con, DEPLOY2) == (
        NOVA_128K, "in_region", "custom_deployment", "on_demand", True, "bedrock_api", None,
        None, None, CUSTOM_IMPORTED,
    )  # fmt: skip
    assert result.counts == {"bedrock_api": 3, "parsed": 1}


def test_custom_lookups_that_name_no_model_are_not_guessed(con):
    _invocation(con, "r1", CUSTOM_IMPORTED)
    _invocation(con, "r2", DEPLOY1)
    client = _client()
    stub = Stubber(client)
    imported_base = f"arn:aws:bedrock:us-east-1:{ACCT}:custom-model/imported/zzzzzzzzzzzz"
    # a deployment must serve a custom model; a custom model's base must name a base model
    stub.add_response("get_custom_model_deployment", _deployment(DEPLOY1, _fm("us-east-1", NOVA)))
    stub.add_response("get_custom_model", _custom_model(CUSTOM_IMPORTED, imported_base))
    with stub:
        result = resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(lambda r: client)))
        stub.assert_no_pending_responses()
    assert result.counts == {
        "unresolved:custom_deployment_unusable_model": 1,
        "unresolved:custom_model_unusable_base": 1,
    }
    assert result.findings == 2


def test_mapping_file_still_wins_for_provisioned_and_custom_arns(con, tmp_path):
    path = tmp_path / "model-map.csv"
    path.write_text(
        "model_id,base_model,routing\n"
        f"{PT1},{HAIKU},in_region\n"
        f"{CUSTOM},{SONNET},in_region\n"
        f"{NOVA},{HAIKU},in_region\n",  # a plain base id is never remapped
        encoding="utf-8",
    )
    for i, model_id in enumerate([PT1, CUSTOM, NOVA]):
        _invocation(con, f"r{i}", model_id)
    result = resolve.run(
        stage_ctx(
            con, "r1", Settings(model_map=str(path)), aws=per_region(lambda r: pytest.fail(r))
        )
    )
    assert _row(con, PT1)[:6] == (
        HAIKU, "in_region", "provisioned", "provisioned", True, "mapping_file",
    )  # fmt: skip
    assert _row(con, CUSTOM)[:6] == (
        SONNET, "in_region", "custom", "provisioned", True, "mapping_file",
    )  # fmt: skip
    assert _row(con, NOVA)[:6] == (
        NOVA,
        "in_region",
        "foundation_model",
        "on_demand",
        True,
        "parsed",
    )
    assert result.counts == {"mapping_file": 2, "parsed": 1}


def test_imported_models_are_known_but_their_tokens_are_not_priced_per_token(con):
    """An imported model is resolved (not an unknown model), and rating leaves its tokens
    unpriced with reason no_price (billed per CMU-minute), never $0 and never unknown_model."""
    _invocation(con, "r1", IMPORTED)
    result = resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(lambda r: pytest.fail(r))))
    assert (result.findings, result.counts) == (0, {"parsed": 1})
    assert con.execute(
        "SELECT base_model, routing, kind FROM invocations WHERE request_id = 'r1'"
    ).fetchall() == [(IMPORTED, "in_region", "imported")]
    day = dt.date(2025, 11, 3)
    assert (
        aggregate.run(StageContext(con, Settings(), "test", day, day)).counts[
            "requests_unresolved_model"
        ]
        == 0
    )
    rate.run(StageContext(con, Settings(), "test", day, day))
    rows = con.execute(
        "SELECT charge, mode, quantity, priced, cost_usd, unpriced_reason FROM rated_usage"
        " ORDER BY charge"
    ).fetchall()
    # _invocation logs 10 input and 5 output tokens
    assert rows == [
        ("input_tokens", "custom_import", 10, False, None, "no_price"),
        ("output_tokens", "custom_import", 5, False, None, "no_price"),
    ]


def _aip(con, models):
    _invocation(con, "r1", AIP)
    client = _client()
    stub = Stubber(client)
    stub.add_response("get_inference_profile", _profile(AIP, models))
    stub.add_response("list_tags_for_resource", {"tags": []})
    with stub:
        resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(lambda r: client)))
    return con.execute(
        "SELECT base_model, routing, geo, resolution FROM model_ids WHERE model_id = $m",
        {"m": AIP},
    ).fetchone()


_EU_PROFILE = f"arn:aws:bedrock:eu-west-1:{ACCT}:inference-profile/eu.{SONNET}"


@pytest.mark.parametrize(
    ("models", "expected"),
    [
        # the copied system profile's ARN is named: its prefix is the geo
        ([_EU_PROFILE, _fm("eu-west-1", SONNET), _fm("eu-central-1", SONNET)],
         (SONNET, "geo", "eu", "bedrock_api")),
        # ... or its bare id
        ([f"apac.{SONNET}"], (SONNET, "geo", "apac", "bedrock_api")),
        ([f"global.{HAIKU}"], (HAIKU, "global", "global", "bedrock_api")),
        # only Regions: inferred when they all belong to one geography
        ([_fm("eu-west-1", SONNET), _fm("eu-west-3", SONNET), _fm("eu-north-1", SONNET)],
         (SONNET, "geo", "eu", "bedrock_api")),
        ([_fm("us-gov-west-1", HAIKU), _fm("us-gov-east-1", HAIKU)],
         (HAIKU, "geo", "us-gov", "bedrock_api")),
        # ap-* could be apac, jp, au or in; us + ca mixes two geographies: geo stays unknown
        ([_fm("ap-northeast-1", SONNET), _fm("ap-northeast-3", SONNET)],
         (SONNET, "geo", None, "bedrock_api")),
        ([_fm("us-east-1", SONNET), _fm("ca-central-1", SONNET)],
         (SONNET, "geo", None, "bedrock_api")),
        # two different system profiles, or one for another model: not guessed
        ([f"us.{SONNET}", f"eu.{SONNET}"], (None, None, None, "unresolved:aip_unusable_models")),
        ([f"us.{SONNET}", _fm("us-east-1", HAIKU)],
         (None, None, None, "unresolved:aip_unusable_models")),
        ([f"xx.{SONNET}"], (None, None, None, "unresolved:aip_unusable_models")),
    ],
)  # fmt: skip
def test_aip_geo_from_the_copied_profile_or_unambiguous_regions(con, models, expected):
    assert _aip(con, models) == expected


@pytest.mark.parametrize(
    ("regions", "geo"),
    [
        (["us-east-1", "us-east-2", "us-west-2"], "us"),
        (["eu-central-1", "eu-south-2"], "eu"),
        (["ca-central-1", "ca-west-1"], "ca"),
        (["us-gov-west-1", "us-gov-east-1"], "us-gov"),
        (["us-gov-west-1", "us-east-1"], None),
        (["ap-south-1", "ap-south-2"], None),
        (["me-central-1"], None),
        (["sa-east-1", "us-east-1"], None),
        ([], None),
    ],
)
def test_geo_of_regions(regions, geo):
    assert geo_of_regions(regions) == geo
