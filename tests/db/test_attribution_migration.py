"""Schema 0019 moves attribution from the ``invocation_attribution`` table onto the records.

A database written by an older version (schema up to 0018) holds attribution rows, sometimes
two for one request (the attribute stage appended twice); after migrating, each record carries
the newest run's attribution, a record that was never attributed stays NULL (the contract
default applies in ``invocations``), and ``invocation_attribution`` still answers as a view.
"""

from __future__ import annotations

import duckdb

from reconciler.db.migrate import migrate, schema_files
from reconciler.db.sql import queries_dir

RECORD = (
    "INSERT INTO invocation_records (request_id, account_id, region, event_time, model_id, "
    "input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens, "
    "request_metadata, source_uri, line_number, run_id) VALUES "
    "($rid, '111122223333', 'us-east-1', TIMESTAMP '2025-11-03 10:00:00', 'm', 1, 1, 0, 0, "
    "$md, 's3://b/k.json.gz', 1, 'ingest')"
)
ATTRIBUTION = (
    "INSERT INTO invocation_attribution (account_id, region, request_id, team, application, "
    "rule, run_id, application_rule) VALUES ('111122223333', 'us-east-1', $rid, $team, $app, "
    "$rule, $run, $rule)"
)


def _at_0018() -> duckdb.DuckDBPyConnection:
    """A database as version 0018 of the schema left it (the migrations applied by hand)."""
    con = duckdb.connect(":memory:")
    migrate_table = (queries_dir() / "ledger" / "migrations_table.sql").read_text()
    con.execute(migrate_table)
    for version, name in schema_files():
        if version > 18:
            break
        con.execute((queries_dir() / "schema" / name).read_text())
        con.execute(
            "INSERT INTO _migrations (version, name, sha256, applied_at) "
            "VALUES ($v, $n, 'x', now())",
            {"v": version, "n": name},
        )
    return con


def test_attribution_moves_onto_the_records_newest_run_wins():
    con = _at_0018()
    for rid in ("r1", "r2", "r3"):
        con.execute(RECORD, {"rid": rid, "md": {"team": "meta-team"}})
    con.execute(
        ATTRIBUTION,
        {
            "rid": "r1",
            "team": "old",
            "app": "a0",
            "rule": "rules[0].account",
            "run": "2025-11-03T01:00:00Z-aaaa",
        },
    )
    con.execute(
        ATTRIBUTION,
        {
            "rid": "r1",
            "team": "search",
            "app": "bot",
            "rule": "rules[1].principal",
            "run": "2025-11-04T01:00:00Z-bbbb",
        },
    )
    con.execute(
        ATTRIBUTION,
        {
            "rid": "r2",
            "team": "ads",
            "app": "web",
            "rule": "default",
            "run": "2025-11-03T01:00:00Z-aaaa",
        },
    )

    assert "0019_attribution_on_records.sql" in migrate(con)

    rows = con.execute(
        "SELECT request_id, team, application, attribution_rule, application_rule, "
        "attribution_run_id FROM invocation_records ORDER BY request_id"
    ).fetchall()
    assert rows == [
        (
            "r1",
            "search",
            "bot",
            "rules[1].principal",
            "rules[1].principal",
            "2025-11-04T01:00:00Z-bbbb",
        ),
        ("r2", "ads", "web", "default", "default", "2025-11-03T01:00:00Z-aaaa"),
        ("r3", None, None, None, None, None),
    ]
    # the public view: stored attribution, else the contract default from request metadata
    seen = con.execute(
        "SELECT request_id, team, application, attribution_rule FROM invocations ORDER BY 1"
    ).fetchall()
    assert seen == [
        ("r1", "search", "bot", "rules[1].principal"),
        ("r2", "ads", "web", "default"),
        ("r3", "meta-team", "unattributed", "fallback:request_metadata"),
    ]
    # the old table's name still answers, one row per attributed request
    compat = con.execute(
        "SELECT request_id, team, rule, run_id FROM invocation_attribution ORDER BY 1"
    ).fetchall()
    assert compat == [
        ("r1", "search", "rules[1].principal", "2025-11-04T01:00:00Z-bbbb"),
        ("r2", "ads", "default", "2025-11-03T01:00:00Z-aaaa"),
    ]
