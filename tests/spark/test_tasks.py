"""What Spark tasks run, without Spark: reading S3 keys (moto in-process) into parse rows."""

from __future__ import annotations

import gzip
import json

import boto3
import pyarrow as pa

from reconciler.ingest.limits import DEFAULT_LIMITS
from reconciler.spark.tasks import OBJECTS, PARSED, parse_objects

GOOD = {
    "schemaType": "ModelInvocationLog",
    "timestamp": "2025-11-03T10:05:00Z",
    "accountId": "111122223333",
    "region": "us-east-1",
    "requestId": "r1",
    "modelId": "amazon.nova-micro-v1:0",
    "input": {"inputTokenCount": 12},
    "output": {"outputTokenCount": 3},
}


def _objects(rows: list[dict[str, object]]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist(rows, schema=OBJECTS)


def test_s3_keys_are_fetched_and_parsed_in_the_task(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="acme-logs")
    body = gzip.compress(f"{json.dumps(GOOD)}\n[1, 2]\n".encode())
    s3.put_object(Bucket="acme-logs", Key="AWSLogs/a.json.gz", Body=body)
    etag = s3.head_object(Bucket="acme-logs", Key="AWSLogs/a.json.gz")["ETag"].strip('"')
    listed = [
        {
            "file_ord": 0,
            "source_uri": "s3://acme-logs/AWSLogs/a.json.gz",
            "fingerprint": etag,
            "size_bytes": len(body),
            "path": None,
            "bucket": "acme-logs",
            "key": "AWSLogs/a.json.gz",
        },
        {
            "file_ord": 1,
            "source_uri": "s3://acme-logs/AWSLogs/gone.json.gz",
            "fingerprint": "x",
            "size_bytes": 10,
            "path": None,
            "bucket": "acme-logs",
            "key": "AWSLogs/gone.json.gz",
        },
    ]
    out = pa.Table.from_batches(list(parse_objects(iter([_objects(listed)]), DEFAULT_LIMITS)))
    assert out.schema == PARSED
    rows = out.to_pylist()
    records = [r for r in rows if r["kind"] == "record"]
    assert [(r["request_id"], r["line_number"], r["input_tokens"]) for r in records] == [
        ("r1", 1, 12)
    ]
    problems = [
        (r["file_ord"], r["line_number"], r["reason"]) for r in rows if r["kind"] == "problem"
    ]
    assert problems == [(0, 2, "unknown_shape"), (1, None, "unreadable_file")]
    files = {
        r["file_ord"]: (r["fingerprint"], r["ledger"], r["problems"])
        for r in rows
        if r["kind"] == "file"
    }
    # the vanished object is not put in the ledger: read again next time, as the local ingest does
    assert files == {0: (etag, True, 1), 1: ("x", False, 1)}
