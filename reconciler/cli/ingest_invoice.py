"""``reconciler ingest invoice SRC...``: load CUR 2.0 / legacy CUR / FOCUS billing files, or pull
the Bedrock costs from Cost Explorer (``--cost-explorer --start D --end D``)."""

from __future__ import annotations

from datetime import date, datetime

import click

from reconciler.cli._common import DAY, Ctx, cli_progress, show_summary, stage_context, summary_json
from reconciler.core.errors import ConfigError


@click.command("invoice")
@click.argument("sources", nargs=-1)
@click.option(
    "--cost-explorer",
    is_flag=True,
    help="Pull the Bedrock costs of --start..--end from Cost Explorer (GetCostAndUsage, daily), "
    "for accounts without a CUR export (SRC may be given too). Each API call costs USD 0.01.",
)
@click.option(
    "--start",
    type=DAY,
    metavar="YYYY-MM-DD",
    help="With --cost-explorer: first usage date (UTC, inclusive).",
)
@click.option(
    "--end",
    type=DAY,
    metavar="YYYY-MM-DD",
    help="With --cost-explorer: last usage date (UTC, inclusive).",
)
@summary_json
@click.pass_obj
def invoice(
    ctx: Ctx,
    sources: tuple[str, ...],
    cost_explorer: bool,
    start: datetime | None,
    end: datetime | None,
    as_json: bool,
) -> int:
    """Load billing data: CUR 2.0 (Parquet/CSV/CSV.gz, incl. the Data Exports BILLING_PERIOD=
    layout), legacy CUR and FOCUS 1.0/1.2 with AWS columns, detected per file; or, with
    --cost-explorer, the Bedrock costs from the Cost Explorer API.

    SRC is a file, directory, glob or s3://bucket/prefix (default: [sources] invoices in the
    config; with --cost-explorer SRC is optional). Only Bedrock rows are kept (Marketplace
    "Bedrock Edition" models included); a re-delivered billing period replaces the previous one;
    unchanged files are skipped. A Cost Explorer pull replaces the window's earlier pull; where a
    CUR/FOCUS export covers the same month and account, the reconciliation uses the export.
    """
    window = _window(cost_explorer, start, end)
    chosen = list(sources) or ([] if cost_explorer else list(ctx.settings.sources.invoices))
    if not chosen and not cost_explorer:
        raise ConfigError(
            "no invoice source: pass SRC... or set [sources] invoices in the config "
            "(or pull Cost Explorer: --cost-explorer --start D --end D)"
        )
    from reconciler.db.runs import Run
    from reconciler.ingest import cost_explorer as cost_explorer_
    from reconciler.ingest import invoices

    with Run(ctx.db, "ingest invoice") as run:
        if chosen:
            with cli_progress(ctx, "ingest invoice", "files") as progress:
                stage = stage_context(ctx, run, progress=progress)
                run.add(invoices.run(stage, sources=chosen))
        if window is not None:
            stage = stage_context(ctx, run, window=window)
            run.add(cost_explorer_.run(stage))
    return show_summary(ctx, run.summary, as_json=as_json)


def _window(
    cost_explorer: bool, start: datetime | None, end: datetime | None
) -> tuple[date, date] | None:
    """The inclusive Cost Explorer window, or None; the flags only make sense together."""
    if not cost_explorer:
        if start is not None or end is not None:
            raise click.UsageError("--start and --end go with --cost-explorer")
        return None
    if start is None or end is None:
        raise click.UsageError("--cost-explorer needs --start D and --end D (inclusive dates)")
    if end < start:
        raise ConfigError(f"--end {end.date()} is before --start {start.date()}")
    return start.date(), end.date()
