"""``reconciler report``: spend per team (or application, model ...) for a period."""

from __future__ import annotations

import contextlib
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from reconciler.cli._choices import REPORT_DIMENSIONS, REPORT_FORMATS
from reconciler.cli._common import Ctx, data_window, writing_to
from reconciler.core.errors import ExitCode


@click.command()
@data_window
@click.option(
    "--by",
    default="team",
    show_default=True,
    help=f"Comma-separated grouping: {', '.join(REPORT_DIMENSIONS)}.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*REPORT_FORMATS, "html"]),
    default="table",
    show_default=True,
    help="table and md show cents; csv and json carry exact decimal amounts; html is the "
    "self-contained report with charts (docs/html-report.md; --by does not apply).",
)
@click.option(
    "--basis",
    type=click.Choice(["invoice", "list"]),
    default=None,
    help="invoice: the chargeback, what each group owes per billing period from "
    "`allocated_spend`, tied to the invoice to the cent, with its parts and why (whole "
    "billing periods; --by team, application, model, account, charge). list: rated cost from "
    "`spend`. Default: invoice when a billing period of the window has an allocated invoice, "
    "else list.",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file, not stdout.")
@click.pass_obj
def report(
    ctx: Ctx,
    start: datetime | None,
    end: datetime | None,
    by: str,
    fmt: str,
    basis: str | None,
    out: str | None,
) -> int:
    """Cost per team (or other grouping) for a period: invoiced (chargeback) or rated (list).

    With --basis list, unpriced usage is never shown as $0: it is reported as unpriced tokens and
    the command exits 1. With --basis invoice, the command exits 1 when a billing period does not
    tie to its invoice. Reads the database read-only.
    """
    from reconciler.db import connect
    from reconciler.outputs.chargeback import build_chargeback, has_invoice
    from reconciler.outputs.chargeback import render as render_chargeback
    from reconciler.outputs.html_report import render_html
    from reconciler.outputs.report import build_report, render, resolve_period
    from reconciler.outputs.report_data import build_report_data
    from reconciler.outputs.whatif_render import stored_savings_section

    with contextlib.closing(connect(ctx.db, read_only=True)) as con:
        first, last = resolve_period(
            con,
            start.date() if start else None,
            end.date() if end else None,
            today=datetime.now(UTC).date(),
        )
        if basis is None:
            basis = "invoice" if has_invoice(con, first, last) else "list"
        if basis == "invoice" and fmt != "html":
            cb = build_chargeback(con, first, last, by.split(","))
            _emit(render_chargeback(cb, fmt), out)
            if not cb.ties and not ctx.quiet:
                click.echo(
                    f"reconciler: warning: the chargeback for {first}..{last} does not tie to an "
                    "invoice (see the last lines of the report)",
                    err=True,
                )
            return int(ExitCode.OK if cb.ties else ExitCode.FINDINGS)
        rep = build_report(con, first, last, by.split(","))
        text = (
            render_html(
                build_report_data(con, first, last), [stored_savings_section(con, first, last)]
            )
            if fmt == "html"
            else None
        )
    _emit(text if text is not None else render(rep, fmt), out)
    if rep.unpriced_rows and not ctx.quiet:
        click.echo(
            f"reconciler: warning: {rep.unpriced_rows} spend rows in {first}..{last} have no "
            "price; their cost is not in the totals (see the spend view, priced = false)",
            err=True,
        )
    return int(ExitCode.FINDINGS if rep.unpriced_rows else ExitCode.OK)


def _emit(text: str, out: str | None) -> None:
    if out:
        with writing_to(out):
            Path(out).write_text(text, encoding="utf-8", newline="")
    else:
        # not click.echo: it strips ANSI escapes when stdout is not a terminal, which would alter
        # the data (an HTML or CSV cell holding ESC must come out as the renderer wrote it)
        sys.stdout.write(text)
