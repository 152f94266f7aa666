"""``reconciler demo``: what ``make demo`` runs."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli._common import Ctx, show_summary


@click.command()
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False),
    default="demo-out",
    show_default=True,
    help="Directory for the HTML report, the FOCUS export and the generated month (data/).",
)
@click.option(
    "--small",
    is_flag=True,
    help="Run on the small two-day fixtures (fixtures/demo.toml) instead of a generated month.",
)
@click.pass_obj
def demo(ctx: Ctx, out_dir: str, small: bool) -> int:
    """Run the whole pipeline on a generated month into --db, offline, and print the results.

    Generates November 2025 of a small company (five teams, two accounts, three Regions:
    on-demand, cache, batch, geo and global profiles, a provisioned model; a matching CUR 2.0
    export) into --out-dir/data, deterministically, and runs it with fixtures/demo-month.toml
    (attribution rules, allocation policy, a model map so nothing calls AWS). --small runs the
    two-day fixtures instead (fixtures/demo.toml, recorded CloudWatch metrics, 2025-11-03..04).
    Prints the per-team report, the reconciliation gaps with their causes and the bill bridge
    (stdout) and the run summary (stderr), and writes report.html and a FOCUS 1.2 CSV to
    --out-dir. Re-running gives the same output. Both hold deliberate findings (quarantined
    records, unpriced usage, gaps): unlike `run`, the demo exits 0 when every stage completed,
    findings or not.
    """
    from reconciler.demo.run import demo_exit_code, run_demo, traps_message

    result = run_demo(ctx.db, Path(out_dir), small=small)
    click.echo(result.text, nl=False)
    click.echo(
        f"\nWrote {result.html_path} (HTML report) and {result.focus_path} "
        f"(FOCUS 1.2 export), {result.start}..{result.end}."
    )
    show_summary(ctx, result.summary)
    code = demo_exit_code(result.summary)
    if code == 0 and result.summary.exit_code and not ctx.quiet:
        click.echo(traps_message(result.summary, small=small), err=True)
    return code
