"""``reconciler ingest logs SRC...``: load Bedrock invocation logs (library: ingest.load)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from reconciler.cli._choices import BATCH_FILES
from reconciler.cli._common import Ctx, cli_progress, show_summary, stage_context, summary_json

if TYPE_CHECKING:
    from reconciler.ingest.sources import Expansion


@click.command("logs")
@click.argument("sources", nargs=-1, required=True, metavar="SRC...")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="Processes that decompress and parse files in parallel.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Stop at the first quarantined record (exit 1); its batch is not committed.",
)
@click.option(
    "--batch-files",
    type=click.IntRange(1, 100_000),
    default=BATCH_FILES,
    show_default=True,
    help="Files committed per transaction, at most (also at most 245,760 records).",
)
@summary_json
@click.pass_obj
def logs(
    ctx: Ctx,
    sources: tuple[str, ...],
    workers: int,
    strict: bool,
    batch_files: int,
    as_json: bool,
) -> int:
    """Load invocation logs from files, directories, globs or s3://bucket/prefix.

    \b
    S3-delivery files (.json.gz/.json, one record per line) and CloudWatch Logs
    export files (000000.gz, "<timestamp> <json>" per line) are detected per file.
    Body offloads (data/ folders), marker objects and non-log files are skipped;
    objects already loaded (same path/key and size+mtime/ETag) are skipped.
    Duplicates (account, region, requestId) are counted; exit 1 when anything was
    quarantined or a duplicate disagreed on token counts.
    """
    from reconciler.ingest.workers import started_early, uses_workers

    expansion = _local_listing(sources) if workers > 1 else None
    early = expansion is None or uses_workers(len(expansion.objects), workers)
    with started_early(workers if early else 1):  # its imports overlap what follows
        from reconciler.core.quarantine import Problems
        from reconciler.db.runs import Run
        from reconciler.ingest import load

        with (
            Run(ctx.db, "ingest logs") as run,
            cli_progress(ctx, "ingest logs", "files") as progress,
        ):
            stage = stage_context(ctx, run, problems=Problems(strict=strict), progress=progress)
            run.add(
                load.run(
                    stage,
                    sources=sources,
                    workers=workers,
                    batch_files=batch_files,
                    expansion=expansion,
                )
            )
    return show_summary(ctx, run.summary, as_json=as_json)


def _local_listing(sources: tuple[str, ...]) -> Expansion | None:
    """The sources listed now, before the database is opened, when they are all local: the
    worker processes are then started early only when there are enough files to need them (an
    empty directory does not pay for them). None for S3 sources (listing them needs the client
    the stage creates) or when listing fails: the stage lists again and reports the error
    inside its run."""
    from reconciler.core.errors import ReconcilerError
    from reconciler.ingest.sources import expand_sources

    if any(s.startswith("s3://") for s in sources):
        return None
    try:
        return expand_sources(sources)
    except (ReconcilerError, OSError):
        return None
