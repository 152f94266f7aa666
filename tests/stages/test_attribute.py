"""Attribution rules: each kind, precedence, effective dates, the default, hostile strings."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from reconciler.core.config import Settings, load_settings
from reconciler.core.errors import ConfigError
from reconciler.db.stage import StageContext
from reconciler.stages import attribute

A1 = "111111111111"
A2 = "222222222222"
AIP = f"arn:aws:bedrock:us-east-1:{A1}:application-inference-profile/0xumpou8xusv"


def role(name, session="s-1", acct=A1):
    return f"arn:aws:sts::{acct}:assumed-role/{name}/{session}"


def user(name, acct=A1):
    return f"arn:aws:iam::{acct}:user/{name}"


def add(con, rid, *, md=None, arn=None, acct=A1, day="2025-11-03", model="amazon.nova-micro-v1:0",
        tokens=(10, 5, 0, 0)):  # fmt: skip
    con.execute(
        "INSERT INTO invocation_records (request_id, account_id, region, event_time, identity_arn,"
        " model_id, input_tokens, output_tokens, cache_read_input_tokens,"
        " cache_write_input_tokens, request_metadata, source_uri, line_number, run_id)"
        " VALUES ($r, $a, 'us-east-1', $t, $arn, $m, $i, $o, $cr, $cw, $md, 'f.json', 1, 'run0')",
        {
            "r": rid, "a": acct, "t": dt.datetime.fromisoformat(f"{day}T12:00:00"), "arn": arn,
            "m": model, "i": tokens[0], "o": tokens[1], "cr": tokens[2], "cw": tokens[3],
            "md": md,
        },
    )  # fmt: skip


def rows(con):
    return {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT request_id, team, application, rule, application_rule"
            " FROM invocation_attribution ORDER BY request_id"
        ).fetchall()
    }


def settings_from(tmp_path, toml: str) -> Settings:
    path = tmp_path / "reconciler.toml"
    path.write_text(textwrap.dedent(toml), encoding="utf-8")
    return load_settings(str(path))


def test_default_without_rules_is_the_contract_default(con):
    add(con, "r1", md={"team": "search", "app": "qa-bot"})
    add(con, "r2", md={"team": "ads", "application": "bidder"})
    add(con, "r3", md={"app": "", "application": "only-app"})
    add(con, "r4", md={"team": ""})
    add(con, "r5", md=None, arn=role("search-api"))
    result = attribute.run(StageContext(con, Settings(), "test"))
    assert rows(con) == {
        "r1": ("search", "qa-bot", "default", "default"),
        "r2": ("ads", "bidder", "default", "default"),
        "r3": ("unattributed", "only-app", "default", "default"),
        "r4": ("unattributed", "unattributed", "unattributed", "unattributed"),
        "r5": ("unattributed", "unattributed", "unattributed", "unattributed"),
    }
    assert result.counts == {"default": 3, "unattributed": 2}
    assert (result.rows_in, result.rows_out, result.findings) == (5, 5, 0)


def test_request_metadata_rule_with_keys_and_a_value_map(con, tmp_path):
    settings = settings_from(
        tmp_path,
        """
        [[attribution.rules]]
        kind = "request_metadata"
        team_keys = ["cost_center", "team"]
        application_keys = ["service"]
        team_map = { "cc-100" = "search", "cc-200" = "ads" }
        """,
    )
    add(con, "r1", md={"cost_center": "cc-100", "team": "ignored", "service": "qa"})
    add(con, "r2", md={"team": "platform"})
    add(con, "r3", md={"cost_center": "cc-999", "app": "not-read"})
    attribute.run(StageContext(con, settings, "test"))
    assert rows(con) == {
        "r1": ("search", "qa", "rules[0].request_metadata", "rules[0].request_metadata"),
        "r2": ("platform", "unattributed", "rules[0].request_metadata", "unattributed"),
        "r3": ("cc-999", "unattributed", "rules[0].request_metadata", "unattributed"),
    }


def test_profile_tag_rule_reads_aip_tags_from_model_ids(con, tmp_path):
    con.execute(
        "INSERT INTO model_ids (model_id, base_model, routing, kind, mode, tags, resolved,"
        " resolution, resolved_at) VALUES ($m, 'anthropic.claude-haiku-4-5-20251001-v1:0',"
        " 'in_region', 'application_profile', 'on_demand', $tags, true, 'bedrock_api', now())",
        {"m": AIP, "tags": {"Team": "search", "CostApp": "qa-bot"}},
    )
    settings = settings_from(
        tmp_path,
        """
        [[attribution.rules]]
        kind = "profile_tag"
        team_keys = ["Team"]
        application_keys = ["CostApp"]
        """,
    )
    add(con, "r1", model=AIP, md={"team": "metadata-team"})
    add(con, "r2", model="amazon.nova-micro-v1:0", md={"team": "metadata-team"})
    attribute.run(StageContext(con, settings, "test"))
    assert rows(con) == {
        "r1": ("search", "qa-bot", "rules[0].profile_tag", "rules[0].profile_tag"),
        # rules replace the default: metadata is not read when no rule asks for it
        "r2": ("unattributed", "unattributed", "unattributed", "unattributed"),
    }


def test_principal_rules_match_role_session_user_and_arn(con, tmp_path):
    settings = settings_from(
        tmp_path,
        """
        [[attribution.rules]]
        kind = "principal"
        role = "search-*"
        team = "search"

        [[attribution.rules]]
        kind = "principal"
        syntax = "regex"
        role = "batch-runner"
        session = "nightly-[0-9]+"
        team = "data"
        application = "nightly-etl"

        [[attribution.rules]]
        kind = "principal"
        user = "etl-bot"
        team = "data"

        [[attribution.rules]]
        kind = "principal"
        arn = "arn:aws:sts::222222222222:*"
        application = "acct2-sts"
        """,
    )
    add(con, "r1", arn=role("search-api-prod", "i-0a1b2c3d"))
    add(con, "r2", arn=role("batch-runner", "nightly-42"))
    add(con, "r3", arn=role("batch-runner", "adhoc-1"))  # session does not match
    add(con, "r4", arn=f"arn:aws:iam::{A1}:user/division/etl-bot")  # user with a path
    add(con, "r5", arn=role("research-search-x"))  # glob matches the whole role name
    add(con, "r6", arn=role("other", acct=A2), acct=A2)
    add(con, "r7", arn=None)
    add(con, "r8", arn=role("etl-bot"))  # a role named like the user pattern is not a user
    attribute.run(StageContext(con, settings, "test"))
    assert rows(con) == {
        "r1": ("search", "unattributed", "rules[0].principal", "unattributed"),
        "r2": ("data", "nightly-etl", "rules[1].principal", "rules[1].principal"),
        "r3": ("unattributed", "unattributed", "unattributed", "unattributed"),
        "r4": ("data", "unattributed", "rules[2].principal", "unattributed"),
        "r5": ("unattributed", "unattributed", "unattributed", "unattributed"),
        "r6": ("unattributed", "acct2-sts", "rules[3].principal", "rules[3].principal"),
        "r7": ("unattributed", "unattributed", "unattributed", "unattributed"),
        "r8": ("unattributed", "unattributed", "unattributed", "unattributed"),
    }


def test_account_rule_and_precedence_per_field(con, tmp_path):
    """First rule yielding a value wins, separately for team and application."""
    settings = settings_from(
        tmp_path,
        """
        [[attribution.rules]]
        kind = "request_metadata"

        [[attribution.rules]]
        kind = "principal"
        role = "search-*"
        team = "search-from-role"
        application = "search-api"

        [[attribution.rules]]
        kind = "account"
        [attribution.rules.accounts]
        "111111111111" = { team = "platform", application = "shared" }
        "222222222222" = { team = "ads" }
        """,
    )
    add(con, "r1", md={"team": "meta-team", "app": "meta-app"}, arn=role("search-api"))
    add(con, "r2", md={"team": "meta-team"}, arn=role("search-api"))
    add(con, "r3", arn=role("search-api"))
    add(con, "r4", arn=role("misc"))
    add(con, "r5", arn=role("misc", acct=A2), acct=A2)
    add(con, "r6", acct="333333333333")
    attribute.run(StageContext(con, settings, "test"))
    md, pr, ac = "rules[0].request_metadata", "rules[1].principal", "rules[2].account"
    assert rows(con) == {
        "r1": ("meta-team", "meta-app", md, md),
        "r2": ("meta-team", "search-api", md, pr),
        "r3": ("search-from-role", "search-api", pr, pr),
        "r4": ("platform", "shared", ac, ac),
        "r5": ("ads", "unattributed", ac, "unattributed"),
        "r6": ("unattributed", "unattributed", "unattributed", "unattributed"),
    }


def test_effective_dated_owner_and_team_rename(con, tmp_path):
    """search-* roles belong to team alpha until 2025-11-04 and to beta from then on;
    team 'search' (from metadata) is called 'discovery' from 2025-11-04."""
    settings = settings_from(
        tmp_path,
        """
        [[attribution.rules]]
        kind = "request_metadata"

        [[attribution.rules]]
        kind = "principal"
        role = "search-*"
        team = "alpha"
        effective_to = 2025-11-04

        [[attribution.rules]]
        kind = "principal"
        role = "search-*"
        team = "beta"
        effective_from = 2025-11-04

        [[attribution.renames]]
        from = "search"
        to = "discovery"
        effective_from = 2025-11-04

        [[attribution.renames]]
        field = "application"
        from = "qa"
        to = "answers"
        """,
    )
    add(con, "a-1103", arn=role("search-x"), day="2025-11-03")
    add(con, "a-1104", arn=role("search-x"), day="2025-11-04")
    add(con, "m-1103", md={"team": "search", "app": "qa"}, day="2025-11-03")
    add(con, "m-1104", md={"team": "search", "app": "qa"}, day="2025-11-04")
    con.execute(
        "UPDATE invocation_records SET event_time = TIMESTAMP '2025-11-03 23:59:59'"
        " WHERE request_id = 'a-1103'"
    )
    con.execute(
        "UPDATE invocation_records SET event_time = TIMESTAMP '2025-11-04 00:00:00'"
        " WHERE request_id = 'a-1104'"
    )
    attribute.run(StageContext(con, settings, "test"))
    got = {k: v[:2] for k, v in rows(con).items()}
    assert got == {
        "a-1103": ("alpha", "unattributed"),
        "a-1104": ("beta", "unattributed"),
        "m-1103": ("search", "answers"),
        "m-1104": ("discovery", "answers"),
    }
    assert rows(con)["a-1104"][2] == "rules[2].principal"


def test_rerun_is_idempotent_and_the_window_limits_what_is_replaced(con, tmp_path):
    add(con, "d3", md={"team": "t3"}, day="2025-11-03")
    add(con, "d4", md={"team": "t4"}, day="2025-11-04")
    add(con, "d5", md={"team": "t5"}, day="2025-11-05")
    attribute.run(StageContext(con, Settings(), "test"))
    attribute.run(StageContext(con, Settings(), "test"))
    assert con.execute("SELECT count(*) FROM invocation_attribution").fetchone()[0] == 3
    renamed = settings_from(
        tmp_path,
        """
        [[attribution.renames]]
        from = "t4"
        to = "t4-new"
        [[attribution.renames]]
        from = "t5"
        to = "t5-new"
        """,
    )
    result = attribute.run(
        StageContext(con, renamed, "test", dt.date(2025, 11, 4), dt.date(2025, 11, 4))
    )
    assert result.rows_out == 1
    assert {k: v[0] for k, v in rows(con).items()} == {"d3": "t3", "d4": "t4-new", "d5": "t5"}
    attribute.run(StageContext(con, renamed, "test", dt.date(2025, 11, 4), dt.date(2025, 11, 4)))
    assert con.execute("SELECT count(*) FROM invocation_attribution").fetchone()[0] == 3


HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "<script>alert(1)</script>",
    "'; DROP TABLE invocation_records; --",
    "$start",
    "+cmd|' /C calc'!A0",
]


def test_hostile_strings_pass_through_as_plain_data(con, tmp_path):
    settings = settings_from(
        tmp_path,
        """
        [[attribution.rules]]
        kind = "request_metadata"
        team_map = { "'; DROP TABLE x; --" = "O'Brien's team" }

        [[attribution.rules]]
        kind = "principal"
        role = "it's-*"
        team = "<b>ops</b>"
        """,
    )
    for i, value in enumerate(HOSTILE):
        add(con, f"h{i}", md={"team": value, "app": value})
    add(con, "map", md={"team": "'; DROP TABLE x; --"})
    add(con, "quote", arn=role("it's-me"))
    attribute.run(StageContext(con, settings, "test"))
    got = rows(con)
    for i, value in enumerate(HOSTILE):
        assert got[f"h{i}"][:2] == (value, value)
    assert got["map"][0] == "O'Brien's team"
    assert got["quote"][0] == "<b>ops</b>"
    assert con.execute("SELECT count(*) FROM invocation_records").fetchone()[0] == 7
    # and the invocations view shows them unchanged (escaping is the report's job)
    view = dict(con.execute("SELECT request_id, team FROM invocations").fetchall())
    assert view["h0"] == HOSTILE[0]


def test_invocations_view_prefers_attribution_and_falls_back_to_the_default(con, tmp_path):
    add(con, "r1", md={"team": "meta"}, arn=role("search-1"))
    add(con, "r2", md={"team": "meta", "application": "app2"})
    settings = settings_from(
        tmp_path,
        """
        [[attribution.rules]]
        kind = "principal"
        role = "search-*"
        team = "search"
        """,
    )
    # before the stage ran: the contract default, labelled as a fallback
    before = con.execute(
        "SELECT request_id, team, application, attribution_rule FROM invocations ORDER BY 1"
    ).fetchall()
    assert before == [
        ("r1", "meta", "unattributed", "fallback:request_metadata"),
        ("r2", "meta", "app2", "fallback:request_metadata"),
    ]
    attribute.run(StageContext(con, settings, "test"))
    after = con.execute(
        "SELECT request_id, team, application, attribution_rule FROM invocations ORDER BY 1"
    ).fetchall()
    assert after == [
        ("r1", "search", "unattributed", "rules[0].principal"),
        ("r2", "unattributed", "unattributed", "unattributed"),
    ]


def _rated(con, rule, cost, *, priced=True, quantity=1000):
    con.execute(
        "INSERT INTO rated_usage (usage_date, account_id, region, base_model, routing, tier, mode,"
        " charge, context_tier, team, application, attribution_rule, quantity, unit, cost_usd,"
        " priced, run_id) VALUES (DATE '2025-11-03', $a, 'us-east-1', 'amazon.nova-micro-v1:0',"
        " 'in_region', 'standard', 'on_demand', 'input_tokens', 'standard', 't', 'a', $rule, $q,"
        " 'token', $c, $p, 'run0')",
        {"a": A1, "rule": rule, "q": quantity, "c": cost, "p": priced},
    )


def test_attribution_coverage_per_rule(con, tmp_path):
    settings = settings_from(
        tmp_path,
        """
        [[attribution.rules]]
        kind = "request_metadata"
        [[attribution.rules]]
        kind = "principal"
        role = "search-*"
        team = "search"
        """,
    )
    add(con, "r1", md={"team": "a"}, tokens=(100, 50, 1000, 10))
    add(con, "r2", md={"team": "b"}, tokens=(1, 2, 3, 4))
    add(con, "r3", arn=role("search-x"), tokens=(7, 0, 0, 0))
    add(con, "r4", tokens=(5, 5, 0, 0))
    attribute.run(StageContext(con, settings, "test"))
    _rated(con, "rules[0].request_metadata", Decimal("1.200000000001"))
    _rated(con, "rules[0].request_metadata", Decimal("0.300000000000"))
    _rated(con, "rules[1].principal", Decimal("0.500000000000"))
    _rated(con, "rules[1].principal", None, priced=False)
    _rated(con, "unattributed", None, priced=False)
    got = con.execute(
        "SELECT attribution_rule, requests, tokens, cost_usd, cost_share, unpriced_rows"
        " FROM attribution_coverage ORDER BY attribution_rule"
    ).fetchall()
    # total priced = 1.200000000001 + 0.3 + 0.5 = 2.000000000001
    # shares: 1.500000000001 / 2.000000000001 = 0.75 (6 places); 0.5 / 2.000000000001 = 0.25
    assert got == [
        ("rules[0].request_metadata", 2, 1160 + 10, Decimal("1.500000000001"), Decimal("0.75"), 0),
        ("rules[1].principal", 1, 7, Decimal("0.5"), Decimal("0.25"), 1),
        ("unattributed", 1, 10, None, None, 1),
    ]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[attribution.rules]]\nkind = "principal"\nteam = "x"\n',
         "key 'attribution.rules.0.principal': Value error, give at least one of role, session, "
         "user, arn"),
        ('[[attribution.rules]]\nkind = "principal"\nrole = "x"\n',
         "key 'attribution.rules.0.principal': Value error, give team and/or application"),
        ('[[attribution.rules]]\nkind = "principal"\nsyntax = "regex"\nrole = "(?=x)"\n'
         'team = "t"\n',
         "Value error, role: '(?=x)' is not a valid RE2 regular expression"),
        ('[[attribution.rules]]\nkind = "request_metadata"\nteam_key = "team"\n',
         "key 'attribution.rules.0.request_metadata.team_key': Extra inputs are not permitted"),
        ('[[attribution.rules]]\nkind = "tag"\n',
         "key 'attribution.rules.0': Input tag 'tag' found using 'kind' does not match any of the "
         "expected tags"),
        ('[[attribution.rules]]\nkind = "account"\naccounts = { 1234 = { team = "x" } }\n',
         "key 'attribution.rules.0.account.accounts': Value error, account ids must be 12 digits"),
        ('[[attribution.rules]]\nkind = "request_metadata"\nteam_keys = []\n',
         "key 'attribution.rules.0.request_metadata.team_keys': Value error, must be a non-empty"),
        ('[[attribution.rules]]\nkind = "principal"\nrole = "x"\nteam = "t"\n'
         "effective_from = 2025-11-04\neffective_to = 2025-11-04\n",
         "Value error, effective_to must be after effective_from (it is exclusive)"),
        ('[[attribution.renames]]\nfrom = "a"\n',
         "key 'attribution.renames.0.to': Field required"),
    ],
)  # fmt: skip
def test_bad_rules_are_config_errors_naming_file_and_key(tmp_path, toml, message):
    path = tmp_path / "reconciler.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(str(path))
    assert str(exc.value).startswith(f"{path}: ")
    assert message in str(exc.value)


def test_the_documented_example_config_does_what_the_doc_says(con, tmp_path):
    doc = (Path(__file__).parents[2] / "docs" / "attribution.md").read_text(encoding="utf-8")
    toml = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "reconciler.toml").write_text(toml, encoding="utf-8")
    settings = load_settings(str(tmp_path / "reconciler.toml"))
    acct = "123456789012"
    add(con, "meta", md={"team": "search", "app": "qa-bot"}, day="2025-11-05", acct=acct)
    add(con, "role", arn=role("search-indexer", "i-0abc", acct), day="2025-11-03", acct=acct)
    add(con, "other", arn=role("misc", "s", acct), day="2025-11-03", acct=acct)
    attribute.run(StageContext(con, settings, "test"))
    got = rows(con)
    assert got["meta"][:3] == ("discovery", "qa-bot", "rules[0].request_metadata")
    assert got["role"][:3] == ("relevance", "search-api", "rules[2].principal")
    assert got["other"][:3] == ("platform", "shared", "rules[6].account")


def test_rows_carry_the_run_that_wrote_them(tmp_path):
    from reconciler.db.runs import Run

    with Run(str(tmp_path / "r.duckdb"), "run") as run:
        add(run.con, "r1", md={"team": "t"})
        attribute.run(StageContext(run.con, Settings(), run.run_id))
        got = run.con.execute("SELECT run_id FROM invocation_attribution").fetchall()
    assert got == [(run.run_id,)]
