"""Where invocation-log bytes come from: SRC arguments expanded to source objects, and fetching.

A SRC is a file, a directory (walked recursively), a glob (``**`` allowed) or ``s3://bucket/prefix``
(listed with boto3; credentials from the standard chain; boto3 itself honours
``AWS_ENDPOINT_URL``, which is how tests point it at ``moto_server``). Objects come out sorted (by
path, or in S3's key order) so an ingest always sees them in the same order: dedupe keeps the first
copy, so order decides which copy is kept, and a rerun after a crash must decide the same way.

Skip rules, applied to everything found by walking a directory, a glob or an S3 prefix (a file
named explicitly is always read), on the part of the path below the SRC so that a root like
``/data/logs`` is not mistaken for an offload folder:

* body offloads: any ``data/`` path segment (Bedrock writes bodies over 100 KB there, as
  ``.json.gz`` too);
* markers: ``aws-logs-write-test`` (CloudWatch export permission check), anything with
  ``permission-check`` in its name, S3 "folder" keys ending in ``/``;
* non-log files: names not ending in ``.json.gz``, ``.json``, ``.gz``, ``.jsonl``, ``.ndjson``.

Fingerprints (the ledger's change detector): the ETag for S3 objects, ``<size>:<mtime_ns>`` for
local files. Errors: a missing local path or a glob matching nothing is a
:class:`~reconciler.core.errors.SourceError` (exit 2); an unreachable endpoint, throttling or
expired/missing credentials is :class:`~reconciler.core.errors.SourceUnavailable` (exit 3).
"""

from __future__ import annotations

import glob
import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.core import aws
from reconciler.core.errors import ReconcilerError, SourceError, SourceUnavailable

if TYPE_CHECKING:
    import botocore.exceptions
    from mypy_boto3_s3 import S3Client

__all__ = [
    "Expansion",
    "SourceObject",
    "aws_error",
    "expand_sources",
    "fetch_s3",
    "skip_reason",
]

logger = logging.getLogger(__name__)

_LOG_SUFFIXES = (".json.gz", ".json", ".gz", ".jsonl", ".ndjson")
_TRANSIENT_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "ServiceUnavailable",
    "InternalError",
    "503",
    "500",
}


@dataclass(frozen=True)
class SourceObject:
    """One file or S3 object to ingest."""

    uri: str  # absolute path (symlinks not resolved), or s3://bucket/key
    fingerprint: str  # ETag for S3, "<size>:<mtime_ns>" locally
    size: int
    path: str | None = None
    bucket: str | None = None
    key: str | None = None


@dataclass
class Expansion:
    """The objects to read, in order, and how many were skipped by rule."""

    objects: list[SourceObject] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # offload | marker | not_log


def skip_reason(relative: str) -> str | None:
    """Why a path found under a SRC is not a log file (None = read it)."""
    if relative.endswith("/"):
        return "marker"
    parts = relative.strip("/").split("/")
    name = parts[-1]
    if "data" in parts[:-1]:
        return "offload"
    if name == "aws-logs-write-test" or "permission-check" in name.lower():
        return "marker"
    if not name.endswith(_LOG_SUFFIXES):
        return "not_log"
    return None


def expand_sources(sources: Iterable[str], *, s3_client: S3Client | None = None) -> Expansion:
    """Expand SRC arguments to source objects (see the module docstring for the rules)."""
    out = Expansion()
    seen: set[str] = set()
    for src in sources:
        if src.startswith("s3://"):
            client = s3_client if s3_client is not None else aws.client("s3")
            s3_client = client
            found: Iterator[tuple[SourceObject | Path, str]] = _list_s3(client, src)
        else:
            found = _list_local(src)
        for item, relative in found:
            reason = skip_reason(relative) if relative else None
            if reason is not None:
                out.skipped[reason] += 1
                continue
            obj = item if isinstance(item, SourceObject) else _local(item)  # stat only kept files
            if obj.uri not in seen:
                seen.add(obj.uri)
                out.objects.append(obj)
    return out


def _list_local(src: str) -> Iterator[tuple[SourceObject | Path, str]]:
    if any(ch in src for ch in "*?["):
        matches = sorted(glob.glob(src, recursive=True))  # noqa: PTH207 (absolute globs)
        if not matches:
            raise SourceError(f"no files match {src}")
        for match in matches:
            p = Path(match)
            if p.is_dir():
                yield from _walk(p)
            elif p.is_file():
                yield _local(p), p.name
        return
    p = Path(src)
    if p.is_dir():
        yield from _walk(p)
    elif p.is_file():
        yield _local(p), ""  # named explicitly: always read
    else:
        raise SourceError(f"source {src} does not exist (expected a file, directory or glob)")


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    """Files under ``root`` in a fixed order; not stat-ed here (offload folders hold thousands of
    files that the skip rules drop by name)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            yield p, p.relative_to(root).as_posix()


def _local(p: Path) -> SourceObject:
    path = str(p.absolute())
    try:
        st = p.stat()
    except OSError:  # e.g. a dangling symlink: reading it will quarantine it as unreadable
        return SourceObject(path, "unreadable", 0, path=path)
    return SourceObject(path, f"{st.st_size}:{st.st_mtime_ns}", st.st_size, path=path)


def _list_s3(client: S3Client, src: str) -> Iterator[tuple[SourceObject | Path, str]]:
    import botocore.exceptions

    bucket, _, prefix = src.removeprefix("s3://").partition("/")
    if not bucket:
        raise SourceError(f"{src}: expected s3://bucket/prefix")
    paginator = client.get_paginator("list_objects_v2")
    try:
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"]
                relative = key[len(prefix) :] if key.startswith(prefix) else key
                obj = SourceObject(
                    f"s3://{bucket}/{key}",
                    item.get("ETag", "").strip('"'),
                    int(item.get("Size", 0)),
                    bucket=bucket,
                    key=key,
                )
                yield obj, relative or key.rsplit("/", 1)[-1]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise aws_error(exc, f"listing {src}") from exc


def fetch_s3(client: S3Client, obj: SourceObject) -> bytes | None:
    """The object's bytes; None when it vanished since it was listed (a quarantine case)."""
    import botocore.exceptions

    assert obj.bucket is not None
    assert obj.key is not None
    try:
        response = client.get_object(Bucket=obj.bucket, Key=obj.key)
        data: bytes = response["Body"].read()
        return data
    except botocore.exceptions.ClientError as exc:
        if _code(exc) in ("NoSuchKey", "404"):
            return None
        raise aws_error(exc, f"reading {obj.uri}") from exc
    except botocore.exceptions.BotoCoreError as exc:
        raise aws_error(exc, f"reading {obj.uri}") from exc


def _code(exc: botocore.exceptions.ClientError) -> str:
    error: dict[str, Any] = dict(exc.response.get("Error", {}))
    return str(error.get("Code", ""))


def aws_error(exc: Exception, doing: str) -> ReconcilerError:
    """Map a botocore failure to exit 3 (retry later) or exit 2 (fix something first)."""
    import botocore.exceptions

    if isinstance(exc, botocore.exceptions.ClientError):
        code = _code(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in _TRANSIENT_CODES or status >= 500:
            return SourceUnavailable(f"AWS is unavailable while {doing}: {code}; retry later")
        return SourceError(f"AWS refused {doing}: {code}: {exc}")
    if isinstance(exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.NoRegionError):
        return SourceUnavailable(
            f"no usable AWS credentials/Region while {doing} ({exc}); check the credential "
            "chain (AWS_PROFILE, role, environment) and retry"
        )
    return SourceUnavailable(f"AWS could not be reached while {doing}: {exc}; retry later")
