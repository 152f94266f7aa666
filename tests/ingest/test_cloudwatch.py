"""CloudWatch Logs: FilterLogEvents pulls and export-to-S3 files, with moto."""

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from reconciler.core.errors import ConfigError, SourceError
from reconciler.core.quarantine import Problems
from reconciler.ingest import cloudwatch, load
from reconciler.ingest.cloudwatch import day_windows, parse_time
from tests.support.stage import stage_ctx

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
GROUP = "/aws/bedrock/modelinvocations"
STREAM = "aws/bedrock/modelinvocations"


def naive(*args):
    return datetime(*args, tzinfo=UTC).replace(tzinfo=None)


def fixture_lines():
    """The 4 records of the us-east-1 11-03 S3 file (s1 412/356, s2 1200/480, s3 2000/150,
    s4 7311/0), as CloudWatch would carry them."""
    f = next(FIXTURES.rglob("20251103T140726512Z_*.json.gz"))
    return [json.loads(x) for x in gzip.decompress(f.read_bytes()).splitlines()]


# CloudWatch (and moto) reject events older than 14 days, so events are put "yesterday" (UTC);
# the records inside keep their own 2025-11 timestamps, which is what gets stored.
YESTERDAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
YESTERDAY -= timedelta(days=1)
TODAY = YESTERDAY + timedelta(days=1)


def ms(moment):
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def put(client, stream, messages, t0_ms=None):
    t0_ms = ms(YESTERDAY + timedelta(hours=14)) if t0_ms is None else t0_ms
    client.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    client.put_log_events(
        logGroupName=GROUP,
        logStreamName=stream,
        logEvents=[{"timestamp": t0_ms + i * 1000, "message": m} for i, m in enumerate(messages)],
    )


def test_parse_time_and_day_windows():
    assert parse_time("2025-11-03") == naive(2025, 11, 3)
    assert parse_time("2025-11-03", end=True) == naive(2025, 11, 4)
    assert parse_time("2025-11-03T16:00:00+02:00") == naive(2025, 11, 3, 14)
    assert day_windows(naive(2025, 11, 3, 12), naive(2025, 11, 5)) == [
        (naive(2025, 11, 3, 12), naive(2025, 11, 4)),
        (naive(2025, 11, 4), naive(2025, 11, 5)),
    ]
    with pytest.raises(ConfigError, match="bad time"):
        parse_time("yesterday")
    with pytest.raises(ConfigError, match="must be after"):
        day_windows(naive(2025, 11, 4), naive(2025, 11, 3))


def test_filter_log_events_pull_dedupes_against_s3_and_numbers_events(aws, con):
    s1, s2, _s3, _s4 = fixture_lines()
    client = boto3.client("logs", region_name="us-east-1")
    client.create_log_group(logGroupName=GROUP)
    s2_disagrees = json.loads(json.dumps(s2))
    s2_disagrees["output"]["outputTokenCount"] = 481
    new = dict(s1, requestId="cw-only-1")
    new["input"] = {"inputTokenCount": 300}
    new["output"] = {"outputTokenCount": 90}
    messages = [json.dumps(s1), json.dumps(s2_disagrees), "garbage", json.dumps(new)]
    put(client, STREAM, messages)  # 2025-11-03T14:07:22Z + i seconds
    # the S3 file first: 4 records
    load.run(
        stage_ctx(con, "r0", problems=Problems()),
        sources=[str(next(FIXTURES.rglob("20251103T140726512Z_*.json.gz")))],
        workers=1,
    )
    r = cloudwatch.run(
        stage_ctx(con, "r1", problems=Problems(), client=client),
        log_group=GROUP,
        since=YESTERDAY,
        until=TODAY,
    )
    assert r.counts == {
        "windows": 1,
        "skipped_already_loaded": 0,
        "events": 4,
        "records": 1,
        "duplicates": 2,
        "conflicts": 1,
        "quarantined": 1,
        "model_ids_resolved": 0,  # the S3 ingest above resolved the one model id already
        "model_ids_pending": 0,
    }
    assert r.problems_by_reason == {"not_json": 1}
    assert con.execute(
        "SELECT source_uri, line_number, input_tokens, output_tokens FROM invocations "
        "WHERE request_id = 'cw-only-1'"
    ).fetchall() == [(f"cloudwatch://{GROUP}/{STREAM}", 4, 300, 90)]
    assert con.execute("SELECT source_uri, line_number, reason FROM quarantine").fetchall() == [
        (f"cloudwatch://{GROUP}/{STREAM}", 3, "not_json")
    ]
    assert con.execute("SELECT detail FROM duplicate_conflicts").fetchall() == [
        ("output_tokens 480 != 481",)
    ]
    assert con.execute(
        "SELECT source_uri, fingerprint, kind, records, duplicates, quarantined "
        "FROM source_objects WHERE kind = 'cloudwatch_api'"
    ).fetchall() == [
        (
            f"cloudwatch://{GROUP}",
            f"{YESTERDAY:%Y-%m-%d}T00:00:00Z/{TODAY:%Y-%m-%d}T00:00:00Z",
            "cloudwatch_api",
            1,
            2,
            1,
        )
    ]
    again = cloudwatch.run(
        stage_ctx(con, "r2", problems=Problems(), client=client),
        log_group=GROUP,
        since=YESTERDAY,
        until=TODAY,
    )
    assert again.counts["skipped_already_loaded"] == 1
    assert again.counts["events"] == 0
    assert con.execute("SELECT count(*) FROM invocations").fetchone() == (5,)


def test_pagination_over_many_events_and_window_edges(aws, con):
    client = boto3.client("logs", region_name="us-east-1")
    client.create_log_group(logGroupName=GROUP)
    base = fixture_lines()[0]
    # 1,200 events in one stream from 23:40:00 yesterday, one a second: 1,200 s = 20 min, so
    # the last, at 23:59:59, is event 1,200 and all of them fall in yesterday's window.
    t0 = ms(YESTERDAY + timedelta(hours=23, minutes=40))
    msgs = [json.dumps(dict(base, requestId=f"p{i}")) for i in range(1200)]
    put(client, STREAM, msgs, t0_ms=t0)
    put(
        client,
        "other",
        [json.dumps(dict(base, requestId="next-day"))],
        t0_ms=ms(TODAY),
    )
    r = cloudwatch.run(
        stage_ctx(con, "r1", problems=Problems(), client=client),
        log_group=GROUP,
        since=YESTERDAY,
        until=TODAY,
        page_size=100,
    )
    assert r.counts["events"] == 1200  # 12 pages; the event at midnight is the next window's
    assert r.counts["records"] == 1200
    assert con.execute("SELECT min(line_number), max(line_number) FROM invocations").fetchone() == (
        1,
        1200,
    )
    r2 = cloudwatch.run(
        stage_ctx(con, "r2", problems=Problems(), client=client),
        log_group=GROUP,
        since=YESTERDAY,
        until=TODAY + timedelta(days=1),
    )
    assert (r2.counts["windows"], r2.counts["skipped_already_loaded"]) == (1, 1)
    assert r2.counts["records"] == 1


def test_missing_log_group_is_a_source_error(aws, con):
    client = boto3.client("logs", region_name="us-east-1")
    with pytest.raises(SourceError, match="not found"):
        cloudwatch.run(
            stage_ctx(con, "r1", problems=Problems(), client=client),
            log_group="/nope",
            since=YESTERDAY,
            until=TODAY,
        )


def test_export_task_output_is_ingested_from_s3(aws, con):
    s1, s2, s3, _s4 = fixture_lines()
    logs = boto3.client("logs", region_name="us-east-1")
    s3c = boto3.client("s3", region_name="us-east-1")
    s3c.create_bucket(Bucket="acme-cw-exports")
    logs.create_log_group(logGroupName=GROUP)
    put(logs, STREAM, [json.dumps(s1), json.dumps(s2), json.dumps(s3)])
    logs.create_export_task(
        logGroupName=GROUP,
        fromTime=ms(YESTERDAY),
        to=ms(TODAY),
        destination="acme-cw-exports",
        destinationPrefix="exportedlogs",
    )
    # moto's key layout and local-time line prefixes differ from AWS: assert neither
    r = load.run(
        stage_ctx(con, "r1", problems=Problems(), client=s3c), sources=["s3://acme-cw-exports/"]
    )
    assert r.counts["records"] == 3
    assert r.counts["skipped_markers"] >= 1  # aws-logs-write-test
    assert con.execute(
        "SELECT sum(input_tokens), sum(output_tokens), sum(cache_read_input_tokens) "
        "FROM invocations"
    ).fetchone() == (412 + 1200 + 2000, 356 + 480 + 150, 18240)
    assert con.execute("SELECT DISTINCT kind FROM source_objects").fetchall() == [
        ("cloudwatch_export",)
    ]
