"""Model-id resolution: every form of formats.md §1.4, AIPs via Stubber, the mapping file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core.config import Settings, load_settings
from reconciler.core.errors import ConfigError
from reconciler.ingest import resolve
from reconciler.ingest.resolve import load_model_map, resolve_model_id
from tests.support.stage import per_region, stage_ctx

ACCT = "123456789012"
AIP = f"arn:aws:bedrock:us-east-1:{ACCT}:application-inference-profile/0xumpou8xusv"
AIP2 = f"arn:aws:bedrock:us-east-1:{ACCT}:application-inference-profile/a1b2c3d4e5f6"
AIP_EU = f"arn:aws:bedrock:eu-west-1:{ACCT}:application-inference-profile/zz9yy8xx7ww6"
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"

# (model_id, kind, resolved, resolution, base_model, routing, mode, geo) — written out by hand.
FORMS = [
    # base ids, with and without the :N version suffix, and a context-window variant
    ("anthropic.claude-3-haiku-20240307-v1:0", "foundation_model", True, "parsed",
     "anthropic.claude-3-haiku-20240307-v1:0", "in_region", "on_demand", None),
    ("amazon.nova-micro-v1:0", "foundation_model", True, "parsed",
     "amazon.nova-micro-v1:0", "in_region", "on_demand", None),
    ("anthropic.claude-opus-4-6-v1", "foundation_model", True, "parsed",
     "anthropic.claude-opus-4-6-v1", "in_region", "on_demand", None),
    ("cohere.embed-english-v3", "foundation_model", True, "parsed",
     "cohere.embed-english-v3", "in_region", "on_demand", None),
    ("anthropic.claude-3-sonnet-20240229-v1:0:200k", "foundation_model", True, "parsed",
     "anthropic.claude-3-sonnet-20240229-v1:0:200k", "in_region", "on_demand", None),
    # base-model ARN (no account)
    ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0", "foundation_model",
     True, "parsed", "amazon.nova-micro-v1:0", "in_region", "on_demand", None),
    ("arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/amazon.titan-embed-text-v2:0",
     "foundation_model", True, "parsed", "amazon.titan-embed-text-v2:0", "in_region",
     "on_demand", None),
    # system profile ids, every geo prefix, and global
    (f"us.{SONNET}", "system_profile", True, "parsed", SONNET, "geo", "on_demand", "us"),
    (f"eu.{SONNET}", "system_profile", True, "parsed", SONNET, "geo", "on_demand", "eu"),
    (f"apac.{SONNET}", "system_profile", True, "parsed", SONNET, "geo", "on_demand", "apac"),
    (f"jp.{SONNET}", "system_profile", True, "parsed", SONNET, "geo", "on_demand", "jp"),
    (f"au.{SONNET}", "system_profile", True, "parsed", SONNET, "geo", "on_demand", "au"),
    (f"ca.{SONNET}", "system_profile", True, "parsed", SONNET, "geo", "on_demand", "ca"),
    (f"in.{SONNET}", "system_profile", True, "parsed", SONNET, "geo", "on_demand", "in"),
    ("us-gov.anthropic.claude-3-haiku-20240307-v1:0", "system_profile", True, "parsed",
     "anthropic.claude-3-haiku-20240307-v1:0", "geo", "on_demand", "us-gov"),
    (f"global.{HAIKU}", "system_profile", True, "parsed", HAIKU, "global", "on_demand", "global"),
    # system profile ARNs (real logs carry these even for system profiles)
    (f"arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.{HAIKU}", "system_profile",
     True, "parsed", HAIKU, "geo", "on_demand", "us"),
    (f"arn:aws:bedrock:us-west-2:{ACCT}:inference-profile/global.anthropic.claude-opus-4-6-v1",
     "system_profile", True, "parsed", "anthropic.claude-opus-4-6-v1", "global", "on_demand",
     "global"),
    # forms whose model is not in the string: kept, unresolved, with a reason
    (AIP, "application_profile", False, "unresolved:aip_lookup_pending", None, None, "on_demand",
     None),
    (f"arn:aws:bedrock:us-east-1:{ACCT}:provisioned-model/abcd1234efgh", "provisioned", False,
     "unresolved:provisioned_lookup_pending", None, None, "provisioned", None),
    (f"arn:aws:bedrock:us-east-1:{ACCT}:custom-model-deployment/abcd1234efgh",
     "custom_deployment", False, "unresolved:custom_deployment_lookup_pending", None, None,
     "on_demand", None),
    (f"arn:aws:bedrock:us-east-1:{ACCT}:custom-model/imported/abcd1234efgh", "custom", False,
     "unresolved:custom_model_lookup_pending", None, None, "provisioned", None),
    # a custom model's ARN names its base: it bills as Provisioned Throughput of that base
    (f"arn:aws:bedrock:us-east-1:{ACCT}:custom-model/amazon.nova-micro-v1:0:128k/abcd1234efgh",
     "custom", True, "parsed", "amazon.nova-micro-v1:0:128k", "in_region", "provisioned", None),
    (f"arn:aws:bedrock:eu-west-1:{ACCT}:custom-model/meta.llama3-8b-instruct-v1:0/zz9yy8xx7ww6",
     "custom", True, "parsed", "meta.llama3-8b-instruct-v1:0", "in_region", "provisioned", None),
    # imported models are known (billed per CMU-minute): the ARN itself is the "base model"
    (f"arn:aws:bedrock:us-east-1:{ACCT}:imported-model/abcd1234efgh", "imported", True,
     "parsed", f"arn:aws:bedrock:us-east-1:{ACCT}:imported-model/abcd1234efgh", "in_region",
     "custom_import", None),
    # malformed resource ids are not guessed
    (f"arn:aws:bedrock:us-east-1:{ACCT}:imported-model/ABCD1234EFGH", "unknown", False,
     "unresolved:unrecognised", None, None, None, None),
    (f"arn:aws:bedrock:us-east-1:{ACCT}:custom-model/amazon.nova-micro-v1:0/short", "unknown",
     False, "unresolved:unrecognised", None, None, None, None),
    (f"arn:aws:bedrock:us-east-1:{ACCT}:prompt/PROMPT1234", "prompt", False,
     "unresolved:prompt", None, None, None, None),
    (f"arn:aws:bedrock:us-east-1:{ACCT}:prompt/PROMPT1234:3", "prompt", False,
     "unresolved:prompt", None, None, None, None),
    (f"arn:aws:bedrock:us-east-1:{ACCT}:default-prompt-router/anthropic.claude:1",
     "prompt_router", False, "unresolved:prompt_router", None, None, None, None),
    (f"arn:aws:sagemaker:us-east-1:{ACCT}:endpoint/my-endpoint", "sagemaker", False,
     "unresolved:sagemaker_endpoint", None, None, None, None),
    # never guessed
    (f"xx.{SONNET}", "unknown", False, "unresolved:unknown_profile_prefix", None, None, None,
     None),
    (f"arn:aws:bedrock:us-east-1:{ACCT}:inference-profile/my-team-profile", "unknown", False,
     "unresolved:unrecognised", None, None, None, None),
    ("us.amazon", "unknown", False, "unresolved:unrecognised", None, None, None, None),
    ("claude", "unknown", False, "unresolved:unrecognised", None, None, None, None),
    ("Anthropic.Claude-3", "unknown", False, "unresolved:unrecognised", None, None, None, None),
    (" amazon.nova-micro-v1:0", "unknown", False, "unresolved:unrecognised", None, None, None,
     None),
    ("", "unknown", False, "unresolved:unrecognised", None, None, None, None),
    ('=HYPERLINK("http://x","y")', "unknown", False, "unresolved:unrecognised", None, None,
     None, None),
    ("arn:aws:bedrock:us-east-1::foundation-model/us.amazon.nova-micro-v1:0", "unknown", False,
     "unresolved:unrecognised", None, None, None, None),
    ("arn:aws:bedrock:us-east-1:123:provisioned-model/abcd1234efgh", "unknown", False,
     "unresolved:unrecognised", None, None, None, None),
    ("arn:aws:s3:::bucket/key", "unknown", False, "unresolved:unrecognised", None, None, None,
     None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("model_id", "kind", "resolved", "resolution", "base", "routing", "mode", "geo"), FORMS
)
def test_every_model_id_form(model_id, kind, resolved, resolution, base, routing, mode, geo):
    r = resolve_model_id(model_id)
    got = (r.kind, r.resolved, r.resolution, r.base_model, r.routing, r.mode, r.geo)
    assert got == (kind, resolved, resolution, base, routing, mode, geo)
    assert r.model_id == model_id


def test_arn_forms_carry_their_region_and_profile_arn():
    r = resolve_model_id(AIP)
    assert (r.region, r.profile_arn) == ("us-east-1", AIP)
    assert r.needs_api
    foundation = resolve_model_id(
        "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-micro-v1:0"
    )
    assert (foundation.region, foundation.profile_arn) == ("eu-west-1", None)


# --- the stage ------------------------------------------------------------------------------


def _invocation(con, request_id, model_id, *, day="2025-11-03"):
    con.execute(
        "INSERT INTO invocation_records (request_id, account_id, region, event_time, model_id,"
        " input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens,"
        " source_uri, line_number, run_id) VALUES ($r, $a, 'us-east-1', $t, $m, 10, 5, 0, 0,"
        " 'test.json', 1, 'run0')",
        {
            "r": request_id,
            "a": ACCT,
            "t": dt.datetime.fromisoformat(f"{day}T12:00:00"),
            "m": model_id,
        },
    )


def _client(region="us-east-1"):
    return boto3.client(
        "bedrock",
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _profile(arn, model_arns):
    return {
        "inferenceProfileName": "team-profile",
        "inferenceProfileArn": arn,
        "inferenceProfileId": arn.rsplit("/", 1)[1],
        "models": [{"modelArn": a} for a in model_arns],
        "status": "ACTIVE",
        "type": "APPLICATION",
    }


def _fm(region, model):
    return f"arn:aws:bedrock:{region}::foundation-model/{model}"


def _model_row(con, model_id):
    return con.execute(
        "SELECT base_model, routing, kind, mode, geo, tags, resolved, resolution FROM model_ids"
        " WHERE model_id = $m",
        {"m": model_id},
    ).fetchone()


def test_stage_resolves_aips_through_the_api(con):
    """One model ARN = in-Region copy; three Regions = a copy of a geo profile; a Region-less ARN
    = a copy of a global profile. Tags come from ListTagsForResource."""
    aip_global = f"arn:aws:bedrock:us-east-1:{ACCT}:application-inference-profile/gggggggggggg"
    for i, model_id in enumerate([AIP, AIP2, aip_global, f"us.{SONNET}", AIP]):
        _invocation(con, f"req-{i}", model_id)
    client = _client()
    stub = Stubber(client)
    # ORDER BY model_id: ...0xumpou8xusv, ...a1b2c3d4e5f6, ...gggggggggggg
    stub.add_response("get_inference_profile", _profile(AIP, [_fm("us-east-1", HAIKU)]),
                      {"inferenceProfileIdentifier": AIP})  # fmt: skip
    stub.add_response(
        "list_tags_for_resource",
        {"tags": [{"key": "team", "value": "search"}, {"key": "app", "value": "qa-bot"}]},
        {"resourceARN": AIP},
    )
    stub.add_response(
        "get_inference_profile",
        _profile(AIP2, [_fm(r, SONNET) for r in ("us-east-1", "us-east-2", "us-west-2")]),
        {"inferenceProfileIdentifier": AIP2},
    )
    stub.add_response("list_tags_for_resource", {"tags": []}, {"resourceARN": AIP2})
    stub.add_response(
        "get_inference_profile",
        _profile(aip_global, [_fm("us-east-1", HAIKU), _fm("", HAIKU)]),
        {"inferenceProfileIdentifier": aip_global},
    )
    stub.add_response(
        "list_tags_for_resource", {"tags": [{"key": "cost-center", "value": "cc-7"}]},
        {"resourceARN": aip_global},
    )  # fmt: skip
    regions = []

    def factory(region):
        regions.append(region)
        return client

    with stub:
        result = resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(factory)))
        stub.assert_no_pending_responses()
    assert regions == ["us-east-1"]  # one client per Region
    assert _model_row(con, AIP) == (
        HAIKU, "in_region", "application_profile", "on_demand", None,
        {"team": "search", "app": "qa-bot"}, True, "bedrock_api",
    )  # fmt: skip
    # three us-* Regions and no system profile named: geo inferred as "us" (docs/model-ids.md)
    assert _model_row(con, AIP2) == (
        SONNET, "geo", "application_profile", "on_demand", "us", {}, True, "bedrock_api",
    )  # fmt: skip
    assert _model_row(con, aip_global) == (
        HAIKU, "global", "application_profile", "on_demand", "global", {"cost-center": "cc-7"},
        True, "bedrock_api",
    )  # fmt: skip
    assert _model_row(con, f"us.{SONNET}")[:2] == (SONNET, "geo")
    assert (result.rows_in, result.rows_out, result.findings) == (4, 4, 0)
    assert result.counts == {"bedrock_api": 3, "parsed": 1}
    # the invocations view now knows the base model behind the AIP
    rows = con.execute(
        "SELECT request_id, base_model, routing, kind FROM invocations ORDER BY request_id"
    ).fetchall()
    assert rows[0] == ("req-0", HAIKU, "in_region", "application_profile")
    assert rows[2] == ("req-2", HAIKU, "global", "application_profile")


def test_resolved_ids_are_cached_and_not_looked_up_again(con):
    _invocation(con, "r1", AIP)
    client = _client()
    stub = Stubber(client)
    stub.add_response("get_inference_profile", _profile(AIP, [_fm("us-east-1", HAIKU)]))
    stub.add_response("list_tags_for_resource", {"tags": []})
    with stub:
        resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(lambda region: client)))
    calls = []
    second = resolve.run(
        stage_ctx(con, "r1", Settings(), aws=per_region(lambda region: calls.append(region)))
    )
    assert calls == []
    assert (second.rows_in, second.findings) == (0, 0)
    assert con.execute("SELECT count(*) FROM model_ids").fetchone()[0] == 1


def _unreachable(region):
    """A real client pointed at a closed local port: connection refused, no internet."""
    return boto3.client(
        "bedrock",
        region_name=region,
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1),
    )


def test_unreachable_api_leaves_aips_unresolved_then_a_later_run_resolves_them(con):
    for i, model_id in enumerate([AIP, AIP2, "amazon.nova-micro-v1:0"]):
        _invocation(con, f"r{i}", model_id)
    made = []

    def factory(region):
        made.append(region)
        return _unreachable(region)

    first = resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(factory)))
    assert made == ["us-east-1"]
    assert (first.rows_in, first.rows_out, first.findings) == (3, 1, 2)
    assert first.counts == {"parsed": 1, "unresolved:aip_lookup_failed": 2}
    assert _model_row(con, AIP) == (
        None, None, "application_profile", "on_demand", None, None, False,
        "unresolved:aip_lookup_failed",
    )  # fmt: skip
    # the invocations view keeps the request, with no base model (unpriced later, never $0)
    assert con.execute("SELECT base_model FROM invocations WHERE request_id = 'r0'").fetchone() == (
        None,
    )
    # a re-run within the retry interval (model_id_retry_minutes, default 60) does not ask the
    # API again: the ids keep their stored resolution and are still findings
    asked_again: list[str] = []
    again = resolve.run(stage_ctx(con, "r2", Settings(), aws=per_region(asked_again.append)))
    assert asked_again == []
    assert (again.rows_in, again.rows_out, again.findings) == (2, 0, 2)
    assert again.counts == {"retry_later": 2}
    assert _model_row(con, AIP)[-1] == "unresolved:aip_lookup_failed"
    tried = con.execute(
        "SELECT count(*) FROM model_ids WHERE tried_at > now()::TIMESTAMP - INTERVAL 5 MINUTE"
    ).fetchone()
    assert tried == (2,)  # the two ids asked in the first run, not the parsed one
    con.execute("UPDATE model_ids SET tried_at = tried_at - INTERVAL 61 MINUTE")
    # the interval has passed and the API is back; only the two unresolved ids are tried again
    client = _client()
    stub = Stubber(client)
    for arn in (AIP, AIP2):
        stub.add_response(
            "get_inference_profile", _profile(arn, [_fm("us-east-1", HAIKU)]),
            {"inferenceProfileIdentifier": arn},
        )  # fmt: skip
        stub.add_response("list_tags_for_resource", {"tags": []}, {"resourceARN": arn})
    with stub:
        second = resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(lambda r: client)))
        stub.assert_no_pending_responses()
    assert (second.rows_in, second.rows_out, second.findings) == (2, 2, 0)
    assert con.execute("SELECT count(*) FROM model_ids WHERE resolved").fetchone()[0] == 3


def test_default_client_honours_aws_endpoint_url(con, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    _invocation(con, "r1", AIP)
    result = resolve.run(stage_ctx(con, "r1", Settings()))
    assert result.findings == 1
    assert _model_row(con, AIP)[-1] == "unresolved:aip_lookup_failed"


def test_api_errors_are_findings_not_exceptions(con):
    _invocation(con, "r1", AIP)
    _invocation(con, "r2", AIP_EU)
    clients = {"us-east-1": _client("us-east-1"), "eu-west-1": _client("eu-west-1")}
    us, eu = Stubber(clients["us-east-1"]), Stubber(clients["eu-west-1"])
    us.add_client_error("get_inference_profile", "ResourceNotFoundException", http_status_code=404)
    eu.add_client_error("get_inference_profile", "AccessDeniedException", http_status_code=403)
    with us, eu:
        result = resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(clients.__getitem__)))
    assert result.findings == 2
    assert result.counts == {"unresolved:aip_lookup_failed": 1, "unresolved:aip_not_found": 1}
    assert _model_row(con, AIP)[-1] == "unresolved:aip_not_found"
    assert _model_row(con, AIP_EU)[-1] == "unresolved:aip_lookup_failed"


def test_profile_with_mixed_models_is_not_guessed(con):
    _invocation(con, "r1", AIP)
    client = _client()
    stub = Stubber(client)
    stub.add_response(
        "get_inference_profile", _profile(AIP, [_fm("us-east-1", HAIKU), _fm("us-east-2", SONNET)])
    )
    with stub:
        result = resolve.run(stage_ctx(con, "r1", Settings(), aws=per_region(lambda r: client)))
    assert result.findings == 1
    assert _model_row(con, AIP)[-2:] == (False, "unresolved:aip_unusable_models")


# --- the mapping file -----------------------------------------------------------------------

PROVISIONED = f"arn:aws:bedrock:us-east-1:{ACCT}:provisioned-model/abcd1234efgh"


def _write_map(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "model-map.csv"
    path.write_text(body, encoding="utf-8")
    return path


def test_mapping_file_resolves_without_the_api(con, tmp_path):
    path = _write_map(
        tmp_path,
        "model_id,base_model,routing,tags\n"
        f"{AIP},{SONNET},geo,team=search;app=qa-bot\n"
        f"{PROVISIONED},{HAIKU},in_region,\n"
        f"xx.{SONNET},{SONNET},geo,\n",
    )
    for i, model_id in enumerate([AIP, PROVISIONED, f"xx.{SONNET}", AIP2]):
        _invocation(con, f"r{i}", model_id)
    result = resolve.run(
        stage_ctx(con, "r1", Settings(model_map=str(path)), aws=per_region(_unreachable))
    )
    assert _model_row(con, AIP) == (
        SONNET, "geo", "application_profile", "on_demand", None,
        {"team": "search", "app": "qa-bot"}, True, "mapping_file",
    )  # fmt: skip
    assert _model_row(con, PROVISIONED) == (
        HAIKU, "in_region", "provisioned", "provisioned", None, None, True, "mapping_file",
    )  # fmt: skip
    assert _model_row(con, f"xx.{SONNET}")[:2] == (SONNET, "geo")
    assert result.counts == {"mapping_file": 3, "unresolved:aip_lookup_failed": 1}
    assert result.findings == 1


def test_mapping_file_path_is_relative_to_the_config_file(con, tmp_path, monkeypatch):
    _write_map(tmp_path, f"model_id,base_model,routing\n{AIP},{HAIKU},global\n")
    (tmp_path / "reconciler.toml").write_text('model_map = "model-map.csv"\n')
    monkeypatch.chdir(Path(__file__).parent)
    settings = load_settings(str(tmp_path / "reconciler.toml"))
    _invocation(con, "r1", AIP)
    resolve.run(stage_ctx(con, "r1", settings, aws=per_region(_unreachable)))
    assert _model_row(con, AIP)[:5] == (
        HAIKU,
        "global",
        "application_profile",
        "on_demand",
        "global",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("model_id,base_model\nx,y\n",
         "header must be model_id,base_model,routing,tags (tags optional); missing ['routing']"),
        ("model_id,base_model,routing,team\n",
         "header must be model_id,base_model,routing,tags (tags optional); missing none, "
         "unknown ['team']"),
        (f"model_id,base_model,routing\n{AIP},us.{HAIKU},geo\n",
         f"model-map.csv:2: column base_model 'us.{HAIKU}' is not a base model id"),
        (f"model_id,base_model,routing\n{AIP},{HAIKU},cross_region\n",
         "model-map.csv:2: column routing 'cross_region' must be one of in_region, geo, global"),
        (f"model_id,base_model,routing\n{AIP},{HAIKU},geo\n{AIP},{HAIKU},global\n",
         f"model-map.csv:3: model_id {AIP} is mapped twice; keep one row"),
        (f"model_id,base_model,routing,tags\n{AIP},{HAIKU},geo,team\n",
         "model-map.csv:2: column tags: 'team' is not key=value"),
        (",base_model,routing\nx,y,z\n", "missing ['model_id']"),
    ],
)  # fmt: skip
def test_bad_mapping_file_is_a_config_error_naming_file_line_and_column(tmp_path, body, message):
    path = _write_map(tmp_path, body)
    with pytest.raises(ConfigError) as exc:
        load_model_map(path)
    assert message in str(exc.value)
    assert str(path) in str(exc.value)


def test_missing_mapping_file_is_a_config_error(con, tmp_path):
    _invocation(con, "r1", AIP)
    with pytest.raises(ConfigError, match=r"model_map .*nope\.csv: cannot read it"):
        resolve.run(stage_ctx(con, "r1", Settings(model_map=str(tmp_path / "nope.csv"))))


def test_mapping_tags_and_hostile_ids_are_stored_as_plain_data(con, tmp_path):
    hostile = "'; DROP TABLE model_ids; --"
    path = _write_map(
        tmp_path,
        "model_id,base_model,routing,tags\n"
        f'{AIP},{HAIKU},in_region,"team==HYPERLINK(""http://x"");app=<script>alert(1)</script>"\n',
    )
    _invocation(con, "r1", AIP)
    _invocation(con, "r2", hostile)
    result = resolve.run(
        stage_ctx(con, "r1", Settings(model_map=str(path)), aws=per_region(_unreachable))
    )
    assert _model_row(con, AIP)[5] == {
        "team": '=HYPERLINK("http://x")',
        "app": "<script>alert(1)</script>",
    }
    assert _model_row(con, hostile)[-2:] == (False, "unresolved:unrecognised")
    assert result.findings == 1


def test_the_documented_mapping_example_loads(tmp_path):
    doc = (Path(__file__).parents[2] / "docs" / "model-ids.md").read_text(encoding="utf-8")
    body = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    entries = load_model_map(_write_map(tmp_path, body))
    assert entries[AIP].base_model == SONNET
    assert entries[AIP].routing == "geo"
    assert entries[AIP].tags == {"team": "search", "app": "qa-bot"}
    assert entries[PROVISIONED].tags is None


_ID_LIKE = st.from_regex(
    r"(arn:aws(-us-gov)?:(bedrock|sagemaker):[a-z0-9-]{0,12}:[0-9]{0,12}:[a-z-]{1,30}/)?"
    r"((us|eu|global|us-gov|xx)\.)?[a-z0-9-]{1,10}\.[a-z0-9-]{1,10}(:[0-9a-z]{1,4}){0,3}(/[a-z0-9]{12})?",
    fullmatch=True,
)


@given(st.one_of(st.text(max_size=120), _ID_LIKE))
@settings(max_examples=300, deadline=None)
def test_parser_never_raises_and_resolved_means_a_base_model_and_routing(text):
    r = resolve_model_id(text)
    assert r.model_id == text
    if r.resolved:
        assert r.base_model is not None
        assert r.base_model in text
        assert r.routing in {"in_region", "geo", "global"}
    else:
        assert r.resolution.startswith("unresolved:")
        assert r.base_model is None
