"""``reconciler ingest invoice SRC...``: load CUR 2.0 / legacy CUR / FOCUS billing files."""

from __future__ import annotations

import click

from reconciler.cli._common import Ctx, show_summary
from reconciler.errors import ConfigError
from reconciler.ingest.invoices import ingest_invoices
from reconciler.runs import Run


@click.command("invoice")
@click.argument("sources", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON on stdout.")
@click.pass_obj
def invoice(ctx: Ctx, sources: tuple[str, ...], as_json: bool) -> int:
    """Load billing data: CUR 2.0 (Parquet/CSV/CSV.gz, incl. the Data Exports BILLING_PERIOD=
    layout), legacy CUR and FOCUS 1.0/1.2 with AWS columns, detected per file.

    SRC is a file, directory, glob or s3://bucket/prefix (default: [sources] invoices in the
    config). Only Bedrock rows are kept (Marketplace "Bedrock Edition" models included); a
    re-delivered billing period replaces the previous one; unchanged files are skipped.
    """
    chosen = list(sources) or list(ctx.settings.sources.invoices)
    if not chosen:
        raise ConfigError("no invoice source: pass SRC... or set [sources] invoices in the config")
    with Run(ctx.db, "ingest invoice") as run:
        run.add(ingest_invoices(run.con, chosen, settings=ctx.settings, run_id=run.run_id))
    return show_summary(ctx, run.summary, as_json=as_json)
