"""Publishing: writers work on a private copy, readers always open the last completed state.

DuckDB lets many processes open a file ``read_only`` at once, but none while another process has
it open for writing (the read-write process holds an exclusive lock on the file, and until a
``CHECKPOINT`` part of its state lives only in the ``.wal`` beside it). So a writing command never
opens the published ``--db`` path for writing. Under the writer lock it:

1. works on a private sibling, ``<db>.work`` (a copy of the published file, reflinked where the
   file system can, otherwise copied; an earlier writer's copy is reused when the published file
   is still the one it was copied from);
2. at the end, ``CHECKPOINT``\\s and closes it (no ``.wal`` left), ``fsync``\\s it, and publishes it
   with one atomic ``os.replace`` onto the ``--db`` path (and ``fsync``\\s the directory); then
   copies the new published file to ``<db>.work`` for the next writer.

Readers that opened the old file keep reading it (the old inode lives until they close it); the
next open sees the new one; no open ever sees a half-written file or needs a ``.wal``. A writer
killed at any point leaves the ``--db`` path exactly as it was (its committed work stays in
``<db>.work`` and the next writer continues from it, as it did before publishing existed). A
command that changed nothing (a nightly ``run`` whose inputs did not change: after its ledger
row, DuckDB wrote no WAL and did not checkpoint) publishes nothing: its ledger row waits in
``<db>.work`` and is published with the next change.

``<db>.work.json`` records which published file ``<db>.work`` was copied from (inode, size,
mtime, a hash of DuckDB's file headers, which change at every checkpoint) and the kernel's boot
id: after a reboot the unsynced copy is not trusted and is made again. A published file changed
behind the lock (a ``duckdb`` shell opened read-write, an older version of this tool) is noticed
the same way: the copy is made again, and a change during a run refuses to publish over it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

from reconciler.core.errors import DatabaseError, DatabaseLocked, file_system_error

__all__ = ["WorkingCopy", "open_working_copy", "write_if_changed"]

_FICLONE = 0x40049409  # linux/fs.h: share the blocks of another file (btrfs, XFS, bcachefs)
_HEADER_BYTES = 3 * 4096  # DuckDB: the main header, then two database headers (one per checkpoint)


@dataclass
class WorkingCopy:
    """The private file a writer works on, and how to publish it onto ``published``."""

    published: Path
    work: Path
    stamp: Path
    base: list[object] | None
    """Identity of the published file the copy was made from (None: there was none)."""
    _mark: list[object] | None = None

    def mark(self) -> None:
        """Remember the working copy as it is now (just checkpointed: no WAL)."""
        self._mark = _identity(self.work)

    def changed_since_mark(self) -> bool:
        """Whether anything was committed since :meth:`mark`: DuckDB logs every committed
        change in the WAL until a checkpoint, and a checkpoint rewrites the file's headers."""
        return self._mark is None or _wal(self.work).exists() or _identity(self.work) != self._mark

    def publish(self) -> None:
        """Atomically replace the published file with the (checkpointed, closed) working copy,
        then make a fresh working copy of it for the next writer."""
        if _identity(self.published) != self.base:
            raise DatabaseLocked(
                f"database {self.published} was changed by another process during this run "
                "(opened read-write outside reconciler?); this run's work was not published, "
                "retry"
            )
        if _wal(self.work).exists():
            raise DatabaseError(
                f"cannot publish {self.work}: it was not checkpointed; nothing was published"
            )
        try:
            _fsync_file(self.work)
            self.work.replace(self.published)
            _fsync_dir(self.published.parent)
        except OSError as exc:  # the published file is as it was: nothing half-done to see
            raise _os_error(exc, self.published, "cannot publish the database") from exc
        self.base = _identity(self.published)
        self._copy_for_next_writer()

    def keep(self) -> None:
        """Nothing to publish: leave the working copy (and its ledger rows) for the next
        writer, valid as long as the published file is unchanged."""
        with contextlib.suppress(OSError):  # without a stamp the next writer copies again
            _write_stamp(self.stamp, self.base)

    def _copy_for_next_writer(self) -> None:
        # Failing here loses nothing (the next writer copies again), so errors are not raised.
        try:
            _copy(self.published, self.work)
            _write_stamp(self.stamp, self.base)
        except OSError:
            self.stamp.unlink(missing_ok=True)


@contextlib.contextmanager
def write_if_changed(con: duckdb.DuckDBPyConnection, digest_sql: str) -> Iterator[None]:
    """A transaction that is rolled back when ``digest_sql`` (one row summarising what the block
    may change) reads the same after the block as before: a recomputation that came out the
    same then writes nothing, so the command changed nothing and publishes nothing."""
    con.execute("BEGIN TRANSACTION")
    try:
        before = con.execute(digest_sql).fetchone()
        yield
        unchanged = con.execute(digest_sql).fetchone() == before
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("ROLLBACK" if unchanged else "COMMIT")


def open_working_copy(db_path: str) -> WorkingCopy:
    """Called under the writer lock: the working copy to open read-write for ``db_path``."""
    published = Path(db_path)
    work = Path(f"{db_path}.work")
    stamp = Path(f"{db_path}.work.json")
    if _wal(published).exists():
        _fold_wal(published)
    if published.exists() and not os.access(published, os.W_OK):
        # publishing renames over the file, which its mode would not stop: respect it
        raise _os_error(
            PermissionError(errno.EACCES, "Permission denied"), published, "cannot open database"
        )
    base = _identity(published)
    if not (work.exists() and _read_stamp(stamp) == {"base": base, "boot": _boot_id()}):
        try:
            stamp.unlink(missing_ok=True)
            for stale in (work, _wal(work)):
                stale.unlink(missing_ok=True)
            if base is not None:
                _copy(published, work)
            _write_stamp(stamp, base)
        except OSError as exc:  # no space for the copy, permissions ...: exit 2 or 3
            raise _os_error(exc, work, "cannot make the working copy") from exc
    return WorkingCopy(published, work, stamp, base)


def _os_error(exc: OSError, path: Path, doing: str) -> Exception:
    return file_system_error(exc, str(path), doing=doing) or exc


def _wal(path: Path) -> Path:
    return Path(f"{path}.wal")


def _identity(path: Path) -> list[object] | None:
    """Inode, size, mtime and a hash of DuckDB's headers: any checkpoint changes the hash."""
    try:
        with path.open("rb") as f:
            st = os.fstat(f.fileno())
            head = hashlib.sha256(f.read(_HEADER_BYTES)).hexdigest()[:32]
    except FileNotFoundError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns, head]


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"


def _read_stamp(stamp: Path) -> object:
    try:
        return json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_stamp(stamp: Path, base: list[object] | None) -> None:
    tmp = stamp.with_name(stamp.name + ".tmp")
    tmp.write_text(json.dumps({"base": base, "boot": _boot_id()}), encoding="utf-8")
    tmp.replace(stamp)


def _fold_wal(published: Path) -> None:
    """A ``.wal`` beside the published file (a killed writer of an older version, or a
    read-write session outside reconciler): checkpoint it into the file once, so that the
    published file stands alone again."""
    import duckdb

    try:
        duckdb.connect(str(published)).close()  # replays the WAL and checkpoints on close
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseLocked(
                f"database {published} is open for writing by another process; retry later"
            ) from exc
        raise DatabaseError(f"cannot open database {published}: {exc}") from exc


def _copy(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` (reflink when the file system shares blocks), holding a shared
    lock on ``src`` so that a read-write DuckDB process cannot be mid-write during the copy."""
    tmp = dst.with_name(dst.name + ".tmp")
    try:
        with src.open("rb") as s:
            try:
                fcntl.lockf(s, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EACCES, errno.EAGAIN):
                    raise DatabaseLocked(
                        f"database {src} is open for writing by another process; retry later"
                    ) from None
                raise
            with tmp.open("wb") as d:
                os.fchmod(d.fileno(), os.fstat(s.fileno()).st_mode & 0o7777)  # keep the mode
                try:
                    fcntl.ioctl(d.fileno(), _FICLONE, s.fileno())
                except OSError:
                    _copy_bytes(s.fileno(), d.fileno())
        tmp.replace(dst)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _copy_bytes(src: int, dst: int) -> None:
    """In-kernel copy (``copy_file_range``), plain reads and writes where that is refused."""
    size = os.fstat(src).st_size
    done = 0
    try:
        while done < size:
            n = os.copy_file_range(src, dst, size - done)
            if n == 0:
                break
            done += n
    except OSError:
        os.lseek(src, 0, os.SEEK_SET)
        os.lseek(dst, 0, os.SEEK_SET)
        os.ftruncate(dst, 0)
        while chunk := os.read(src, 16 << 20):
            view = memoryview(chunk)
            while view:
                view = view[os.write(dst, view) :]


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
