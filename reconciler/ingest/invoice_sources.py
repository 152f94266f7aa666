"""Where invoice files come from: local files, directories, globs and ``s3://`` prefixes.

Billing exports are replaced, not appended: Data Exports rewrites every file of the open month's
``BILLING_PERIOD=YYYY-MM`` partition on each refresh. So files are handed to the ingest in
*groups*: all data files of one partition of one export (the *source family*
``<prefix>/<export>``), even when the user named a single file of it, because replacing a period
from half a delivery would lose the other half. Files outside that layout are a group of one and
their own family. Manifests and other non-data files are skipped and counted.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.core import aws
from reconciler.core.errors import SourceError, SourceUnavailable

__all__ = ["InvoiceFile", "InvoiceGroup", "discover", "materialise"]

_DATA_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".csv.zip")
_PARTITION = re.compile(r"^(?P<family>.+)/data/BILLING_PERIOD=(?P<period>\d{4}-\d{2})/[^/]+$")


@dataclass(frozen=True)
class InvoiceFile:
    uri: str
    fingerprint: str
    size: int
    modified: datetime | None = None  # UTC, naive: S3 LastModified or the file's mtime


@dataclass
class InvoiceGroup:
    """Files that together are one delivery of one billing period (or one loose file)."""

    family: str
    period: str | None  # "YYYY-MM" from the partition name; None outside the layout
    files: list[InvoiceFile]


def _is_data(name: str) -> bool:
    return name.lower().endswith(_DATA_SUFFIXES)


def discover(
    sources: list[str], s3_client: Callable[[], Any] | None = None
) -> tuple[list[InvoiceGroup], int]:
    """Expand sources into groups; returns the groups and how many non-data files were skipped."""
    found: dict[str, InvoiceFile] = {}
    skipped = 0
    for src in sources:
        if src.startswith("s3://"):
            items = list(_list_s3(src, s3_client))
        else:
            items = list(_list_local(src))
        for f in items:
            if _is_data(f.uri):
                found.setdefault(f.uri, f)
            else:
                skipped += 1
    # A file of a BILLING_PERIOD= partition brings its siblings: a period is replaced whole.
    for f in list(found.values()):
        m = _PARTITION.match(f.uri)
        if m:
            folder = f.uri.rsplit("/", 1)[0] + "/"
            siblings = (
                _list_s3(folder, s3_client) if f.uri.startswith("s3://") else _list_local(folder)
            )
            for s in siblings:
                if _is_data(s.uri):
                    found.setdefault(s.uri, s)
    groups: dict[tuple[str, str | None], InvoiceGroup] = {}
    for f in sorted(found.values(), key=lambda x: x.uri):
        m = _PARTITION.match(f.uri)
        key = (m.group("family"), m.group("period")) if m else (f.uri, None)
        groups.setdefault(key, InvoiceGroup(key[0], key[1], [])).files.append(f)
    return list(groups.values()), skipped


def _list_local(src: str) -> Iterator[InvoiceFile]:
    path = Path(src)
    if path.is_file():
        yield _local(path)
    elif path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                yield _local(p)
    else:
        # A glob is user syntax ("exports/**/*.parquet"), not a path: glob.glob reads it as such.
        matches = sorted(glob.glob(src, recursive=True))  # noqa: PTH207
        if not matches:
            raise SourceError(
                f"invoice source {src} does not exist: pass a file, directory or glob"
            )
        for m in matches:
            yield from _list_local(m)


def _local(path: Path) -> InvoiceFile:
    st = path.stat()
    modified = datetime.fromtimestamp(st.st_mtime, UTC).replace(tzinfo=None)
    return InvoiceFile(str(path), f"{st.st_size}:{st.st_mtime_ns}", st.st_size, modified)


def _split_s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not bucket:
        raise SourceError(f"bad S3 URI {uri}: use s3://bucket/prefix")
    return bucket, key


def _s3(s3_client: Callable[[], Any] | None) -> Any:
    return s3_client() if s3_client is not None else aws.client("s3")


def _utc(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _list_s3(uri: str, s3_client: Callable[[], Any] | None) -> Iterator[InvoiceFile]:
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = _split_s3(uri)
    client = _s3(s3_client)
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                yield InvoiceFile(
                    f"s3://{bucket}/{obj['Key']}",
                    str(obj["ETag"]).strip('"'),
                    int(obj["Size"]),
                    _utc(obj.get("LastModified")),
                )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket", "AccessDenied", "AllAccessDisabled"):
            raise SourceError(
                f"cannot list {uri}: {code}; check the bucket and permissions"
            ) from exc
        raise SourceUnavailable(f"cannot list {uri}: {code or exc}; retry later") from exc
    except BotoCoreError as exc:
        raise SourceUnavailable(f"cannot list {uri}: {exc}; retry later") from exc


def _temp_suffix(uri: str) -> str:
    """An opaque, short temp-file suffix for an object: a hash of its URI plus its data suffix.

    Never the key itself: an S3 key may be 1,024 bytes and one path component at most 255
    (``OSError: File name too long``). The data suffix is kept because DuckDB chooses the
    decompression (``.gz``) and the reader from it.
    """
    digest = hashlib.sha256(uri.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    lower = uri.lower()
    ext = next((s for s in _DATA_SUFFIXES if lower.endswith(s)), "")
    return f"-{digest}{ext}"


def materialise(f: InvoiceFile, workdir: str, s3_client: Callable[[], Any] | None = None) -> str:
    """A local path DuckDB can read: the file itself, or an S3 object downloaded to workdir."""
    if not f.uri.startswith("s3://"):
        return f.uri
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, key = _split_s3(f.uri)
    fd, path = tempfile.mkstemp(dir=workdir, prefix="object-", suffix=_temp_suffix(f.uri))
    os.close(fd)
    try:
        with Path(path).open("wb") as out:
            _s3(s3_client).download_fileobj(bucket, key, out)
    except (ClientError, BotoCoreError) as exc:
        raise SourceUnavailable(f"cannot read {f.uri}: {exc}; retry later") from exc
    return path
