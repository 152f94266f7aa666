"""The response body is scanned once, inside the record's decode, and only `usage.cacheDetails`
and `serviceTier` are read from it. A body of any shape never rejects its record; a member of
the wrong shape makes the body tell nothing (both values NULL), as before the single-scan parse."""

import pytest
from test_invocation_logs import jl, record, rows

from reconciler.ingest.invocation_logs import parse_bytes

GOOD_USAGE = {"cacheDetails": [{"ttl": "1h", "inputTokens": 40}, {"ttl": "1h", "inputTokens": 2}]}


def derived(body):
    r = record(
        input={"inputTokenCount": 5, "cacheWriteInputTokenCount": 50},
        output={"outputTokenCount": 1, "outputBodyJson": body},
    )
    parsed = parse_bytes(jl(r), "x.json")
    assert parsed.problems == []  # the record always loads
    (row,) = rows(parsed)
    return row["cache_write_1h_input_tokens"], row["service_tier"], row["output_tokens"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"usage": GOOD_USAGE, "serviceTier": {"type": "FLEX"}}, (42, "flex")),  # 40 + 2
        ({"serviceTier": {"type": "priority"}, "text": "PRIVATE"}, (None, "priority")),
        ({"usage": GOOD_USAGE}, (42, None)),
        ({"usage": None, "serviceTier": None}, (None, None)),
        ({"usage": "oops", "serviceTier": {"type": "priority"}}, (None, None)),
        ({"usage": {"cacheDetails": [{"ttl": "1h", "inputTokens": -3}]}}, (None, None)),
        ({"usage": GOOD_USAGE, "serviceTier": {"type": 7}}, (None, None)),
        ({"serviceTier": {"type": "unknown-tier"}}, (None, None)),
        ("a plain string body", (None, None)),
        (12.5, (None, None)),
        (True, (None, None)),
        (None, (None, None)),
        ([], (None, None)),
        (["chunk", 3, {"metadata": {"serviceTier": {"type": "priority"}}}], (None, "priority")),
    ],
)
def test_body_members(body, expected):
    assert derived(body) == (*expected, 1)


def test_an_escaped_member_name_is_still_read():
    """`cacheDetails` spelled with a JSON escape is the same key: the quick skip must see it."""
    r = record(
        input={"inputTokenCount": 5, "cacheWriteInputTokenCount": 50},
        output={"outputTokenCount": 1, "outputBodyJson": {"usage": GOOD_USAGE}},
    )
    line = jl(r).replace(b'"cacheDetails"', b'"cache\\u0044etails"')
    assert b"cacheDetails" not in line
    (row,) = rows(parse_bytes(line, "x.json"))
    assert row["cache_write_1h_input_tokens"] == 42
