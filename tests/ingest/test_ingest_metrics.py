"""`ingest metrics`: CloudWatch AWS/Bedrock hourly Sums into bedrock_metrics_hourly.

moto provides CloudWatch (put_metric_data, list_metrics, get_metric_data); botocore's Stubber
plays the parts moto does not (NextToken pages, PartialData/Forbidden statuses). Expected sums
are the literal values put in, added up by hand in each test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from reconciler.core.errors import ConfigError, SourceError, SourceUnavailable
from reconciler.ingest import metrics
from reconciler.ingest.metrics import (
    METRICS,
    hour_window,
    parse_model_series,
    parse_time,
    series_for_model_ids,
)
from tests.support.stage import per_region, stage_ctx

NOVA = "amazon.nova-micro-v1:0"
HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
T0 = datetime(2025, 11, 3, 13, 0, tzinfo=UTC)
NOW = datetime(2025, 11, 4, tzinfo=UTC)


@pytest.fixture
def aws(monkeypatch):
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


def put(region: str, model: str, metric: str, when: datetime, value: float) -> None:
    boto3.client("cloudwatch", region_name=region).put_metric_data(
        Namespace="AWS/Bedrock",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "ModelId", "Value": model}],
                "Timestamp": when,
                "Value": value,
                "Unit": "Count",
            }
        ],
    )


def table(con):
    return con.execute(
        "SELECT hour, region, model_id, tier, metric, value FROM bedrock_metrics_hourly "
        "ORDER BY hour, region, model_id, tier, metric"
    ).fetchall()


def h(hour: int) -> datetime:
    """Naive UTC, as DuckDB TIMESTAMP columns come back."""
    return datetime(2025, 11, 3, hour, tzinfo=UTC).replace(tzinfo=None)


# --- pure helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (NOVA, (NOVA, "standard")),
        (f"{NOVA}+priority", (NOVA, "priority")),
        (f"{NOVA}+flex", (NOVA, "flex")),
        (f"{NOVA}+Reserved", (NOVA, "reserved")),
        ("odd+", ("odd+", "standard")),
        ("+flex", ("+flex", "standard")),
    ],
)
def test_parse_model_series(value, expected):
    assert parse_model_series(value) == expected


def test_hour_window_widens_to_whole_hours():
    s, e = hour_window(
        datetime(2025, 11, 3, 13, 20, tzinfo=UTC), datetime(2025, 11, 3, 15, 0, 1, tzinfo=UTC)
    )
    assert (s, e) == (
        datetime(2025, 11, 3, 13, tzinfo=UTC),
        datetime(2025, 11, 3, 16, tzinfo=UTC),
    )
    assert hour_window(T0, T0 + timedelta(hours=2))[1] == datetime(2025, 11, 3, 15, tzinfo=UTC)
    with pytest.raises(ConfigError, match="must be after --start"):
        hour_window(T0, T0)


def test_parse_time_forms():
    assert parse_time("2025-11-03") == datetime(2025, 11, 3, tzinfo=UTC)
    assert parse_time("2025-11-03T14:00") == datetime(2025, 11, 3, 14, tzinfo=UTC)
    assert parse_time("2025-11-03T14:00Z") == datetime(2025, 11, 3, 14, tzinfo=UTC)
    assert parse_time("2025-11-03T16:00+02:00") == datetime(2025, 11, 3, 14, tzinfo=UTC)
    with pytest.raises(ConfigError, match=r"--end 'yesterday' is not an ISO date"):
        parse_time("yesterday", "--end")


def test_series_for_named_models_include_tier_series():
    pairs = series_for_model_ids([NOVA, f"{HAIKU}+flex"])
    values = sorted({v for v, _ in pairs})
    assert values == sorted([NOVA, f"{NOVA}+priority", f"{NOVA}+flex", f"{HAIKU}+flex"])
    assert len(pairs) == 4 * 6


# --- moto -------------------------------------------------------------------------------------


def seed_two_hours():
    # hour 13: two puts for input (summed by CloudWatch), hour 14: one.
    put("us-east-1", NOVA, "InputTokenCount", T0 + timedelta(minutes=5), 1000)
    put("us-east-1", NOVA, "InputTokenCount", T0 + timedelta(minutes=40), 234)
    put("us-east-1", NOVA, "InputTokenCount", T0 + timedelta(hours=1, minutes=1), 50)
    put("us-east-1", NOVA, "OutputTokenCount", T0 + timedelta(minutes=5), 300)
    put("us-east-1", NOVA, "Invocations", T0 + timedelta(minutes=5), 2)
    put("us-east-1", f"{NOVA}+priority", "InputTokenCount", T0 + timedelta(minutes=7), 77)
    put("us-east-1", HAIKU, "CacheReadInputTokenCount", T0 + timedelta(minutes=9), 18240)
    put("us-east-1", HAIKU, "CacheWriteInputTokenCount", T0 + timedelta(minutes=9), 31814)
    # Another Region, and a series with an extra dimension that must not be picked up.
    put("eu-west-1", NOVA, "OutputTokenCount", T0 + timedelta(minutes=30), 9)
    boto3.client("cloudwatch", region_name="us-east-1").put_metric_data(
        Namespace="AWS/Bedrock",
        MetricData=[
            {
                "MetricName": "InputTokenCount",
                "Dimensions": [
                    {"Name": "ModelId", "Value": NOVA},
                    {"Name": "Other", "Value": "x"},
                ],
                "Timestamp": T0,
                "Value": 999999,
            }
        ],
    )
    # Outside the window: not stored.
    put("us-east-1", NOVA, "InputTokenCount", T0 + timedelta(hours=3), 5)


EXPECTED = [
    (h(13), "eu-west-1", NOVA, "standard", "OutputTokenCount", 9),
    (h(13), "us-east-1", NOVA, "priority", "InputTokenCount", 77),
    (h(13), "us-east-1", NOVA, "standard", "InputTokenCount", 1000 + 234),
    (h(13), "us-east-1", NOVA, "standard", "Invocations", 2),
    (h(13), "us-east-1", NOVA, "standard", "OutputTokenCount", 300),
    (h(13), "us-east-1", HAIKU, "standard", "CacheReadInputTokenCount", 18240),
    (h(13), "us-east-1", HAIKU, "standard", "CacheWriteInputTokenCount", 31814),
    (h(14), "us-east-1", NOVA, "standard", "InputTokenCount", 50),
]


def test_ingest_with_moto_stores_hourly_sums_per_series(aws, con):
    seed_two_hours()
    stage = metrics.run(
        stage_ctx(con, "run-1"),
        since=T0,
        until=T0 + timedelta(hours=2),
        regions=["us-east-1", "eu-west-1"],
        now=NOW,
    )
    assert table(con) == sorted(EXPECTED, key=lambda r: (r[0], r[1], r[2], r[3], r[4]))
    assert stage.rows_out == 8
    assert stage.findings == 0
    assert stage.counts["regions"] == 2
    # us-east-1: nova(4 metrics... as listed) + nova+priority(1) + haiku(2) ; eu-west-1: 1
    assert stage.counts["series"] == 3 + 1 + 2 + 1
    account = con.execute("SELECT DISTINCT account_id FROM bedrock_metrics_hourly").fetchall()
    assert account == [("123456789012",)]  # moto's default account, via STS
    windows = con.execute(
        "SELECT region, window_start, window_end, series, incomplete_series "
        "FROM bedrock_metrics_windows ORDER BY region"
    ).fetchall()
    assert windows == [
        ("eu-west-1", h(13), h(15), 1, 0),
        ("us-east-1", h(13), h(15), 6, 0),
    ]


def test_reingest_replaces_the_window_and_never_double_counts(aws, con):
    seed_two_hours()
    kw = {"since": T0, "until": T0 + timedelta(hours=2), "regions": ["us-east-1"], "now": NOW}
    metrics.run(stage_ctx(con, "run-1"), **kw)
    metrics.run(stage_ctx(con, "run-2"), **kw)
    total = con.execute(
        "SELECT sum(value) FROM bedrock_metrics_hourly WHERE metric = 'InputTokenCount' "
        "AND tier = 'standard' AND model_id = $m",
        {"m": NOVA},
    ).fetchall()[0][0]
    assert total == 1000 + 234 + 50
    # late data arrives for hour 14: the next pull replaces, not adds
    put("us-east-1", NOVA, "InputTokenCount", T0 + timedelta(hours=1, minutes=30), 25)
    metrics.run(stage_ctx(con, "run-3"), **kw)
    rows = con.execute(
        "SELECT hour, value, run_id FROM bedrock_metrics_hourly WHERE metric = 'InputTokenCount' "
        "AND tier = 'standard' AND model_id = $m ORDER BY hour",
        {"m": NOVA},
    ).fetchall()
    assert rows == [(h(13), 1234, "run-3"), (h(14), 50 + 25, "run-3")]


def test_named_models_skip_discovery(aws, con):
    seed_two_hours()
    stage = metrics.run(
        stage_ctx(con, "run-1"),
        since=T0,
        until=T0 + timedelta(hours=2),
        regions=["us-east-1"],
        model_ids=[NOVA],
        account_id="111122223333",
    )
    got = con.execute(
        "SELECT account_id, tier, metric, sum(value) FROM bedrock_metrics_hourly "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert got == [
        ("111122223333", "priority", "InputTokenCount", 77),
        ("111122223333", "standard", "InputTokenCount", 1284),
        ("111122223333", "standard", "Invocations", 2),
        ("111122223333", "standard", "OutputTokenCount", 300),
    ]
    assert stage.counts["series"] == 3 * len(METRICS)


def test_more_than_500_queries_are_split_across_calls(aws, con):
    # 84 models x 6 metrics listed = 504 series -> 2 GetMetricData calls of <= 500 queries.
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    for i in range(84):
        cw.put_metric_data(
            Namespace="AWS/Bedrock",
            MetricData=[
                {
                    "MetricName": m,
                    "Dimensions": [{"Name": "ModelId", "Value": f"vendor.model-{i:03d}"}],
                    "Timestamp": T0,
                    "Value": i + 1,
                }
                for m in METRICS
            ],
        )
    sizes: list[int] = []

    def count(params, **_):
        sizes.append(len(params["MetricDataQueries"]))

    cw.meta.events.register("provide-client-params.cloudwatch.GetMetricData", count)
    stage = metrics.run(
        stage_ctx(con, "run-1", aws=per_region(lambda region: cw)),
        since=T0,
        until=T0 + timedelta(hours=1),
        regions=["us-east-1"],
        account_id="111122223333",
        now=NOW,
    )
    assert sizes == [500, 4]
    assert stage.counts["get_metric_data_calls"] == 2
    assert stage.rows_out == 504
    # sum over models of (i+1) per metric = 84*85/2 = 3570
    got = con.execute(
        "SELECT metric, sum(value) FROM bedrock_metrics_hourly GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert got == sorted((m, 3570) for m in METRICS)


# --- Stubber: pagination and statuses ----------------------------------------------------------


def stubbed():
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    return cw, Stubber(cw)


def list_page(stub, metric, values, next_token=None):
    resp = {
        "Metrics": [
            {
                "Namespace": "AWS/Bedrock",
                "MetricName": metric,
                "Dimensions": [{"Name": "ModelId", "Value": v}],
            }
            for v in values
        ]
    }
    if next_token:
        resp["NextToken"] = next_token
    stub.add_response("list_metrics", resp)


def test_next_token_pages_partial_data_and_forbidden(monkeypatch, con):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    cw, stub = stubbed()
    # discovery: InputTokenCount lists NOVA over two pages (NOVA, then NOVA+flex), Output NOVA.
    list_page(stub, "InputTokenCount", [NOVA], next_token="p2")
    list_page(stub, "InputTokenCount", [f"{NOVA}+flex"])
    list_page(stub, "OutputTokenCount", [NOVA])
    for m in METRICS[2:]:
        list_page(stub, m, [])
    # sorted pairs: (NOVA, Input)=q0, (NOVA, Output)=q1, (NOVA+flex, Input)=q2
    t13, t14 = h(13).replace(tzinfo=UTC), h(14).replace(tzinfo=UTC)
    stub.add_response(
        "get_metric_data",
        {
            "MetricDataResults": [
                # newest first, as CloudWatch returns them
                {"Id": "q0", "Timestamps": [t14], "Values": [10.0], "StatusCode": "PartialData"},
                {
                    "Id": "q1",
                    "Timestamps": [],
                    "Values": [],
                    "StatusCode": "Forbidden",
                    "Messages": [{"Code": "Forbidden", "Value": "no access"}],
                },
                {
                    "Id": "q2",
                    "Timestamps": [t14, t13],
                    "Values": [3.0, 4.0],
                    "StatusCode": "Complete",
                },
            ],
            "NextToken": "page-2",
        },
    )
    stub.add_response(
        "get_metric_data",
        {
            "MetricDataResults": [
                {"Id": "q0", "Timestamps": [t13], "Values": [20.0], "StatusCode": "Complete"},
                {"Id": "q1", "Timestamps": [], "Values": [], "StatusCode": "Complete"},
            ]
        },
        expected_params={
            "MetricDataQueries": stub_any(),
            "StartTime": stub_any(),
            "EndTime": stub_any(),
            "NextToken": "page-2",
        },
    )
    # an earlier run stored Output for hour 13: Forbidden now must keep it
    con.execute(
        "INSERT INTO bedrock_metrics_hourly VALUES "
        "($h, '111122223333', 'us-east-1', $m, 'standard', 'OutputTokenCount', 300, 'old')",
        {"h": h(13), "m": NOVA},
    )
    with stub:
        stage = metrics.run(
            stage_ctx(con, "run-1", aws=per_region(lambda region: cw)),
            since=T0,
            until=T0 + timedelta(hours=2),
            regions=["us-east-1"],
            account_id="111122223333",
            now=NOW,
        )
        stub.assert_no_pending_responses()
    assert table(con) == [
        (h(13), "us-east-1", NOVA, "flex", "InputTokenCount", 4),
        (h(13), "us-east-1", NOVA, "standard", "InputTokenCount", 20),
        (h(13), "us-east-1", NOVA, "standard", "OutputTokenCount", 300),  # kept
        (h(14), "us-east-1", NOVA, "flex", "InputTokenCount", 3),
        (h(14), "us-east-1", NOVA, "standard", "InputTokenCount", 10),
    ]
    assert stage.findings == 1
    assert stage.counts["incomplete_series"] == 1
    assert con.execute("SELECT incomplete_series FROM bedrock_metrics_windows").fetchall() == [(1,)]


def stub_any():
    from botocore.stub import ANY

    return ANY


def test_throttling_is_transient_and_access_denied_is_not(monkeypatch, con):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    cw, stub = stubbed()
    stub.add_client_error("get_metric_data", "Throttling", "Rate exceeded", 400)
    stub.add_client_error("get_metric_data", "AccessDenied", "not allowed", 403)
    kw = {
        "since": T0,
        "until": T0 + timedelta(hours=1),
        "regions": ["us-east-1"],
        "model_ids": [NOVA],
        "account_id": "111122223333",
    }
    with stub:
        with pytest.raises(SourceUnavailable) as exc:
            metrics.run(stage_ctx(con, "run-1", client=cw), **kw)
        assert str(exc.value) == (
            "cloudwatch:GetMetricData in us-east-1 failed: Throttling: Rate exceeded; retry later"
        )
        with pytest.raises(SourceError) as exc2:
            metrics.run(stage_ctx(con, "run-2", client=cw), **kw)
        assert not isinstance(exc2.value, SourceUnavailable)
    assert table(con) == []
