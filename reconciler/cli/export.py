"""``reconciler export``: hand the reconciled, allocated bill to other tools."""

from __future__ import annotations

import contextlib
import sys
from datetime import datetime
from pathlib import Path
from typing import Literal, cast

import click

from reconciler.cli._common import DAY, Ctx, writing_to
from reconciler.core.errors import ConfigError, ExitCode


@click.group()
def export() -> None:
    """Export reconciled data in formats other tools read."""


@export.command("focus")
@click.option(
    "--start",
    type=DAY,
    help="First UTC day (inclusive, with --end). Default: the latest billing period (calendar "
    "month) with allocated spend.",
)
@click.option(
    "--end",
    type=DAY,
    help="Last UTC day (inclusive, with --start). Default: as --start.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Write to this file (default: CSV on stdout)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="csv: decimal strings, formula-neutralised text; parquet: decimal128(38,12).",
)
@click.option(
    "--billing-account-id",
    help="FOCUS BillingAccountId for every row (default: each usage account's payer from the "
    "invoice lines, bill_payer_account_id / BillingAccountId).",
)
@click.pass_obj
def focus(
    ctx: Ctx,
    start: datetime | None,
    end: datetime | None,
    out: str | None,
    fmt: str,
    billing_account_id: str | None,
) -> int:
    """Allocated spend (the `allocated_spend` view) as FOCUS 1.2 rows, team and application as
    x_Team/x_Application columns and Tags. Reads the database read-only.

    Without --start/--end it exports the latest billing period with allocated spend and says
    which on stderr. Exit 1 when the period has no allocated spend (nothing to export).
    """
    from reconciler.db import connect
    from reconciler.outputs.export_focus import export_focus, latest_period, render_csv

    if (start is None) != (end is None):
        raise click.UsageError("--start and --end go together")
    if fmt == "parquet" and out is None:
        raise ConfigError("export focus: --format parquet needs --out PATH")
    with contextlib.closing(connect(ctx.db, read_only=True)) as con:
        if start is not None and end is not None:
            first, last = start.date(), end.date()
        else:
            period = latest_period(con)
            if period is None:
                click.echo(
                    "export focus: the database holds no allocated spend; run `reconciler run` "
                    "for a period with usage and an invoice first",
                    err=True,
                )
                return int(ExitCode.FINDINGS)
            first, last = period
            if not ctx.quiet:
                click.echo(
                    f"export focus: no --start/--end: exporting {first}..{last}, the latest "
                    "billing period with allocated spend",
                    err=True,
                )
        with writing_to(out):
            table, result = export_focus(
                con,
                first,
                last,
                out=Path(out) if out else None,
                fmt=cast(Literal["csv", "parquet"], fmt),
                billing_account_id=billing_account_id,
            )
    if out is None:
        sys.stdout.write(render_csv(table))
    if result.rows == 0:
        click.echo(
            f"export focus: no allocated spend for {first}..{last}; nothing exported "
            "(run `reconciler run` for those dates, or pick another period)",
            err=True,
        )
        return int(ExitCode.FINDINGS)
    if not ctx.quiet:
        click.echo(
            f"export focus: {result.rows} rows, BilledCost total {result.billed_total_usd:f} USD, "
            f"{first}..{last}" + (f" -> {out}" if out else ""),
            err=True,
        )
    return 0
