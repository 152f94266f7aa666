"""Time commands whole-process, alternating, and write the figures into docs/performance.md.

Used by the benchmarks in bench/ (``make bench``) and, on a tiny data set, by the smoke test in
tests/ (so the harness cannot rot). Why it works this way (shared/reference/performance-floor.md):

* every figure is a **whole process** (interpreter start, imports, writing the result), timed
  from spawn to exit;
* the commands of one comparison run **alternately** (A B C D A B C D ...) so that a noisy
  neighbour slows all of them alike; wall time is the **median** of the counted rounds, and a
  ratio is the median of the per-round (paired) ratios;
* **peak RSS** is sampled with psutil every 10 ms over the process *tree* (the sum over the
  parent and its workers at each sample, and the largest single process), because
  ``getrusage(RUSAGE_CHILDREN)`` reports the maximum over all children so far, not per command.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
S3_GLOB = "AWSLogs/*/BedrockModelInvocationLogs/*/*/*/*/*/*.json.gz"
"""The delivery files of a generated set (one level above ``data/`` offloads, so they are out)."""


@dataclass
class Sample:
    wall: float
    peak_tree: int  # bytes: max over samples of the summed RSS of the process tree
    peak_proc: int  # bytes: max RSS of any single process of the tree
    stdout: str
    returncode: int


@dataclass
class Variant:
    """One command of a comparison. ``prepare`` runs untimed before every run (e.g. drop the DB)."""

    name: str
    cmd: list[str]
    role: str = ""  # "ours" | "floor" | "reader" | "" (shown, not in ratios)
    prepare: Callable[[], None] | None = None
    env: dict[str, str] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def peak_tree(self) -> int:
        return max(s.peak_tree for s in self.samples)

    @property
    def peak_proc(self) -> int:
        return max(s.peak_proc for s in self.samples)


def measure(
    cmd: Sequence[str],
    env: dict[str, str] | None = None,
    poll: float = 0.01,
    ok: tuple[int, ...] = (0,),
) -> Sample:
    """Run ``cmd`` to completion; wall time and peak RSS of its process tree. An empty value in
    ``env`` removes that variable."""
    merged = os.environ | {"PYTHONPATH": str(REPO)} | (env or {})
    full_env = {k: v for k, v in merged.items() if v}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env, text=True
    )
    root = psutil.Process(proc.pid)
    peak_tree = peak_proc = 0
    while proc.poll() is None:
        total = 0
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in tree:
            try:
                rss = p.memory_info().rss
            except psutil.NoSuchProcess:
                continue
            total += rss
            peak_proc = max(peak_proc, rss)
        peak_tree = max(peak_tree, total)
        time.sleep(poll)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode not in ok:
        raise RuntimeError(f"{cmd} exited {proc.returncode}: {err[-2000:]}")
    return Sample(wall, peak_tree, peak_proc, out, proc.returncode)


def alternate(variants: Sequence[Variant], rounds: int = 3, warmup: int = 1) -> None:
    """A B C D, A B C D ...: ``warmup`` uncounted rounds, then ``rounds`` counted ones."""
    for i in range(warmup + rounds):
        for v in variants:
            if v.prepare is not None:
                v.prepare()
            sample = measure(v.cmd, v.env)
            if i >= warmup:
                v.samples.append(sample)


def paired_ratio(a: Variant, b: Variant) -> float:
    """Median over rounds of a's wall / b's wall in the same round."""
    return statistics.median(x.wall / y.wall for x, y in zip(a.samples, b.samples, strict=True))


@dataclass
class DataSet:
    root: Path
    records: int
    files: int
    compressed: int
    uncompressed: int

    @classmethod
    def of(cls, root: Path) -> DataSet:
        manifest = json.loads((root / "manifest.json").read_text())
        files = sorted(root.glob(S3_GLOB))
        return cls(
            root,
            int(manifest["unique_requests"]),
            len(files),
            sum(f.stat().st_size for f in files),
            int(manifest["s3_uncompressed_bytes"]),
        )

    @property
    def glob(self) -> str:
        return str(self.root / S3_GLOB)


def ingest_variants(data: DataSet, work: Path, *, workers: Sequence[int] = (2,)) -> list[Variant]:
    """(a) ours (per worker count), (b) the isal floor, (c) Polars, (d) DuckDB, on ``data``."""
    py = sys.executable
    work.mkdir(parents=True, exist_ok=True)
    out: list[Variant] = []
    for w in workers:
        db = work / f"ours_w{w}.duckdb"
        out.append(
            Variant(
                f"ours: `reconciler ingest logs` ({w} worker{'s' if w > 1 else ''})",
                [
                    *(py, "-m", "reconciler", "--db", str(db), "-q", "ingest", "logs"),
                    *("--workers", str(w), "--json", str(data.root / "AWSLogs")),
                ],
                "ours" if w == max(workers) else "ours_other",
                prepare=_dropper(db),
            )
        )
    readers = str(REPO / "bench" / "readers.py")
    duck_db = work / "duckdb_reader.duckdb"
    out += [
        Variant(
            "floor: isal decompress only, 2 processes", [py, readers, "floor", data.glob], "floor"
        ),
        Variant(
            "Polars `scan_ndjson(schema)` + collect", [py, readers, "polars", data.glob], "reader"
        ),
        Variant(
            "DuckDB `read_json(format='auto')` -> table",
            [py, readers, "duckdb", data.glob, str(duck_db)],
            "reader",
            prepare=_dropper(duck_db),
        ),
    ]
    return out


def _dropper(db: Path) -> Callable[[], None]:
    def drop() -> None:
        for p in (db, Path(str(db) + ".wal"), Path(str(db) + ".lock")):
            p.unlink(missing_ok=True)

    return drop


def check_ingest_outputs(variants: Sequence[Variant], data: DataSet) -> None:
    """Every reader saw every record: ours by its run summary, the others by their JSON line."""
    for v in variants:
        last = v.samples[-1].stdout
        if v.role.startswith("ours"):
            counts = next(s for s in json.loads(last)["stages"] if s["stage"] == "ingest logs")
            got = counts["counts"]["records"]
            assert got == data.records, f"{v.name}: {got} records, expected {data.records}"
        elif v.role == "floor":
            got = json.loads(last)["uncompressed_bytes"]
            assert got == data.uncompressed, f"{v.name}: {got} bytes, expected {data.uncompressed}"
        else:
            got = json.loads(last)["records"]
            assert got == data.records, f"{v.name}: {got} records, expected {data.records}"


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def ingest_table(variants: Sequence[Variant], data: DataSet) -> str:
    """Markdown: one row per variant, then the ratios the targets are about."""
    rows = [
        "| command | wall (median, min-max) | records/s | MB/s uncompr. | MB/s compr. "
        "| peak RSS tree | peak RSS largest process |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for v in variants:
        walls = [s.wall for s in v.samples]
        w = v.wall
        rows.append(
            f"| {v.name} | {w:.2f} s ({min(walls):.2f}-{max(walls):.2f}) "
            f"| {data.records / w / 1000:,.0f}k | {data.uncompressed / w / 1e6:,.0f} "
            f"| {data.compressed / w / 1e6:,.0f} | {_mib(v.peak_tree)} | {_mib(v.peak_proc)} |"
        )
    ours = next(v for v in variants if v.role == "ours")
    floor = next(v for v in variants if v.role == "floor")
    readers = [v for v in variants if v.role == "reader"]
    best = min(readers, key=lambda v: v.wall)
    lines = [
        "",
        f"* ours / floor (paired): **{paired_ratio(ours, floor):.2f}x** (goal <= 2.5x, fail 3x)",
        f"* ours / best reader ({best.name.split(' ')[0]}, paired): "
        f"**{paired_ratio(ours, best):.2f}x** (goal <= 1.0x)",
    ]
    for other in (v for v in variants if v.role == "ours_other"):
        lines.append(
            f"* {other.name.split('(')[-1].rstrip(')')} / {ours.name.split('(')[-1].rstrip(')')}"
            f" (paired): **{paired_ratio(other, ours):.2f}x** (goal >= 1.6x)"
        )
    return "\n".join(rows + lines) + "\n"


def machine() -> dict[str, str]:
    """The facts a reader needs to compare figures across machines."""
    import duckdb
    import polars

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "polars": polars.__version__,
        "load average (1, 5, 15 min) at start": load,
    }


def machine_lines(facts: dict[str, str]) -> str:
    return "\n".join(f"* {k}: {v}" for k, v in facts.items()) + "\n"


def write_section(doc: Path, key: str, body: str) -> None:
    """Replace the text between ``<!-- bench:key -->`` and ``<!-- /bench:key -->`` in ``doc``
    (appended at the end when the markers are missing); the rest of the page is hand-written."""
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    text = doc.read_text() if doc.exists() else ""
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.write_text(text)
