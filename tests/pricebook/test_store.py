"""Loading prices into DuckDB: idempotence, precedence, effective dating, id stability."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reconciler.core.errors import PriceBookError
from reconciler.pricebook import bundled, load_price_files
from tests.support.stage import stage_ctx

NOVA = "amazon.nova-micro-v1:0"
SONNET45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"


def price_on(
    con,
    model,
    region,
    routing,
    day,
    *,
    charge="input_tokens",
    tier="standard",
    mode="on_demand",
    context_tier="standard",
):
    """(price_usd, unit, layer) that price_at picks, or None."""
    row = con.execute(
        "SELECT price_usd, unit, layer FROM price_at($m, $r, $rt, $t, $mo, $c, $ct, $d)",
        {
            "m": model,
            "r": region,
            "rt": routing,
            "t": tier,
            "mo": mode,
            "c": charge,
            "ct": context_tier,
            "d": day,
        },
    ).fetchone()
    return row


def cost(con, quantity, model, region, routing, day, **kw):
    """Cost the way rating computes it: quantity * price_usd * unit_factor, exact DECIMAL."""
    return con.execute(
        "SELECT CAST($q * price_usd * unit_factor AS DECIMAL(38, 12)) "
        "FROM price_at($m, $r, $rt, $t, $mo, $c, $ct, $d)",
        {
            "q": quantity,
            "m": model,
            "r": region,
            "rt": routing,
            "t": kw.get("tier", "standard"),
            "mo": kw.get("mode", "on_demand"),
            "c": kw.get("charge", "input_tokens"),
            "ct": kw.get("context_tier", "standard"),
            "d": day,
        },
    ).fetchone()[0]


def test_bundled_load_is_idempotent_and_ids_are_stable(con):
    bundled.run(stage_ctx(con, "run-1"))
    first = con.execute("SELECT price_id, price_usd FROM prices ORDER BY price_id").fetchall()
    result = bundled.run(stage_ctx(con, "run-2"))
    second = con.execute("SELECT price_id, price_usd FROM prices ORDER BY price_id").fetchall()
    assert first == second
    assert result.rows_out == len(first)
    assert con.execute("SELECT count(DISTINCT run_id) FROM prices").fetchone() == (1,)
    # without the recorded digest (a database from before schema 0021) the rows are compared
    # one by one, found equal, and not rewritten either
    con.execute("DELETE FROM bundled_price_state")
    bundled.run(stage_ctx(con, "run-3"))
    assert con.execute("SELECT DISTINCT run_id FROM prices").fetchall() == [("run-1",)]


def test_an_unchanged_bundled_book_is_not_parsed_again_until_files_or_rows_change(con, monkeypatch):
    from reconciler.pricebook import store

    bundled.run(stage_ctx(con, "run-1"))
    rows = con.execute("SELECT count(*) FROM prices WHERE layer = 'bundled'").fetchone()[0]
    parsed = []
    real = store._bundled_entries.__wrapped__

    def counting():
        parsed.append(1)
        return real()

    monkeypatch.setattr(store, "_bundled_entries", counting)
    monkeypatch.setattr(bundled, "_bundled_fingerprint", bundled._bundled_fingerprint.__wrapped__)
    again = bundled.run(stage_ctx(con, "run-2"))
    assert parsed == []  # same files and code, rows untouched: nothing parsed
    assert (again.rows_in, again.rows_out) == (rows, rows)

    # a bundled price changed by hand: the next run parses and restores it
    pid = con.execute("SELECT min(price_id) FROM prices WHERE layer = 'bundled'").fetchone()[0]
    price = con.execute("SELECT price_usd FROM prices WHERE price_id = $p", {"p": pid}).fetchone()
    con.execute("UPDATE prices SET price_usd = price_usd * 2 WHERE price_id = $p", {"p": pid})
    bundled.run(stage_ctx(con, "run-3"))
    assert parsed  # parsed again
    back = con.execute("SELECT price_usd FROM prices WHERE price_id = $p", {"p": pid}).fetchone()
    assert back == price
    restored = con.execute(
        "SELECT count(*) FROM prices WHERE layer = 'bundled' AND run_id = 'run-3'"
    ).fetchone()[0]
    assert restored == rows

    # an upgrade (other files or code: another digest) parses again too
    parsed.clear()
    monkeypatch.setattr(store, "bundled_files_digest", lambda: "another version")
    bundled.run(stage_ctx(con, "run-4"))
    assert parsed


def test_bundled_prices_rate_by_hand(con):
    bundled.run(stage_ctx(con, "r"))
    d = date(2025, 11, 3)
    # Sonnet 4.5: global 3.00, geo and in_region 3.30 per 1M input tokens
    assert cost(con, 1_234_567, SONNET45, "us-east-1", "global", d) == Decimal("3.703701")
    assert cost(con, 1_234_567, SONNET45, "us-east-1", "geo", d) == Decimal("4.0740711")
    assert cost(con, 1_234_567, SONNET45, "us-east-1", "in_region", d) == Decimal("4.0740711")
    # Nova Micro: us-east-1 0.035 vs eu-west-1 0.046 per 1M
    assert cost(con, 2_000_000, NOVA, "us-east-1", "geo", d) == Decimal("0.07")
    assert cost(con, 2_000_000, NOVA, "eu-west-1", "geo", d) == Decimal("0.092")
    # Long context: Sonnet 4.5 global output 22.50 per 1M
    assert cost(
        con,
        100_000,
        SONNET45,
        "us-east-1",
        "global",
        d,
        charge="output_tokens",
        context_tier="long",
    ) == Decimal("2.25")
    # 1h cache write on the regional rate: 6.60 per 1M
    assert cost(
        con, 500_000, SONNET45, "us-east-1", "geo", d, charge="cache_write_1h_input_tokens"
    ) == Decimal("3.3")
    # Nova Pro flex 0.40 and priority 1.40 per 1M input
    assert cost(
        con, 1_000_000, "amazon.nova-pro-v1:0", "us-east-1", "in_region", d, tier="flex"
    ) == Decimal("0.4")
    assert cost(
        con, 1_000_000, "amazon.nova-pro-v1:0", "us-east-1", "in_region", d, tier="priority"
    ) == Decimal("1.4")
    # Unknown model and unknown Region stay unpriced (no us-east-1 fallback)
    assert price_on(con, "acme.unknown-v1:0", "us-east-1", "in_region", d) is None
    assert price_on(con, "amazon.nova-lite-v1:0", "sa-east-1", "geo", d) is None
    # The generated book prices Nova Lite's eu. profile: LiteLLM key eu.amazon.nova-lite-v1:0
    # input_cost_per_token 7.8e-08 = 0.078 per 1M (1.3 x the us-east-1 0.06)
    assert price_on(con, "amazon.nova-lite-v1:0", "eu-west-1", "geo", d) == (
        Decimal("0.078"),
        "1M tokens",
        "bundled",
    )


def test_overlay_beats_bundled_only_for_its_dates(con, write_csv):
    bundled.run(stage_ctx(con, "r"))
    path = write_csv(
        "o.csv",
        f"{NOVA},us-east-1,*,standard,on_demand,input_tokens,1K tokens,0.00003,2025-11-02,2025-11-04,contract\n",
    )
    load_price_files(con, [path], "r")
    assert price_on(con, NOVA, "us-east-1", "in_region", date(2025, 11, 1)) == (
        Decimal("0.035"),
        "1M tokens",
        "bundled",
    )
    assert price_on(con, NOVA, "us-east-1", "in_region", date(2025, 11, 2)) == (
        Decimal("0.00003"),
        "1K tokens",
        "overlay",
    )
    assert price_on(con, NOVA, "us-east-1", "in_region", date(2025, 11, 3)) == (
        Decimal("0.00003"),
        "1K tokens",
        "overlay",
    )
    assert price_on(con, NOVA, "us-east-1", "in_region", date(2025, 11, 4)) == (
        Decimal("0.035"),
        "1M tokens",
        "bundled",
    )
    # other Regions are untouched by a us-east-1 overlay
    assert price_on(con, NOVA, "eu-west-1", "geo", date(2025, 11, 3))[2] == "bundled"


def test_a_wildcard_overlay_beats_a_specific_bundled_row(con, write_csv):
    bundled.run(stage_ctx(con, "r"))
    path = write_csv(
        "o.csv", f"{NOVA},*,*,*,on_demand,input_tokens,1M tokens,0.03,2025-01-01,,edp sheet\n"
    )
    load_price_files(con, [path], "r")
    assert price_on(con, NOVA, "eu-west-1", "geo", date(2025, 6, 1)) == (
        Decimal("0.03"),
        "1M tokens",
        "overlay",
    )


def test_within_a_layer_the_most_specific_key_wins(con, write_csv):
    path = write_csv(
        "o.csv",
        "*,*,*,*,on_demand,input_tokens,1M tokens,9,2025-01-01,,catch-all\n"
        f"{NOVA},*,*,*,on_demand,input_tokens,1M tokens,1,2025-01-01,,model\n"
        f"{NOVA},us-east-1,*,*,on_demand,input_tokens,1M tokens,2,2025-01-01,,region\n"
        f"{NOVA},us-east-1,regional,*,on_demand,input_tokens,1M tokens,3,2025-01-01,,regional\n"
        f"{NOVA},us-east-1,geo,*,on_demand,input_tokens,1M tokens,4,2025-01-01,,geo\n"
        f"{NOVA},us-east-1,geo,flex,on_demand,input_tokens,1M tokens,5,2025-01-01,,geo flex\n",
    )
    load_price_files(con, [path], "r")
    d = date(2025, 3, 1)
    assert price_on(con, NOVA, "us-east-1", "geo", d, tier="flex")[0] == Decimal("5")
    assert price_on(con, NOVA, "us-east-1", "geo", d)[0] == Decimal("4")
    assert price_on(con, NOVA, "us-east-1", "in_region", d)[0] == Decimal("3")  # regional
    assert price_on(con, NOVA, "us-east-1", "global", d)[0] == Decimal("2")  # not regional
    assert price_on(con, NOVA, "eu-west-1", "global", d)[0] == Decimal("1")
    assert price_on(con, "meta.llama3-1-8b-instruct-v1:0", "eu-west-1", "geo", d)[0] == Decimal("9")


def test_price_change_inside_a_window_prices_each_day_at_its_own_price(con, write_csv):
    path = write_csv(
        "o.csv",
        f"{NOVA},us-east-1,*,*,on_demand,output_tokens,1M tokens,0.14,2025-01-01,2025-11-15,old\n"
        f"{NOVA},us-east-1,*,*,on_demand,output_tokens,1M tokens,0.12,2025-11-15,,new\n",
    )
    load_price_files(con, [path], "r")
    days = [date(2025, 11, 14), date(2025, 11, 15), date(2025, 11, 16)]
    got = [cost(con, 1_000_000, NOVA, "us-east-1", "geo", d, charge="output_tokens") for d in days]
    assert got == [Decimal("0.14"), Decimal("0.12"), Decimal("0.12")]


def test_reloading_a_file_replaces_its_rows(con, write_csv):
    path = write_csv(
        "o.csv", f"{NOVA},us-east-1,*,*,on_demand,input_tokens,1M tokens,0.03,2025-01-01,,a\n"
    )
    load_price_files(con, [path], "r1")
    load_price_files(con, [path], "r2")
    assert con.execute("SELECT count(*) FROM prices WHERE layer = 'overlay'").fetchone() == (1,)
    id_before = con.execute("SELECT price_id FROM prices WHERE layer = 'overlay'").fetchone()
    path.write_text(path.read_text().replace(",0.03,", ",0.031,"))
    result = load_price_files(con, [path], "r3")
    assert result.counts == {"files": 1, "replaced": 1}
    rows = con.execute("SELECT price_id, price_usd FROM prices WHERE layer = 'overlay'").fetchall()
    assert len(rows) == 1
    assert rows[0][1] == Decimal("0.031")
    assert rows[0][0] != id_before[0]


def test_price_id_is_a_content_hash(con, write_csv):
    a = write_csv(
        "a.csv", f"{NOVA},us-east-1,*,*,on_demand,input_tokens,1M tokens,0.035,2025-01-01,,a\n"
    )
    load_price_files(con, [a], "r")
    (id_a,) = con.execute("SELECT price_id FROM prices").fetchone()
    # the same entry written differently (trailing zero, other source text) has the same id
    a.write_text(a.read_text().replace(",0.035,", ",0.0350,").replace(",a\n", ",other\n"))
    load_price_files(con, [a], "r2")
    assert con.execute("SELECT price_id FROM prices").fetchone() == (id_a,)
    # a different date range is a different entry
    a.write_text(a.read_text().replace("2025-01-01,,", "2025-01-01,2026-01-01,"))
    load_price_files(con, [a], "r3")
    assert con.execute("SELECT price_id FROM prices").fetchone() != (id_a,)


def test_overlap_with_another_loaded_file_is_refused_and_nothing_written(con, write_csv):
    a = write_csv(
        "a.csv", f"{NOVA},us-east-1,*,*,on_demand,input_tokens,1M tokens,0.03,2025-01-01,,a\n"
    )
    b = write_csv(
        "b.csv", f"{NOVA},us-east-1,*,*,on_demand,input_tokens,1M tokens,0.02,2025-06-01,,b\n"
    )
    load_price_files(con, [a], "r")
    with pytest.raises(PriceBookError) as exc:
        load_price_files(con, [b], "r")
    assert str(exc.value).startswith(
        f"{b}:2: 2025-06-01..open overlaps 2025-01-01..open at {a.resolve()}:2 for the same key"
    )
    assert con.execute("SELECT source FROM prices WHERE layer = 'overlay'").fetchall() == [("a",)]


def test_price_book_has_one_row_per_key_and_date(con, write_csv):
    bundled.run(stage_ctx(con, "r"))
    path = write_csv(
        "o.csv",
        f"{NOVA},us-east-1,*,standard,on_demand,input_tokens,1M tokens,0.03,2025-11-02,2025-11-04,x\n",
    )
    load_price_files(con, [path], "r")
    rows = con.execute(
        "SELECT effective_from, effective_to, layer FROM price_book WHERE base_model = $m"
        " AND region = 'us-east-1' AND mode = 'on_demand' AND charge = 'input_tokens'"
        " AND tier = 'standard' ORDER BY effective_from",
        {"m": NOVA},
    ).fetchall()
    assert rows == [
        (date(2024, 1, 1), date(2025, 11, 2), "bundled"),
        (date(2025, 11, 2), date(2025, 11, 4), "overlay"),
        (date(2025, 11, 4), None, "bundled"),
    ]
    clashes = con.execute(
        "SELECT count(*) FROM price_book a JOIN price_book b USING (base_model, region, routing,"
        " tier, mode, charge, context_tier) WHERE a.price_id <> b.price_id"
        " AND a.effective_from < coalesce(b.effective_to, DATE '9999-12-31')"
        " AND b.effective_from < coalesce(a.effective_to, DATE '9999-12-31')"
    ).fetchone()
    assert clashes == (0,)
