"""``reconciler ingest metrics``: CloudWatch AWS/Bedrock hourly Sums for the coverage check."""

from __future__ import annotations

import click

from reconciler.cli._common import Ctx, cli_progress, show_summary, stage_context, summary_json


@click.command("metrics")
@click.option("--start", required=True, help="Window start, ISO date or time (UTC if no zone).")
@click.option("--end", required=True, help="Window end, exclusive (widened to the whole hour).")
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="Region to pull (repeatable; default: `regions` in the config, else boto3's Region).",
)
@click.option(
    "--model-id",
    "model_ids",
    multiple=True,
    help="Query these ModelIds (each plain, +priority, +flex) instead of discovering series "
    "with ListMetrics, which only lists series active in the last 14 days (repeatable).",
)
@summary_json
@click.pass_obj
def metrics(
    ctx: Ctx,
    start: str,
    end: str,
    regions: tuple[str, ...],
    model_ids: tuple[str, ...],
    as_json: bool,
) -> int:
    """Pull AWS/Bedrock metrics (GetMetricData, Sum, hourly) for the logging-coverage check.

    Stores InputTokenCount, OutputTokenCount, CacheRead/CacheWriteInputTokenCount, Invocations
    and OutputImageCount per ModelId series and hour; a rerun replaces the window. Compare with
    the logs in the `logging_coverage` and `logging_coverage_summary` views. A series that comes
    back PartialData or Forbidden is a finding (exit 1) and keeps its earlier rows.
    """
    from reconciler.db.runs import Run
    from reconciler.ingest import metrics as metrics_
    from reconciler.ingest.metrics import parse_time

    since, until = parse_time(start, "--start"), parse_time(end, "--end")
    with (
        Run(ctx.db, "ingest metrics") as run,
        cli_progress(ctx, "ingest metrics", "regions") as progress,
    ):
        stage = stage_context(ctx, run, progress=progress)
        run.add(
            metrics_.run(
                stage, since=since, until=until, regions=list(regions) or None, model_ids=model_ids
            )
        )
    return show_summary(ctx, run.summary, as_json=as_json)
