"""The ``reconciler`` command: a thin translation layer over the library.

Each verb parses flags, calls one library function and renders; no SQL and no Polars here.
stdout carries data, stderr carries progress, warnings and the run summary. One error boundary
(:func:`main`) maps
:class:`~reconciler.core.errors.ReconcilerError` and environment failures (a missing
directory, permission denied, a full disk: :func:`~reconciler.core.errors.classify`) to one line
``reconciler: error: ...`` and its exit code; anything else is a bug (exit 70). ``--debug`` adds the
traceback and never changes the exit code.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from typing import NoReturn

import click

from reconciler.cli._common import Ctx
from reconciler.cli._lazy import LazyGroup
from reconciler.core.errors import ExitCode, classify
from reconciler.core.logfmt import LOG_FORMATS, configure_logging, json_line

__all__ = ["cli", "main"]


# Verbs by name -> "module:attribute", imported when a command line names them (or for --help).
VERBS = {
    "demo": "reconciler.cli.demo:demo",
    "doctor": "reconciler.cli.doctor:doctor",
    "export": "reconciler.cli.export:export",
    "ingest": "reconciler.cli.ingest:ingest",
    "prices": "reconciler.cli.prices:prices",
    "report": "reconciler.cli.report:report",
    "run": "reconciler.cli.run:run",
    "whatif": "reconciler.cli.whatif:whatif",
}


@click.group(
    cls=LazyGroup,
    lazy_subcommands=VERBS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
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
    help="Settings file (env RECONCILER_CONFIG; default ./reconciler.toml if present). Relative "
    "paths in it (sources, model_map, reports dir) resolve against its directory.",
)
@click.option("-v", "--verbose", count=True, help="More detail on stderr (repeat for debug logs).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option(
    "--debug",
    is_flag=True,
    envvar="RECONCILER_DEBUG",
    help="Add the traceback to an error; the exit code stays the same (env RECONCILER_DEBUG=1).",
)
@click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    default="text",
    envvar="RECONCILER_LOG_FORMAT",
    show_default=True,
    help="stderr diagnostics as text or one JSON object per line, for schedulers "
    "(env RECONCILER_LOG_FORMAT).",
)
@click.version_option(package_name="bedrock-reconciler")
@click.pass_context
def cli(
    ctx: click.Context,
    db: str,
    config_path: str | None,
    verbose: int,
    quiet: bool,
    debug: bool,
    log_format: str,
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
    configure_logging(level, log_format)
    ctx.obj = Ctx.create(db, config_path, verbose, quiet, debug, log_format=log_format)


def _json_mode(argv: list[str]) -> bool:
    """Whether --log-format json is in force; read from argv/env because an error can come
    before (or instead of) the group callback that parses it."""
    value = os.environ.get("RECONCILER_LOG_FORMAT", "text")
    for i, arg in enumerate(argv):
        if arg == "--log-format" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--log-format="):
            value = arg.split("=", 1)[1]
    return value == "json"


def _fail(message: str, code: ExitCode, as_json: bool) -> NoReturn:
    if as_json:
        click.echo(json_line("error", "error", message, exit_code=int(code)), err=True)
    else:
        click.echo(message, err=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point with the single error boundary."""
    args = argv if argv is not None else sys.argv[1:]
    debug = os.environ.get("RECONCILER_DEBUG", "") not in ("", "0") or "--debug" in args
    as_json = _json_mode(args)
    try:
        code = cli.main(args=argv, prog_name="reconciler", standalone_mode=False)
    except click.exceptions.Abort:
        _fail("reconciler: aborted", ExitCode.TRANSIENT, as_json)
    except click.ClickException as exc:
        if as_json:
            _fail(f"reconciler: error: {exc.format_message()}", ExitCode.USAGE, as_json)
        exc.show()
        sys.exit(ExitCode.USAGE)
    except SystemExit:
        raise
    except Exception as exc:
        if debug:
            traceback.print_exception(exc, file=sys.stderr)
        known = classify(exc)
        if known is not None:
            _fail(f"reconciler: error: {known}", known.exit_code, as_json)
        _fail(
            f"reconciler: internal error (a bug): {type(exc).__name__}: {_one_line(str(exc))}; "
            "rerun with --debug for the traceback",
            ExitCode.INTERNAL,
            as_json,
        )
    sys.exit(int(code) if isinstance(code, int) else 0)


def _one_line(message: str) -> str:
    """A message fit for one line of stderr: DuckDB's multi-line errors joined."""
    return " ".join(part.strip() for part in message.splitlines() if part.strip())
