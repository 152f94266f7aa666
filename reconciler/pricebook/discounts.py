"""Negotiated discounts (EDP/PPA-style percentages), effective-dated, into table ``discounts``.

Declared in ``reconciler.toml`` (``[[pricing.discounts]]``) or in CSV files
(``scope, value, percent, effective_from, effective_to, source``) loaded with
``reconciler prices discounts load``. ``scope`` is ``all`` (value ``*``), ``account`` (a 12-digit
account id), ``model`` (a base model id) or ``provider`` (the part of the base model id before the
first dot: ``anthropic``, ``amazon``, ``meta``). Percent is off list price, 0 < percent <= 100.

Rating applies at most one discount per rated row, the most specific that is effective on the
usage date: account > model > provider > all (view ``discount_book``, column ``precedence``).
Two discounts for the same scope and value must not overlap in time; that is a validation error,
not a silent choice. Like prices, each origin (a file, or the config) replaces its own rows.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from reconciler.core.arrow import pa
from reconciler.core.config import Settings
from reconciler.core.errors import ConfigError, PriceBookError
from reconciler.db import bulk, sql
from reconciler.db.connect import transaction
from reconciler.db.stage import StageContext, StageResult
from reconciler.pricebook.csvfile import csv_records, quote
from reconciler.pricebook.entries import format_range

__all__ = [
    "CONFIG_ORIGIN",
    "READS",
    "SCOPES",
    "WRITES",
    "Discount",
    "load_discount_files",
    "read_discount_files",
    "run",
]

_ROWS = pa.schema(
    [(c, pa.string()) for c in ("discount_id", "scope", "scope_value", "percent")]
    + [("effective_from", pa.date32()), ("effective_to", pa.date32())]
    + [(c, pa.string()) for c in ("source", "run_id", "origin")]
    + [("line_number", pa.int64())]
)

READS = ("discounts",)
WRITES = ("discounts",)

SCOPES = ("all", "account", "model", "provider")
CONFIG_ORIGIN = "config"
"""``origin`` of discounts declared in reconciler.toml: every sync replaces all of them."""
COLUMNS = ("scope", "value", "percent", "effective_from", "effective_to", "source")

_ACCOUNT = re.compile(r"^\d{12}$")
_PROVIDER = re.compile(r"^[a-z0-9-]+$")
_MODEL = re.compile(r"^[a-z0-9-]+\.[A-Za-z0-9._:-]+$")
_PROFILE = re.compile(r"^(us|eu|apac|global|jp|au|ca|in|us-gov)\.[a-z0-9-]+\.")


@dataclass(frozen=True)
class Discount:
    scope: str
    scope_value: str
    percent: Decimal
    effective_from: date
    effective_to: date | None
    source: str
    origin: str
    line_number: int | None = None

    @property
    def discount_id(self) -> str:
        """Stable content hash, like price_id: same discount, same id across reloads."""
        parts = [
            self.scope,
            self.scope_value,
            format(self.percent.normalize(), "f"),
            self.effective_from.isoformat(),
            self.effective_to.isoformat() if self.effective_to else "",
        ]
        return "d-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]

    @property
    def where(self) -> str:
        return f"{self.origin}:{self.line_number}" if self.line_number else self.origin


def scope_problem(scope: str, value: str) -> str | None:
    """Why (scope, value) is not a valid discount target, with the fix; None if it is."""
    if scope not in SCOPES:
        return f"unknown scope {quote(scope)}; use one of: {', '.join(SCOPES)}"
    if scope == "all":
        return None if value == "*" else f"scope all takes value * (got {quote(value)})"
    if scope == "account" and not _ACCOUNT.match(value):
        return f"account {quote(value)} is not a 12-digit AWS account id"
    if scope == "provider" and not _PROVIDER.match(value):
        return f"provider {quote(value)} is not a provider name like anthropic or amazon"
    if scope == "model":
        if _PROFILE.match(value):
            return f"model {quote(value)} is an inference profile id; use the base model id"
        if not _MODEL.match(value):
            return f"model {quote(value)} is not a base model id like amazon.nova-micro-v1:0"
    return None


def percent_problem(text: str) -> tuple[Decimal | None, str | None]:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, f"percent {quote(text)} is not a number; write 7.5 for 7.5% off"
    if not value.is_finite() or not Decimal(0) < value <= Decimal(100):
        return None, f"percent {quote(text)} is out of range; use more than 0 and at most 100"
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6:
        return None, f"percent {quote(text)} has more than 6 decimal places; round it"
    return value, None


def _parse_date(text: str, column: str) -> tuple[date | None, str | None]:
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text), None
    except ValueError:
        return None, f"{column} {quote(text)} is not an ISO date; write YYYY-MM-DD"


def _parse_row(cells: dict[str, str], origin: str, line: int) -> tuple[Discount | None, list[str]]:
    where = f"{origin}:{line}"
    get = {k: (v or "").strip() for k, v in cells.items()}
    problems: list[str] = []
    scope, value = get.get("scope", ""), get.get("value", "") or "*"
    if (msg := scope_problem(scope, value)) is not None:
        problems.append(msg)
    percent, msg = percent_problem(get.get("percent", ""))
    if msg:
        problems.append(msg)
    start: date | None = None
    if not get.get("effective_from"):
        problems.append("effective_from is empty; write the first day the discount applies")
    else:
        start, msg = _parse_date(get["effective_from"], "effective_from")
        if msg:
            problems.append(msg)
    end: date | None = None
    if get.get("effective_to"):
        end, msg = _parse_date(get["effective_to"], "effective_to")
        if msg:
            problems.append(msg)
    if start and end and end <= start:
        problems.append(
            f"effective_to {end} is not after effective_from {start}; effective_to is "
            "exclusive: make it later, or leave it empty for an open range"
        )
    if problems or percent is None or start is None:
        return None, [f"{where}: {p}" for p in problems]
    source = get.get("source") or origin
    return Discount(scope, value, percent, start, end, source, origin, line), []


def parse_discount_csv(text: str, origin: str) -> tuple[list[Discount], list[str]]:
    header: list[str] | None = None
    found: list[Discount] = []
    problems: list[str] = []
    for line, cells in csv_records(text):
        if header is None:
            header = [c.strip().lower() for c in cells]
            missing = [c for c in COLUMNS if c not in header]
            unknown = [c for c in header if c not in COLUMNS]
            if missing or unknown:
                return [], [
                    f"{origin}:1: the header must be exactly: {', '.join(COLUMNS)} "
                    f"(missing: {', '.join(missing) or '-'}; "
                    f"unknown: {', '.join(quote(c) for c in unknown) or '-'})"
                ]
            continue
        if len(cells) != len(header):
            problems.append(f"{origin}:{line}: {len(cells)} cells but the header has {len(header)}")
            continue
        discount, bad = _parse_row(dict(zip(header, cells, strict=True)), origin, line)
        problems += bad
        if discount:
            found.append(discount)
    if header is None:
        problems.append(f"{origin}:1: no header; the first line must name the columns")
    return found, problems


def check_discount_overlaps(discounts: Iterable[Discount]) -> list[str]:
    seen: dict[tuple[str, str], list[Discount]] = {}
    problems = []
    for d in discounts:
        group = seen.setdefault((d.scope, d.scope_value), [])
        for other in group:
            if d.effective_from < (other.effective_to or date.max) and other.effective_from < (
                d.effective_to or date.max
            ):
                problems.append(
                    f"{d.where}: discount {d.scope}={d.scope_value} "
                    f"{format_range(d.effective_from, d.effective_to)} overlaps "
                    f"{format_range(other.effective_from, other.effective_to)} at {other.where}; "
                    "end one range where the other begins (effective_to is exclusive)"
                )
                break
        group.append(d)
    return problems


def read_discount_files(paths: Iterable[str | Path]) -> list[Discount]:
    """Parse and validate discount CSV files together; PriceBookError lists every problem."""
    found: list[Discount] = []
    problems: list[str] = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read ({type(exc).__name__}); check the path")
            continue
        got, bad = parse_discount_csv(text, str(path))
        found += got
        problems += bad
    problems += check_discount_overlaps(found)
    if problems:
        raise PriceBookError("\n".join(problems))
    return found


def config_discounts(settings: Settings) -> list[Discount]:
    """Discounts declared in reconciler.toml, validated (ConfigError names the key)."""
    where = settings.config_path or "reconciler.toml"
    found = []
    for i, item in enumerate(settings.pricing.discounts):
        key = f"pricing.discounts[{i}]"
        problem = scope_problem(item.scope, item.value)
        if problem:
            raise ConfigError(f"{where}: key '{key}.value': {problem}")
        _, bad_percent = percent_problem(str(item.percent))
        if bad_percent:
            raise ConfigError(f"{where}: key '{key}.percent': {bad_percent}")
        if item.effective_to is not None and item.effective_to <= item.effective_from:
            raise ConfigError(
                f"{where}: key '{key}.effective_to': {item.effective_to} is not after "
                f"effective_from {item.effective_from}; make it later or remove it"
            )
        found.append(
            Discount(
                item.scope,
                item.value,
                item.percent,
                item.effective_from,
                item.effective_to,
                item.source or where,
                CONFIG_ORIGIN,
                None,
            )
        )
    clashes = check_discount_overlaps(found)
    if clashes:
        raise ConfigError(f"{where}: key 'pricing.discounts': {clashes[0]}")
    return found


def _replace(
    con: duckdb.DuckDBPyConnection, discounts: list[Discount], origins: Sequence[str], run_id: str
) -> tuple[int, int]:
    with transaction(con):
        deleted = sql.scalar(con, "pricebook/discounts_delete", {"origins": list(origins)})
        rows = [
            (d.discount_id, d.scope, d.scope_value, str(d.percent), d.effective_from,
             d.effective_to, d.source, run_id, d.origin, d.line_number)
            for d in discounts
        ]  # fmt: skip
        bulk.insert(con, "pricebook/discounts_insert", bulk.rows_table(rows, _ROWS))
    return deleted, len(discounts)


def _existing(con: duckdb.DuckDBPyConnection, exclude: Sequence[str]) -> list[Discount]:
    params = {"excluded": list(exclude)}
    rows = sql.execute(con, "pricebook/discounts_stored", params).fetchall()
    return [Discount(*r) for r in rows]


def _store(
    con: duckdb.DuckDBPyConnection, found: list[Discount], origins: list[str], run_id: str
) -> StageResult:
    started = time.perf_counter()
    problems = check_discount_overlaps(_existing(con, origins) + found)
    if problems:
        raise PriceBookError("\n".join(problems))
    deleted, inserted = _replace(con, found, origins, run_id)
    return StageResult(
        stage="prices.discounts",
        rows_in=len(found),
        rows_out=inserted,
        counts={"replaced": deleted},
        seconds=time.perf_counter() - started,
    )


def load_discount_files(
    con: duckdb.DuckDBPyConnection, paths: Sequence[str | Path], run_id: str
) -> StageResult:
    """Load discount CSVs; each file replaces the rows it loaded before."""
    resolved = {str(p): str(Path(p).resolve()) for p in paths}
    found = [
        Discount(
            d.scope,
            d.scope_value,
            d.percent,
            d.effective_from,
            d.effective_to,
            d.source,
            resolved[d.origin],
            d.line_number,
        )
        for d in read_discount_files(paths)
    ]
    return _store(con, found, sorted(set(resolved.values())), run_id)


def run(ctx: StageContext) -> StageResult:
    """The ``prices.discounts`` stage: make ``discounts`` hold exactly the config's discounts
    (plus those loaded from files).

    The pipeline runs this before rating, so removing a discount from reconciler.toml removes
    it from the next rating too.
    """
    return _store(ctx.con, config_discounts(ctx.settings), [CONFIG_ORIGIN], ctx.run_id)
