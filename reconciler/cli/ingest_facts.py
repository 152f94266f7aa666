"""``reconciler ingest facts DIR``: load the Spark job's output (library: ingest.facts)."""

from __future__ import annotations

import click

from reconciler.cli._common import Ctx, show_summary


@click.command("facts")
@click.argument("path", metavar="DIR")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON on stdout.")
@click.pass_obj
def facts(ctx: Ctx, path: str, as_json: bool) -> int:
    """Load the hourly facts written by python -m reconciler.spark --output DIR.

    \b
    Facts replace what is stored for the (hour, account, region) cells they
    cover; the manifest goes into the source ledger, and quarantine rows and
    duplicate conflicts of objects not loaded before are added. Loading the
    same DIR again changes nothing. Then `run`, reports and views work as
    after `ingest logs`, except the per-request `invocations` view, which
    stays empty for these logs (docs/scale-out.md). Exit 1 when the job
    quarantined records or found conflicting duplicates.
    """
    from reconciler.db.runs import Run  # imported when the verb runs: --help stays light
    from reconciler.ingest.facts import ingest_facts

    with Run(ctx.db, "ingest facts") as run:
        run.add(ingest_facts(run.con, run.run_id, path))
    return show_summary(ctx, run.summary, as_json=as_json)
