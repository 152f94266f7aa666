"""Generate realistic Bedrock invocation logs for tests and benchmarks, with control totals.

    python bench/generate_logs.py --records 1000000 --out /tmp/logs [--seed 7] [--workers 2]

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
over unique requests. Same seed, same bytes (gzip mtime 0), whatever ``--workers`` is: every
file draws from its own random stream seeded by (seed, file index), and the CloudWatch export is
the gzip members of the files' exported lines concatenated in file order.

Speed (why it looks the way it does): bodies are slices of a 2 MB pool of pseudo-text (a Zipf-like
vocabulary with escapes, non-ASCII and emoji) cut on spaces, instead of word-by-word random
choices, and files are written by a process pool. It writes about 6 KB per record on average
(p10 about 2.5 KB, p99 about 17 KB), so 1 M records are about 6 GB uncompressed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import random
import uuid
from collections.abc import Iterator
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


_POOL_CHARS = 2_000_000
_pool: str | None = None


def pool() -> str:
    """The pseudo-text every body is cut from: fixed (seed 0), built once per process."""
    global _pool
    if _pool is None:
        rng = random.Random(0)
        syllables = ["ka", "lo", "mi", "ter", "an", "ex", "qu", "is", "zo", "ré", "un", "pr", "st"]
        extra = ["".join(rng.choices(syllables, k=rng.randrange(2, 6))) for _ in range(4000)]
        vocab = WORDS + extra
        weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(vocab))]  # Zipf-like
        words = rng.choices(vocab, weights=weights, k=_POOL_CHARS // 6)
        _pool = " ".join(words)
    return _pool


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
    """About ``n_chars`` of pseudo-text: a slice of the pool cut on spaces (escapes never split)."""
    p = pool()
    start = p.find(" ", rng.randrange(len(p) - n_chars - 64)) + 1
    end = p.find(" ", start + n_chars)
    return p[start:end]


def make_record(
    rng: random.Random,
    acct: str,
    region: str,
    ts: datetime,
    totals: dict[str, int],
    offload_dir: str,
    offload_rate: float = 0.03,
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
    tin = 0 if guard else int(rng.lognormvariate(6.8, 0.8))
    tout = 0 if guard or embed else int(rng.lognormvariate(5.3, 0.7))
    cr = cw = 0
    inp["inputTokenCount"] = tin
    if not guard and not embed and rng.random() < 0.15:
        cr, cw = rng.randrange(0, 20000), rng.randrange(0, 4000)
        inp["cacheReadInputTokenCount"] = cr
        inp["cacheWriteInputTokenCount"] = cw
    prompt = text(rng, min(14000, max(1500, tin * 4)))
    if rng.random() < offload_rate:
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


_TOTALS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens")
_START = datetime(2025, 11, 3, tzinfo=UTC)
_PAIRS = [(a, r) for a, regions in ACCOUNTS.items() for r in regions]


def write_file(
    job: tuple[Path, int, int, int, int, float],
) -> tuple[dict[str, int], bytes, int, int]:
    """Write S3 file number ``index`` of ``count`` records; its own random stream (seed, index).

    Returns (token totals, gzip member of its CloudWatch-exported lines or b"", offloads,
    uncompressed bytes).
    """
    out, seed, index, count, level, offload_rate = job
    rng = random.Random(f"{seed}:{index}")
    totals = dict.fromkeys(_TOTALS, 0)
    acct, region = _PAIRS[index % len(_PAIRS)]
    hour = _START + timedelta(hours=index // len(_PAIRS) % 48)
    prefix = f"AWSLogs/{acct}/BedrockModelInvocationLogs/{region}/{hour:%Y/%m/%d/%H}"
    lines, exported = [], []
    offloads = 0
    for _ in range(count):
        ts = hour + timedelta(seconds=rng.randrange(3600))
        rec, offload = make_record(rng, acct, region, ts, totals, f"{prefix}/data", offload_rate)
        line = json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode()
        lines.append(line)
        if offload is not None:
            path = out / offload[0]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(offload[1])
            offloads += 1
        if acct == "111122223333" and region == "us-east-1" and rng.random() < 0.05:
            exported.append(f"{ts:%Y-%m-%dT%H:%M:%S}.{rng.randrange(1000):03d}Z ".encode() + line)
    stamp = hour + timedelta(minutes=59, seconds=59, milliseconds=index % 1000)
    name = f"{stamp:%Y%m%dT%H%M%S}{stamp.microsecond // 1000:03d}Z_{rng.getrandbits(64):016x}"
    path = out / prefix / f"{name}.json.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = b"\n".join(lines) + b"\n"
    path.write_bytes(gzip.compress(raw, compresslevel=level, mtime=0))
    member = gzip.compress(b"\n".join(exported) + b"\n", compresslevel=level, mtime=0)
    totals["exported"] = len(exported)
    return totals, member if exported else b"", offloads, len(raw)


def _jobs(
    records: int, out: Path, seed: int, per_file: int, level: int, offload_rate: float
) -> Iterator[tuple[Path, int, int, int, int, float]]:
    for index, first in enumerate(range(0, records, per_file)):
        yield out, seed, index, min(per_file, records - first), level, offload_rate


def generate(
    records: int,
    out: Path,
    seed: int = 7,
    per_file: int = 200,
    *,
    workers: int = 1,
    level: int = 6,
    offload_rate: float = 0.03,
) -> dict[str, object]:
    """Write ``records`` records (plus the export's duplicates) under ``out``; return the manifest.

    ``workers > 1`` writes files in that many processes; the bytes are the same either way.
    """
    out = Path(out)
    totals = dict.fromkeys(_TOTALS, 0)
    members: list[bytes] = []
    files = offloads = exported = uncompressed = 0
    jobs = _jobs(records, out, seed, per_file, level, offload_rate)
    if workers > 1:
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(workers) as procs:
            results = list(procs.imap(write_file, jobs, chunksize=4))
    else:
        results = [write_file(job) for job in jobs]
    for part, member, n_off, n_bytes in results:
        for k in _TOTALS:
            totals[k] += part[k]
        exported += part["exported"]
        if member:
            members.append(member)
        offloads += n_off
        uncompressed += n_bytes
        files += 1
    rng = random.Random(f"{seed}:export")
    export_dir = out / "exportedlogs" / str(uuid.UUID(int=rng.getrandbits(128), version=4))
    (export_dir / "aws-bedrock-modelinvocations").mkdir(parents=True, exist_ok=True)
    (export_dir / "aws-bedrock-modelinvocations" / "000000.gz").write_bytes(
        b"".join(members) or gzip.compress(b"", mtime=0)
    )
    (out / "exportedlogs" / "aws-logs-write-test").write_bytes(b"Permission Check Successful")
    manifest = {
        "seed": seed,
        "lines_written": records + exported,
        "unique_requests": records,
        "duplicates": exported,
        "s3_files": files,
        "export_files": 1,
        "offloaded_bodies": offloads,
        "s3_uncompressed_bytes": uncompressed,
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
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--level", type=int, default=6, help="gzip level (AWS-like: 6)")
    parser.add_argument("--offload-rate", type=float, default=0.03)
    args = parser.parse_args()
    manifest = generate(
        args.records,
        args.out,
        args.seed,
        args.per_file,
        workers=args.workers,
        level=args.level,
        offload_rate=args.offload_rate,
    )
    print(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
