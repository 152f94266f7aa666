"""The parser on hand-written records: each trap with its expected figures written out here."""

import gzip
import json
import zlib
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core.quarantine import Reason
from reconciler.ingest.invocation_logs import decompress, detect_format, parse_bytes, parse_messages


def utc(*args):
    """A naive datetime meaning UTC (what the TIMESTAMP columns hold)."""
    return datetime(*args, tzinfo=UTC).replace(tzinfo=None)


def record(**over):
    r = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2025-11-03T14:07:22Z",
        "accountId": "123456789012",
        "identity": {"arn": "arn:aws:sts::123456789012:assumed-role/r/s"},
        "region": "us-east-1",
        "requestId": "req-1",
        "operation": "Converse",
        "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "input": {
            "inputTokenCount": 412,
            "cacheReadInputTokenCount": 18240,
            "inputBodyJson": {"messages": [{"content": "PRIVATE prompt"}]},
        },
        "output": {"outputTokenCount": 356, "outputBodyJson": {"text": "PRIVATE answer"}},
        "requestMetadata": {"team": "search", "app": "qa-bot"},
    }
    r.update(over)
    return r


def jl(*records):
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records
    )


def rows(parsed):
    return parsed.table.to_pylist()


def test_one_record_all_columns():
    p = parse_bytes(gzip.compress(jl(record())), "s3://b/k.json.gz")
    assert p.problems == []
    assert p.format == "s3_delivery"
    (row,) = rows(p)
    assert row == {
        "line_number": 1,
        "request_id": "req-1",
        "account_id": "123456789012",
        "region": "us-east-1",
        "event_time": utc(2025, 11, 3, 14, 7, 22),
        "identity_arn": "arn:aws:sts::123456789012:assumed-role/r/s",
        "operation": "Converse",
        "model_id": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "inference_region": None,
        "input_tokens": 412,
        "output_tokens": 356,
        "cache_read_input_tokens": 18240,
        "cache_write_input_tokens": 0,
        "cache_write_1h_input_tokens": None,
        "service_tier": None,
        "latency_mode": None,
        "error_code": None,
        "request_metadata": [("team", "search"), ("app", "qa-bot")],
    }


def test_bodies_never_reach_the_rows():
    p = parse_bytes(jl(record()), "x.json")
    assert "PRIVATE" not in repr(rows(p))


def test_key_order_and_millisecond_timestamp_do_not_matter():
    r = dict(reversed(list(record(timestamp="2025-11-03T14:07:22.999Z").items())))
    (row,) = rows(parse_bytes(jl(r), "x.json"))
    assert row["event_time"] == utc(2025, 11, 3, 14, 7, 22)
    assert row["input_tokens"] == 412


def test_offset_timestamp_becomes_utc():
    (row,) = rows(parse_bytes(jl(record(timestamp="2025-11-03T16:07:22+02:00")), "x.json"))
    assert row["event_time"] == utc(2025, 11, 3, 14, 7, 22)


def test_body_token_metrics_are_not_the_record_counts():
    stream = [
        {"chunk": 1},
        {"amazon-bedrock-invocationMetrics": {"inputTokenCount": 99999, "outputTokenCount": 88888}},
    ]
    r = record(
        output={"outputTokenCount": 200, "outputBodyJson": stream}, input={"inputTokenCount": 800}
    )
    (row,) = rows(parse_bytes(jl(r), "x.json"))
    assert (row["input_tokens"], row["output_tokens"]) == (800, 200)


def test_one_hour_cache_writes_and_tier_from_a_converse_body():
    body = {
        "usage": {
            "cacheDetails": [{"ttl": "1h", "inputTokens": 1000}, {"ttl": "5m", "inputTokens": 2000}]
        },
        "serviceTier": {"type": "priority"},
    }
    r = record(
        input={"inputTokenCount": 5, "cacheWriteInputTokenCount": 3000},
        output={"outputTokenCount": 1, "outputBodyJson": body},
    )
    (row,) = rows(parse_bytes(jl(r), "x.json"))
    assert row["cache_write_input_tokens"] == 3000
    assert row["cache_write_1h_input_tokens"] == 1000
    assert row["service_tier"] == "priority"


def test_default_tier_is_standard_and_stream_metadata_counts():
    stream = [
        {"contentBlockDelta": {}},
        {
            "metadata": {
                "usage": {"cacheDetails": [{"ttl": "5m", "inputTokens": 7}]},
                "serviceTier": {"type": "default"},
            }
        },
    ]
    r = record(output={"outputTokenCount": 1, "outputBodyJson": stream})
    (row,) = rows(parse_bytes(jl(r), "x.json"))
    assert (row["cache_write_1h_input_tokens"], row["service_tier"]) == (0, "standard")


def test_guardrail_zero_token_and_error_records_load():
    guard = record(requestId="g", input={"inputTokenCount": 0}, output={"outputTokenCount": 0})
    error = record(requestId="e", errorCode="ValidationException")
    del error["input"], error["output"]
    embed = record(requestId="t", input={"inputTokenCount": 7311})
    del embed["output"]
    p = parse_bytes(jl(guard, error, embed), "x.json")
    assert p.problems == []
    got = [
        (r["request_id"], r["input_tokens"], r["output_tokens"], r["error_code"]) for r in rows(p)
    ]
    assert got == [("g", 0, 0, None), ("e", 0, 0, "ValidationException"), ("t", 7311, 0, None)]


def test_every_bad_line_has_its_line_number_and_reason():
    good = record()
    no_rid = record()
    del no_rid["requestId"]
    no_counts = record()
    del no_counts["input"]
    lines = [
        good,  # 1
        b'{"schemaType":"ModelInvocationLog","timestamp":"2025-11',  # 2 truncated
        b"<html>oops</html>",  # 3 not JSON
        record(schemaType="BedrockAgentTrace"),  # 4
        no_rid,  # 5
        record(output={"outputTokenCount": -5}),  # 6
        record(input={"inputTokenCount": 12.5}),  # 7
        record(input={"inputTokenCount": "12"}),  # 8
        record(input={"inputTokenCount": True}),  # 9
        b"[1, 2]",  # 10
        b'{"hello": "world"}',  # 11
        record(timestamp="yesterday"),  # 12
        no_counts,  # 13
        record(requestId=""),  # 14
        record(schemaVersion="2.0"),  # 15
        record(requestMetadata={"team": 5}),  # 16
        record(requestId="last"),  # 17
    ]
    p = parse_bytes(gzip.compress(jl(*lines)), "f.json.gz")
    assert [(n, r.value) for n, r, _ in p.problems] == [
        (2, "truncated_line"),
        (3, "not_json"),
        (4, "unexpected_schema_type"),
        (5, "missing_field"),
        (6, "negative_token_count"),
        (7, "non_integer_token_count"),
        (8, "non_integer_token_count"),
        (9, "non_integer_token_count"),
        (10, "unknown_shape"),
        (11, "unknown_shape"),
        (12, "bad_field"),
        (13, "missing_field"),
        (14, "missing_field"),
        (15, "unexpected_schema_type"),
        (16, "bad_field"),
    ]
    assert [r["line_number"] for r in rows(p)] == [1, 17]
    assert p.lines == 17
    assert all("PRIVATE" not in d for _, _, d in p.problems)


def test_blank_lines_keep_line_numbers_true():
    p = parse_bytes(b"\n" + jl(record(requestId="a")) + b"\n\n" + jl(record(requestId="b")), "x")
    assert [(r["line_number"], r["request_id"]) for r in rows(p)] == [(2, "a"), (5, "b")]


def test_cloudwatch_export_lines_split_on_first_space_only():
    text = (
        b"2025-11-03T14:07:23.512Z "
        + json.dumps(record(requestId="a")).encode()
        + b"\n"
        + b"1762180260480 "
        + json.dumps(record(requestId="b")).encode()
        + b"\n"
    )
    assert detect_format(text) == "cloudwatch_export"
    p = parse_bytes(gzip.compress(text), "exportedlogs/x/s/000000.gz")
    assert p.format == "cloudwatch_export"
    assert p.problems == []
    assert [r["request_id"] for r in rows(p)] == ["a", "b"]
    # the record's own timestamp is used, not the export's line prefix
    assert rows(p)[0]["event_time"] == utc(2025, 11, 3, 14, 7, 22)


def test_multi_member_gzip():
    data = gzip.compress(jl(record(requestId="a"))) + gzip.compress(jl(record(requestId="b")))
    assert [r["request_id"] for r in rows(parse_bytes(data, "x.json.gz"))] == ["a", "b"]


def test_truncated_gzip_keeps_the_complete_lines_before_the_cut():
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    data = b""
    for rid in ("a", "b"):
        data += c.compress(jl(record(requestId=rid))) + c.flush(zlib.Z_FULL_FLUSH)
    cut = len(data)
    data += c.compress(jl(record(requestId="c"))) + c.flush()
    p = parse_bytes(data[: cut + 10], "t.json.gz")
    assert [r["request_id"] for r in rows(p)] == ["a", "b"]
    assert [(n, r) for n, r, _ in p.problems] == [(None, Reason.CORRUPT_GZIP)]
    assert "2 complete lines" in p.problems[0][2]


def test_checksum_failure_keeps_nothing():
    data = bytearray(gzip.compress(jl(record())))
    data[-6] ^= 0xFF
    text, damage = decompress(bytes(data))
    assert text == b""
    assert "checksum" in damage
    p = parse_bytes(bytes(data), "c.json.gz")
    assert p.table.num_rows == 0
    assert p.problems[0][1] is Reason.CORRUPT_GZIP


def test_gz_name_without_gzip_bytes_is_corrupt_and_garbage_is_unknown_format():
    p = parse_bytes(b"plain text, not gzip", "x.json.gz")
    assert [r for _, r, _ in p.problems] == [Reason.CORRUPT_GZIP]
    p = parse_bytes(b"%PDF-1.7 binary stuff\n" * 30, "x.json")
    assert [(n, r) for n, r, _ in p.problems] == [(None, Reason.UNKNOWN_FORMAT)]
    assert parse_bytes(b"", "empty.json").problems == []


def test_cloudwatch_messages_are_numbered_per_event():
    msgs = [
        json.dumps(record(requestId="a")).encode(),
        b"not json",
        json.dumps(record(requestId="b"), indent=1).encode(),
    ]
    p = parse_messages(msgs, "cloudwatch:///g/s")
    assert [(r["line_number"], r["request_id"]) for r in rows(p)] == [(1, "a"), (3, "b")]
    assert [(n, r.value) for n, r, _ in p.problems] == [(2, "not_json")]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_parser_never_raises_on_arbitrary_bytes(data):
    for name in ("x.json", "x.json.gz"):
        p = parse_bytes(data, name)
        assert p.table.num_rows + len(p.problems) >= 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                jl(record()),
                b"{",
                b"[]",
                b"null",
                b'{"schemaType":1}',
                b"\xff\xfe",
                b"\n",
                b'{"input":{"inputTokenCount":-1}}',
                b"2025-11-03T14:07:23.512Z {",
                b"17621 x",
            ]
        ),
        max_size=12,
    )
)
def test_parser_never_raises_on_mixed_lines(parts):
    data = b"\n".join(parts)
    for blob in (data, gzip.compress(data)):
        p = parse_bytes(blob, "x.json.gz")
        assert all(n is None or n >= 1 for n, _, _ in p.problems)
