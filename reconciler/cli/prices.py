"""``reconciler prices ...``: load, validate, show and import price data; negotiated discounts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click

from reconciler.cli._common import Ctx, show_summary, stage_context, summary_json

if TYPE_CHECKING:
    from reconciler.core.usage_types import BillingNames
    from reconciler.pricebook.pricelist import ImportReport

# The verbs import the price book (Polars, DuckDB, boto3) when they run, not when --help lists them.

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _output_format(command: Any) -> Any:
    """``--format table|csv|json`` and its ``--json`` shorthand, the same on every listing verb."""
    command = click.option("--json", "as_json", is_flag=True, help="Same as --format json.")(
        command
    )
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "csv", "json"]),
        default="table",
        show_default=True,
    )(command)


@click.group()
def prices() -> None:
    """The price book: user overlays, validation, AWS Price List import, discounts.

    Writing verbs also refresh the bundled price book (idempotent) so the database always
    holds it. Precedence: overlay > price_list > bundled, then the most specific key.
    """


@prices.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@summary_json
@click.pass_obj
def load(ctx: Ctx, files: tuple[str, ...], as_json: bool) -> int:
    """Load price overlays (CONTRACT CSV); reloading a file replaces its rows."""
    from reconciler.db.runs import Run
    from reconciler.pricebook import bundled, load_price_files

    with Run(ctx.db, "prices load") as run:
        run.add(bundled.run(stage_context(ctx, run)))
        run.add(load_price_files(run.con, list(files), run.run_id))
    return show_summary(ctx, run.summary, as_json=as_json)


@prices.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--discounts", is_flag=True, help="The files are discount CSVs, not price files.")
@click.pass_obj
def validate(ctx: Ctx, files: tuple[str, ...], discounts: bool) -> int:
    """Check price (or discount) files without touching the database: exit 0 ok, 2 invalid."""
    from reconciler.pricebook import read_price_files
    from reconciler.pricebook.discounts import read_discount_files

    if discounts:
        n = len(read_discount_files(files))
        what = "discounts"
    else:
        n = len(read_price_files(files))
        what = "prices"
    if not ctx.quiet:
        click.echo(f"ok: {n} {what} in {len(files)} file(s)", err=True)
    return 0


@prices.command("show")
@click.option("--model", help="Base model id; rows with model * are shown too.")
@click.option("--region", help="AWS Region code; rows with region * are shown too.")
@click.option(
    "--date", "on_date", type=click.DateTime(["%Y-%m-%d"]), help="Only prices in effect that day."
)
@_output_format
@click.pass_obj
def show(
    ctx: Ctx,
    model: str | None,
    region: str | None,
    on_date: Any,
    fmt: str,
    as_json: bool,
) -> int:
    """Print the effective price book (precedence resolved) from the database."""
    from reconciler.db.runs import Run
    from reconciler.pricebook.show import effective_prices

    day: date | None = on_date.date() if on_date else None
    with Run(ctx.db, "prices show", write=False) as run:
        rows = effective_prices(run.con, model=model, region=region, on_date=day)
    click.echo(_render(rows, "json" if as_json else fmt), nl=False)
    return 0


@prices.command("import")
@click.option(
    "--offer",
    "offers",
    multiple=True,
    metavar="FILE_OR_URL",
    help="Bulk offer JSON of AmazonBedrock or AmazonBedrockFoundationModels (path, file:// or "
    "https:// URL); repeatable.",
)
@click.option("--api", is_flag=True, help="Query the Pricing API (GetProducts) instead.")
@click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="REGION",
    help="With --api: the Bedrock Region(s) whose prices to fetch (repeatable).",
)
@click.option(
    "--endpoint-region",
    default="us-east-1",
    show_default=True,
    help="Region of the Pricing API endpoint (us-east-1 or ap-south-1).",
)
@click.option(
    "--list-models/--no-list-models",
    default=True,
    show_default=True,
    help="With --api: also match names against Bedrock ListFoundationModels in each --region "
    "(needs bedrock:ListFoundationModels; without it, only the model ids in the logs).",
)
@click.pass_obj
def import_(
    ctx: Ctx,
    offers: tuple[str, ...],
    api: bool,
    regions: tuple[str, ...],
    endpoint_region: str,
    list_models: bool,
) -> int:
    """Import AWS Price List prices (layer price_list) and the billing names they teach.

    Each SKU's model display name is matched to a model id seen in the logs (and, with --api,
    in ListFoundationModels); its usage type -> model mapping is stored in billing_name_map for
    the invoice mapping. Unmappable SKUs and ambiguous or missing names are listed, never
    guessed.
    """
    from reconciler.core.usage_types import learned_rows, load_billing_names
    from reconciler.db.runs import Run
    from reconciler.pricebook import bundled
    from reconciler.pricebook.pricelist import (
        import_price_list,
        list_foundation_models,
        logged_model_ids,
        name_rows,
    )

    if bool(offers) == api:
        raise click.UsageError("give either --offer FILE_OR_URL or --api --region R")
    if api and not regions:
        raise click.UsageError("--api needs at least one --region (e.g. --region us-east-1)")
    with Run(ctx.db, "prices import") as run:
        run.add(bundled.run(stage_context(ctx, run)))
        names = load_billing_names(ctx.settings.invoices.billing_names, learned_rows(run.con))
        candidates = logged_model_ids(run.con)
        if api and list_models:
            found, problems = list_foundation_models(regions)
            candidates |= found
            for p in problems:
                if not ctx.quiet:
                    click.echo(f"warning: {p}; matching uses the model ids in the logs", err=True)
        for origin, report in _price_list_reports(
            offers, regions, endpoint_region, names, candidates
        ):
            run.add(import_price_list(run.con, report, origin, run.run_id))
            if not ctx.quiet:
                for u in report.unmapped:
                    click.echo(
                        f"unmapped SKU {u.sku} ({u.service_code} {u.usage_type}, "
                        f"{u.region_code}): {u.reason}",
                        err=True,
                    )
                for c in name_rows(report)[1]:
                    click.echo(f"name conflict, not learned: {c}", err=True)
    return show_summary(ctx, run.summary)


def _price_list_reports(
    offers: tuple[str, ...],
    regions: tuple[str, ...],
    endpoint_region: str,
    names: BillingNames,
    candidates: set[str],
) -> Iterator[tuple[str, ImportReport]]:
    from reconciler.pricebook.pricelist import (
        fetch_api_products,
        map_products,
        offer_products,
        read_offer,
    )

    for location in offers:
        yield (
            location,
            map_products(offer_products(read_offer(location)), location, names, candidates),
        )
    if regions:
        from reconciler.core import aws

        client = aws.client("pricing", endpoint_region)
        origin = "pricing-api:" + ",".join(regions)
        yield origin, map_products(fetch_api_products(client, regions), origin, names, candidates)


@prices.command("check")
@click.option(
    "--against",
    "against",
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    metavar="FILE",
    help="A public price source: the litellm or genai_prices wheel (pip download --no-deps), "
    "LiteLLM's model_prices_and_context_window*.json or genai-prices' data.py.",
)
@click.option("--source-version", help="Version of an extracted source file (wheels name theirs).")
@click.option(
    "--date",
    "on_date",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Compare the prices in effect that day (default: today, UTC).",
)
@click.option(
    "--missing", is_flag=True, help="Also list keys the source prices and the book leaves unpriced."
)
@_output_format
@click.pass_obj
def check(
    ctx: Ctx,
    against: str,
    source_version: str | None,
    on_date: Any,
    missing: bool,
    fmt: str,
    as_json: bool,
) -> int:
    """Compare the price book (bundled, imported, overlays) with a public price source.

    Lists every key where the book's winning price differs from the source's (per 1M tokens or
    per image). Exit 0 when they agree, 1 when any disagreement is listed.
    """
    from reconciler.db.runs import Run
    from reconciler.pricebook import bundled
    from reconciler.pricebook.check import CHECK_COLUMNS, check_book
    from reconciler.pricebook.public_sources import read_source

    source = read_source(against, source_version)
    day: date = on_date.date() if on_date else datetime.now(UTC).date()
    with Run(ctx.db, "prices check") as run:
        run.add(bundled.run(stage_context(ctx, run)))
        result = check_book(run.con, source, day, include_missing=missing)
    rows = [d.as_row() for d in result.disagreements]
    click.echo(_render(rows, "json" if as_json else fmt, CHECK_COLUMNS, ("book_source",)), nl=False)
    if not ctx.quiet:
        click.echo(
            f"{source.name} {source.version}: {result.compared} keys compared on {day}, "
            f"{result.agree} agree, {len(rows)} listed, {result.contradictory} contradictory "
            "in the source (not compared)",
            err=True,
        )
    return 1 if rows else 0


@prices.group("discounts")
def discounts_group() -> None:
    """Negotiated discounts (also declared in reconciler.toml as [[pricing.discounts]])."""


@discounts_group.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.pass_obj
def discounts_load(ctx: Ctx, files: tuple[str, ...]) -> int:
    """Load discount CSVs (scope,value,percent,effective_from,effective_to,source)."""
    from reconciler.db.runs import Run
    from reconciler.pricebook.discounts import load_discount_files

    with Run(ctx.db, "prices discounts load") as run:
        run.add(load_discount_files(run.con, list(files), run.run_id))
    return show_summary(ctx, run.summary)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _safe_cell(text: str) -> str:
    """Spreadsheets run cells that start like a formula; prefix those with a quote."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _render(
    rows: list[dict[str, Any]],
    fmt: str,
    columns: tuple[str, ...] | None = None,
    hidden_in_table: tuple[str, ...] = ("note", "source"),
) -> str:
    if columns is None:
        from reconciler.pricebook.show import SHOW_COLUMNS

        columns = SHOW_COLUMNS
    if fmt == "json":
        data = [{k: _text(v) or None for k, v in r.items()} for r in rows]
        return json.dumps(data, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow([_safe_cell(_text(r[c])) for c in columns])
        return out.getvalue()
    shown = [c for c in columns if c not in hidden_in_table]
    cells = [[_printable(_text(r[c])) for c in shown] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(shown)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(shown, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines) + "\n"


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)
