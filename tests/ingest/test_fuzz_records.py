"""Hypothesis fuzz of invocation-log records (issue 15 item 5): nesting, huge, negative and odd
numbers, unicode, missing and extra fields. Each generated line is either a good record (built
from a valid one with harmless variations) or a bad one with exactly ONE known defect, so the
expected outcome of every line is known by construction, not by asking the parser: good lines
load, each bad line is quarantined with the reason its defect calls for, and nothing raises.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from isal import isal_zlib

from reconciler.core.quarantine import Problems
from reconciler.db import connect, migrate
from reconciler.ingest import load
from reconciler.ingest.invocation_logs import parse_bytes
from tests.support.stage import stage_ctx

CEILING = 100_000_000  # the default ingest.max_tokens_per_count
MAX_CHARS = 2_048  # the default ingest.max_field_chars
KNOWN = {
    "schemaType", "schemaVersion", "timestamp", "accountId", "region", "requestId", "modelId",
    "identity", "operation", "inferenceRegion", "input", "output", "requestMetadata",
    "performanceConfig", "errorCode",
}  # fmt: skip
REQUIRED = ("schemaType", "timestamp", "accountId", "region", "requestId", "modelId")
JUNK_REASONS = {"not_json", "truncated_line", "unknown_shape"}

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
words = text.filter(lambda s: s.strip() != "")
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
counts = st.integers(0, CEILING)


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


def deep_body(depth: int) -> str:
    """A JSON array nested ``depth`` levels (built as text: json.dumps itself recurses)."""
    return "[" * depth + "]" * depth


@st.composite
def good_record(draw: st.DrawFn, rid: str) -> dict[str, Any]:
    r: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "timestamp": "2025-11-03T10:00:00Z",
        "accountId": "111122223333",
        "region": "us-east-1",
        "requestId": rid + draw(text),  # unicode after a unique prefix
        "modelId": draw(st.sampled_from(["amazon.nova-micro-v1:0", "us.x.y"])) + draw(text),
        "input": {"inputTokenCount": draw(counts)},
    }
    if draw(st.booleans()):
        r["schemaVersion"] = "1.0"
    for key in ("cacheReadInputTokenCount", "cacheWriteInputTokenCount"):
        if draw(st.booleans()):
            r["input"][key] = draw(counts)
    output: dict[str, Any] = {}
    if draw(st.booleans()):
        output["outputTokenCount"] = draw(counts)
    if draw(st.booleans()):
        output["outputBodyJson"] = nested(draw(st.integers(0, 150)))
    if output:
        r["output"] = output
    if draw(st.booleans()):
        r["requestMetadata"] = draw(st.dictionaries(text, text, max_size=5))
    if draw(st.booleans()):
        r["identity"] = {"arn": draw(text)}
    if draw(st.booleans()):
        r["operation"] = draw(text)
    extra = draw(st.dictionaries(text.filter(lambda k: k not in KNOWN), json_values, max_size=3))
    r.update(extra)
    if draw(st.booleans()):
        r["input"]["inputBodyJson"] = draw(json_values)  # never read, never stored
    return r


@st.composite
def bad_record(draw: st.DrawFn, rid: str) -> tuple[bytes, set[str]]:
    """(line, acceptable reasons) with exactly one defect."""
    r = draw(good_record(rid))
    kind = draw(
        st.sampled_from(
            ["deep", "huge", "negative", "odd", "missing", "long", "schema", "meta", "junk"]
        )
    )
    if kind == "deep":
        # far past the decoder's limit, which follows sys.getrecursionlimit() (hypothesis
        # raises it while a test runs; the CLI has the default 1,000)
        depth = draw(st.integers(50_000, 100_000))
        r.setdefault("output", {})["outputBodyJson"] = "@@DEEP@@"
        line = json.dumps(r).replace('"@@DEEP@@"', deep_body(depth))
        return line.encode(), {"too_deeply_nested"}
    if kind == "junk":
        junk = draw(st.binary(min_size=1, max_size=40).filter(lambda b: b"\n" not in b))
        junk = b"!" + junk.replace(b"\r", b" ")  # never the start of a JSON value
        return junk, JUNK_REASONS
    field = draw(st.sampled_from(["inputTokenCount", "outputTokenCount"]))
    parent = "input" if field == "inputTokenCount" else "output"
    target = r.setdefault(parent, {})
    if kind == "huge":
        target[field] = draw(st.integers(CEILING + 1, 2**80))
        return json.dumps(r).encode(), {"implausible_token_count"}
    if kind == "negative":
        target[field] = draw(st.integers(-(2**80), -1))
        return json.dumps(r).encode(), {"negative_token_count"}
    if kind == "odd":
        target[field] = draw(
            st.floats(allow_nan=False, allow_infinity=False)
            | st.text(max_size=5)
            | st.booleans()
            | st.lists(st.integers(), max_size=2)
        )
        return json.dumps(r).encode(), {"non_integer_token_count"}
    if kind == "missing":
        del r[draw(st.sampled_from(REQUIRED))]
        return json.dumps(r).encode(), {"missing_field"}
    if kind == "long":
        key = draw(st.sampled_from(["requestId", "modelId", "accountId", "region"]))
        r[key] = "x" * draw(st.integers(MAX_CHARS + 1, 3 * MAX_CHARS))
        return json.dumps(r).encode(), {"oversized_field"}
    if kind == "meta":
        r["requestMetadata"] = {"team": "v" * (MAX_CHARS + 1)}
        return json.dumps(r).encode(), {"oversized_field"}
    r["schemaType"] = draw(words.filter(lambda s: s != "ModelInvocationLog"))
    return json.dumps(r).encode(), {"unexpected_schema_type"}


@st.composite
def log_file(draw: st.DrawFn) -> tuple[str, bytes, dict[int, str], dict[int, set[str]]]:
    """(file name, bytes, good line -> requestId, bad line -> acceptable reasons). Line 1 is
    always a good record: the first lines decide the file's format."""
    n = draw(st.integers(1, 12))
    lines: list[bytes] = []
    good: dict[int, str] = {}
    bad: dict[int, set[str]] = {}
    for i in range(1, n + 1):
        rid = f"r{i:02d}-"
        if i == 1 or draw(st.booleans()):
            rec = draw(good_record(rid))
            lines.append(json.dumps(rec).encode())
            good[i] = rec["requestId"]
        else:
            line, reasons = draw(bad_record(rid))
            lines.append(line)
            bad[i] = reasons
    data = b"\n".join(lines) + b"\n"
    if draw(st.booleans()):
        z = isal_zlib.compressobj(1, isal_zlib.DEFLATED, 31)
        return "k.json.gz", z.compress(data) + z.flush(), good, bad
    return "k.json", data, good, bad


def check(loaded_ids: list[str], problems: list[tuple[int | None, str]], good, bad) -> None:
    assert sorted(loaded_ids) == sorted(good.values())
    assert [n for n, _ in problems] == sorted(bad)
    for n, reason in problems:
        assert n is not None
        assert reason in bad[n], (n, reason, bad[n])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log_file())
def test_fuzzed_records_parse_without_raising(case):
    name, data, good, bad = case
    parsed = parse_bytes(data, f"s3://b/{name}")
    assert parsed.lines == len(good) + len(bad)
    problems = [(n, r.value) for n, r, _ in parsed.problems]
    check(parsed.table["request_id"].to_pylist(), problems, good, bad)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(log_file())
def test_fuzzed_records_load_into_duckdb(tmp_path: Path, case):
    name, data, good, bad = case
    path = tmp_path / name
    path.write_bytes(data)
    con = connect(":memory:")
    try:
        migrate(con)
        result = load.run(stage_ctx(con, "r", problems=Problems()), sources=[str(path)], workers=1)
        assert result.counts["records"] == len(good)
        assert result.counts["quarantined"] == len(bad)
        ids = [r[0] for r in con.execute("SELECT request_id FROM invocations").fetchall()]
        rows = con.execute(
            "SELECT line_number, reason FROM quarantine ORDER BY line_number"
        ).fetchall()
        check(ids, rows, good, bad)
    finally:
        con.close()
