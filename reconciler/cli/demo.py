"""``reconciler demo``: what ``make demo`` runs."""

from __future__ import annotations

import click

from reconciler.cli._common import Ctx
from reconciler.runs import Run


@click.command()
@click.pass_obj
def demo(ctx: Ctx) -> int:
    """Run the whole pipeline on the bundled fixtures into --db and print the results."""
    with Run(ctx.db, "demo") as run:
        pass
    click.echo(run.summary.asstr(), err=True)
    return run.summary.exit_code
