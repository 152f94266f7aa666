"""Price entries: the effective-dated, exact-decimal unit of the price book.

A price entry says: usage of ``charge`` for ``base_model`` in ``region`` (``routing``, ``tier``,
``mode``, ``context_tier``) costs ``price_usd`` per ``unit`` from ``effective_from`` until
``effective_to`` (exclusive; ``None`` = open). Prices are parsed from strings into
:class:`~decimal.Decimal` and never pass through a float: a per-token price like 0.00000035 is
not representable in binary and a reconciler that rounds it cannot tie out to an invoice.

``price_id`` is a content hash of the layer, the key, the unit, the price and the dates, so the
same entry gets the same id on every reload (re-rating is reproducible) and a changed price gets
a new id (only the rows it rates change). Validation of a set of entries is here too: two entries
of one layer whose keys are identical must not overlap in time, otherwise "the" price on a date
would depend on load order.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import date
from decimal import Decimal

from reconciler.core.vocabulary import CHARGES, MODES, PRICE_LAYERS, TIERS

__all__ = [
    "CHARGES",
    "CONTEXT_TIERS",
    "KEY_COLUMNS",
    "LAYERS",
    "MODES",
    "ROUTINGS",
    "TIERS",
    "UNIT_FACTORS",
    "WILDCARD",
    "PriceEntry",
    "PriceKey",
    "find_overlaps",
    "format_range",
]

WILDCARD = "*"

UNIT_FACTORS: dict[str, Decimal] = {
    "token": Decimal("1"),
    "1K tokens": Decimal("0.001"),
    "1M tokens": Decimal("0.000001"),
    "image": Decimal("1"),
    "hour": Decimal("1"),
    "minute": Decimal("1"),
    "month": Decimal("1"),
    "1K units": Decimal("0.001"),
}
"""Unit -> base quantities per unit, inverted: cost = quantity * price_usd * unit_factor. A
multiplication, because DuckDB turns DECIMAL / DECIMAL into DOUBLE."""

ROUTINGS = ("in_region", "geo", "global", "regional")
"""``regional`` is what the invoice can tell apart: it matches both ``in_region`` and ``geo``."""
CONTEXT_TIERS = ("standard", "long")
LAYERS = PRICE_LAYERS
"""In precedence order: an overlay beats an imported Price List row beats the bundled book
(defined once in core.vocabulary, which the vocab_price_layers view is built from)."""


@dataclass(frozen=True, order=True)
class PriceKey:
    """What a price is for. ``*`` in base_model, region, routing or tier means any."""

    base_model: str
    region: str
    routing: str
    tier: str
    mode: str
    charge: str
    context_tier: str = "standard"

    def describe(self) -> str:
        return (
            f"model={self.base_model}, region={self.region}, routing={self.routing}, "
            f"tier={self.tier}, mode={self.mode}, charge={self.charge}, "
            f"context_tier={self.context_tier}"
        )

    def columns(self) -> dict[str, str]:
        """The key as columns by name (``KEY_COLUMNS`` order), for rows and frames."""
        return asdict(self)


KEY_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(PriceKey))
"""The columns of a price key, in order: base_model, region, routing, tier, mode, charge,
context_tier (the tables, the CSV and every listing use these names)."""


@dataclass(frozen=True)
class PriceEntry:
    """One effective-dated price, with where it came from."""

    key: PriceKey
    unit: str
    price_usd: Decimal
    effective_from: date
    effective_to: date | None
    layer: str
    source: str
    checked: date | None = None
    note: str = ""
    origin: str = ""
    """The file, URL or import the entry was loaded from: reloading it replaces its rows."""
    line_number: int | None = None

    @property
    def unit_factor(self) -> Decimal:
        return UNIT_FACTORS[self.unit]

    @property
    def where(self) -> str:
        return f"{self.origin}:{self.line_number}" if self.line_number else self.origin

    @property
    def price_id(self) -> str:
        """Stable content hash: same entry, same id across reloads; any change, a new id."""
        k = self.key
        parts = [
            self.layer,
            k.base_model,
            k.region,
            k.routing,
            k.tier,
            k.mode,
            k.charge,
            k.context_tier,
            self.unit,
            _canonical(self.price_usd),
            self.effective_from.isoformat(),
            self.effective_to.isoformat() if self.effective_to else "",
        ]
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        return f"p-{digest[:16]}"

    def overlaps(self, other: PriceEntry) -> bool:
        a_end = self.effective_to or date.max
        b_end = other.effective_to or date.max
        return self.effective_from < b_end and other.effective_from < a_end


def _canonical(value: Decimal) -> str:
    """0.035, 0.0350 and 3.5E-2 are one price: hash the normalised plain form."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def format_range(start: date, end: date | None) -> str:
    return f"{start.isoformat()}..{end.isoformat() if end else 'open'}"


def find_overlaps(entries: Iterable[PriceEntry]) -> list[tuple[PriceEntry, PriceEntry]]:
    """Pairs (earlier-listed, later-listed) of one layer and key whose date ranges overlap."""
    groups: dict[tuple[str, PriceKey], list[PriceEntry]] = defaultdict(list)
    for entry in entries:
        groups[(entry.layer, entry.key)].append(entry)
    clashes = []
    for group in groups.values():
        for i, later in enumerate(group):
            for earlier in group[:i]:
                if earlier.overlaps(later):
                    clashes.append((earlier, later))
                    break
    return clashes
