"""The ``reconciler`` command: a thin translation layer over the library.

Each verb parses flags, calls one library function and renders; no SQL and no Polars here.
stdout carries data, stderr carries progress, warnings and the run summary. One error boundary
(:func:`main`) maps :class:`~reconciler.errors.ReconcilerError` to ``reconciler: error: ...`` and
its exit code; anything else is a bug (exit 70) unless ``--debug`` asks for the traceback.
"""

from __future__ import annotations

import logging
import os
import sys

import click

from reconciler.cli._common import Ctx
from reconciler.errors import ExitCode, ReconcilerError, exit_code_for

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    envvar="RECONCILER_DB",
    default="reconciler.duckdb",
    show_default=True,
    help="DuckDB file to read and write (env RECONCILER_DB).",
)
@click.option(
    "--config",
    "config_path",
    envvar="RECONCILER_CONFIG",
    default=None,
    help="Settings file (env RECONCILER_CONFIG; default ./reconciler.toml if present).",
)
@click.option("-v", "--verbose", count=True, help="More detail on stderr (repeat for debug logs).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option(
    "--debug",
    is_flag=True,
    envvar="RECONCILER_DEBUG",
    help="Show tracebacks for unexpected errors (env RECONCILER_DEBUG=1).",
)
@click.version_option(package_name="bedrock-reconciler")
@click.pass_context
def cli(
    ctx: click.Context, db: str, config_path: str | None, verbose: int, quiet: bool, debug: bool
) -> None:
    """What your Amazon Bedrock usage should have cost, who spent it, and where the bill disagrees.

    \b
    Typical nightly use:
      reconciler ingest logs s3://acme-bedrock-logs/AWSLogs/
      reconciler ingest invoice s3://acme-cur/bedrock/data/
      reconciler run --date 2025-11-03
    Exit codes: 0 ok, 1 findings, 2 usage/config error, 3 transient (retry), 70 bug.
    """
    level = (
        logging.ERROR
        if quiet
        else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    )
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    ctx.obj = Ctx.create(db, config_path, verbose, quiet, debug)


def _register() -> None:
    from reconciler.cli import demo, export, ingest

    cli.add_command(ingest.ingest)
    cli.add_command(demo.demo)
    cli.add_command(export.export)


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point with the single error boundary."""
    debug = os.environ.get("RECONCILER_DEBUG", "") not in ("", "0") or "--debug" in (
        argv if argv is not None else sys.argv
    )
    try:
        code = cli.main(args=argv, prog_name="reconciler", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("reconciler: aborted", err=True)
        sys.exit(ExitCode.TRANSIENT)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE)
    except ReconcilerError as exc:
        click.echo(f"reconciler: error: {exc}", err=True)
        sys.exit(exit_code_for(exc))
    except SystemExit:
        raise
    except Exception as exc:
        if debug:
            raise
        click.echo(
            f"reconciler: internal error (a bug): {type(exc).__name__}: {exc}; "
            "rerun with --debug for the traceback",
            err=True,
        )
        sys.exit(ExitCode.INTERNAL)
    sys.exit(int(code) if isinstance(code, int) else 0)
