"""The effective-dated price book: bundled defaults, AWS Price List imports and user overlays.

Public entry points (the pipeline and the CLI call these; everything else is internal):

- :func:`load_bundled_prices` (re)loads the book shipped in ``reconciler/data/prices``;
- :func:`load_price_files` loads user overlays in the CONTRACT CSV format;
- :func:`read_price_files` validates price files without a database;
- :func:`load_discount_files` / :func:`sync_config_discounts` fill ``discounts``;
- :mod:`reconciler.pricebook.pricelist` imports AWS Price List offers and GetProducts pages.

The view ``price_book`` (``queries/views/price_book.sql``) resolves precedence and the table macro
``price_at(...)`` picks the one price for a usage key on a date; rating joins them.
"""

from reconciler.pricebook.csvfile import read_price_files
from reconciler.pricebook.discounts import (
    Discount,
    load_discount_files,
    read_discount_files,
    sync_config_discounts,
)
from reconciler.pricebook.entries import PriceEntry, PriceKey
from reconciler.pricebook.store import bundled_entries, load_bundled_prices, load_price_files

__all__ = [
    "Discount",
    "PriceEntry",
    "PriceKey",
    "bundled_entries",
    "load_bundled_prices",
    "load_discount_files",
    "load_price_files",
    "read_discount_files",
    "read_price_files",
    "sync_config_discounts",
]
