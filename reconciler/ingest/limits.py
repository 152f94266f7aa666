"""Limits that keep one hostile or broken log object from stopping the ingest or its memory.

Any caller of Bedrock controls the body of its own log records, and an S3 prefix can hold
anything, so the parser bounds every input before it allocates for it (docs/ingest.md, "Limits"):

* per file: the decompressed size (decompression stops once it is passed, so a gzip bomb costs
  at most the limit, never its expanded size) and the number of quarantine rows (the rest are
  counted in one summary row);
* per record: token counts (a count above the plausibility ceiling cannot be a real request,
  and anything at or above 2^63 would not fit a BIGINT), the length of ids, ARNs and metadata,
  and the JSON nesting depth (fixed by the decoder: deeper records are quarantined, not a crash).

A file that breaks a per-file limit is quarantined whole and the files beside it still load; a
record that breaks a per-record limit is quarantined and the records around it still load.
``reconciler.toml`` ``[ingest]`` sets them (``reconciler.core.config.IngestConfig``). A frozen
dataclass, so it pickles to the worker processes as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reconciler.core.config import Settings

__all__ = ["DEFAULT_LIMITS", "INT64_MAX", "IngestLimits", "ingest_limits"]

INT64_MAX = 2**63 - 1
"""The largest value of a DuckDB BIGINT (and an Arrow int64)."""


@dataclass(frozen=True)
class IngestLimits:
    """Per-file and per-record ingest limits; the defaults are far above any real delivery."""

    max_decompressed_bytes: int = 256 << 20
    """Per file: decompressed (or plain) bytes. A real S3 delivery file is a few MB."""
    max_quarantine_rows_per_file: int = 1_000
    """Per file: quarantine rows written line by line; further rejected lines of the file are
    counted in one ``more_rejected_lines`` row."""
    max_tokens_per_count: int = 100_000_000
    """Per record: the ceiling for each token count (ten times the largest context window
    offered today). Must be at most 2^63 - 1."""
    max_field_chars: int = 2_048
    """Per record: characters of each id, ARN, Region, operation, error code and
    requestMetadata key or value (AWS caps ARNs at 2,048)."""
    max_metadata_entries: int = 64
    """Per record: entries of requestMetadata (AWS accepts 16)."""


DEFAULT_LIMITS = IngestLimits()


def ingest_limits(settings: Settings) -> IngestLimits:
    """The limits ``reconciler.toml`` ``[ingest]`` sets (validated there)."""
    return IngestLimits(**settings.ingest.model_dump())
