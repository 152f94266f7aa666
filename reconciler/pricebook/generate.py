"""Generate the broad bundled price book (``reconciler/data/prices/public-sources.csv``).

Run (a maintainer's step, never at run time; docs/pricebook.md "Regenerating")::

    pip download --no-deps litellm genai-prices -d /tmp/price-sources
    python -m reconciler.pricebook.generate \\
        --litellm /tmp/price-sources/litellm-*.whl \\
        --genai-prices /tmp/price-sources/genai_prices-*.whl

Why generated: the reviewed book (``bedrock.csv``) covers the models we have checked by hand;
AWS sells hundreds of model x Region prices and two maintained public databases track them. This
script turns LiteLLM's Region and profile keys into price rows for the Regions in
:data:`REGIONS`, deterministically (sorted, no clock), and:

- never overrides the reviewed book: a key the reviewed book already prices (including through
  ``*`` or ``regional`` wildcards) is skipped, so its corrections and its in-Region Claude 4.5
  rows at 1.10 x global stay (billing-vocabulary.md §4);
- places a price only where its source key says it applies: a Region key in that Region
  (``in_region``), a geography key (``eu.``, ``apac.``/``jp.``, ``us.``) as ``geo`` in the
  Regions of that geography, ``global.`` as ``global``; a bare id only in us-east-1 and only for
  models without a ``global.`` key (LiteLLM's bare keys of those carry the global rate,
  litellm#42679). For models with global and geo keys but no Region key, the in-Region price is
  the geo rate, marked ``assumption:`` (field-notes item 10);
- never uses genai-prices (no Regions) for a row: it is the second opinion recorded in the note
  of us-east-1 in-Region rows (``genai-prices 0.2.5 agrees`` / ``says 0.9``);
- when two keys give one price key different prices (``apac.`` vs ``jp.``) the row is left out
  and listed in the file header as a doubt.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

from reconciler.pricebook.csvfile import parse_price_csv
from reconciler.pricebook.entries import KEY_COLUMNS, WILDCARD, PriceEntry, PriceKey
from reconciler.pricebook.public_sources import (
    GEO_PREFIXES,
    PublicPrice,
    PublicSource,
    read_source,
)

__all__ = [
    "OUTPUT_NAME",
    "REGIONS",
    "REVIEWED_NAME",
    "GeneratedRow",
    "generate",
    "main",
    "placements",
    "render",
]

REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1")
OUTPUT_NAME = "public-sources.csv"
REVIEWED_NAME = "bedrock.csv"
EFFECTIVE_FROM = "2024-01-01"
COLUMNS = (
    "model",  # the CSV's name for base_model
    *KEY_COLUMNS[1:],
    "unit",
    "price_usd",
    "effective_from",
    "effective_to",
    "source",
    "checked",
    "note",
)


@dataclass(frozen=True, order=True)
class GeneratedRow:
    key: PriceKey
    unit: str
    price_usd: Decimal
    source: str
    note: str


def _covered(reviewed: Sequence[PriceEntry], key: PriceKey) -> bool:
    """Whether the reviewed book already prices ``key`` (exactly or through a wildcard)."""
    for e in reviewed:
        k = e.key
        if (
            k.base_model in (key.base_model, WILDCARD)
            and k.region in (key.region, WILDCARD)
            and k.tier in (key.tier, WILDCARD)
            and (k.mode, k.charge, k.context_tier) == (key.mode, key.charge, key.context_tier)
            and (
                k.routing in (key.routing, WILDCARD)
                or (k.routing == "regional" and key.routing in ("in_region", "geo"))
            )
        ):
            return True
    return False


def _where(
    price: PublicPrice, has_global: bool, regions: Sequence[str] = REGIONS
) -> list[tuple[str, str, str]]:
    """(region, routing, how) rows a LiteLLM price places, within ``regions``."""
    if price.scope == "region":
        return [(price.region or "", "in_region", "Region key")]
    if price.scope == "global":
        return [(r, "global", "global profile") for r in regions]
    if price.scope.startswith("geo:"):
        geo = price.scope.removeprefix("geo:")
        inside = [r for r in regions if r in GEO_PREFIXES.get(geo, ())]
        rows = [(r, "geo", f"{geo}. geo profile") for r in inside]
        if has_global:  # the 4.5+ split: in-Region bills at the Regional (geo) rate
            rows += [(r, "in_region", f"{geo}. geo profile, as in-Region rate") for r in inside]
        return rows
    if price.scope == "bare" and not has_global:
        return [("us-east-1", "in_region", "bare id, LiteLLM's us-east-1 default")]
    if price.scope == "region_blind":  # genai-prices: compared in us-east-1 only
        routing = "global" if has_global else "in_region"
        return [("us-east-1", routing, "region-blind id")]
    if price.scope == "region_blind_regional":
        return [("us-east-1", r, "region-blind regional. id") for r in ("in_region", "geo")]
    return []


Placed = dict[PriceKey, list[tuple[PublicPrice, str]]]


def placements(source: PublicSource, regions: Sequence[str] = REGIONS) -> Placed:
    """Every price key a source's prices apply to (in ``regions``), with the prices and how.

    A region-blind source (genai-prices) lands in us-east-1 ``in_region`` only."""
    has_global = {
        p.base_model
        for p in source.prices
        if p.scope in ("global", "region_blind_regional")  # genai-prices: regional.<id>
    }
    has_region_key = {(p.base_model, p.region) for p in source.prices if p.scope == "region"}
    found: Placed = defaultdict(list)
    for p in source.prices:
        for region, routing, how in _where(p, p.base_model in has_global, regions):
            if region not in regions:
                continue
            if (
                routing == "in_region"
                and p.scope != "region"
                and (p.base_model, region) in has_region_key
            ):
                continue  # a Region key is better evidence than a profile or bare key
            key = PriceKey(p.base_model, region, routing, p.tier, p.mode, p.charge, p.context_tier)
            found[key].append((p, how))
    return found


def generate(
    litellm: PublicSource, genai: PublicSource | None, reviewed: Sequence[PriceEntry]
) -> tuple[list[GeneratedRow], list[str]]:
    """Rows for the generated book and the doubts (conflicting keys) left out."""
    second: dict[tuple[str, str], Decimal] = {}
    if genai is not None:
        for k, cands in placements(genai).items():
            if k.routing == "in_region" and len({p.price_usd for p, _ in cands}) == 1:
                second[(k.base_model, k.charge)] = cands[0][0].price_usd
    found = placements(litellm)
    rows: list[GeneratedRow] = []
    doubts: list[str] = []
    for key in sorted(found):
        cands = found[key]
        if _covered(reviewed, key):
            continue
        values = {(p.unit, p.price_usd) for p, _ in cands}
        keys = ", ".join(sorted({p.source_key for p, _ in cands}))
        if len(values) != 1:
            listed = "; ".join(f"{p.source_key}={p.price_usd}" for p, _ in sorted(cands))
            doubts.append(f"{key.describe()}: {listed}")
            continue
        unit, price = values.pop()
        how = sorted({h for _, h in cands})[0]
        note = f"generated: LiteLLM {litellm.version} key {keys} ({how})"
        if how.endswith("as in-Region rate"):
            note = "assumption: in-Region calls bill at the geo rate (field-notes item 10); " + note
        plain = (key.region, key.routing, key.tier, key.mode, key.context_tier) == (
            "us-east-1",
            "in_region",
            "standard",
            "on_demand",
            "standard",
        )
        other = second.get((key.base_model, key.charge)) if genai is not None and plain else None
        if genai is not None and other is not None:
            verdict = "agrees" if other == price else f"says {other}"
            note += f"; genai-prices {genai.version} {verdict}"
        rows.append(GeneratedRow(key, unit, price, litellm.url, note))
    return rows, doubts


def render(
    rows: Iterable[GeneratedRow],
    doubts: Sequence[str],
    litellm: PublicSource,
    genai: PublicSource | None,
) -> str:
    """The CSV text (deterministic: sorted rows, no timestamps)."""
    out = io.StringIO()
    second = f" and genai-prices {genai.version}" if genai else ""
    out.write(
        "# GENERATED by `python -m reconciler.pricebook.generate` from LiteLLM "
        f"{litellm.version}{second} (PyPI package data, read as files). Do not edit:\n"
        "# fix a price in bedrock.csv (reviewed rows win over these) or regenerate. "
        "See docs/pricebook.md.\n"
    )
    for d in doubts:
        out.write(f"# doubt, left out: {d}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        k = r.key
        writer.writerow(
            [
                k.base_model, k.region, k.routing, k.tier, k.mode, k.charge, k.context_tier,
                r.unit, format(r.price_usd, "f"), EFFECTIVE_FROM, "", r.source, "", r.note,
            ]
        )  # fmt: skip
    return out.getvalue()


def reviewed_entries() -> list[PriceEntry]:
    text = resources.files("reconciler.data.prices").joinpath(REVIEWED_NAME).read_text("utf-8")
    entries, problems = parse_price_csv(text, f"bundled:{REVIEWED_NAME}", "bundled")
    if problems:
        raise SystemExit("\n".join(problems))
    return entries


def default_output() -> Path:
    return Path(str(resources.files("reconciler.data.prices").joinpath(OUTPUT_NAME)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reconciler.pricebook.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--litellm", required=True, help="litellm-*.whl or its price JSON")
    parser.add_argument("--genai-prices", help="genai_prices-*.whl or its data.py (cross-check)")
    parser.add_argument("--out", type=Path, help=f"output CSV (default: the bundled {OUTPUT_NAME})")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the output file differs (no write)"
    )
    args = parser.parse_args(argv)
    litellm = read_source(args.litellm)
    if litellm.name != "litellm":
        parser.error(f"--litellm {args.litellm} is not a LiteLLM source")
    genai = read_source(args.genai_prices) if args.genai_prices else None
    if genai is not None and genai.name != "genai-prices":
        parser.error(f"--genai-prices {args.genai_prices} is not a genai-prices source")
    rows, doubts = generate(litellm, genai, reviewed_entries())
    text = render(rows, doubts, litellm, genai)
    out: Path = args.out or default_output()
    if args.check:
        same = out.is_file() and out.read_text(encoding="utf-8") == text
        sys.stderr.write(f"{out}: {'up to date' if same else 'differs from a fresh generation'}\n")
        return 0 if same else 1
    out.write_text(text, encoding="utf-8")
    sys.stderr.write(f"wrote {len(rows)} rows ({len(doubts)} doubts left out) to {out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
