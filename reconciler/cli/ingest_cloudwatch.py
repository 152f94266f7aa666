"""``reconciler ingest cloudwatch``: pull from CloudWatch Logs (library: ingest.cloudwatch)."""

from __future__ import annotations

import click

from reconciler.cli._common import Ctx, cli_progress, show_summary, stage_context, summary_json


@click.command("cloudwatch")
@click.option("--log-group", required=True, help="Log group Bedrock delivers invocation logs to.")
@click.option("--start", required=True, help="UTC start, inclusive: 2025-11-03 or ISO date-time.")
@click.option(
    "--end", required=True, help="UTC end, exclusive; a bare date includes that whole day."
)
@click.option("--region", default=None, help="Region of the log group (default: boto3's).")
@click.option("--strict", is_flag=True, help="Stop at the first quarantined record (exit 1).")
@summary_json
@click.pass_obj
def cloudwatch(
    ctx: Ctx,
    log_group: str,
    start: str,
    end: str,
    region: str | None,
    strict: bool,
    as_json: bool,
) -> int:
    """Pull invocation records from CloudWatch Logs with FilterLogEvents.

    \b
    The range is pulled as UTC-day windows; a window already pulled is skipped.
    Same parsing, quarantine and dedupe as `ingest logs`; records are stored with
    source_uri cloudwatch://<group>/<stream> and line_number = the event's 1-based
    index within that stream for the window.
    """
    from reconciler.core.quarantine import Problems
    from reconciler.db.runs import Run
    from reconciler.ingest import cloudwatch as cloudwatch_
    from reconciler.ingest.cloudwatch import parse_time

    lo, hi = parse_time(start), parse_time(end, end=True)
    with (
        Run(ctx.db, "ingest cloudwatch") as run,
        cli_progress(ctx, "ingest cloudwatch", "windows") as progress,
    ):
        stage = stage_context(ctx, run, problems=Problems(strict=strict), progress=progress)
        run.add(cloudwatch_.run(stage, log_group=log_group, region=region, since=lo, until=hi))
    return show_summary(ctx, run.summary, as_json=as_json)
