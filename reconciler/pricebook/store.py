"""Reading and writing the ``prices`` table: the bundled book and user overlays.

Input: price entries (validated). Output: rows of ``prices`` (one per entry, ``price_id`` a
content hash). Invariants: a layer never holds two overlapping entries for one key; reloading the
same origin (a bundled file, an overlay path) deletes that origin's rows and inserts the new ones
in one transaction, so reruns never duplicate; rows of other origins are untouched.

Why delete-then-insert per origin rather than a merge: an edited overlay may *remove* a price,
and the only way to honour that is to treat the file as the whole truth for its own rows.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from reconciler.core.clock import utc_now
from reconciler.core.errors import PriceBookError
from reconciler.db import bulk, sql
from reconciler.db.connect import transaction
from reconciler.db.runs import StageResult
from reconciler.pricebook.csvfile import check_overlaps, parse_price_csv, read_price_files
from reconciler.pricebook.entries import PriceEntry, PriceKey

__all__ = [
    "BUNDLED_PACKAGE",
    "bundled_entries",
    "load_price_files",
    "read_entries",
    "replace_entries",
]

BUNDLED_PACKAGE = "reconciler.data.prices"


def _frame_schema() -> dict[str, Any]:
    """The prices columns as Polars types (imported here: a no-op refresh never needs Polars)."""
    import polars as pl

    return {
        "price_id": pl.String,
        "base_model": pl.String,
        "region": pl.String,
        "routing": pl.String,
        "tier": pl.String,
        "mode": pl.String,
        "charge": pl.String,
        "context_tier": pl.String,
        "unit": pl.String,
        "unit_factor": pl.String,
        "price_usd": pl.String,
        "effective_from": pl.Date,
        "effective_to": pl.Date,
        "layer": pl.String,
        "source": pl.String,
        "checked": pl.Date,
        "loaded_at": pl.Datetime("us"),
        "run_id": pl.String,
        "origin": pl.String,
        "line_number": pl.Int64,
        "note": pl.String,
    }


def bundled_entries() -> list[PriceEntry]:
    """The price book shipped in the package (``reconciler/data/prices/*.csv``), validated."""
    return list(_bundled_entries())


@functools.cache
def bundled_files_digest() -> str:
    """SHA-256 of the bundled price files and of the modules that turn them into rows.

    Cheap (no parsing): the bundled stage compares it with the digest recorded at the last load
    (table ``bundled_price_state``) to skip re-parsing an unchanged book on every run. The code
    is part of it because a changed parser or price id makes other rows from the same files.
    """
    import hashlib

    from reconciler.pricebook import csvfile, entries

    h = hashlib.sha256()
    folder = resources.files(BUNDLED_PACKAGE)
    for item in sorted(folder.iterdir(), key=lambda f: f.name):
        if item.name.endswith(".csv"):
            h.update(item.name.encode() + b"\0" + item.read_bytes() + b"\0")
    for module in (csvfile, entries):
        h.update(Path(module.__file__ or "").read_bytes())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()


@functools.cache
def _bundled_entries() -> tuple[PriceEntry, ...]:
    """Parsed once a process: the files are package data and thousands of rows take ~0.2 s."""
    entries: list[PriceEntry] = []
    problems: list[str] = []
    folder = resources.files(BUNDLED_PACKAGE)
    for item in sorted(folder.iterdir(), key=lambda f: f.name):
        if not item.name.endswith(".csv"):
            continue
        got, bad = parse_price_csv(
            item.read_text(encoding="utf-8"), f"bundled:{item.name}", "bundled"
        )
        entries += got
        problems += bad
    problems += check_overlaps(entries)
    if problems:  # a packaging bug, but say exactly where
        raise PriceBookError("\n".join(problems))
    return tuple(entries)


def _row(entry: PriceEntry, run_id: str, loaded_at: datetime) -> dict[str, Any]:
    k = entry.key
    return {
        "price_id": entry.price_id,
        **k.columns(),
        "unit": entry.unit,
        "unit_factor": format(entry.unit_factor, "f"),
        "price_usd": format(entry.price_usd, "f"),
        "effective_from": entry.effective_from,
        "effective_to": entry.effective_to,
        "layer": entry.layer,
        "source": entry.source,
        "checked": entry.checked,
        "loaded_at": loaded_at,
        "run_id": run_id,
        "origin": entry.origin,
        "line_number": entry.line_number,
        "note": entry.note or None,
    }


def read_entries(
    con: duckdb.DuckDBPyConnection, layer: str, *, exclude_origins: Sequence[str] = ()
) -> list[PriceEntry]:
    """Entries of one layer already in the database (for cross-file overlap checks)."""
    params = {"layer": layer, "excluded": list(exclude_origins)}
    rows = sql.execute(con, "pricebook/prices_of_layer", params).fetchall()
    return [
        PriceEntry(
            key=PriceKey(*r[0:7]),
            unit=r[7],
            price_usd=r[8],
            effective_from=r[9],
            effective_to=r[10],
            layer=r[11],
            source=r[12],
            checked=r[13],
            note=r[14],
            origin=r[15],
            line_number=r[16],
        )
        for r in rows
    ]


def replace_entries(
    con: duckdb.DuckDBPyConnection,
    entries: Iterable[PriceEntry],
    *,
    layer: str,
    origins: Sequence[str] | None,
    run_id: str,
) -> tuple[int, int]:
    """Delete ``layer``'s rows from ``origins`` (None: all of the layer) and insert ``entries``,
    in one transaction, so a crash in between leaves the old rows in place.

    Returns (rows deleted, rows inserted). The caller has validated ``entries``.
    """
    loaded_at = utc_now()
    rows = [_row(e, run_id, loaded_at) for e in entries]
    with transaction(con):
        params = {"layer": layer, "origins": None if origins is None else list(origins)}
        deleted = sql.scalar(con, "pricebook/prices_delete_layer", params)
        # one set-based insert: the bundled book has thousands of rows
        import polars as pl

        frame = pl.DataFrame(rows, schema=_frame_schema()).to_arrow()
        bulk.insert(con, "pricebook/prices_insert", frame)
    return deleted, len(rows)


def load_price_files(
    con: duckdb.DuckDBPyConnection, paths: Sequence[str | Path], run_id: str
) -> StageResult:
    """Load user overlays (layer ``overlay``); each file replaces the rows it loaded before.

    The files are validated together and against the overlays of *other* files already in the
    database; any problem raises :class:`PriceBookError` before anything is written.
    """
    started = time.perf_counter()
    entries = read_price_files(paths, layer="overlay")
    resolved = {str(p): str(Path(p).resolve()) for p in paths}
    existing = read_entries(con, "overlay", exclude_origins=sorted(set(resolved.values())))
    problems = check_overlaps(existing + entries)
    if problems:
        raise PriceBookError("\n".join(problems))
    stored = [dataclasses.replace(e, origin=resolved[e.origin]) for e in entries]
    deleted, inserted = replace_entries(
        con, stored, layer="overlay", origins=sorted(set(resolved.values())), run_id=run_id
    )
    return StageResult(
        stage="prices.overlay",
        rows_in=len(entries),
        rows_out=inserted,
        counts={"files": len(resolved), "replaced": deleted},
        seconds=time.perf_counter() - started,
    )
