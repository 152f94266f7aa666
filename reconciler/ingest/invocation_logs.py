"""Bedrock invocation-log files -> Arrow rows of ``invocation_records`` columns, plus problems.

Input: the bytes of one file (S3-delivery NDJSON, plain or gzip; or a CloudWatch Logs export whose
lines are ``<ISO timestamp or epoch ms> <json>``), or a list of CloudWatch event messages.
Output: a :class:`ParsedFile` with an Arrow table (one row per good record, with its 1-based line
number) and the problems found (line, reason, detail). Nothing here touches the database.

Invariants and why:

* **Metadata only.** The msgspec schema below names only metadata fields; the request and response
  bodies are skipped by the decoder without building objects (fast, and they are never held as
  text). Two numbers/enums may be derived from a logged *response* body: the 1-hour part of cache
  writes (``usage.cacheDetails[ttl=="1h"].inputTokens``) and the Converse service tier
  (``serviceTier.type``). Nothing else of a body is read or kept.
* **Parse by field name.** Real deliveries do not keep key order, and bodies contain the same key
  names (``inputTokenCount`` inside ``amazon-bedrock-invocationMetrics``), so no regex/substring
  tricks: a real, validating JSON decode with a partial schema.
* **Fast path, then a careful path.** ``Decoder.decode_lines`` decodes the whole buffer in one C
  call with strict types (token counts are non-negative ints). Only if that fails (or blank lines
  would shift the line numbers) is the file decoded line by line, to find each bad line with its
  1-based number and a reason code (``reconciler.core.quarantine.Reason``). Good lines around a bad
  one
  still load.
* **Never raise on bad bytes.** Any input yields a ParsedFile (property-tested); gzip damage is a
  whole-file ``corrupt_gzip`` problem, but the complete lines decoded before the damage are kept
  (and the detail says how many) -- except when only the final checksum fails, where the damage
  cannot be located and nothing is kept.
* **No pydantic here**: this is the per-record hot path (see docs/ingest.md for the figures).

Record rules: ``schemaType`` must be ``ModelInvocationLog`` (``schemaVersion``, when present,
must be 1.x); ``timestamp``, ``accountId``, ``region``, ``requestId`` and ``modelId`` are
required and non-empty; ``input.inputTokenCount`` is required unless the record carries an
``errorCode`` (failed calls log no counts and are loaded with 0 tokens); a missing
``outputTokenCount`` (embeddings) or cache count is 0. Timestamps become UTC, second precision.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, cast

import msgspec
from isal import isal_zlib

from reconciler.core.arrow import pa
from reconciler.core.quarantine import Reason
from reconciler.ingest.limits import DEFAULT_LIMITS, INT64_MAX, IngestLimits

__all__ = [
    "RECORD_SCHEMA",
    "ParsedFile",
    "decompress",
    "detect_format",
    "parse_bytes",
    "parse_messages",
    "parse_path",
    "too_large",
]

SCHEMA_TYPE = "ModelInvocationLog"
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 18  # salvage path only: decompress in 256 KiB steps to keep what came before damage
_PARSE_CHUNK = 32 << 20
"""Decompressed text is parsed in slices of about this many bytes (cut at a line end): the
decoded records of one slice are the parser's largest transient, so this bounds a worker's memory
for a file of many tiny records (measured: docs/ingest.md, "Limits")."""
_PREFIX = rb"(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?|\d{10,16}) "
_PREFIX_ONE = re.compile(_PREFIX)
_PREFIX_ALL = re.compile(rb"(?m)^" + _PREFIX)
_DETECT_LINES = 20
_ISAL_ERROR = cast("type[Exception]", isal_zlib.error)
_GZIP_ERRORS = (OSError, EOFError, ValueError, _ISAL_ERROR)

RECORD_SCHEMA = pa.schema(
    [
        ("line_number", pa.int64()),
        ("request_id", pa.string()),
        ("account_id", pa.string()),
        ("region", pa.string()),
        ("event_time", pa.timestamp("s")),
        ("identity_arn", pa.string()),
        ("operation", pa.string()),
        ("model_id", pa.string()),
        ("inference_region", pa.string()),
        ("input_tokens", pa.int64()),
        ("output_tokens", pa.int64()),
        ("cache_read_input_tokens", pa.int64()),
        ("cache_write_input_tokens", pa.int64()),
        ("cache_write_1h_input_tokens", pa.int64()),
        ("service_tier", pa.string()),
        ("latency_mode", pa.string()),
        ("error_code", pa.string()),
        ("request_metadata", pa.map_(pa.string(), pa.string())),
    ]
)
"""Columns of a parsed file: ``invocation_records`` minus source_uri/run_id, plus line_number."""

Count = Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]  # the ceiling is applied on the columns
_TOKEN_FIELDS = (
    ("input", "inputTokenCount"),
    ("input", "cacheReadInputTokenCount"),
    ("input", "cacheWriteInputTokenCount"),
    ("output", "outputTokenCount"),
)
_REQUIRED = ("schemaType", "timestamp", "accountId", "region", "requestId", "modelId")
_TIERS = {"default": "standard", "standard": "standard", "priority": "priority", "flex": "flex"}
_TIERS["reserved"] = "reserved"


# --- the partial schema: only metadata fields; everything else (bodies) is skipped --------------
class _Identity(msgspec.Struct, gc=False):
    arn: str | None = None


class _Input(msgspec.Struct, gc=False):
    inputTokenCount: Count | None = None
    cacheReadInputTokenCount: Count | None = None
    cacheWriteInputTokenCount: Count | None = None


class _BodyFields(msgspec.Struct, gc=False):
    """The two members of a logged response object that may be read (see the module docstring),
    kept raw: the body is scanned once, in the record's own decode, and any shape is accepted."""

    usage: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    serviceTier: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)


# Any JSON value: an object (non-streamed body), an array (streamed chunks), or a scalar.
_OutputBody = _BodyFields | list[msgspec.Raw] | str | int | float | bool | None


class _Output(msgspec.Struct, gc=False):
    outputTokenCount: Count | None = None
    outputBodyJson: _OutputBody = None


class _Performance(msgspec.Struct, gc=False):
    latency: str | None = None


class _Record(msgspec.Struct, gc=False):
    schemaType: str
    timestamp: datetime
    accountId: str
    region: str
    requestId: str
    modelId: str
    schemaVersion: str | None = None
    identity: _Identity | None = None
    operation: str | None = None
    inferenceRegion: str | None = None
    input: _Input | None = None
    output: _Output | None = None
    requestMetadata: dict[str, str] | None = None
    performanceConfig: _Performance | None = None
    errorCode: str | int | None = None


# --- what may be derived from a logged response body (numbers and enums only) --------------------
class _CacheDetail(msgspec.Struct, gc=False):
    ttl: str | None = None
    inputTokens: Count | None = None


class _Usage(msgspec.Struct, gc=False):
    cacheDetails: list[_CacheDetail] | None = None


class _Tier(msgspec.Struct, gc=False):
    type: str | None = None


class _Body(msgspec.Struct, gc=False):
    usage: _Usage | None = None
    serviceTier: _Tier | None = None


class _StreamEvent(msgspec.Struct, gc=False):
    metadata: _Body | None = None


_DECODER = msgspec.json.Decoder(_Record)
_ANY = msgspec.json.Decoder()
_USAGE = msgspec.json.Decoder(_Usage | None)
_TIER = msgspec.json.Decoder(_Tier | None)
_EVENT = msgspec.json.Decoder(_StreamEvent)


_Problem = tuple[int | None, Reason, str]


@dataclass
class ParsedFile:
    """One parsed file: good rows as Arrow, problems as (line or None, reason, detail)."""

    source_uri: str
    table: pa.Table
    problems: list[tuple[int | None, Reason, str]] = field(default_factory=list)
    format: str = "s3_delivery"  # s3_delivery | cloudwatch_export | cloudwatch_api | unknown
    lines: int = 0  # non-blank lines seen (good + quarantined records)
    kept_after_damage: bool = False  # corrupt gzip, but the complete lines before it were kept
    over_limit: bool = False  # broke a per-file limit: nothing loaded, tried again next run


class _TooLarge(Exception):
    """Decompression passed ``IngestLimits.max_decompressed_bytes``."""


class _Rejects:
    """The rejected lines of one file: the first ``cap`` with their details, the rest counted
    by reason and reported in ONE ``more_rejected_lines`` row, so a file of millions of junk
    lines costs a counter, not millions of rows (or tuples in memory)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.items: list[_Problem] = []
        self.more: Counter[str] = Counter()

    def add(self, line: int | None, reason: Reason, detail: str) -> None:
        if len(self.items) < self.cap:
            self.items.append((line, reason, detail))
        else:
            self.more[reason.value] += 1

    def listed(self) -> list[_Problem]:
        """The kept rows in line order, then the summary row when lines were left out."""
        rows = sorted(self.items, key=lambda p: p[0] or 0)
        if self.more:
            n = sum(self.more.values())
            by = ", ".join(f"{reason} {count}" for reason, count in sorted(self.more.items()))
            rows.append(
                (
                    None,
                    Reason.MORE_REJECTED_LINES,
                    f"{n} more rejected lines not listed one by one, past the limit of "
                    f"{self.cap} rows per file (ingest.max_quarantine_rows_per_file): {by}",
                )
            )
        return rows


def too_large(source_uri: str, limit: int, what: str) -> ParsedFile:
    """The whole-file ``file_too_large`` result (``what``: "is" or "decompresses to")."""
    detail = (
        f"{what} more than {limit} bytes (ingest.max_decompressed_bytes); nothing of it was "
        "loaded and it is read again next run"
    )
    parsed = _empty(source_uri, [(None, Reason.FILE_TOO_LARGE, detail)])
    parsed.over_limit = True
    return parsed


def parse_path(
    path: str | Path, source_uri: str | None = None, limits: IngestLimits = DEFAULT_LIMITS
) -> ParsedFile:
    """Read and parse a local file; an unreadable file is a problem, not an exception."""
    uri = source_uri or str(path)
    try:
        with Path(path).open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limits.max_decompressed_bytes:
                return too_large(uri, limits.max_decompressed_bytes, "is")
            data = handle.read()
    except OSError as exc:
        return _empty(uri, [(None, Reason.UNREADABLE_FILE, f"cannot read file: {exc.strerror}")])
    return parse_bytes(data, uri, name=str(path), limits=limits)


def parse_bytes(
    data: bytes, source_uri: str, *, name: str = "", limits: IngestLimits = DEFAULT_LIMITS
) -> ParsedFile:
    """Decompress (gzip by magic bytes, any number of members), detect the format, parse."""
    problems: list[_Problem] = []
    kept = False
    cap = limits.max_decompressed_bytes
    if len(data) > cap:
        return too_large(source_uri, cap, "is")
    looks_gzip = data[:2] == _GZIP_MAGIC
    if looks_gzip or (name or source_uri).endswith(".gz"):
        try:
            text, damage = decompress(data, limit=cap)
        except _TooLarge:
            return too_large(source_uri, cap, "decompresses to")
        if damage is not None:
            n = text.count(b"\n")
            kept = n > 0
            note = f"; the {n} complete lines before it were loaded" if kept else ""
            problems.append((None, Reason.CORRUPT_GZIP, damage + note))
    else:
        text = data
    del data
    fmt = detect_format(text)
    if fmt == "unknown":
        if text.strip():
            problems.append(
                (None, Reason.UNKNOWN_FORMAT, "no invocation-log lines in the first 20 lines")
            )
        return _empty(source_uri, problems, fmt)
    parsed = _parse_lines(text, source_uri, fmt, limits)
    parsed.problems[:0] = problems
    parsed.kept_after_damage = kept
    return parsed


def parse_messages(
    messages: Sequence[bytes],
    source_uri: str,
    *,
    first_line: int = 1,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> ParsedFile:
    """CloudWatch events: message i is line ``first_line + i`` (its event index in the stream)."""
    if any(b"\n" in m for m in messages):  # pretty-printed JSON: keep one record per message
        messages = [m.replace(b"\r", b" ").replace(b"\n", b" ") for m in messages]
    text = b"\n".join(m if m.strip() else b"{}" for m in messages)
    parsed = _parse_lines(text + b"\n" if text else text, source_uri, "cloudwatch_api", limits)
    shift = first_line - 1
    if shift:
        numbers = pa.compute.add(parsed.table["line_number"], shift)
        parsed.table = parsed.table.set_column(0, "line_number", numbers)
        parsed.problems = [(n + shift if n else n, r, d) for n, r, d in parsed.problems]
    return parsed


def decompress(data: bytes, *, limit: int | None = None) -> tuple[bytes, str | None]:
    """gunzip every member; on damage return the output before it and what went wrong.

    The returned text is cut back to its last newline when damaged, so only lines that were
    decoded completely survive. A checksum failure at the end cannot say where the damage is, so
    then nothing is kept. With ``limit``, raises :class:`_TooLarge` as soon as the output would
    pass ``limit`` bytes: decompression is bounded by the limit, never by the input's expansion.
    """
    cap = (1 << 62) if limit is None else limit
    try:  # one gzip member, nothing after it (every S3 delivery): the cheapest call
        one = isal_zlib.decompressobj(31)
        first: bytes = one.decompress(data, cap + 1)
        if len(first) > cap:
            raise _TooLarge
        if one.eof and not one.unused_data:
            return first, None
        del first
    except _GZIP_ERRORS:
        pass
    out: list[bytes] = []
    total = 0
    view = memoryview(data)
    pos, members = 0, 0
    while pos < len(data):
        if bytes(view[pos : pos + 2]) != _GZIP_MAGIC:
            if members and not bytes(view[pos:]).strip(b"\x00"):
                break  # zero padding after the last member is harmless
            return _cut(out), f"not gzip data at byte {pos}"
        d = isal_zlib.decompressobj(31)
        off = pos
        try:
            while not d.eof:
                if d.unconsumed_tail:
                    piece: bytes = d.decompress(d.unconsumed_tail, cap - total + 1)
                elif off < len(data):
                    piece = d.decompress(view[off : off + _CHUNK], cap - total + 1)
                    off += _CHUNK
                else:
                    break
                total += len(piece)
                if total > cap:
                    raise _TooLarge
                out.append(piece)
        except _GZIP_ERRORS as exc:
            if "checksum" in str(exc).lower():
                return b"", f"gzip checksum mismatch in member {members + 1}"
            return _cut(out), f"invalid gzip data in member {members + 1} ({exc})"
        if not d.eof:
            return _cut(out), f"gzip stream ends early in member {members + 1} (truncated file)"
        members += 1
        pos = min(off, len(data)) - len(d.unused_data)
    return b"".join(out), None


def _cut(out: list[bytes]) -> bytes:
    text = b"".join(out)
    return text[: text.rfind(b"\n") + 1]


def detect_format(text: bytes) -> str:
    """``s3_delivery`` (a JSON object per line), ``cloudwatch_export`` (timestamp, space, JSON)
    or ``unknown``, from the first non-blank lines; one line that fits decides."""
    seen = 0
    for line in _first_lines(text, 200):
        stripped = line.lstrip()
        if not stripped:
            continue
        if stripped.startswith(b"{"):
            return "s3_delivery"
        if _PREFIX_ONE.match(stripped):
            return "cloudwatch_export"
        seen += 1
        if seen >= _DETECT_LINES:
            break
    return "unknown"


def _first_lines(text: bytes, limit: int) -> Iterator[bytes]:
    """The first ``limit`` lines, found one at a time (a split would copy them all up front)."""
    start = 0
    for _ in range(limit):
        end = text.find(b"\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def _empty(source_uri: str, problems: list[_Problem], fmt: str = "unknown") -> ParsedFile:
    return ParsedFile(source_uri, RECORD_SCHEMA.empty_table(), problems, fmt)


def _parse_lines(text: bytes, source_uri: str, fmt: str, limits: IngestLimits) -> ParsedFile:
    """Parse ``text`` slice by slice (``_PARSE_CHUNK``, cut at line ends), so the decoded
    records held at once are bounded whatever the file holds; line numbers run on across."""
    rejects = _Rejects(limits.max_quarantine_rows_per_file)
    tables: list[pa.Table] = []
    seen = 0
    start, first_line, size = 0, 1, len(text)
    while start < size:
        end = size
        if size - start > _PARSE_CHUNK:
            cut = text.find(b"\n", start + _PARSE_CHUNK)
            end = size if cut < 0 else cut + 1
        chunk = text[start:end] if (start, end) != (0, size) else text
        if fmt == "cloudwatch_export":
            chunk = _PREFIX_ALL.sub(b"", chunk)
        n_lines = _newlines(chunk) + (0 if chunk.endswith(b"\n") else 1)
        table, count = _parse_chunk(chunk, first_line, n_lines, rejects, limits)
        del chunk
        tables.append(table)
        seen += count
        first_line += n_lines
        start = end
    if not tables:
        table = RECORD_SCHEMA.empty_table()
    else:
        table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    return ParsedFile(source_uri, table, rejects.listed(), fmt, seen)


def _parse_chunk(
    text: bytes, first_line: int, n_lines: int, rejects: _Rejects, limits: IngestLimits
) -> tuple[pa.Table, int]:
    """One slice: (Arrow rows of its good records, non-blank lines seen); bad lines go to
    ``rejects``. ``first_line`` is the file line number of the slice's first line."""
    records: list[_Record] | None = None
    numbers: Sequence[int] = ()
    bad_before = len(rejects.items) + sum(rejects.more.values())
    try:
        decoded = _DECODER.decode_lines(text)
        if len(decoded) == n_lines:  # no blank lines: record i is line first_line + i
            records = decoded
            numbers = range(first_line, first_line + n_lines)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        pass
    if records is None:
        records, numbers = _careful(text, first_line, rejects)
    verdicts = [_check(rec) for rec in records]
    if any(v is not None for v in verdicts):
        good: list[_Record] = []
        good_numbers: list[int] = []
        for number, rec, bad in zip(numbers, records, verdicts, strict=True):
            if bad is None:
                good.append(rec)
                good_numbers.append(number)
            else:
                rejects.add(number, *bad)
        records, numbers = good, good_numbers
    seen = len(records) + len(rejects.items) + sum(rejects.more.values()) - bad_before
    return _within_limits(_table(numbers, records), rejects, limits), seen


def _newlines(text: bytes) -> int:
    """``text.count(b"\\n")``, about 8x faster on log files: lines are kilobytes long, and
    ``find`` uses the C library's vectorised memchr where ``count`` tests byte by byte."""
    n = 0
    find = text.find
    pos = find(b"\n")
    while pos >= 0:
        n += 1
        pos = find(b"\n", pos + 1)
    return n


def _careful(text: bytes, first_line: int, rejects: _Rejects) -> tuple[list[_Record], list[int]]:
    """Line by line: the good records with their line numbers; bad lines go to ``rejects``.
    Lines are cut one at a time (a split would hold millions of line objects at once)."""
    records: list[_Record] = []
    numbers: list[int] = []
    start, size, i = 0, len(text), first_line - 1
    while start < size:
        end = text.find(b"\n", start)
        if end < 0:
            end = size
        line = text[start:end]
        start = end + 1
        i += 1
        if not line.strip():
            continue
        try:
            records.append(_DECODER.decode(line))
            numbers.append(i)
        except msgspec.ValidationError as exc:  # a subclass of DecodeError: test it first
            rejects.add(i, *_classify(line, exc))
        except msgspec.DecodeError as exc:
            reason = Reason.TRUNCATED_LINE if "truncated" in str(exc) else Reason.NOT_JSON
            rejects.add(i, reason, _short(str(exc)))
        except RecursionError:
            rejects.add(i, Reason.TOO_DEEPLY_NESTED, _TOO_DEEP)
    return records, numbers


_TOO_DEEP = "nested deeper than the JSON decoder allows (about 900 levels)"


def _classify(line: bytes, exc: msgspec.ValidationError) -> tuple[Reason, str]:
    """Why a JSON line is not a record: checked on the untyped value, in a fixed order."""
    try:
        obj: Any = _ANY.decode(line)
    except msgspec.DecodeError as bad:  # the typed decoder may fail on types before syntax
        reason = Reason.TRUNCATED_LINE if "truncated" in str(bad) else Reason.NOT_JSON
        return reason, _short(str(bad))
    except RecursionError:
        return Reason.TOO_DEEPLY_NESTED, _TOO_DEEP
    if not isinstance(obj, dict):
        return Reason.UNKNOWN_SHAPE, f"a JSON {type(obj).__name__}, not an object"
    if not any(k in obj for k in ("schemaType", "requestId", "modelId")):
        return Reason.UNKNOWN_SHAPE, "an object without schemaType, requestId or modelId"
    schema_type = obj.get("schemaType")
    if "schemaType" in obj and schema_type != SCHEMA_TYPE:
        return Reason.UNEXPECTED_SCHEMA_TYPE, f"schemaType is {_show(schema_type)}"
    for key in _REQUIRED:
        if obj.get(key) is None:
            return Reason.MISSING_FIELD, f"{key} is missing"
    for parent, key in _TOKEN_FIELDS:
        value = obj.get(parent, {}).get(key) if isinstance(obj.get(parent), dict) else None
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            return Reason.NON_INTEGER_TOKEN_COUNT, f"{parent}.{key} is {_show(value)}"
        if value < 0:
            return Reason.NEGATIVE_TOKEN_COUNT, f"{parent}.{key} is {_show(value)}"
        if value > INT64_MAX:
            return Reason.IMPLAUSIBLE_TOKEN_COUNT, f"{parent}.{key} is {_show(value)}, over 2^63-1"
    return Reason.BAD_FIELD, _short(str(exc))


def _check(rec: _Record) -> tuple[Reason, str] | None:
    """Rules the typed decode cannot express."""
    if rec.schemaType != SCHEMA_TYPE:
        return Reason.UNEXPECTED_SCHEMA_TYPE, f"schemaType is {_show(rec.schemaType)}"
    version = rec.schemaVersion
    if version is not None and version != "1" and not version.startswith("1."):
        return Reason.UNEXPECTED_SCHEMA_TYPE, f"schemaVersion is {_show(version)}"
    for key in ("accountId", "region", "requestId", "modelId"):
        if not getattr(rec, key).strip():
            return Reason.MISSING_FIELD, f"{key} is empty"
    if (rec.input is None or rec.input.inputTokenCount is None) and rec.errorCode is None:
        return Reason.MISSING_FIELD, "input.inputTokenCount is missing (and no errorCode)"
    return None


_TOKEN_COLUMNS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_write_input_tokens",
)
_STRING_COLUMNS = (
    "request_id",
    "account_id",
    "region",
    "model_id",
    "identity_arn",
    "operation",
    "inference_region",
    "service_tier",
    "latency_mode",
    "error_code",
)


def _within_limits(table: pa.Table, rejects: _Rejects, limits: IngestLimits) -> pa.Table:
    """Drop (and reject) the rows that break a per-record limit: token counts over the
    plausibility ceiling, strings or requestMetadata over their sizes. Column-wise in Arrow, so
    a clean slice costs a few vectorised comparisons; only offending rows are looked at one by
    one (to say which field and how big, never what it holds)."""
    if not table.num_rows or _clean(table, limits):
        return table
    pc = pa.compute
    ceiling = limits.max_tokens_per_count
    chars = limits.max_field_chars
    checks: list[tuple[pa.Array, str]] = []
    for name in _TOKEN_COLUMNS:
        checks.append((pc.greater(table[name], ceiling), name))
    for name in _STRING_COLUMNS:
        checks.append((pc.greater(pc.utf8_length(table[name]), chars), name))
    meta = table["request_metadata"].combine_chunks()
    keys = pa.ListArray.from_arrays(meta.offsets, meta.keys)  # map kernels are few: as lists
    checks.append(
        (pc.greater(pc.list_value_length(keys), limits.max_metadata_entries), "request_metadata")
    )
    if len(meta.keys):
        parents = pc.list_parent_indices(keys)
        long_entry = pc.or_(
            pc.greater(pc.utf8_length(meta.keys), chars),
            pc.greater(pc.utf8_length(meta.items), chars),
        )
        rows = pc.unique(pc.filter(parents, pc.fill_null(long_entry, False)))
        if len(rows):
            mask = pc.is_in(pa.array(range(table.num_rows), pa.int64()), value_set=rows)
            checks.append((mask, "request_metadata entry"))
    bad = None
    for mask, _ in checks:
        mask = pc.fill_null(mask, False)
        bad = mask if bad is None else pc.or_(bad, mask)
    if bad is None or not pc.any(bad).as_py():
        return table
    lines = table["line_number"].to_pylist()
    flags = [[bool(v) for v in pc.fill_null(m, False).to_pylist()] for m, _ in checks]
    for row in pc.indices_nonzero(bad).to_pylist():
        which = next(i for i, f in enumerate(flags) if f[row])
        rejects.add(lines[row], *_limit_reason(table, row, checks[which][1], limits))
    return table.filter(pc.invert(bad))


def _clean(table: pa.Table, limits: IngestLimits) -> bool:
    """True when no row can break a per-record limit: the largest token count, the longest
    string in bytes (never fewer than its characters) and the largest requestMetadata, each
    from one or two vectorised calls over all the columns at once. The row-by-row masks of
    :func:`_within_limits` cost about 15% of the parse per file; this bound costs a few percent."""
    pc = pa.compute
    tokens = pc.max(pc.max_element_wise(*(table[n] for n in _TOKEN_COLUMNS))).as_py()
    if tokens is not None and tokens > limits.max_tokens_per_count:
        return False
    strings = pa.chunked_array(
        [chunk for n in _STRING_COLUMNS for chunk in table[n].chunks], pa.string()
    )
    longest = pc.max(pc.binary_length(strings)).as_py()
    if longest is not None and longest > limits.max_field_chars:
        return False
    meta = table["request_metadata"].combine_chunks()
    if not len(meta.keys):
        return True
    offsets = meta.offsets
    entries = pc.max(pc.subtract(offsets[1:], offsets[:-1])).as_py()
    if entries is not None and entries > limits.max_metadata_entries:
        return False
    longest = pc.max(pc.binary_length(pa.chunked_array([meta.keys, meta.items]))).as_py()
    return longest is None or longest <= limits.max_field_chars


def _limit_reason(table: pa.Table, row: int, name: str, limits: IngestLimits) -> tuple[Reason, str]:
    if name in _TOKEN_COLUMNS:
        value = table[name][row].as_py()
        return (
            Reason.IMPLAUSIBLE_TOKEN_COUNT,
            f"{name} is {value}, over the ceiling of {limits.max_tokens_per_count} "
            "(ingest.max_tokens_per_count)",
        )
    if name == "request_metadata":
        n = len(table[name][row].as_py() or [])
        return (
            Reason.OVERSIZED_FIELD,
            f"requestMetadata has {n} entries, over the limit of {limits.max_metadata_entries} "
            "(ingest.max_metadata_entries)",
        )
    if name == "request_metadata entry":
        return (
            Reason.OVERSIZED_FIELD,
            f"a requestMetadata key or value is over {limits.max_field_chars} characters "
            "(ingest.max_field_chars)",
        )
    size = len(table[name][row].as_py() or "")
    return (
        Reason.OVERSIZED_FIELD,
        f"{name} is {size} characters, over the limit of {limits.max_field_chars} "
        "(ingest.max_field_chars)",
    )


def _show(value: object) -> str:
    """A short, single-line rendering of a metadata value for a problem detail."""
    text = repr(value)
    return _short(text if len(text) <= 40 else text[:37] + "...")


def _short(text: str) -> str:
    return text.replace("\n", " ").replace("\r", " ")[:200]


_NO_BODY: tuple[int | None, str | None] = (None, None)


def _table(numbers: Sequence[int], records: Sequence[_Record]) -> pa.Table:
    """Arrow columns of the good records, one list comprehension per column (no per-row dicts,
    and about 4x cheaper than appending field by field)."""
    inputs = [r.input for r in records]
    outputs = [r.output for r in records]
    bodies = [_NO_BODY if o is None else _from_body(o.outputBodyJson) for o in outputs]
    stamps = pa.array([r.timestamp for r in records], type=pa.timestamp("us", tz="UTC"))
    event_time = stamps.cast(pa.timestamp("s", tz="UTC"), safe=False).cast(pa.timestamp("s"))
    columns = {
        "line_number": numbers,
        "request_id": [r.requestId for r in records],
        "account_id": [r.accountId for r in records],
        "region": [r.region for r in records],
        "event_time": event_time,
        "identity_arn": [None if (i := r.identity) is None else i.arn for r in records],
        "operation": [r.operation for r in records],
        "model_id": [r.modelId for r in records],
        "inference_region": [r.inferenceRegion for r in records],
        "input_tokens": [0 if i is None else (i.inputTokenCount or 0) for i in inputs],
        "output_tokens": [0 if o is None else (o.outputTokenCount or 0) for o in outputs],
        "cache_read_input_tokens": [
            0 if i is None else (i.cacheReadInputTokenCount or 0) for i in inputs
        ],
        "cache_write_input_tokens": [
            0 if i is None else (i.cacheWriteInputTokenCount or 0) for i in inputs
        ],
        "cache_write_1h_input_tokens": [b[0] for b in bodies],
        "service_tier": [b[1] for b in bodies],
        "latency_mode": [
            None if (p := r.performanceConfig) is None else p.latency for r in records
        ],
        "error_code": [None if (e := r.errorCode) is None else str(e) for r in records],
        "request_metadata": [r.requestMetadata for r in records],
    }
    arrays = [
        values if isinstance(values, pa.Array) else pa.array(values, type=f.type)
        for f, values in zip(RECORD_SCHEMA, columns.values(), strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=RECORD_SCHEMA)


def _usage(raw: msgspec.Raw) -> _Usage | None:
    """The ``usage`` member; most have no ``cacheDetails`` and are not decoded at all. Only a
    plain object (no escapes, so the key cannot be spelled another way) is skipped unread."""
    if not len(raw):
        return None
    text = bytes(raw)
    if text[:1] == b"{" and b"cacheDetails" not in text and b"\\" not in text:
        return _Usage()
    usage: _Usage | None = _USAGE.decode(text)
    return usage


def _tells_nothing(raw: msgspec.Raw) -> bool:
    """A ``usage`` member that is absent, or a plain object without ``cacheDetails``: what
    :func:`_usage` turns into an empty ``_Usage``, which tells nothing (the same test, without
    building the structs: 1.1 -> 0.9 us for each such record). Streamed bodies have no such
    shortcut: testing their last three chunks for these keys cost more (3.4 us a record) than
    decoding them (2.4 us)."""
    if not len(raw):
        return True
    text = bytes(raw)
    return text[:1] == b"{" and b"cacheDetails" not in text and b"\\" not in text


def _from_body(logged: _OutputBody) -> tuple[int | None, str | None]:
    """(1h cache-write tokens, service tier) from a logged response body, when it tells.

    A member that does not have the expected shape makes the whole body tell nothing."""
    try:
        if isinstance(logged, _BodyFields):
            if not len(logged.serviceTier) and _tells_nothing(logged.usage):
                return _NO_BODY  # half of all records: no tier, a usage without cacheDetails
            body: _Body | None = _Body(
                usage=_usage(logged.usage),
                serviceTier=_TIER.decode(logged.serviceTier) if len(logged.serviceTier) else None,
            )
        elif isinstance(logged, list):  # streamed: the metadata event comes last
            body = None
            for chunk in reversed(logged[-3:]):
                if bytes(memoryview(chunk)[:1]) == b"{":
                    body = _EVENT.decode(chunk).metadata
                    if body is not None:
                        break
        else:
            return _NO_BODY
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return _NO_BODY
    if body is None:
        return None, None
    one_hour = None
    if body.usage is not None and body.usage.cacheDetails is not None:
        one_hour = sum(d.inputTokens or 0 for d in body.usage.cacheDetails if d.ttl == "1h")
        if one_hour > INT64_MAX:  # cannot be real; the aggregate caps it at the logged writes
            one_hour = None
    tier = None
    if body.serviceTier is not None and body.serviceTier.type is not None:
        tier = _TIERS.get(body.serviceTier.type.lower())
    return one_hour, tier
