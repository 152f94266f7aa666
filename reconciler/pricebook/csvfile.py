"""Price files in the CONTRACT CSV format, parsed and validated with messages that say the fix.

Columns (header required, any order): ``model, region, routing, tier, mode, charge, unit,
price_usd, effective_from, effective_to, source``; optional ``context_tier`` (default
``standard``), ``checked`` (ISO date) and ``note``. ``*`` in model, region, routing or tier means
any. Blank lines and lines whose first cell starts with ``#`` are skipped, so the bundled book can
carry review comments.

Every problem is reported as ``<file>:<line>: <what is wrong>; <how to fix it>`` and all of a
file's problems are collected before :class:`~reconciler.core.errors.PriceBookError` is raised, so
``prices validate`` can list them in one pass. Values echoed in messages are quoted and cut short:
a price file is user input and stderr is not the place to replay it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from reconciler.core.errors import PriceBookError
from reconciler.pricebook.entries import (
    CHARGES,
    CONTEXT_TIERS,
    MODES,
    ROUTINGS,
    TIERS,
    UNIT_FACTORS,
    WILDCARD,
    PriceEntry,
    PriceKey,
    find_overlaps,
    format_range,
)

__all__ = [
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "check_overlaps",
    "csv_records",
    "parse_price_csv",
    "quote",
    "read_price_files",
]

REQUIRED_COLUMNS = (
    "model",
    "region",
    "routing",
    "tier",
    "mode",
    "charge",
    "unit",
    "price_usd",
    "effective_from",
    "effective_to",
    "source",
)
OPTIONAL_COLUMNS = ("context_tier", "checked", "note")

_DECIMAL_LIMIT = Decimal(10) ** 26
"""Amounts are DECIMAL(38, 12): 26 digits before the point, so a price must stay below 10^26."""
_PRICE_LIMIT = Decimal(1_000_000)
"""The most a price may be per unit: thousands of times any Bedrock price, so a larger one is a
typo or a wrong unit, and rating it would only overflow DECIMAL(38, 12) (exit 70)."""
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_PROFILE_PREFIX = re.compile(r"^(us|eu|apac|global|jp|au|ca|in|us-gov)\.(?=[a-z0-9-]+\.)")


def quote(value: str, limit: int = 60) -> str:
    """A user value fit for one line of stderr: quoted, control characters escaped, cut short."""
    text = value if len(value) <= limit else value[:limit] + "..."
    return "'" + text.encode("unicode_escape").decode("ascii").replace("'", "\\'") + "'"


def _one_of(values: Iterable[str]) -> str:
    return ", ".join(values)


class _Row:
    """Field access for one CSV record that records problems instead of raising."""

    def __init__(self, cells: dict[str, str], where: str, problems: list[str]) -> None:
        self.cells = cells
        self.where = where
        self.problems = problems

    def fail(self, message: str) -> None:
        self.problems.append(f"{self.where}: {message}")

    def get(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def choice(self, column: str, allowed: tuple[str, ...], *, wildcard: bool) -> str | None:
        value = self.get(column)
        options = (*allowed, WILDCARD) if wildcard else allowed
        if not value:
            self.fail(f"{column} is empty; use one of: {_one_of(options)}")
            return None
        if value not in options:
            self.fail(f"unknown {column} {quote(value)}; use one of: {_one_of(options)}")
            return None
        return value

    def day(self, column: str, *, required: bool) -> date | None:
        value = self.get(column)
        if not value:
            if required:
                self.fail(f"{column} is empty; write the first day the price applies (YYYY-MM-DD)")
            return None
        try:
            return date.fromisoformat(value) if len(value) == 10 else _bad_date()
        except ValueError:
            self.fail(f"{column} {quote(value)} is not an ISO date; write YYYY-MM-DD")
            return None


def _bad_date() -> date:
    raise ValueError("not YYYY-MM-DD")


def _model(row: _Row) -> str | None:
    value = row.get("model")
    if not value:
        row.fail("model is empty; use a base model id (amazon.nova-micro-v1:0) or *")
        return None
    m = _PROFILE_PREFIX.match(value)
    if m:
        row.fail(
            f"model {quote(value)} is an inference profile id; use the base model id "
            f"{quote(value[m.end() :])} and say the routing in the routing column"
        )
        return None
    if value.startswith("arn:"):
        row.fail(f"model {quote(value)} is an ARN; use the base model id it invokes")
        return None
    return value


def _region(row: _Row) -> str | None:
    value = row.get("region")
    if value == WILDCARD or _REGION.match(value):
        return value
    if not value:
        row.fail("region is empty; use an AWS Region code (us-east-1) or *")
    else:
        row.fail(f"unknown region {quote(value)}; use an AWS Region code (us-east-1) or *")
    return None


def _price(row: _Row) -> Decimal | None:
    value = row.get("price_usd")
    if not value:
        row.fail("price_usd is empty; write the price per unit in USD, like 0.035")
        return None
    try:
        price = Decimal(value)
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite():
        row.fail(
            f"price_usd {quote(value)} is not a decimal number; "
            "write it like 0.035 (a dot, no currency sign or thousands separator)"
        )
        return None
    if price < 0:
        row.fail(f"price_usd {quote(value)} is negative; prices are zero or more")
        return None
    if price >= _DECIMAL_LIMIT:
        row.fail(
            f"price_usd {quote(value)} does not fit the database's DECIMAL(38,12) "
            "(at most 26 digits before the point); check the value and its unit"
        )
        return None
    if price > _PRICE_LIMIT:
        row.fail(
            f"price_usd {quote(value)} is above {_PRICE_LIMIT} USD per unit, beyond any Bedrock "
            "price; check the value and its unit"
        )
        return None
    exponent = price.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -12:
        row.fail(
            f"price_usd {quote(value)} has more than 12 decimal places; "
            "use a larger unit (1K tokens or 1M tokens)"
        )
        return None
    return price


def _entry(row: _Row, layer: str, origin: str, line: int) -> PriceEntry | None:
    before = len(row.problems)
    model, region = _model(row), _region(row)
    routing = row.choice("routing", ROUTINGS, wildcard=True)
    tier = row.choice("tier", TIERS, wildcard=True)
    mode = row.choice("mode", MODES, wildcard=False)
    charge = row.choice("charge", CHARGES, wildcard=False)
    context_tier = (
        row.choice("context_tier", CONTEXT_TIERS, wildcard=False)
        if row.get("context_tier")
        else "standard"
    )
    unit, price = row.choice("unit", tuple(UNIT_FACTORS), wildcard=False), _price(row)
    start = row.day("effective_from", required=True)
    end = row.day("effective_to", required=False)
    checked = row.day("checked", required=False)
    if start and end and end <= start:
        row.fail(
            f"effective_to {end} is not after effective_from {start}; effective_to is "
            "exclusive: make it later, or leave it empty for an open range"
        )
    if (
        len(row.problems) > before
        or model is None
        or region is None
        or routing is None
        or tier is None
        or mode is None
        or charge is None
        or context_tier is None
        or unit is None
        or price is None
        or start is None
    ):
        return None
    return PriceEntry(
        key=PriceKey(model, region, routing, tier, mode, charge, context_tier),
        unit=unit,
        price_usd=price,
        effective_from=start,
        effective_to=end,
        layer=layer,
        source=row.get("source") or origin,
        checked=checked,
        note=row.get("note"),
        origin=origin,
        line_number=line,
    )


def _header_problems(header: list[str], origin: str) -> list[str]:
    problems = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        problems.append(
            f"{origin}:1: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; the header must name: {', '.join(REQUIRED_COLUMNS)}"
        )
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        problems.append(
            f"{origin}:1: unknown column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(quote(c) for c in unknown)}; allowed: "
            f"{', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}"
        )
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        problems.append(f"{origin}:1: column {', '.join(dupes)} appears twice; keep one")
    return problems


def csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each row of a CSV file that is not blank or a ``#`` comment; the
    line is where the row starts (a quoted value may span lines)."""
    reader = csv.reader(io.StringIO(text))
    start_line = 1
    for cells in reader:
        line = start_line
        start_line = reader.line_num + 1
        if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        yield line, cells


def parse_price_csv(
    text: str, origin: str, layer: str = "overlay"
) -> tuple[list[PriceEntry], list[str]]:
    """Entries and problems of one price file (problems as ``file:line: what; fix`` lines)."""
    header: list[str] | None = None
    entries: list[PriceEntry] = []
    problems: list[str] = []
    for line, cells in csv_records(text):
        if header is None:
            header = [c.strip().lower() for c in cells]
            header_problems = _header_problems(header, origin)
            if header_problems:
                return [], header_problems
            continue
        if len(cells) != len(header):
            problems.append(
                f"{origin}:{line}: {len(cells)} cells but the header has {len(header)}; "
                "quote values that contain commas"
            )
            continue
        row = _Row(dict(zip(header, cells, strict=True)), f"{origin}:{line}", problems)
        entry = _entry(row, layer, origin, line)
        if entry is not None:
            entries.append(entry)
    if header is None:
        problems.append(f"{origin}:1: no header; the first line must name the columns")
    return entries, problems


def check_overlaps(entries: list[PriceEntry]) -> list[str]:
    """One problem per pair of same-layer, same-key entries whose date ranges overlap."""
    problems = []
    for earlier, later in find_overlaps(entries):
        problems.append(
            f"{later.where}: {format_range(later.effective_from, later.effective_to)} overlaps "
            f"{format_range(earlier.effective_from, earlier.effective_to)} at {earlier.where} "
            f"for the same key ({later.key.describe()}) in layer {later.layer}; "
            "end one range where the other begins (effective_to is exclusive)"
        )
    return problems


def read_price_files(paths: Iterable[str | Path], layer: str = "overlay") -> list[PriceEntry]:
    """Parse and validate price files together; raise one PriceBookError listing every problem.

    Files are validated as a set, so two files that price the same key for overlapping dates
    are rejected too: which one wins would otherwise depend on the order they were given in.
    """
    entries: list[PriceEntry] = []
    problems: list[str] = []
    for path in paths:
        origin = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            problems.append(f"{origin}: no such file; check the path")
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{origin}: cannot read ({type(exc).__name__}); save it as UTF-8 CSV")
            continue
        got, bad = parse_price_csv(text, origin, layer)
        entries += got
        problems += bad
    problems += check_overlaps(entries)
    if problems:
        raise PriceBookError("\n".join(problems))
    return entries
