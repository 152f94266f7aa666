"""``reconciler whatif``: the window's usage re-rated under each way of buying Bedrock."""

from __future__ import annotations

import contextlib
import sys
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from reconciler.cli._choices import SCENARIOS, WHATIF_FORMATS
from reconciler.cli._common import Ctx, data_window
from reconciler.core.errors import ConfigError, ExitCode


@click.command("whatif")
@data_window
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    type=click.Choice(SCENARIOS),
    help="Only this scenario (repeatable). Default: all.",
)
@click.option(
    "--move",
    "moves",
    multiple=True,
    metavar="FROM=TO",
    help="model_switch: re-price FROM's traffic at TO's prices (base model ids; repeatable; "
    "added to [whatif] moves).",
)
@click.option(
    "--hit-rate",
    metavar="SHARE",
    help="caching candidates: share of input assumed read from the cache (default: "
    "[whatif] cache_hit_rate, 0.5).",
)
@click.option(
    "--top", type=click.IntRange(min=1), help="Rows per scenario in table/md/html ([whatif] top)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(WHATIF_FORMATS)),
    default="table",
    show_default=True,
    help="table, md and html show each scenario's best rows in cents; csv and json carry every "
    "row with exact decimal amounts.",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file, not stdout.")
@click.option(
    "--save/--no-save",
    default=True,
    show_default=True,
    help="Store the rows in the `whatif` view (replacing this window's; takes the writer "
    "lock), or compute on a read-only connection.",
)
@click.pass_obj
def whatif(
    ctx: Ctx,
    start: datetime | None,
    end: datetime | None,
    scenarios: tuple[str, ...],
    moves: tuple[str, ...],
    hit_rate: str | None,
    top: int | None,
    fmt: str,
    out: str | None,
    save: bool,
) -> int:
    """Re-rate the window's logged usage under each way of buying Bedrock, per team,
    application and model: global routing, batch, service tier, prompt caching, provisioned
    throughput, another model (docs/whatif.md).

    \b
    Current cost is the `spend` view's; the what-if cost uses the same price book, the price
    effective on each usage day and the same discounts. savings = current - what-if. A what-if
    with no price for its target is shown as unpriced and left out of the totals, never $0.
    Exit 1 when the window has unpriced spend rows (as `report`) or no rated usage at all,
    else 0.
    """
    from reconciler.db import connect
    from reconciler.db.runs import Run
    from reconciler.outputs.report import resolve_period
    from reconciler.outputs.whatif_render import render_whatif
    from reconciler.stages.whatif import compute_whatif, options_from_config, store_whatif

    options = options_from_config(
        ctx.settings.whatif, scenarios=scenarios, moves=moves, hit_rate=_share(hit_rate)
    )
    first_arg = start.date() if start else None
    last_arg = end.date() if end else None
    today = datetime.now(UTC).date()
    if save:
        with Run(ctx.db, "whatif") as current:
            first, last = resolve_period(current.con, first_arg, last_arg, today=today)
            result = compute_whatif(current.con, first, last, options)
            current.add(store_whatif(current.con, result, run_id=current.run_id))
    else:
        with contextlib.closing(connect(ctx.db, read_only=True)) as con:
            first, last = resolve_period(con, first_arg, last_arg, today=today)
            result = compute_whatif(con, first, last, options)
    text = render_whatif(result, fmt, top or ctx.settings.whatif.top)
    if out:
        Path(out).write_text(text, encoding="utf-8", newline="")
    else:
        sys.stdout.write(text)
    if not result.spend_rows:
        if not ctx.quiet:
            click.echo(
                f"reconciler: warning: no rated usage in {first}..{last}: nothing to re-rate "
                "(run `reconciler run` for the window first)",
                err=True,
            )
        return int(ExitCode.FINDINGS)
    if result.unpriced_spend_rows and not ctx.quiet:
        click.echo(
            f"reconciler: warning: {result.unpriced_spend_rows} spend rows in {first}..{last} "
            "have no price today; they are unpriced in every scenario (spend view, priced = "
            "false)",
            err=True,
        )
    return int(ExitCode.FINDINGS if result.unpriced_spend_rows else ExitCode.OK)


def _share(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ConfigError(f"--hit-rate {text!r}: give a decimal share, e.g. 0.5") from None
