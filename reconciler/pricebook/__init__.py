"""The effective-dated price book: bundled defaults, AWS Price List imports and user overlays.

Public entry points (the pipeline and the CLI call these; everything else is internal):

- :func:`reconciler.pricebook.bundled.run` (re)loads the book shipped in
  ``reconciler/data/prices`` (a pipeline stage);
- :func:`load_price_files` loads user overlays in the CONTRACT CSV format;
- :func:`read_price_files` validates price files without a database;
- :func:`load_discount_files` / :func:`reconciler.pricebook.discounts.run` (a pipeline
  stage: the config's discounts) fill ``discounts``;
- :mod:`reconciler.pricebook.pricelist` imports AWS Price List offers and GetProducts pages.

The view ``price_book`` (``queries/views/price_book.sql``) resolves precedence and the table macro
``price_at(...)`` picks the one price for a usage key on a date; rating joins them.
"""

from reconciler.pricebook.csvfile import read_price_files
from reconciler.pricebook.discounts import (
    Discount,
    load_discount_files,
    read_discount_files,
)
from reconciler.pricebook.entries import PriceEntry, PriceKey
from reconciler.pricebook.store import bundled_entries, load_price_files

__all__ = [
    "Discount",
    "PriceEntry",
    "PriceKey",
    "bundled_entries",
    "load_discount_files",
    "load_price_files",
    "read_discount_files",
    "read_price_files",
]
