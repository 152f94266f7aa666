"""Poison inputs (issue 15): each bad object is quarantined with its reason, the rest still loads,
no exit 70, and memory stays under 1 GiB whatever a file expands to.

Every expected figure is written out by hand from the inputs built here. The memory tests run the
real CLI in a subprocess and sample the resident memory of its whole process tree.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

import duckdb
import psutil
import pytest
from isal import isal_zlib

from reconciler.cli import main

GIB = 1 << 30


def record(request_id: str, tokens: int = 100, **over: object) -> dict[str, object]:
    r: dict[str, object] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2025-11-03T10:00:00Z",
        "accountId": "111122223333",
        "region": "us-east-1",
        "requestId": request_id,
        "operation": "Converse",
        "modelId": "amazon.nova-micro-v1:0",
        "input": {"inputTokenCount": tokens},
        "output": {"outputTokenCount": 10},
        "requestMetadata": {"team": "search"},
    }
    r.update(over)
    return r


def line(r: dict[str, object] | bytes) -> bytes:
    return (r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n"


def gz(data: bytes) -> bytes:
    z = isal_zlib.compressobj(1, isal_zlib.DEFLATED, 31)
    return z.compress(data) + z.flush()


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def loaded(db: str) -> list[tuple[object, ...]]:
    with duckdb.connect(db, read_only=True) as c:
        return c.execute(
            "SELECT request_id, input_tokens FROM invocations ORDER BY request_id"
        ).fetchall()


def quarantined(db: str) -> list[tuple[object, ...]]:
    with duckdb.connect(db, read_only=True) as c:
        return c.execute(
            "SELECT regexp_extract(source_uri, '[^/]+$'), line_number, reason FROM quarantine "
            "ORDER BY ALL"
        ).fetchall()


def cli_with_peak_rss(args: list[str], cwd: Path) -> tuple[int, int, int, str]:
    """Run ``reconciler ARGS`` in a subprocess; (exit code, peak RSS of its largest process,
    peak RSS summed over its process tree, stderr), sampled every 5 ms."""
    err_path = cwd / "stderr.txt"
    with err_path.open("wb") as err:
        proc = psutil.Popen(
            [sys.executable, "-m", "reconciler", *args], cwd=cwd, stdout=err, stderr=err
        )
        largest = tree = 0
        while proc.poll() is None:
            try:
                procs = [proc, *proc.children(recursive=True)]
                sizes = []
                for p in procs:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        sizes.append(p.memory_info().rss)
                largest = max(largest, *sizes)
                tree = max(tree, sum(sizes))
            except psutil.NoSuchProcess:
                pass
            time.sleep(0.005)
    return int(proc.returncode), largest, tree, err_path.read_text()


# --- per record ------------------------------------------------------------------------------


def test_deep_nesting_is_quarantined_and_later_runs_go_on(tmp_path, capsys):
    deep = b"[" * 5_000 + b"]" * 5_000
    nested_out = json.dumps(record("deep-out", output={"outputTokenCount": 1, "outputBodyJson": 0}))
    nested_out_b = nested_out.encode().replace(b'"outputBodyJson": 0', b'"outputBodyJson": ' + deep)
    nested_in = json.dumps(record("deep-in", input={"inputTokenCount": 5, "inputBodyJson": 0}))
    nested_in_b = nested_in.encode().replace(b'"inputBodyJson": 0', b'"inputBodyJson": ' + deep)
    (tmp_path / "a.json").write_bytes(
        line(record("a1", 7)) + line(nested_out_b) + line(nested_in_b) + line(record("a2", 9))
    )
    db = str(tmp_path / "d.duckdb")
    code, _, err = run_cli(["--db", db, "ingest", "logs", str(tmp_path / "a.json")], capsys)
    assert code == 1, err
    assert "quarantined too_deeply_nested=2" in err
    assert loaded(db) == [("a1", 7), ("a2", 9)]
    assert quarantined(db) == [
        ("a.json", 2, "too_deeply_nested"),
        ("a.json", 3, "too_deeply_nested"),
    ]
    # the next delivery loads as usual: nothing is stuck behind the poisoned file
    (tmp_path / "b.json").write_bytes(line(record("b1", 11)))
    code, _, err = run_cli(["--db", db, "ingest", "logs", str(tmp_path / "b.json")], capsys)
    assert code == 0, err
    assert loaded(db) == [("a1", 7), ("a2", 9), ("b1", 11)]


def test_deep_nesting_in_a_cloudwatch_message_is_quarantined():
    from reconciler.ingest.invocation_logs import parse_messages

    deep = json.dumps(record("d", output={"outputTokenCount": 1, "outputBodyJson": 0})).encode()
    deep = deep.replace(
        b'"outputBodyJson": 0', b'"outputBodyJson": ' + b'{"a":' * 3000 + b"1" + b"}" * 3000
    )
    parsed = parse_messages([json.dumps(record("ok")).encode(), deep], "cloudwatch://g/s")
    assert parsed.table["request_id"].to_pylist() == ["ok"]
    assert [(n, r.value) for n, r, _ in parsed.problems] == [(2, "too_deeply_nested")]


def test_huge_token_counts_are_quarantined_and_run_and_report_see_the_rest(tmp_path, capsys):
    """2^63 used to crash the Arrow build (exit 70); two of 2^62 loaded and then broke `run`'s
    aggregate, after which `report` showed an empty day with exit 0."""
    (tmp_path / "t.json").write_bytes(
        line(record("g1", 1000))
        + line(record("big63", 2**63))
        + line(record("big62a", 2**62))
        + line(record("big62b", 2**62))
        + line(record("g2", 2500, output={"outputTokenCount": 2**64}))
        + line(record("g3", 300))
    )
    db = str(tmp_path / "t.duckdb")
    code, _, err = run_cli(["--db", db, "ingest", "logs", str(tmp_path / "t.json")], capsys)
    assert code == 1, err
    assert "quarantined implausible_token_count=4" in err
    assert loaded(db) == [("g1", 1000), ("g3", 300)]
    assert quarantined(db) == [
        ("t.json", 2, "implausible_token_count"),
        ("t.json", 3, "implausible_token_count"),
        ("t.json", 4, "implausible_token_count"),
        ("t.json", 5, "implausible_token_count"),
    ]
    code, _, err = run_cli(["--db", db, "run", "--date", "2025-11-03", "--no-reports"], capsys)
    assert code in (0, 1), err
    with duckdb.connect(db, read_only=True) as c:
        assert c.execute(
            "SELECT charge, sum(quantity) FROM usage_hourly GROUP BY charge ORDER BY charge"
        ).fetchall() == [("input_tokens", 1300), ("output_tokens", 20)]
    code, out, err = run_cli(
        ["--db", db, "report", "--end", "2025-11-03", "--format", "json"], capsys
    )
    assert code in (0, 1), err
    assert "search" in out  # the day is not empty: the team of the two good records is there


def test_a_raised_ceiling_that_lets_sums_pass_bigint_is_refused_plainly(tmp_path, capsys):
    """With the ceiling raised to the BIGINT maximum, two 2^62 records load; the aggregate sums
    them exactly (HUGEINT) and refuses with exit 2 and a plain message instead of crashing."""
    cfg = tmp_path / "reconciler.toml"
    cfg.write_text("[ingest]\nmax_tokens_per_count = 9223372036854775807\n")
    (tmp_path / "t.json").write_bytes(line(record("a", 2**62)) + line(record("b", 2**62)))
    db = str(tmp_path / "t.duckdb")
    base = ["--db", db, "--config", str(cfg)]
    code, _, err = run_cli([*base, "ingest", "logs", str(tmp_path / "t.json")], capsys)
    assert code == 0, err
    code, _, err = run_cli([*base, "run", "--date", "2025-11-03", "--no-reports"], capsys)
    assert code == 2, err
    assert "input_tokens add up to 9223372036854775808, past the BIGINT range" in err


def test_oversized_fields_are_quarantined_and_the_limit_can_be_raised(tmp_path, capsys):
    arn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/" + "p" * 3000
    lines = (
        line(record("ok1"))
        + line(record("r" * 2049))
        + line(record("arn", modelId=arn))
        + line(record("meta-n", requestMetadata={f"k{i}": "v" for i in range(65)}))
        + line(record("meta-v", requestMetadata={"team": "x" * 2049}))
        + line(record("ok2", requestMetadata={f"k{i}": "v" * 2048 for i in range(64)}))
        + line(record("\u00e9" * 2048))  # 2,048 characters in 4,096 bytes: within the limit
    )
    (tmp_path / "f.json").write_bytes(lines)
    db = str(tmp_path / "f.duckdb")
    code, _, err = run_cli(["--db", db, "ingest", "logs", str(tmp_path / "f.json")], capsys)
    assert code == 1, err
    assert [r for r, _ in loaded(db)] == ["ok1", "ok2", "\u00e9" * 2048]
    assert quarantined(db) == [("f.json", n, "oversized_field") for n in (2, 3, 4, 5)]
    cfg = tmp_path / "reconciler.toml"
    cfg.write_text("[ingest]\nmax_field_chars = 4096\nmax_metadata_entries = 100\n")
    db2 = str(tmp_path / "g.duckdb")
    code, _, err = run_cli(
        ["--db", db2, "--config", str(cfg), "ingest", "logs", str(tmp_path / "f.json")], capsys
    )
    assert code == 0, err
    assert len(loaded(db2)) == 7


# --- per file: bounded memory ----------------------------------------------------------------


def _bomb(path: Path, gib: int) -> None:
    """A gzip member of ``gib`` GiB of zeros, streamed (about 10 MB per GiB, under a second)."""
    z = isal_zlib.compressobj(0, isal_zlib.DEFLATED, 31)
    zeros = bytes(64 << 20)
    with path.open("wb") as out:
        for _ in range(gib * 16):
            out.write(z.compress(zeros))
        out.write(z.flush())


def test_gzip_bomb_is_quarantined_the_files_beside_it_load_and_memory_stays_bounded(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    for i in range(9):  # enough files for the worker processes to start
        (logs / f"f{i}.json.gz").write_bytes(
            gz(line(record(f"r{i}a", 10 + i)) + line(record(f"r{i}b", 100)))
        )
    _bomb(logs / "f4x-bomb.json.gz", 3)
    assert (logs / "f4x-bomb.json.gz").stat().st_size < 40 << 20
    db = str(tmp_path / "b.duckdb")
    code, largest, tree, err = cli_with_peak_rss(
        ["--db", db, "ingest", "logs", str(logs), "--workers", "2"], tmp_path
    )
    assert code == 1, err
    assert "quarantined file_too_large=1" in err
    assert largest < GIB, f"largest process peaked at {largest / 2**20:.0f} MiB"
    assert tree < GIB, f"process tree peaked at {tree / 2**20:.0f} MiB"
    rows = loaded(db)
    assert len(rows) == 18
    assert sum(t for _, t in rows) == sum(10 + i for i in range(9)) + 900
    assert quarantined(db) == [("f4x-bomb.json.gz", None, "file_too_large")]
    with duckdb.connect(db, read_only=True) as c:
        assert c.execute("SELECT count(*) FROM source_objects").fetchone() == (9,)


def test_a_plain_file_over_the_limit_is_not_read(tmp_path, capsys):
    cfg = tmp_path / "reconciler.toml"
    cfg.write_text("[ingest]\nmax_decompressed_bytes = 1048576\n")
    (tmp_path / "big.json").write_bytes(line(record("x")) * 4000)  # about 1.2 MB
    (tmp_path / "small.json").write_bytes(line(record("s")))
    db = str(tmp_path / "p.duckdb")
    code, _, err = run_cli(
        ["--db", db, "--config", str(cfg), "ingest", "logs", str(tmp_path / "big.json"),
         str(tmp_path / "small.json")],
        capsys,
    )  # fmt: skip
    assert code == 1, err
    assert loaded(db) == [("s", 100)]
    assert quarantined(db) == [("big.json", None, "file_too_large")]
    # not in the ledger: once the limit is raised, the next run loads it
    code, _, err = run_cli(
        ["--db", db, "ingest", "logs", str(tmp_path / "big.json"), str(tmp_path / "small.json")],
        capsys,
    )
    assert code == 0, err
    assert loaded(db) == [("s", 100), ("x", 100)]


def test_junk_lines_cost_one_summary_row_and_bounded_memory(tmp_path):
    """Good lines around 200,000 junk lines in a file of a few kB: 1,000 quarantine rows and one
    summary row counting the rest by reason (it used to be a row per line: 21 M rows, 13 GB)."""
    junk = (b"x\n" + b'{"a": 1}\n') * 100_000  # 200,000 junk lines, alternating
    good = b"".join(line(record(f"g{i}", i + 1)) for i in range(25))
    head, tail = good[: good.index(b"\n", 0) + 1], good[good.index(b"\n", 0) + 1 :]
    data = head + junk + tail  # good line 1, junk lines 2..200,001, 24 good lines after
    path = tmp_path / "junk.json.gz"
    path.write_bytes(gz(data))
    assert path.stat().st_size < 100_000
    db = str(tmp_path / "j.duckdb")
    code, largest, tree, err = cli_with_peak_rss(
        ["--db", db, "ingest", "logs", str(path)], tmp_path
    )
    assert code == 1, err
    assert largest < GIB, f"largest process peaked at {largest / 2**20:.0f} MiB"
    assert tree < GIB, f"process tree peaked at {tree / 2**20:.0f} MiB"
    rows = loaded(db)
    assert len(rows) == 25
    assert sum(t for _, t in rows) == 25 * 26 // 2
    with duckdb.connect(db, read_only=True) as c:
        by_reason = c.execute(
            "SELECT reason, count(*), min(line_number), max(line_number) FROM quarantine "
            "GROUP BY reason ORDER BY reason"
        ).fetchall()
        (summary,) = c.execute(
            "SELECT detail FROM quarantine WHERE reason = 'more_rejected_lines'"
        ).fetchone()
    assert by_reason == [
        ("more_rejected_lines", 1, None, None),
        ("not_json", 500, 2, 1000),
        ("unknown_shape", 500, 3, 1001),
    ]
    assert summary == (
        "199000 more rejected lines not listed one by one, past the limit of 1000 rows per "
        "file (ingest.max_quarantine_rows_per_file): not_json 99500, unknown_shape 99500"
    )


# --- issue 9 item 6: model ids resolved at ingest --------------------------------------------


def test_model_ids_that_parse_offline_are_resolved_by_the_ingest_alone(tmp_path, capsys):
    ids = {
        "m-us": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "m-eu": "eu.amazon.nova-pro-v1:0",
        "m-apac": "apac.amazon.nova-micro-v1:0",
        "m-global": "global.anthropic.claude-haiku-4-5-20251001-v1:0",
        "m-fm-arn": "arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-3-70b-instruct-v1:0",
        "m-ip-arn": "arn:aws:bedrock:eu-west-1:111122223333:inference-profile/"
        "eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "m-aip": "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/"
        "x1y2z3w4v5u6",
        "m-pt": "arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abcd1234efgh",
    }
    (tmp_path / "m.json").write_bytes(
        b"".join(line(record(rid, modelId=mid)) for rid, mid in ids.items())
    )
    db = str(tmp_path / "m.duckdb")
    code, out, err = run_cli(
        ["--db", db, "ingest", "logs", str(tmp_path / "m.json"), "--json"], capsys
    )
    assert code == 0, err
    counts = json.loads(out)["stages"][0]["counts"]
    assert (counts["model_ids_resolved"], counts["model_ids_pending"]) == (6, 2)
    with duckdb.connect(db, read_only=True) as c:
        got = c.execute(
            "SELECT request_id, base_model, routing FROM invocations ORDER BY request_id"
        ).fetchall()
    assert got == [
        ("m-aip", None, None),  # needs the control plane: left to the resolve stage
        ("m-apac", "amazon.nova-micro-v1:0", "geo"),
        ("m-eu", "amazon.nova-pro-v1:0", "geo"),
        ("m-fm-arn", "meta.llama3-3-70b-instruct-v1:0", "in_region"),
        ("m-global", "anthropic.claude-haiku-4-5-20251001-v1:0", "global"),
        ("m-ip-arn", "anthropic.claude-3-7-sonnet-20250219-v1:0", "geo"),
        ("m-pt", None, None),
        ("m-us", "anthropic.claude-sonnet-4-5-20250929-v1:0", "geo"),
    ]
