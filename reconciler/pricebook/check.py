"""Compare the price book in the database with a public price source (``prices check``).

For every price key a source prices (placed by the same rules as the generator of the bundled
book: Region keys in their Region, geo profiles in their geography, ``global.`` everywhere, bare
or region-blind ids in us-east-1 in-Region only), the book's *winning* price on the date (all
layers, precedence resolved exactly like ``price_at``) is compared with the source's. Prices are
compared per 1M tokens (or per image), as exact decimals.

A disagreement is kind ``differs`` (both price the key, differently) or, when asked,
``missing`` (the source prices a key the book leaves unpriced). Keys the source itself
contradicts (two keys, two prices) are counted, not compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl

from reconciler.pricebook.entries import UNIT_FACTORS, PriceKey
from reconciler.pricebook.generate import REGIONS, placements
from reconciler.pricebook.public_sources import PublicSource

__all__ = ["CHECK_COLUMNS", "CheckResult", "Disagreement", "check_book"]

CHECK_COLUMNS = (
    "kind",
    "base_model",
    "region",
    "routing",
    "tier",
    "mode",
    "charge",
    "context_tier",
    "unit",
    "book_price",
    "source_price",
    "book_layer",
    "book_source",
    "source_key",
)

_MATCH = """
SELECT k.idx, pb.price_usd, pb.unit, pb.layer, pb.source
FROM _check_keys k
LEFT JOIN price_book pb
  ON pb.base_model IN (k.base_model, '*')
 AND pb.region IN (k.region, '*')
 AND (pb.routing IN (k.routing, '*')
      OR (pb.routing = 'regional' AND k.routing IN ('in_region', 'geo')))
 AND pb.tier IN (k.tier, '*')
 AND pb.mode = k.mode AND pb.charge = k.charge AND pb.context_tier = k.context_tier
 AND pb.effective_from <= $d AND (pb.effective_to IS NULL OR $d < pb.effective_to)
QUALIFY row_number() OVER (PARTITION BY k.idx ORDER BY pb.precedence) = 1
"""
"""``price_at`` for many keys at once (same matching and precedence as in
queries/views/price_book.sql)."""


@dataclass(frozen=True)
class Disagreement:
    kind: str
    key: PriceKey
    unit: str
    book_price: Decimal | None
    source_price: Decimal
    book_layer: str | None
    book_source: str | None
    source_key: str

    def as_row(self) -> dict[str, Any]:
        k = self.key
        return {
            "kind": self.kind,
            "base_model": k.base_model,
            "region": k.region,
            "routing": k.routing,
            "tier": k.tier,
            "mode": k.mode,
            "charge": k.charge,
            "context_tier": k.context_tier,
            "unit": self.unit,
            "book_price": self.book_price,
            "source_price": self.source_price,
            "book_layer": self.book_layer,
            "book_source": self.book_source,
            "source_key": self.source_key,
        }


@dataclass
class CheckResult:
    compared: int
    agree: int
    contradictory: int
    disagreements: list[Disagreement]


def _per_unit(price: Decimal, unit: str, want: str) -> Decimal | None:
    """A book price in the source's unit (1M tokens or image), or None if not comparable."""
    if want == "image":
        return price if unit == "image" else None
    if unit not in ("token", "1K tokens", "1M tokens"):
        return None
    return (price * UNIT_FACTORS[unit] * Decimal(1_000_000)).normalize()


def check_book(
    con: duckdb.DuckDBPyConnection,
    source: PublicSource,
    on_date: date,
    *,
    include_missing: bool = False,
) -> CheckResult:
    """Compare the book with ``source`` on ``on_date`` (see the module docstring)."""
    book_regions = {
        r
        for (r,) in con.execute("SELECT DISTINCT region FROM prices WHERE region <> '*'").fetchall()
    }
    placed = placements(source, sorted(book_regions | set(REGIONS)))
    keys: list[tuple[PriceKey, str, Decimal, str]] = []
    contradictory = 0
    for key in sorted(placed):
        values = {(p.unit, p.price_usd) for p, _ in placed[key]}
        if len(values) != 1:
            contradictory += 1
            continue
        unit, price = values.pop()
        names = ", ".join(sorted({p.source_key for p, _ in placed[key]}))
        keys.append((key, unit, price, names))
    frame = pl.DataFrame(
        {
            "idx": list(range(len(keys))),
            "base_model": [k.base_model for k, *_ in keys],
            "region": [k.region for k, *_ in keys],
            "routing": [k.routing for k, *_ in keys],
            "tier": [k.tier for k, *_ in keys],
            "mode": [k.mode for k, *_ in keys],
            "charge": [k.charge for k, *_ in keys],
            "context_tier": [k.context_tier for k, *_ in keys],
        },
        schema={"idx": pl.Int64, **dict.fromkeys(_KEY_COLUMNS, pl.String)},
    )
    con.register("_check_keys", frame)
    try:
        matched = con.execute(_MATCH, {"d": on_date}).fetchall()
    finally:
        con.unregister("_check_keys")
    out: list[Disagreement] = []
    agree = 0
    for idx, book_price, book_unit, layer, book_source in sorted(matched):
        key, unit, price, names = keys[idx]
        if book_price is None:
            if include_missing:
                out.append(Disagreement("missing", key, unit, None, price, None, None, names))
            continue
        mine = _per_unit(book_price, book_unit, unit)
        if mine is not None and mine == price:
            agree += 1
            continue
        shown = mine if mine is not None else book_price
        out.append(Disagreement("differs", key, unit, shown, price, layer, book_source, names))
    return CheckResult(len(keys), agree, contradictory, out)


_KEY_COLUMNS = ("base_model", "region", "routing", "tier", "mode", "charge", "context_tier")
