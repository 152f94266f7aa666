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

from reconciler.db import bulk, sql
from reconciler.pricebook.entries import KEY_COLUMNS, UNIT_FACTORS, PriceKey
from reconciler.pricebook.generate import REGIONS, placements
from reconciler.pricebook.public_sources import PublicSource

__all__ = ["CHECK_COLUMNS", "CheckResult", "Disagreement", "check_book"]

CHECK_COLUMNS = (
    "kind",
    *KEY_COLUMNS,
    "unit",
    "book_price",
    "source_price",
    "book_layer",
    "book_source",
    "source_key",
)


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
            **k.columns(),
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
    book_regions = {r for (r,) in sql.execute(con, "pricebook/check_regions").fetchall()}
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
        [{"idx": i, **k.columns()} for i, (k, *_) in enumerate(keys)],
        schema={"idx": pl.Int64, **dict.fromkeys(KEY_COLUMNS, pl.String)},
    )
    # price_at for many keys at once, as queries/views/price_book.sql matches them
    con.complete()
    con.register(bulk.ROWS_VIEW, frame.to_arrow())
    try:
        matched = sql.execute(con, "pricebook/check_match", {"on_date": on_date}).fetchall()
    finally:
        con.unregister(bulk.ROWS_VIEW)
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
