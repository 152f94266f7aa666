"""Generate realistic Bedrock invocation logs for tests and benchmarks, with control totals.

    python bench/generate_logs.py --records 100000 --out /tmp/logs [--seed 7]

Writes the real S3 key layout
``AWSLogs/<acct>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/<YYYYMMDD>T<HHMMSSmmm>Z_<16hex>.json.gz``
with 2-20 KB records (bodies inline; about 3% offloaded to ``.../data/`` objects instead), cache
tokens, geo/global profile ids and ARNs, application inference profiles, guardrail zero-token
records, error records without counts, request metadata, streamed (array) bodies; plus a
CloudWatch Logs export (``exportedlogs/<uuid>/aws-bedrock-modelinvocations/000000.gz``, ISO
line prefixes, with its ``aws-logs-write-test`` marker) that repeats about 5% of the records
unchanged, i.e. duplicates across S3 and CloudWatch.

``manifest.json`` holds the control totals an ingest must reproduce, computed here while writing
(the independent route for tests): lines written, unique requests, duplicates, and the token sums
over unique requests. Same seed, same bytes (gzip mtime 0).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ACCOUNTS = {"111122223333": ["us-east-1", "us-west-2"], "444455556666": ["eu-west-1"]}
SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
TEAMS = [
    ("search", "qa-bot"),
    ("search", "ranker"),
    ("support", "helpdesk"),
    ("data-platform", "etl-summaries"),
    (None, None),
]
WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "with",
    "was",
    "on",
    "be",
    "by",
    "this",
    "are",
    "from",
    "or",
    "an",
    "which",
    "invoice",
    "region",
    "model",
    "token",
    "cache",
    "latency",
    "bedrock",
    "request",
    "profile",
    "quarterly",
    "revenue",
    "customer",
    "ticket",
    "search",
    "ranking",
    "summary",
    "pipeline",
    "schema",
    "ägypten",
    "naïve",
    "café",
    "数据",
    "🚀",
    '"quoted"',
    "line\\nbreak",
    "tab\\t",
]


def model_for(rng: random.Random, acct: str, region: str) -> tuple[str, bool]:
    """(modelId as logged, supports requestMetadata)."""
    choice = rng.randrange(9)
    return [
        (f"us.{SONNET}", True),
        (f"global.{SONNET}", True),
        (f"arn:aws:bedrock:{region}:{acct}:inference-profile/us.{HAIKU}", True),
        (f"arn:aws:bedrock:{region}:{acct}:inference-profile/global.{SONNET}", True),
        (HAIKU, True),
        ("amazon.nova-micro-v1:0", True),
        ("amazon.nova-pro-v1:0", True),
        (f"arn:aws:bedrock:{region}:{acct}:application-inference-profile/a1b2c3d4e5f6", True),
        ("amazon.titan-embed-text-v2:0", False),
    ][choice]


def text(rng: random.Random, n_chars: int) -> str:
    out, size = [], 0
    while size < n_chars:
        w = rng.choice(WORDS)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)


def make_record(
    rng: random.Random,
    acct: str,
    region: str,
    ts: datetime,
    totals: dict[str, int],
    offload_dir: str,
) -> tuple[dict[str, object], tuple[str, bytes] | None]:
    model, converse = model_for(rng, acct, region)
    embed = model.startswith("amazon.titan-embed")
    op = (
        "InvokeModel"
        if embed
        else rng.choice(
            [
                "Converse",
                "Converse",
                "ConverseStream",
                "InvokeModel",
                "InvokeModelWithResponseStream",
            ]
        )
    )
    rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    r: dict[str, object] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": acct,
        "identity": {"arn": f"arn:aws:sts::{acct}:assumed-role/role-{rng.randrange(20)}/s"},
        "region": region,
        "requestId": rid,
        "operation": op,
        "modelId": model,
    }
    kind = rng.random()
    inp: dict[str, object] = {"inputContentType": "application/json"}
    out: dict[str, object] = {"outputContentType": "application/json"}
    offload = None
    if kind < 0.02:  # error record: no counts, sometimes no input body
        r["errorCode"] = rng.choice(["ValidationException", "ModelErrorException"])
        if rng.random() < 0.5:
            inp["inputBodyJson"] = {"messages": [{"role": "user", "content": text(rng, 500)}]}
        r["input"] = inp
        return r, None
    guard = kind < 0.04
    tin = 0 if guard else int(rng.lognormvariate(6.5, 0.8))
    tout = 0 if guard or embed else int(rng.lognormvariate(5.2, 0.7))
    cr = cw = 0
    inp["inputTokenCount"] = tin
    if not guard and not embed and rng.random() < 0.15:
        cr, cw = rng.randrange(0, 20000), rng.randrange(0, 4000)
        inp["cacheReadInputTokenCount"] = cr
        inp["cacheWriteInputTokenCount"] = cw
    prompt = text(rng, min(14000, max(1500, tin * 4)))
    if rng.random() < 0.03:
        key = f"{offload_dir}/{rid}_input.json.gz"
        inp["inputBodyS3Path"] = f"s3://acme-bedrock-logs/{key}"
        offload = (key, gzip.compress(json.dumps({"prompt": prompt}).encode(), mtime=0))
    else:
        inp["inputBodyJson"] = {"messages": [{"role": "user", "content": [{"text": prompt}]}]}
    if not embed:
        out["outputTokenCount"] = tout
        answer = text(rng, min(4000, max(200, tout * 4)))
        if op.endswith("Stream"):
            chunks: list[object] = [
                {"contentBlockDelta": {"delta": {"text": answer[i : i + 400]}}}
                for i in range(0, len(answer), 400)
            ]
            chunks.append(
                {
                    "amazon-bedrock-invocationMetrics": {
                        "inputTokenCount": tin,
                        "outputTokenCount": tout,
                    }
                }
            )
            out["outputBodyJson"] = chunks
        else:
            out["outputBodyJson"] = {
                "output": {"message": {"content": [{"text": answer}]}},
                "stopReason": "guardrail_intervened" if guard else "end_turn",
                "usage": {"inputTokens": tin, "outputTokens": tout},
            }
    r["input"], r["output"] = inp, out
    team, app = rng.choice(TEAMS)
    if converse and op.startswith("Converse") and team is not None:
        r["requestMetadata"] = {"team": team, "app": app}
    totals["input_tokens"] += tin
    totals["output_tokens"] += tout
    totals["cache_read_input_tokens"] += cr
    totals["cache_write_input_tokens"] += cw
    return r, offload


def generate(records: int, out: Path, seed: int = 7, per_file: int = 200) -> dict[str, object]:
    rng = random.Random(seed)
    totals = {
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_write_input_tokens": 0,
    }
    start = datetime(2025, 11, 3, tzinfo=UTC)
    pairs = [(a, r) for a, regions in ACCOUNTS.items() for r in regions]
    exported: list[bytes] = []
    files = offloads = written = 0
    n = 0
    while n < records:
        acct, region = pairs[files % len(pairs)]
        hour = start + timedelta(hours=files // len(pairs) % 48)
        prefix = f"AWSLogs/{acct}/BedrockModelInvocationLogs/{region}/{hour:%Y/%m/%d/%H}"
        count = min(per_file, records - n)
        lines = []
        for _ in range(count):
            ts = hour + timedelta(seconds=rng.randrange(3600))
            rec, offload = make_record(rng, acct, region, ts, totals, f"{prefix}/data")
            line = json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode()
            lines.append(line)
            if offload is not None:
                path = out / offload[0]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(offload[1])
                offloads += 1
            if acct == "111122223333" and region == "us-east-1" and rng.random() < 0.05:
                exported.append(
                    f"{ts:%Y-%m-%dT%H:%M:%S}.{rng.randrange(1000):03d}Z ".encode() + line
                )
        stamp = hour + timedelta(minutes=59, seconds=59, milliseconds=files % 1000)
        name = f"{stamp:%Y%m%dT%H%M%S}{stamp.microsecond // 1000:03d}Z_{rng.getrandbits(64):016x}"
        path = out / prefix / f"{name}.json.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n", compresslevel=6, mtime=0))
        files += 1
        written += count
        n += count
    export_dir = out / "exportedlogs" / str(uuid.UUID(int=rng.getrandbits(128), version=4))
    (export_dir / "aws-bedrock-modelinvocations").mkdir(parents=True, exist_ok=True)
    (export_dir / "aws-bedrock-modelinvocations" / "000000.gz").write_bytes(
        gzip.compress(b"\n".join(exported) + b"\n", compresslevel=6, mtime=0)
    )
    (out / "exportedlogs" / "aws-logs-write-test").write_bytes(b"Permission Check Successful")
    manifest = {
        "seed": seed,
        "lines_written": written + len(exported),
        "unique_requests": written,
        "duplicates": len(exported),
        "s3_files": files,
        "export_files": 1,
        "offloaded_bodies": offloads,
        **totals,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-file", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(generate(args.records, args.out, args.seed, args.per_file), indent=2))


if __name__ == "__main__":
    main()
