"""Reason codes for rejected input, and the collector parsers write problems into.

Bad input is data, not a crash: a parser never raises on a bad record. It adds a
:class:`Problem` (source, 1-based line, reason, short detail) to a :class:`Problems` collector and
carries on, so the good records around it still load. ``strict=True`` (tests, ``--strict``)
makes the first problem raise instead. Details never contain record content: prompts and
responses are private, and every string in a log is untrusted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Problem", "Problems", "Reason", "StrictModeError"]


class Reason(StrEnum):
    """Stable quarantine reason codes (documented in docs/quarantine-reasons.md)."""

    CORRUPT_GZIP = "corrupt_gzip"
    """Not a readable gzip stream, or it ends early; complete lines before the damage still load."""
    UNREADABLE_FILE = "unreadable_file"
    """The file or object could not be read (permissions, vanished, not UTF-8)."""
    TRUNCATED_LINE = "truncated_line"
    """A line ends before its JSON value does (a cut-off write)."""
    NOT_JSON = "not_json"
    """A line is not JSON at all."""
    UNKNOWN_SHAPE = "unknown_shape"
    """Valid JSON, but not an invocation-log record (not an object, or unknown layout)."""
    UNEXPECTED_SCHEMA_TYPE = "unexpected_schema_type"
    """schemaType is not ModelInvocationLog (or schemaVersion unknown)."""
    MISSING_FIELD = "missing_field"
    """A required field (requestId, accountId, region, modelId, timestamp ...) is absent."""
    BAD_FIELD = "bad_field"
    """A field has the wrong type or an unparseable value (e.g. a bad timestamp)."""
    NEGATIVE_TOKEN_COUNT = "negative_token_count"
    """A token count is below zero."""
    NON_INTEGER_TOKEN_COUNT = "non_integer_token_count"
    """A token count is not an integer (1.5, "12", true)."""
    UNKNOWN_MODEL = "unknown_model"
    """The model id cannot be resolved to a base model."""
    NO_PRICE = "no_price"
    """Usage for which the price book has no price."""
    UNKNOWN_FORMAT = "unknown_format"
    """A file whose format could not be detected."""
    FILE_TOO_LARGE = "file_too_large"
    """A file bigger than ingest.max_decompressed_bytes once decompressed (a gzip bomb, a wrong
    object): nothing of it loads, the files beside it do, and it is read again next run."""
    MORE_REJECTED_LINES = "more_rejected_lines"
    """One row per file counting the rejected lines past ingest.max_quarantine_rows_per_file,
    by reason (those lines are not listed one by one)."""
    TOO_DEEPLY_NESTED = "too_deeply_nested"
    """A record nested deeper than the JSON decoder allows (about 900 levels; a body any
    caller controls)."""
    IMPLAUSIBLE_TOKEN_COUNT = "implausible_token_count"
    """A token count over ingest.max_tokens_per_count (100 M by default) or over 2^63-1."""
    OVERSIZED_FIELD = "oversized_field"
    """An id, ARN, Region or requestMetadata key/value over ingest.max_field_chars, or more
    requestMetadata entries than ingest.max_metadata_entries."""
    NEGATIVE_USAGE_COST = "negative_usage_cost"
    """An invoice Usage line whose cost is below zero (credits and refunds are their own lines)."""
    DUPLICATE_LINE_ITEM = "duplicate_line_item"
    """Invoice rows repeating a line item of the same delivery: loaded once (one row per file)."""
    NON_USD_CURRENCY = "non_usd_currency"
    """An invoice file billed in a currency with no configured USD rate: the delivery is refused."""
    SUPERSEDED_INVOICE_SOURCE = "superseded_invoice_source"
    """An invoice source for a billing period that a preferred source also holds: not counted."""


class StrictModeError(ValueError):
    """Raised by a strict collector on the first problem."""


@dataclass(frozen=True)
class Problem:
    source_uri: str
    line_number: int | None
    reason: Reason
    detail: str
    stored: bool = False
    """Already in ``quarantine_records`` (written by SQL): :func:`write_problems` skips it."""


@dataclass
class Problems:
    """Collects problems in order; ``strict`` raises on the first one."""

    strict: bool = False
    items: list[Problem] = field(default_factory=list)

    def add(
        self,
        source_uri: str,
        line_number: int | None,
        reason: Reason,
        detail: str,
        *,
        stored: bool = False,
    ) -> None:
        problem = Problem(source_uri, line_number, reason, detail[:300], stored)
        if self.strict:
            where = f"{source_uri}:{line_number}" if line_number else source_uri
            raise StrictModeError(f"{where}: {reason.value}: {problem.detail}")
        self.items.append(problem)

    def __len__(self) -> int:
        return len(self.items)

    def by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(p.reason.value for p in self.items).items()))
