"""``reconciler demo``: what ``make demo`` runs."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import click

from reconciler.cli._common import Ctx
from reconciler.ingest.load import ingest_logs
from reconciler.quarantine import Problems
from reconciler.runs import Run


@cache
def fixtures_dir() -> Path:
    """Where the bundled ``fixtures/`` are, for a source checkout or an installed wheel."""
    here = Path(__file__).resolve().parents[1]  # .../reconciler
    for candidate in (here.parent / "fixtures", here / "fixtures"):
        if (candidate / "logs").is_dir():
            return candidate
    raise FileNotFoundError(f"fixtures/ not found next to {here}")  # packaging bug


@click.command()
@click.pass_obj
def demo(ctx: Ctx) -> int:
    """Run the whole pipeline on the bundled fixtures into --db and print the results.

    The fixtures hold deliberate traps (corrupt files, a conflicting duplicate), so the
    summary shows findings; the demo still exits 0 when every stage completed.
    """
    with Run(ctx.db, "demo") as run:
        run.add(
            ingest_logs(run.con, run.run_id, [str(fixtures_dir() / "logs")], problems=Problems())
        )
    click.echo(run.summary.asstr(), err=True)
    return 0 if run.summary.status in ("ok", "findings") else run.summary.exit_code
