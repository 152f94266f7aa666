"""``python -m reconciler.spark --output DIR SRC...``: the Spark job's command line.

Also what ``spark-submit`` runs (docs/scale-out.md). Exit codes are the CLI's (CONTRACT): 0 done,
1 done with findings (quarantined records, duplicate conflicts, or nothing to read), 2 usage or
environment to fix (bad flag or config, no Java), 3 transient (a source unavailable), 70 a bug.
The summary goes to stderr (one JSON object on stdout with ``--json``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import traceback
from datetime import date

from reconciler.core.config import load_settings
from reconciler.core.errors import ExitCode, classify, exit_code_for

__all__ = ["main"]

logger = logging.getLogger("reconciler.spark")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m reconciler.spark",
        description=(
            "Ingest Bedrock invocation logs on Spark: parse and validate them with the "
            "product's rules, deduplicate, attribute and roll up to hourly usage facts, and "
            "write Parquet for `reconciler ingest facts DIR`."
        ),
    )
    p.add_argument("sources", nargs="+", metavar="SRC", help="file, directory, glob or s3://b/p")
    p.add_argument("--output", required=True, metavar="DIR", help="output directory or URI")
    p.add_argument("--master", help="Spark master (default: the launcher's, else local[*])")
    p.add_argument("--config", help="reconciler.toml: attribution rules, model_map, [ingest]")
    p.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra Spark setting (repeatable), e.g. spark.sql.shuffle.partitions=64",
    )
    p.add_argument(
        "--start",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="first UTC date whose requests become facts (with --end; default: all)",
    )
    p.add_argument(
        "--end", type=date.fromisoformat, metavar="YYYY-MM-DD", help="last UTC date (inclusive)"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    p.add_argument("--debug", action="store_true", help="traceback on an internal error")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the job; return the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="reconciler.spark: %(message)s")
    try:
        return _main(args)
    except Exception as exc:  # the boundary: every failure becomes one line and a code
        known = classify(exc)
        code = exit_code_for(exc)
        print(f"reconciler.spark: {known or exc}", file=sys.stderr)  # noqa: T201
        if code == ExitCode.INTERNAL and args.debug:
            traceback.print_exc()
        return int(code)


def _main(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if (args.start is None) != (args.end is None) or (args.start and args.start > args.end):
        print("reconciler.spark: give --start and --end together, start <= end", file=sys.stderr)  # noqa: T201
        return int(ExitCode.USAGE)
    window = (args.start, args.end) if args.start is not None else None
    conf = {}
    for item in args.conf:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"reconciler.spark: --conf {item}: give KEY=VALUE", file=sys.stderr)  # noqa: T201
            return int(ExitCode.USAGE)
        conf[key] = value
    from reconciler.spark.job import run_job  # pyspark is imported only when the job runs
    from reconciler.spark.session import spark_session

    spark = spark_session(args.master, conf)
    summary = run_job(spark, list(args.sources), args.output, settings, window)
    data = dataclasses.asdict(summary) | {"output": args.output}
    if args.json:
        print(json.dumps(data, indent=2))  # noqa: T201
    print(  # noqa: T201
        f"reconciler.spark: {summary.files} files, {summary.records} records, "
        f"{summary.duplicates} duplicates ({summary.conflicts} conflicting), "
        f"{summary.quarantined} quarantined, {summary.outside_window} outside the window, "
        f"{summary.fact_rows} fact rows -> {args.output}",
        file=sys.stderr,
    )
    if summary.files == 0:
        print("reconciler.spark: nothing to read in the sources given", file=sys.stderr)  # noqa: T201
        return int(ExitCode.FINDINGS)
    return int(ExitCode.FINDINGS if summary.findings else ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
