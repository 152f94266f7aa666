"""The command's fixed cost: what is imported before a verb does any work.

Not timed (wall time on a shared machine is noise): these tests check *which* modules a fresh
interpreter has imported, which is what the start-up time is made of. docs/performance.md has
the measured times.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli._choices import (
    BATCH_FILES,
    REPORT_DIMENSIONS,
    REPORT_FORMATS,
    SCENARIOS,
    WHATIF_FORMATS,
)

REPO = Path(__file__).resolve().parents[2]

HEAVY = ("polars", "duckdb", "boto3", "botocore", "pyarrow", "pydantic", "msgspec", "pandas")

_PROBE = """
import json, sys
{setup}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _imported_after(setup: str) -> list[str]:
    """The heavy libraries a fresh interpreter holds after running ``setup``."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(setup=setup, heavy=HEAVY)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return list(json.loads(out.splitlines()[-1]))


def test_importing_the_cli_imports_no_heavy_library() -> None:
    assert _imported_after("import reconciler.cli") == []


def _invoke(args: list[str]) -> str:
    # standalone_mode=False: --help returns instead of exiting, so the probe can print after it
    return (
        "import contextlib, io\n"
        "from reconciler.cli import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    cli.main(args={args!r}, prog_name='reconciler', standalone_mode=False)"
    )


def test_top_level_help_imports_every_verb_but_no_heavy_library() -> None:
    setup = _invoke(["--help"]) + (
        "\nassert all(f'reconciler.cli.{v}' in sys.modules for v in "
        "('demo', 'doctor', 'export', 'ingest', 'prices', 'report', 'run', 'whatif'))"
    )
    assert _imported_after(setup) == []


@pytest.mark.parametrize(
    "verb",
    [
        ["ingest", "--help"],
        ["ingest", "logs", "--help"],
        ["ingest", "invoice", "--help"],
        ["prices", "check", "--help"],
        ["report", "--help"],
        ["whatif", "--help"],
        ["run", "--help"],
    ],
)
def test_a_verbs_help_needs_only_the_settings_validation(verb: list[str]) -> None:
    # the group validates the settings (pydantic) before any verb, --help included
    assert _imported_after(_invoke(verb)) == ["pydantic"]


def test_a_verb_imports_only_its_own_module() -> None:
    setup = _invoke(["ingest", "logs", "--help"]) + (
        "\nassert 'reconciler.cli.report' not in sys.modules"
        "\nassert 'reconciler.cli.ingest_invoice' not in sys.modules"
        "\nassert 'reconciler.cli.ingest_logs' in sys.modules"
    )
    assert _imported_after(setup) == ["pydantic"]


def test_an_empty_local_ingest_does_not_import_boto3_or_polars(tmp_path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    setup = _invoke(["--db", str(tmp_path / "r.duckdb"), "-q", "ingest", "logs", str(empty)])
    loaded = _imported_after(setup)
    assert "duckdb" in loaded  # it did open the database
    assert "boto3" not in loaded
    assert "botocore" not in loaded
    assert "polars" not in loaded
    assert "pandas" not in loaded  # pyarrow's probe for it (reconciler.core.arrow): 0.3 s


def test_an_ingest_with_nothing_new_imports_neither_pyarrow_nor_the_parser(tmp_path) -> None:
    # the nightly poll: every file is in the ledger already, so nothing is read or committed and
    # pyarrow, msgspec and the worker pool are not paid for (0.2 s, docs/performance.md)
    from click.testing import CliRunner

    from reconciler.cli import cli

    logs = REPO / "fixtures" / "logs" / "acme-bedrock-logs"
    db = str(tmp_path / "r.duckdb")
    first = CliRunner().invoke(cli, ["--db", db, "-q", "ingest", "logs", str(logs)])
    assert first.exit_code in (0, 1), first.output  # 1: the fixtures hold planted bad lines
    loaded = _imported_after(_invoke(["--db", db, "-q", "ingest", "logs", str(logs)]))
    assert "duckdb" in loaded  # it did open the database and look at the ledger
    assert "pyarrow" not in loaded
    assert "msgspec" not in loaded


def test_the_report_files_step_imports_its_renderers_only_to_write() -> None:
    # a nightly run with nothing new keeps its report files (reconciler.outputs.run_files): the
    # renderers are imported only when files are written (0.035 s of that run, measured)
    probe = (
        "import json, sys\n"
        "import reconciler.outputs.run_files\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('reconciler.outputs.'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    assert json.loads(out.splitlines()[-1]) == ["reconciler.outputs.run_files"]


def test_an_ingest_of_the_fixtures_does_not_import_pandas(tmp_path) -> None:
    # the parent builds Arrow tables, deduplicates and counts records per file: none of it may
    # pull pandas in (pyarrow's probe, or Table.group_by through Acero): 0.3 s and 55 MiB
    logs = REPO / "fixtures" / "logs" / "acme-bedrock-logs"
    setup = _invoke(["--db", str(tmp_path / "r.duckdb"), "-q", "ingest", "logs", str(logs)])
    loaded = _imported_after(setup)
    assert "pyarrow" in loaded  # it did load records
    assert "pandas" not in loaded


def test_help_choices_are_the_librarys_own() -> None:
    # the choices shown in --help are kept in reconciler.cli._choices so that --help imports no
    # library; they must be exactly what the library accepts
    from reconciler.ingest.load import BATCH_FILES as LIBRARY_BATCH_FILES
    from reconciler.outputs.report import DIMENSIONS, RENDERERS
    from reconciler.outputs.whatif_render import WHATIF_RENDERERS
    from reconciler.stages.whatif import SCENARIOS as LIBRARY_SCENARIOS

    assert tuple(DIMENSIONS) == REPORT_DIMENSIONS
    assert tuple(RENDERERS) == REPORT_FORMATS
    assert SCENARIOS == LIBRARY_SCENARIOS
    assert tuple(WHATIF_RENDERERS) == WHATIF_FORMATS
    assert BATCH_FILES == LIBRARY_BATCH_FILES


def test_every_lazy_verb_resolves_to_its_command() -> None:
    import click

    from reconciler.cli import VERBS, cli

    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(VERBS)
    for name in VERBS:
        command = cli.get_command(ctx, name)
        assert isinstance(command, click.Command)
        assert command.name == name
    assert cli.get_command(ctx, "no-such-verb") is None


def test_a_parse_worker_imports_neither_the_database_nor_aws() -> None:
    # what an ingest worker imports to run its task (parse_path) and initializer: each library
    # here would be mapped into every worker (DuckDB alone was about 25 MiB of each one's RSS)
    setup = "import reconciler.ingest.invocation_logs, reconciler.ingest.reader"
    assert _imported_after(setup) == ["msgspec", "pyarrow"]


def test_a_parse_worker_parsing_a_file_does_not_import_pandas() -> None:
    # building the file's Arrow table is where pyarrow would probe for pandas (55 MiB a worker)
    path = next((REPO / "fixtures" / "logs" / "acme-bedrock-logs").rglob("*.json.gz"))
    setup = (
        "from reconciler.ingest.invocation_logs import parse_path\n"
        f"assert parse_path({str(path)!r}).table.num_rows > 0"
    )
    assert _imported_after(setup) == ["msgspec", "pyarrow"]
