"""The user's mapping file (``Settings.model_map``, docs/model-ids.md): what an id bills as.

Why it wins over the API: it is the user's explicit statement, works offline, and covers
resources that have since been deleted (a Provisioned Throughput is usually deleted once its
commitment ends, long before the last report on its usage). Delete a row to let the API decide.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from reconciler.core.config import Settings
from reconciler.core.errors import ConfigError
from reconciler.ingest.resolve.parse import GLOBAL, ROUTINGS, Resolution, resolve_model_id

__all__ = ["MapEntry", "apply_map", "load_model_map", "map_path", "mappable"]


@dataclass(frozen=True)
class MapEntry:
    """One row of the mapping CSV: what a model id bills as, and (for AIPs) its tags."""

    base_model: str
    routing: str
    tags: Mapping[str, str] | None


_MAP_COLUMNS = ("model_id", "base_model", "routing", "tags")
_PLAIN_KINDS = frozenset({"foundation_model", "system_profile"})


def map_path(settings: Settings) -> Path | None:
    """The mapping file's path (relative paths are relative to the config file), or None."""
    if settings.model_map is None:
        return None
    path = Path(settings.model_map)
    if not path.is_absolute() and settings.config_path:
        path = Path(settings.config_path).resolve().parent / path
    return path


def load_model_map(path: Path) -> dict[str, MapEntry]:
    """Read and validate the mapping CSV (docs/model-ids.md); a bad file is a ConfigError
    naming the file, the line and the column, because a nightly job must not half-apply it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(
            f"model_map {path}: cannot read it ({exc.strerror}); fix the path in model_map"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"model_map {path}: not UTF-8 text (byte offset {exc.start}); save it as UTF-8"
        ) from exc
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing = [c for c in _MAP_COLUMNS[:3] if c not in header]
    extra = [c for c in header if c not in _MAP_COLUMNS]
    if missing or extra:
        raise ConfigError(
            f"model_map {path}: header must be {','.join(_MAP_COLUMNS)} (tags optional); "
            f"missing {missing or 'none'}, unknown {extra or 'none'}"
        )
    out: dict[str, MapEntry] = {}
    for line, row in enumerate(reader, start=2):
        where = f"model_map {path}:{line}"
        if None in row:
            raise ConfigError(f"{where}: more fields than the header; quote values with commas")
        model_id = (row.get("model_id") or "").strip()
        base = (row.get("base_model") or "").strip()
        routing = (row.get("routing") or "").strip()
        if not model_id:
            raise ConfigError(f"{where}: column model_id is empty")
        if model_id in out:
            raise ConfigError(f"{where}: model_id {model_id} is mapped twice; keep one row")
        if resolve_model_id(base).kind != "foundation_model":
            raise ConfigError(
                f"{where}: column base_model {base!r} is not a base model id "
                "(like anthropic.claude-haiku-4-5-20251001-v1:0, without us./global. prefix)"
            )
        if routing not in ROUTINGS:
            raise ConfigError(
                f"{where}: column routing {routing!r} must be one of {', '.join(ROUTINGS)}"
            )
        out[model_id] = MapEntry(base, routing, _parse_tags(row.get("tags") or "", where))
    return out


def _parse_tags(text: str, where: str) -> dict[str, str] | None:
    if not text.strip():
        return None
    tags: dict[str, str] = {}
    for pair in text.split(";"):
        if not pair.strip():
            continue
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{where}: column tags: {pair!r} is not key=value")
        tags[key.strip()] = value.strip()
    return tags


def mappable(found: Resolution) -> bool:
    """Whether a mapping row may decide this id: anything unresolved, and any resource ARN
    (custom, imported ...) even when the parser read a model from it; never a plain base id or
    system profile, whose meaning the string fixes."""
    return not found.resolved or found.kind not in _PLAIN_KINDS


def apply_map(found: Resolution, entry: MapEntry) -> Resolution:
    """The id as the mapping row says; kind and mode stay what the id's form says."""
    geo = GLOBAL if entry.routing == "global" else None
    return replace(
        found,
        base_model=entry.base_model,
        routing=entry.routing,
        mode=found.mode or "on_demand",
        geo=geo,
        tags=entry.tags,
        resolved=True,
        resolution="mapping_file",
    )
