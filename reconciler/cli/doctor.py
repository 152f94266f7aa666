"""``reconciler doctor``: check each Region's Bedrock invocation-logging configuration."""

from __future__ import annotations

import json

import click

from reconciler.cli._common import Ctx
from reconciler.core.errors import ExitCode


@click.command()
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="Region to check (repeatable; default: `regions` in the config, else boto3's Region).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON on stdout.")
@click.pass_obj
def doctor(ctx: Ctx, regions: tuple[str, ...], as_json: bool) -> int:
    """Check each Region's model-invocation logging (GetModelInvocationLoggingConfiguration).

    \b
    Flags: logging off, no S3 or CloudWatch destination, request/response bodies delivered
    (privacy and cost risk), CloudWatch-only without large-data S3 delivery (a warning only
    when bodies are delivered; see docs/doctor.md). Reads AWS only, never the database.
    Exit 0 all clean, 1 something flagged, 3 the API could not be reached (retry).
    """
    from reconciler.core.aws import default_region
    from reconciler.ingest.doctor import check_regions, render_table

    chosen = list(dict.fromkeys(regions or ctx.settings.regions)) or [default_region()]
    checks = check_regions(chosen)
    warnings = sum(c.warnings for c in checks)
    if as_json:
        report = {"warnings": warnings, "regions": [c.asdict() for c in checks]}
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(render_table(checks))
    return ExitCode.FINDINGS if warnings else ExitCode.OK
