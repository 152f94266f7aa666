"""Load parsed invocation logs into DuckDB: dedupe, conflicts, quarantine and the ledger, per batch.

The tables it reads and writes are ``READS`` and ``WRITES`` below (docs/architecture.md); what
is loaded already is in ``source_objects``.

Invariants and why:

* **One transaction per batch of files** (``batch_files`` files or ``batch_records`` records,
  whichever comes first): new records, conflicts, quarantine rows and the ledger rows of those
  files commit together or not at all. A process killed mid-ingest therefore leaves only whole
  committed batches; the rerun skips their files (ledger) and does the rest, and the result is
  identical to an uninterrupted run, because objects are read in a fixed order and the first
  copy of a request in that order is the one kept.
* **Dedupe** on (account_id, region, request_id): against rows already loaded (restricted to the
  batch's event_time range plus a day each side) and within the batch. A cheap probe on the
  64-bit ``dedupe_key`` (migration 0010) first asks whether the batch clashes with anything at
  all; only then are the records that clash staged and ranked (``ingest_stage_batch``: the
  duplicates and their kept copies, a few key and token columns), and the batch inserted minus
  the duplicates. Most batches do not clash and are inserted as they are; a batch that does costs
  little more, which is what keeps the ingest near the decompression floor.
  A duplicate whose four token counts differ from the kept copy is a
  ``duplicate_conflicts`` row and a finding (exit 1); the kept copy is not changed.
* **Incremental**: an object whose (source_uri, fingerprint) is in ``source_objects`` is skipped
  and counted. Objects that could not be read at all (vanished, permission denied) or broke a
  per-file limit (``file_too_large``) are quarantined but not put in the ledger, so the next run
  tries them again (after a limit was raised, it loads).
* **Bounded memory**: files stream through :class:`~reconciler.ingest.reader.Reader`; only one
  batch of Arrow tables is held at a time.

Test hook: ``RECONCILER_TEST_DIE_AFTER_BATCHES=N`` makes the process SIGKILL itself inside the
transaction of batch N+1 (after its records were inserted, before COMMIT). Only the crash-safety
test sets it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import importlib
import logging
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from reconciler.core.clock import utc_now
from reconciler.core.errors import ExitCode, ReconcilerError
from reconciler.core.quarantine import Problems, Reason, StrictModeError
from reconciler.db import sql
from reconciler.db.connect import transaction
from reconciler.db.stage import StageContext, StageResult
from reconciler.ingest.limits import ingest_limits
from reconciler.ingest.resolve import resolve_offline
from reconciler.ingest.sources import Expansion, SourceObject, expand_sources
from reconciler.ingest.workers import uses_workers

if TYPE_CHECKING:
    import pyarrow as pa
    from mypy_boto3_s3 import S3Client

    from reconciler.ingest.invocation_logs import ParsedFile

# pyarrow, the parser and the reader are imported by the functions that read or commit files, so
# that an ingest with nothing new to read (the usual nightly poll) does not pay for them: 0.2 s
# of its 0.45 s (docs/performance.md, start-up).

__all__ = [
    "READS",
    "WRITES",
    "BatchCounts",
    "LedgerEntry",
    "StrictIngestError",
    "commit_batch",
    "run",
    "uses_workers",
]

logger = logging.getLogger(__name__)

DIE_HOOK = "RECONCILER_TEST_DIE_AFTER_BATCHES"

BATCH_RECORDS = 2 * 122_880
"""Records per transaction, at most: two DuckDB row groups. An insert of whole row groups is
written straight to the database file; smaller commits go through the WAL and trigger a
checkpoint every few batches (64-file batches made the load 5x slower). A batch ends *before*
the file that would take it past this many records, never after: a batch of 246,000 records
left a row group of a few hundred rows behind, and the final checkpoint merged each of those
into its neighbours (0.6 s of a 1 M-record ingest on two cores; a batch just under the limit
leaves a nearly full row group, which the checkpoint keeps as it is: 0.01-0.04 s). Two row
groups, not four, because the parent holds two batches at once (one being committed, the next
being read): on 1 M records the process tree peaked at 680 MiB with four
and 558 MiB with two (and a 64 MB cap, since raised back to 128 MB: see below), against a
600 MiB budget (docs/performance.md)."""
BATCH_FILES = 1024
"""Files per transaction, at most (the ledger rows of a batch commit with its records)."""
INGEST_MEMORY_LIMIT = "128MB"
"""DuckDB's memory limit while the ingest runs. A batch's row groups are written as they fill, so
the insert needs little; what the cap bounds is DuckDB's cache of the table's blocks, which
otherwise grew by about 22 MiB per batch (1 M -> 3 M records: parent peak 570 -> 519 MiB with the
cap, and no slower). Not 64 MB: a batch whose records are partly loaded already (the S3 and the
CloudWatch copies of the same requests) is deduplicated by a join that needed more than 61 MiB on
200k records and failed with DuckDB's out-of-memory error (bench/test_bench_spark.py's data).
A batch that runs out of memory under the cap anyway is rolled back and retried once without it
(:func:`commit_batch`; tests/ingest/test_memory_cap.py)."""


class StrictIngestError(ReconcilerError):
    """``--strict``: the first quarantined record stops the ingest (its batch is rolled back)."""

    exit_code = ExitCode.FINDINGS


@dataclass(frozen=True)
class LedgerEntry:
    """A parsed source to commit: its ledger identity and what parsing it gave."""

    uri: str
    fingerprint: str
    size: int | None
    kind: str
    parsed: ParsedFile
    ledger: bool = True  # False: quarantine only, try again next run
    whole_batch: bool = False  # its ledger row counts the whole batch (a CloudWatch window)


@dataclass
class BatchCounts:
    records: int = 0
    duplicates: int = 0
    conflicts: int = 0
    quarantined: int = 0


READS = ("source_objects", "invocation_records", "model_ids")
WRITES = (
    "invocation_records",
    "duplicate_conflicts",
    "quarantine_records",
    "source_objects",
    "model_ids",
)


def run(
    ctx: StageContext,
    *,
    sources: Sequence[str] | None = None,
    workers: int | None = None,
    batch_files: int = BATCH_FILES,
    batch_records: int = BATCH_RECORDS,
    fetchers: int | None = None,
    expansion: Expansion | None = None,
) -> StageResult:
    """Ingest invocation-log files/prefixes: the ``ingest logs`` stage (library entry point).

    ``sources`` and ``workers`` default to ``[sources] logs`` and ``workers`` of the settings.
    ``fetchers``: S3 objects fetched at once (default 4 per worker, at least 8); 1 is serial.
    ``ctx.progress``: told the number of files, then each file read (with its compressed size).
    Per-file and per-record limits come from ``reconciler.toml`` ``[ingest]``.
    ``expansion``: ``expand_sources(sources)`` when the caller has listed them already (the
    ``ingest logs`` command does, before it opens the database: :func:`uses_workers`).
    Model ids whose string says what they bill as are resolved into ``model_ids`` at the end
    (``invocations.base_model``/``routing`` are filled right away); the others are counted as
    ``model_ids_pending`` until the resolve stage runs."""
    con, run_id, problems, sink = ctx.con, ctx.run_id, ctx.problems, ctx.sink
    sources = list(ctx.settings.sources.logs) if sources is None else list(sources)
    workers = ctx.settings.sources.workers if workers is None else workers
    limits = ingest_limits(ctx.settings)
    s3_client: S3Client | None = (
        ctx.client("s3") if any(s.startswith("s3://") for s in sources) else None
    )
    started = time.perf_counter()
    if expansion is None:
        expansion = expand_sources(sources, s3_client=s3_client)
    loaded = _already_loaded(con, expansion.objects)
    todo = [o for o in expansion.objects if (o.uri, o.fingerprint) not in loaded]
    sink.set_total(len(todo))
    reasons: Counter[str] = Counter()
    rows_in = 0
    batch: list[LedgerEntry] = []
    batch_rows = 0
    if not uses_workers(len(todo), workers):
        workers = 1
    committer = _Committer(con, run_id, problems, reasons)
    if todo:
        from reconciler.ingest.reader import Reader

        reader_ = Reader(workers, s3_client, fetchers=fetchers, limits=limits)
        with reader_ as reader, _ingest_settings(con):
            try:
                for obj, parsed in reader.read(todo):
                    if not committer.prepared:  # the workers are busy: use the idle thread
                        committer.prepare()
                    sink.advance(1, bytes=obj.size)
                    entry = _entry(obj, parsed)
                    rows_in += entry.parsed.lines
                    rows = entry.parsed.table.num_rows
                    if batch and (len(batch) >= batch_files or batch_rows + rows > batch_records):
                        committer.submit(batch)  # full: this file would pass a limit
                        batch, batch_rows = [], 0
                    batch.append(entry)
                    batch_rows += rows
                if batch:
                    committer.submit(batch)
                committer.wait()
            finally:
                committer.close()
            if committer.batches:  # fold the WAL into the file now, under the memory cap
                con.execute("CHECKPOINT")
    else:
        committer.close()
    ids_resolved, ids_pending = resolve_offline(con)
    totals = committer.totals
    skipped = expansion.skipped
    return StageResult(
        stage="ingest logs",
        rows_in=rows_in,
        rows_out=totals.records,
        problems_by_reason=dict(sorted(reasons.items())),
        counts={
            "files": len(todo),
            "skipped_already_loaded": len(expansion.objects) - len(todo),
            "skipped_offloads": skipped["offload"],
            "skipped_markers": skipped["marker"],
            "skipped_not_log": skipped["not_log"],
            "records": totals.records,
            "duplicates": totals.duplicates,
            "conflicts": totals.conflicts,
            "quarantined": totals.quarantined,
            "model_ids_resolved": ids_resolved,
            "model_ids_pending": ids_pending,
        },
        findings=totals.conflicts,
        seconds=round(time.perf_counter() - started, 3),
    )


class _Committer:
    """Commits batches in order on one background thread, while the caller reads the next batch.

    Without it the workers sat idle during every commit (about a third of the wall time on 1 M
    records). At most one batch is being committed while the next is being read, so memory
    holds two batches at most. A commit's exception (``--strict``, a database error) is raised
    in the caller at its next ``submit``/``wait``; nothing after a failed batch is committed.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        run_id: str,
        problems: Problems,
        reasons: Counter[str],
    ) -> None:
        self.con, self.run_id, self.problems, self.reasons = con, run_id, problems, reasons
        self.totals = BatchCounts()
        self.batches = 0
        self.prepared = False
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="ingest-commit")
        self._pending: Future[BatchCounts] | None = None

    def prepare(self) -> None:
        """Import what the first commit needs (``pyarrow.compute``, 0.03-0.05 s) on the commit
        thread now, while the workers parse, instead of at the first commit: at 100k records
        that commit runs after the last file is parsed, when nothing else is left to do."""
        self.prepared = True
        self._pool.submit(importlib.import_module, "pyarrow.compute")

    def submit(self, batch: list[LedgerEntry]) -> None:
        self.wait()
        self._pending = self._pool.submit(self._commit, batch, self.batches)
        self.batches += 1

    def _commit(self, batch: list[LedgerEntry], index: int) -> BatchCounts:
        from reconciler.ingest.memory import release_memory

        counts = commit_batch(self.con, self.run_id, batch, self.problems, self.reasons, index)
        batch.clear()
        release_memory()
        return counts

    def wait(self) -> None:
        """Block until the batch being committed is done; re-raise what it raised."""
        pending, self._pending = self._pending, None
        if pending is not None:
            _add(self.totals, pending.result())

    def close(self) -> None:
        """Let a running commit finish (it cannot be interrupted) and stop the thread."""
        if self._pending is not None:
            concurrent.futures.wait([self._pending])
        self._pool.shutdown(wait=True)


@contextlib.contextmanager
def _ingest_settings(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB tuned for the ingest, the caller's settings restored after.

    * ``memory_limit`` capped (``INGEST_MEMORY_LIMIT``): without a cap DuckDB keeps every block it
      wrote cached (up to 80% of RAM), so the ingest's RSS grew with the input; written blocks
      are on disk and can be evicted at no risk.
    * ``threads = 1``: the parse workers already keep every core busy; a second DuckDB thread
      only spins (measured: 1.3 against 2.1 CPU-seconds to insert 1 M records, same wall time).
      Even for the last batch, when the workers are done, two threads insert slower than one
      (100k records: 0.38-0.39 against 0.30-0.33 s).
    """
    saved = {
        name: con.execute("SELECT current_setting($n)", {"n": name}).fetchall()[0][0]
        for name in ("memory_limit", "threads")
    }
    con.execute(f"SET memory_limit = '{INGEST_MEMORY_LIMIT}'")  # our constants, not input
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{saved['memory_limit']}'")
        con.execute(f"SET threads = {int(saved['threads'])}")


def _entry(obj: SourceObject, parsed: ParsedFile | None) -> LedgerEntry:
    from reconciler.ingest.invocation_logs import RECORD_SCHEMA, ParsedFile

    if parsed is None:
        gone = ParsedFile(
            obj.uri,
            RECORD_SCHEMA.empty_table(),
            [(None, Reason.UNREADABLE_FILE, "object vanished between listing and reading")],
        )
        return LedgerEntry(obj.uri, obj.fingerprint, obj.size, "unknown", gone, ledger=False)
    retry = parsed.over_limit or any(p[1] is Reason.UNREADABLE_FILE for p in parsed.problems)
    return LedgerEntry(obj.uri, obj.fingerprint, obj.size, parsed.format, parsed, ledger=not retry)


def _add(totals: BatchCounts, counts: BatchCounts) -> None:
    totals.records += counts.records
    totals.duplicates += counts.duplicates
    totals.conflicts += counts.conflicts
    totals.quarantined += counts.quarantined


def _already_loaded(
    con: duckdb.DuckDBPyConnection, objects: Sequence[SourceObject]
) -> set[tuple[str, str]]:
    if not objects:
        return set()
    params = {"uris": [o.uri for o in objects], "fingerprints": [o.fingerprint for o in objects]}
    rows = sql.execute(con, "ledger/sources_loaded", params).fetchall()
    return {(str(u), str(f)) for u, f in rows}


def commit_batch(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    batch: Sequence[LedgerEntry],
    problems: Problems,
    reasons: Counter[str],
    batch_index: int = 0,
) -> BatchCounts:
    """Commit one batch in ONE transaction: new records, conflicts, quarantine, ledger rows.

    Problems are added to ``problems`` first, so a strict collector stops the ingest before
    anything of this batch is written.
    """
    quarantine = _quarantine_rows(run_id, batch, problems, reasons)
    records = _records(batch)
    counts = BatchCounts(quarantined=quarantine.num_rows)
    try:
        per_file, counts.conflicts = _write_batch(
            con, run_id, batch, records, quarantine, batch_index
        )
    except duckdb.OutOfMemoryException:
        # Rolled back, so nothing of it is in the database. The cap (INGEST_MEMORY_LIMIT) bounds
        # DuckDB's block cache, not what one batch may need: deduplicating a batch whose records
        # are loaded already (the S3 and the CloudWatch copies of the same requests) joins them,
        # which needed more than 61 MiB on 200k records. Once more without the cap: a batch
        # that fits in the machine's memory must not stop the nightly job (exit 70).
        cap = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        logger.warning(
            "batch %d needed more than %s: retried without the cap", batch_index + 1, cap
        )
        con.execute("RESET memory_limit")
        for name in ("_ingest_arrow", "_ingest_keyed"):  # left registered by the aborted try
            _unregister(con, name)
        try:
            per_file, counts.conflicts = _write_batch(
                con, run_id, batch, records, quarantine, batch_index
            )
        finally:
            con.execute(f"SET memory_limit = '{cap}'")  # DuckDB's own rendering of the value
    counts.records = sum(n for n, _ in per_file.values())
    counts.duplicates = sum(d for _, d in per_file.values())
    logger.info("batch %d committed: %d files, %s", batch_index + 1, len(batch), counts)
    return counts


def _write_batch(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    batch: Sequence[LedgerEntry],
    records: pa.Table,
    quarantine: pa.Table,
    batch_index: int,
) -> tuple[dict[int, tuple[int, int]], int]:
    """The batch's transaction: ((new, duplicate) records per file_ord, conflicts)."""
    import pyarrow.compute as pc

    from reconciler.db import bulk

    per_file: dict[int, tuple[int, int]] = {}
    conflicts = 0
    with transaction(con):
        if records.num_rows:
            span = pc.min_max(records["event_time"])
            window = {"lo": span["min"].as_py(), "hi": span["max"].as_py()}
            _register(con, "_ingest_keyed", _with_keys(con, records))
            try:
                per_file = _file_sizes(records)
                row = sql.execute(con, "stages/ingest_probe", window).fetchone()
                if row is not None and row[0] == 0:  # all new and unique: insert as they are
                    sql.execute(con, "stages/ingest_insert_all", {"run_id": run_id})
                else:  # stage only the duplicates and their kept copies, insert the rest
                    sql.execute(con, "stages/ingest_stage_batch", window)
                    sql.execute(con, "stages/ingest_insert_new", {"run_id": run_id})
                    row = sql.execute(con, "stages/ingest_conflicts", {"run_id": run_id}).fetchone()
                    conflicts = int(row[0]) if row else 0
                    for ord_, dup in sql.execute(con, "stages/ingest_file_counts").fetchall():
                        total, _ = per_file[int(ord_)]
                        per_file[int(ord_)] = (total - int(dup), int(dup))
                    sql.execute(con, "stages/ingest_drop_batch")
            finally:
                _unregister(con, "_ingest_keyed")
        _maybe_die(batch_index)
        bulk.insert(con, "ledger/quarantine_insert", quarantine)
        bulk.insert(con, "ledger/source_objects_insert", _ledger_rows(run_id, batch, per_file))
    return per_file, conflicts


def _with_keys(con: duckdb.DuckDBPyConnection, records: pa.Table) -> pa.Table:
    """``records`` plus its ``dedupe_key`` column (the ``invocation_key`` macro of migration
    0010), computed once per batch: the probe and the insert both read it. Only the 8-byte key
    column comes back to Arrow, appended without copying the records; computing the MD5 key in
    both statements instead cost the parent about 7% more CPU (300 k records: 2.43 -> 2.60 s)."""
    _register(con, "_ingest_arrow", records)
    try:
        keys = con.sql(sql.load("stages/ingest_keys")).to_arrow_table()
    finally:
        _unregister(con, "_ingest_arrow")
    return records.append_column("dedupe_key", keys["dedupe_key"])


def _file_sizes(records: pa.Table) -> dict[int, tuple[int, int]]:
    """(records, 0) per file_ord: what each file adds when none of its records is a duplicate.

    ``value_counts``, not ``Table.group_by``: the latter imports pyarrow's Acero and dataset
    modules and through them pandas, 0.33 s and about 55 MiB for one count per file."""
    import pyarrow.compute as pc

    counts = pc.value_counts(records["file_ord"])
    ords, sizes = counts.field("values").to_pylist(), counts.field("counts").to_pylist()
    return {int(o): (int(n), 0) for o, n in zip(ords, sizes, strict=True)}


def _records(batch: Sequence[LedgerEntry]) -> pa.Table:
    """The batch's records with ``file_ord`` and ``source_uri`` (dictionary-encoded on file_ord:
    one copy of each URI per batch, not one per record)."""
    from reconciler.core.arrow import pa

    tables = []
    uris = pa.array([entry.uri for entry in batch], pa.string())
    for ord_, entry in enumerate(batch):
        t = entry.parsed.table
        n = t.num_rows
        if not n:
            continue
        ords = pa.repeat(pa.scalar(ord_, pa.int32()), n)
        t = t.append_column("source_uri", pa.DictionaryArray.from_arrays(ords, uris))
        tables.append(t.append_column("file_ord", ords))
    if not tables:
        return pa.table({})
    return pa.concat_tables(tables)


def _quarantine_rows(
    run_id: str, batch: Sequence[LedgerEntry], problems: Problems, reasons: Counter[str]
) -> pa.Table:
    from reconciler.core.arrow import pa

    uris, lines, codes, details = [], [], [], []
    for entry in batch:
        for line, reason, detail in entry.parsed.problems:
            try:
                problems.add(entry.uri, line, reason, detail)
            except StrictModeError as exc:
                raise StrictIngestError(f"--strict: {exc}") from exc
            reasons[reason.value] += 1
            uris.append(entry.uri)
            lines.append(line)
            codes.append(reason.value)
            details.append(detail[:300])
    now = utc_now()
    return pa.table(
        {
            "run_id": pa.array([run_id] * len(uris), pa.string()),
            "source_uri": pa.array(uris, pa.string()),
            "line_number": pa.array(lines, pa.int64()),
            "reason": pa.array(codes, pa.string()),
            "detail": pa.array(details, pa.string()),
            "recorded_at": pa.array([now] * len(uris), pa.timestamp("us")),
        }
    )


def _ledger_rows(
    run_id: str, batch: Sequence[LedgerEntry], per_file: dict[int, tuple[int, int]]
) -> pa.Table:
    from reconciler.core.arrow import pa

    rows = [(i, e) for i, e in enumerate(batch) if e.ledger]
    whole = (
        sum(n for n, _ in per_file.values()),
        sum(d for _, d in per_file.values()),
        sum(len(e.parsed.problems) for e in batch),
    )
    counts = {
        i: whole if e.whole_batch else (*per_file.get(i, (0, 0)), len(e.parsed.problems))
        for i, e in rows
    }
    now = utc_now()
    return pa.table(
        {
            "source_uri": pa.array([e.uri for _, e in rows], pa.string()),
            "fingerprint": pa.array([e.fingerprint for _, e in rows], pa.string()),
            "size_bytes": pa.array([e.size for _, e in rows], pa.int64()),
            "kind": pa.array([e.kind for _, e in rows], pa.string()),
            "run_id": pa.array([run_id] * len(rows), pa.string()),
            "loaded_at": pa.array([now] * len(rows), pa.timestamp("us")),
            "records": pa.array([counts[i][0] for i, _ in rows], pa.int64()),
            "duplicates": pa.array([counts[i][1] for i, _ in rows], pa.int64()),
            "quarantined": pa.array([counts[i][2] for i, _ in rows], pa.int64()),
        }
    )


def _register(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Register an Arrow table; DuckDB 2.0 refuses while a caller's result is unfetched, so
    finish any such result first."""
    con.complete()
    con.register(name, table)


def _unregister(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Unregister ``name``; inside a transaction an error aborted, DuckDB refuses until the
    rollback, and that refusal must not hide the error itself (the caller unregisters again
    after the rollback)."""
    with contextlib.suppress(duckdb.TransactionException, duckdb.CatalogException):
        con.unregister(name)


def _maybe_die(batch_index: int) -> None:
    """The crash-safety test hook (see the module docstring); a no-op unless the env var is set."""
    value = os.environ.get(DIE_HOOK)
    if value is not None and value.isdigit() and batch_index == int(value):
        os.kill(os.getpid(), signal.SIGKILL)
