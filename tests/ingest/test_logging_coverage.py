"""The logging_coverage views: metric tokens vs logged tokens, with hand-computed figures."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

ACCT = "111122223333"
NOVA = "amazon.nova-micro-v1:0"
HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
HAIKU_ARN = f"arn:aws:bedrock:us-east-1:{ACCT}:inference-profile/{HAIKU}"
_ids = itertools.count(1)


def t(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 11, 3, hour, minute, tzinfo=UTC).replace(tzinfo=None)


def metric(con, hour, model, tier, name, value, region="us-east-1"):
    con.execute(
        "INSERT INTO bedrock_metrics_hourly VALUES ($h, $a, $r, $m, $t, $n, $v, 'run-m')",
        {"h": t(hour), "a": ACCT, "r": region, "m": model, "t": tier, "n": name, "v": value},
    )


def logged(con, when, model, inp=0, out=0, cr=0, cw=0, region="us-east-1", tier=None):
    con.execute(
        "INSERT INTO invocation_records (request_id, account_id, region, event_time, model_id, "
        "input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens, "
        "service_tier, source_uri, line_number, run_id) VALUES "
        "($id, $a, $r, $e, $m, $i, $o, $cr, $cw, $tier, 'f.json', 1, 'run-l')",
        {
            "id": f"req-{next(_ids)}",
            "a": ACCT,
            "r": region,
            "e": when,
            "m": model,
            "i": inp,
            "o": out,
            "cr": cr,
            "cw": cw,
            "tier": tier,
        },
    )


@pytest.fixture
def seeded(con):
    con.execute(
        "INSERT INTO bedrock_metrics_windows VALUES ($a, 'us-east-1', $s, $e, 10, 0, 'run-m', $s)",
        {"a": ACCT, "s": t(13), "e": t(16)},
    )
    # hour 13, nova standard: metrics 1000 in + 500 out = 1500, 3 invocations;
    # logs 400+200 and 350+150 = 1100 in 2 requests
    metric(con, 13, NOVA, "standard", "InputTokenCount", 1000)
    metric(con, 13, NOVA, "standard", "OutputTokenCount", 500)
    metric(con, 13, NOVA, "standard", "Invocations", 3)
    logged(con, t(13, 5), NOVA, inp=400, out=200)
    logged(con, t(13, 59), NOVA, inp=350, out=150)
    # hour 13, nova priority: 77 metric tokens, nothing logged as priority
    metric(con, 13, NOVA, "priority", "InputTokenCount", 77)
    # hour 14, nova: 600 metric tokens, no logs at all
    metric(con, 14, NOVA, "standard", "InputTokenCount", 600)
    # hour 13, haiku: caller used the profile id, the log carries the profile ARN; 400 each side
    for name, v in [
        ("InputTokenCount", 10),
        ("OutputTokenCount", 20),
        ("CacheReadInputTokenCount", 300),
        ("CacheWriteInputTokenCount", 70),
    ]:
        metric(con, 13, HAIKU, "standard", name, v)
    logged(con, t(13, 30), HAIKU_ARN, inp=10, out=20, cr=300, cw=70)
    # hour 13, a model with 3 metric tokens and 2 logged: 66.6667 (half-up from 66.66666..)
    metric(con, 13, "x.model", "standard", "OutputTokenCount", 3)
    logged(con, t(13, 1), "x.model", out=2)
    # hour 13, an image model: 2 images in metrics, no tokens, no logs -> missing
    metric(con, 13, "stability.sd3", "standard", "OutputImageCount", 2)
    # hour 15: logged, but no metric series for it
    logged(con, t(15, 10), "amazon.titan-embed-text-v2:0", inp=7311)
    # not compared: after the pulled window, and a Region never pulled
    logged(con, t(16, 0), NOVA, inp=99999)
    logged(con, t(13, 0), NOVA, inp=88888, region="eu-west-1")
    return con


def rows(con, sql):
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_hourly_coverage(seeded):
    got = {
        (r["hour"].hour, r["model_id"], r["tier"]): r
        for r in rows(seeded, "SELECT * FROM logging_coverage")
    }
    assert set(got) == {
        (13, NOVA, "standard"),
        (13, NOVA, "priority"),
        (14, NOVA, "standard"),
        (13, HAIKU, "standard"),
        (13, "x.model", "standard"),
        (13, "stability.sd3", "standard"),
        (15, "amazon.titan-embed-text-v2:0", "standard"),
    }
    n = got[(13, NOVA, "standard")]
    assert (n["metric_tokens"], n["logged_tokens"], n["coverage_pct"]) == (
        1500,
        1100,
        Decimal("73.3333"),  # 1100 / 1500 = 0.733333...
    )
    assert (n["metric_invocations"], n["logged_requests"], n["status"], n["missing"]) == (
        3,
        2,
        "partial",
        False,
    )
    assert (n["logged_input_tokens"], n["logged_output_tokens"]) == (750, 350)
    p = got[(13, NOVA, "priority")]
    assert (p["metric_tokens"], p["logged_tokens"], p["coverage_pct"], p["status"]) == (
        77,
        0,
        Decimal("0.0000"),
        "missing",
    )
    m = got[(14, NOVA, "standard")]
    assert (m["metric_tokens"], m["logged_tokens"], m["missing"], m["status"]) == (
        600,
        0,
        True,
        "missing",
    )
    hk = got[(13, HAIKU, "standard")]
    assert (hk["metric_tokens"], hk["logged_tokens"], hk["coverage_pct"], hk["status"]) == (
        400,
        400,
        Decimal("100.0000"),
        "complete",
    )
    assert got[(13, "x.model", "standard")]["coverage_pct"] == Decimal("66.6667")
    img = got[(13, "stability.sd3", "standard")]
    assert (img["metric_tokens"], img["coverage_pct"], img["missing"]) == (0, None, True)
    nm = got[(15, "amazon.titan-embed-text-v2:0", "standard")]
    assert (nm["metric_tokens"], nm["logged_tokens"], nm["coverage_pct"], nm["status"]) == (
        None,
        7311,
        None,
        "no_metric",
    )
    assert nm["missing"] is False


def test_summary_adds_tiers_and_hours(seeded):
    got = {
        r["model_id"]: r
        for r in rows(seeded, "SELECT * FROM logging_coverage_summary WHERE region = 'us-east-1'")
    }
    n = got[NOVA]
    # hour 13: 1500 + 77 metric vs 1100 logged; hour 14: 600 vs 0
    assert n["metric_tokens"] == 1500 + 77 + 600
    assert n["logged_tokens"] == 1100
    assert n["unlogged_tokens"] == (1577 - 1100) + 600
    assert (n["metric_hours"], n["missing_hours"]) == (2, 1)
    assert (n["metric_invocations"], n["logged_requests"]) == (3, 2)
    assert (n["first_hour"], n["last_hour"]) == (t(13), t(14))
    expected = (Decimal(1100) * 100 / Decimal(2177)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    assert expected == Decimal("50.5282")
    assert n["coverage_pct"] == expected
    assert got[HAIKU]["coverage_pct"] == Decimal("100.0000")
    assert got["stability.sd3"]["missing_hours"] == 1
    assert got["amazon.titan-embed-text-v2:0"]["coverage_pct"] is None
    assert set(got) == {NOVA, HAIKU, "x.model", "stability.sd3", "amazon.titan-embed-text-v2:0"}


def test_service_tier_from_the_body_is_matched(con):
    con.execute(
        "INSERT INTO bedrock_metrics_windows VALUES ($a, 'us-east-1', $s, $e, 1, 0, 'r', $s)",
        {"a": ACCT, "s": t(13), "e": t(14)},
    )
    metric(con, 13, NOVA, "priority", "InputTokenCount", 50)
    logged(con, t(13, 2), NOVA, inp=50, tier="priority")
    logged(con, t(13, 3), NOVA, inp=8, tier="default")  # Converse's "default" is standard
    got = rows(con, "SELECT tier, status, coverage_pct FROM logging_coverage ORDER BY tier")
    assert got == [
        {"tier": "priority", "status": "complete", "coverage_pct": Decimal("100.0000")},
        {"tier": "standard", "status": "no_metric", "coverage_pct": None},
    ]


def test_no_metrics_pulled_means_no_rows(con):
    logged(con, t(13), NOVA, inp=5)
    assert rows(con, "SELECT * FROM logging_coverage") == []
    assert rows(con, "SELECT * FROM logging_coverage_summary") == []
