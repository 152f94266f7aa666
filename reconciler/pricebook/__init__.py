"""The effective-dated price book: bundled defaults, AWS Price List imports and user overlays.

Public entry points (the pipeline and the CLI call these; everything else is internal):

- :func:`load_bundled_prices` (re)loads the book shipped in ``reconciler/data/prices``;
- :func:`load_price_files` loads user overlays in the CONTRACT CSV format;
- :func:`read_price_files` validates price files without a database;
- :func:`load_discount_files` / :func:`sync_config_discounts` fill ``discounts``.

The view ``price_book`` (``queries/views/price_book.sql``) resolves precedence; rating joins it.
"""

from reconciler.pricebook.csvfile import read_price_files
from reconciler.pricebook.entries import PriceEntry, PriceKey
from reconciler.pricebook.store import bundled_entries, load_bundled_prices, load_price_files

__all__ = [
    "PriceEntry",
    "PriceKey",
    "bundled_entries",
    "load_bundled_prices",
    "load_price_files",
    "read_price_files",
]
