"""``reconciler demo``: what ``make demo`` runs."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli._common import Ctx, show_summary
from reconciler.demo import DEMO_END, DEMO_START, demo_exit_code, run_demo


@click.command()
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False),
    default="demo-out",
    show_default=True,
    help="Directory for the HTML report and the FOCUS export.",
)
@click.pass_obj
def demo(ctx: Ctx, out_dir: str) -> int:
    """Run the whole pipeline on the bundled fixtures into --db, offline, and print the results.

    Loads fixtures/demo.toml (sources, tolerances, attribution rules, allocation policy, a model
    map so nothing calls AWS) and recorded CloudWatch metrics, runs the 2025-11-03..2025-11-04
    window,
    then prints the per-team report, every reconciliation gap with its cause and the bill bridge
    (stdout) and the run summary (stderr), and writes report.html and a FOCUS 1.2 CSV to
    --out-dir. Re-running gives the same output. The fixtures hold deliberate findings
    (quarantined records, unpriced usage, a gap of every cause): unlike `run`, the demo exits 0
    when every stage completed, findings or not.
    """
    result = run_demo(ctx.db, Path(out_dir))
    click.echo(result.text, nl=False)
    click.echo(
        f"\nWrote {result.html_path} (HTML report) and {result.focus_path} "
        f"(FOCUS 1.2 export), {DEMO_START}..{DEMO_END}."
    )
    show_summary(ctx, result.summary)
    code = demo_exit_code(result.summary)
    if code == 0 and result.summary.exit_code and not ctx.quiet:
        click.echo(
            "demo: exit 0: the findings above are the fixtures' deliberate traps "
            f"(`reconciler run` would exit {result.summary.exit_code})",
            err=True,
        )
    return code
