"""Environment failures get the exit code a scheduler acts on, and one line naming the path.

2 = a human must fix it (missing directory, permission, read-only, disk full, bad config bytes);
3 = a retry can help; 70 only for a bug. ``--debug`` adds a traceback and never changes the code.
Each case runs the real CLI (a subprocess where the kernel must refuse something: a full tmpfs,
a file this user may not write) and asserts the code and the exact stderr line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.db import connect, migrate

REPO = Path(__file__).resolve().parents[2]
LOGS = REPO / "fixtures" / "logs"
NOBODY = 65534


def cli(*args: str, prefix: tuple[str, ...] = (), cwd: Path | None = None):
    """Run ``reconciler ARGS`` in a fresh process; (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "reconciler", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    return proc.returncode, proc.stdout, proc.stderr


def in_process(args: list[str], capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def new_db(path: Path) -> Path:
    con = connect(str(path))
    migrate(con)
    con.close()
    return path


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # `run` writes ./reports by default
    for name in [k for k in os.environ if k.startswith("RECONCILER_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory another user can enter (pytest's tmp_path is private to its owner)."""
    path = Path(tempfile.mkdtemp(prefix="reconciler-env-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def unprivileged() -> tuple[str, ...]:
    """A command prefix that runs as a user the permission bits apply to: nothing when this
    user is not root; as root (who ignores them), ``setpriv`` to nobody."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permission bits cannot be tested")
    return ("setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")


@contextlib.contextmanager
def tmpfs(path: Path, size_kib: int) -> Iterator[bool]:
    """A small tmpfs at ``path`` when this process may mount one (root), else yields False."""
    path.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        yield False
        return
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(path)],
        capture_output=True,
    )
    if done.returncode != 0:
        yield False
        return
    try:
        yield True
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(directory: Path, leave_bytes: int = 0) -> None:
    """Fill the file system of ``directory`` to the last ``leave_bytes``."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
    finally:
        os.close(fd)
    if leave_bytes:
        os.truncate(filler, filler.stat().st_size - leave_bytes)


# --- missing directories ------------------------------------------------------------------


@pytest.mark.parametrize(
    "verb",
    [
        ("run", "--date", "2025-11-03", "--no-reports"),
        ("ingest", "logs", str(LOGS)),
        ("report", "--start", "2025-11-03", "--end", "2025-11-03"),
    ],
    ids=["run", "ingest", "report"],
)
def test_missing_database_directory_is_exit_2_naming_it(tmp_path, verb):
    db = tmp_path / "no-such-dir" / "r.duckdb"
    code, out, err = cli("--db", str(db), *verb)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"reconciler: error: cannot open database {db}: directory {db.parent} does not exist; "
        "create it or fix --db"
    ]


def test_missing_reports_parent_is_exit_2(tmp_path):
    db = new_db(tmp_path / "r.duckdb")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code, _, err = cli(
        "--db", str(db), "run", "--date", "2025-11-03", "--reports-dir", f"{blocker}/x"
    )
    assert code == 2
    assert err.splitlines()[-1] == (
        f"reconciler: error: cannot write reports to {blocker}/x: has a file where a directory "
        "should be; fix the path"
    )


# --- permissions and read-only files --------------------------------------------------------


def test_read_only_database_file_is_exit_2_not_3(shared_dir):
    db = new_db(shared_dir / "r.duckdb")
    db.chmod(0o444)
    shared_dir.chmod(0o777)  # the lock file can be created; only the database is read-only
    code, _, err = cli(
        "--db", str(db), "run", "--date", "2025-11-03", prefix=unprivileged(), cwd=shared_dir
    )
    assert code == 2  # not 3: retrying for 45 minutes does not make a file writable
    assert err.splitlines() == [
        f"reconciler: error: cannot open database {db}: permission denied; "
        "give this user access or choose another path"
    ]


def test_database_directory_not_writable_is_exit_2(shared_dir):
    db = new_db(shared_dir / "r.duckdb")
    db.chmod(0o666)  # the file is writable, its directory (root's, 0755) is not
    code, _, err = cli(
        "--db", str(db), "ingest", "logs", str(LOGS), prefix=unprivileged(), cwd=shared_dir
    )
    assert code == 2
    assert err.splitlines() == [
        f"reconciler: error: cannot write the database lock file {db}.lock: permission denied; "
        "give this user access or choose another path"
    ]


def test_read_only_file_system_is_exit_2(tmp_path):
    with tmpfs(tmp_path / "ro", 4096) as mounted:
        if not mounted:
            pytest.skip("cannot mount a tmpfs here (not root or no CAP_SYS_ADMIN)")
        db = new_db(tmp_path / "ro" / "r.duckdb")
        subprocess.run(["mount", "-o", "remount,ro", str(tmp_path / "ro")], check=True)
        code, _, err = cli("--db", str(db), "run", "--date", "2025-11-03", "--no-reports")
    assert code == 2
    assert err.splitlines() == [
        f"reconciler: error: cannot write the database lock file {db}.lock: is on a read-only "
        "file system; use a writable location"
    ]


# --- disk full ------------------------------------------------------------------------------


def test_disk_full_while_duckdb_writes_is_exit_2_naming_the_file(tmp_path):
    """A real full disk: the lock file still fits, the writer's working copy of the database
    (reconciler.db.publish) does not; the published file is left as it was."""
    with tmpfs(tmp_path / "small", 8192) as mounted:
        if not mounted:
            pytest.skip("cannot mount a tmpfs here; the injected ENOSPC tests below still run")
        db = new_db(tmp_path / "small" / "r.duckdb")
        fill(tmp_path / "small", leave_bytes=8192)
        code, out, err = cli("--db", str(db), "ingest", "logs", str(LOGS))
        assert (code, out) == (2, "")
        assert err.splitlines() == [
            f"reconciler: error: cannot make the working copy {db}.work: no space left on "
            "device (disk full); free space or move it to a larger disk"
        ]
        (tmp_path / "small" / "filler").unlink()  # space freed: the next run recovers
        code, _, _ = cli("--db", str(db), "ingest", "logs", str(LOGS))
        assert code == 1  # the fixtures' deliberate findings, nothing lost


def test_disk_full_at_the_lock_file_is_exit_2(tmp_path):
    with tmpfs(tmp_path / "full", 4096) as mounted:
        if not mounted:
            pytest.skip("cannot mount a tmpfs here; the injected ENOSPC tests below still run")
        db = new_db(tmp_path / "full" / "r.duckdb")
        fill(tmp_path / "full")
        code, _, err = cli("--db", str(db), "run", "--date", "2025-11-03", "--no-reports")
    assert code == 2
    assert err.splitlines() == [
        f"reconciler: error: cannot write the database lock file {db}.lock: no space left on "
        "device (disk full); free space or move it to a larger disk"
    ]


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # a failed write names no file


def test_injected_disk_full_writing_reports_names_the_directory(tmp_path, monkeypatch, capsys):
    db = new_db(tmp_path / "r.duckdb")
    monkeypatch.setattr("reconciler.outputs.run_files.write_reports", _enospc)
    code, _, err = in_process(
        ["--db", str(db), "run", "--date", "2025-11-03", "--reports-dir", "out"], capsys
    )
    assert code == 2
    assert err.splitlines()[-1] == (
        "reconciler: error: cannot write reports to out: no space left on device (disk full); "
        "free space or move it to a larger disk"
    )
    con = connect(str(db), read_only=True)
    assert con.execute("SELECT status, exit_code FROM run_log").fetchall() == [("failed", 2)]
    con.close()


def test_injected_disk_full_writing_an_export_names_the_file(tmp_path, monkeypatch, capsys):
    from support.focus_fixture import load as load_focus

    db = tmp_path / "r.duckdb"
    con = connect(str(db))
    migrate(con)
    load_focus(con)
    con.close()
    monkeypatch.setattr("reconciler.outputs.export_focus.write_focus", _enospc)
    code, out, err = in_process(
        ["--db", str(db), "export", "focus", "--out", "f.csv", "--billing-account-id", "1"],
        capsys,
    )
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == (
        "reconciler: error: cannot write f.csv: no space left on device (disk full); "
        "free space or move it to a larger disk"
    )


# --- config files ---------------------------------------------------------------------------


def test_non_utf8_config_is_exit_2_naming_the_file(tmp_path):
    config = tmp_path / "reconciler.toml"
    config.write_bytes(b'[sources]\nlogs = ["caf\xe9"]\n')  # Latin-1, not UTF-8
    code, out, err = cli("--config", str(config), "--db", str(tmp_path / "r.duckdb"), "run")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"reconciler: error: config file {config}: not UTF-8 text (byte 0xe9 at offset 22); "
        "save it as UTF-8"
    ]


def test_unreadable_config_is_exit_2_naming_the_file(shared_dir):
    config = shared_dir / "reconciler.toml"
    config.write_text("[tolerances]\n")
    config.chmod(0o600)
    code, _, err = cli(
        "--config", str(config), "--db", str(shared_dir / "r.duckdb"), "report",
        prefix=unprivileged(), cwd=shared_dir,
    )  # fmt: skip
    assert code == 2
    assert err.splitlines() == [
        f"reconciler: error: config file {config}: cannot read it (Permission denied); "
        "give this user read access or pass another --config"
    ]


# --- --debug never changes the code ---------------------------------------------------------


def test_debug_adds_a_traceback_and_keeps_exit_2(tmp_path):
    db = tmp_path / "missing" / "r.duckdb"
    code, _, err = cli("--debug", "--db", str(db), "run", "--date", "2025-11-03")
    assert code == 2
    assert err.startswith("Traceback (most recent call last):\n")
    assert "FileSystemError" in err
    assert err.splitlines()[-1] == (
        f"reconciler: error: cannot open database {db}: directory {db.parent} does not exist; "
        "create it or fix --db"
    )


@pytest.mark.parametrize("debug", [False, True])
def test_a_bug_is_70_with_or_without_debug(tmp_path, monkeypatch, capsys, debug):
    def bug(*args, **kwargs):
        raise KeyError("no_such_column")

    monkeypatch.setattr("reconciler.stages.pipeline.run_window", bug)
    db = new_db(tmp_path / "r.duckdb")
    code, _, err = in_process(
        [*(["--debug"] if debug else []), "--db", str(db), "run", "--date", "2025-11-03"], capsys
    )
    assert code == 70
    assert ("Traceback (most recent call last):" in err) is debug
    assert err.splitlines()[-1] == (
        "reconciler: internal error (a bug): KeyError: 'no_such_column'; "
        "rerun with --debug for the traceback"
    )


# --- price values beyond DECIMAL(38,12) -----------------------------------------------------

PRICE_HEADER = (
    "model,region,routing,tier,mode,charge,unit,price_usd,effective_from,effective_to,source\n"
)


@pytest.mark.parametrize("verb", ["validate", "load"])
@pytest.mark.parametrize("price", ["1e400", "100000000000000000000000000"])
def test_price_beyond_decimal_38_12_is_exit_2_naming_file_and_row(tmp_path, capsys, verb, price):
    prices = tmp_path / "p.csv"
    prices.write_text(
        PRICE_HEADER
        + "amazon.nova-micro-v1:0,us-east-1,in_region,standard,on_demand,input_tokens,"
        + f"token,{price},2025-01-01,,me\n"
    )
    code, _, err = in_process(
        ["--db", str(tmp_path / "r.duckdb"), "prices", verb, str(prices)], capsys
    )
    assert code == 2
    assert err.splitlines() == [
        f"reconciler: error: {prices}:2: price_usd '{price}' does not fit the database's "
        "DECIMAL(38,12) (at most 26 digits before the point); check the value and its unit"
    ]


@pytest.mark.parametrize("verb", ["validate", "load"])
def test_price_that_would_overflow_a_rated_cost_is_exit_2(tmp_path, capsys, verb):
    """26 nines fit DECIMAL(38,12) but rating 250 tokens at that price overflowed it (exit 70)."""
    price = "9" * 26
    prices = tmp_path / "p.csv"
    prices.write_text(
        PRICE_HEADER + f"*,*,*,*,on_demand,input_tokens,token,{price},2025-01-01,,me\n"
    )
    code, _, err = in_process(
        ["--db", str(tmp_path / "r.duckdb"), "prices", verb, str(prices)], capsys
    )
    assert code == 2
    assert err.splitlines() == [
        f"reconciler: error: {prices}:2: price_usd '{price}' is above 1000000 USD per unit, "
        "beyond any Bedrock price; check the value and its unit"
    ]


def test_a_price_of_one_million_per_unit_is_the_highest_that_validates(tmp_path, capsys):
    prices = tmp_path / "p.csv"
    prices.write_text(
        PRICE_HEADER
        + "amazon.nova-micro-v1:0,us-east-1,*,*,on_demand,input_tokens,hour,1000000,"
        + "2025-01-01,,me\n"
        + "amazon.nova-micro-v1:0,us-east-1,*,*,on_demand,output_tokens,hour,"
        + "1000000.000000000001,2025-01-01,,me\n"
    )
    code, _, err = in_process(
        ["--db", str(tmp_path / "r.duckdb"), "prices", "validate", str(prices)], capsys
    )
    assert code == 2
    assert err.splitlines() == [  # only the second row
        f"reconciler: error: {prices}:3: price_usd '1000000.000000000001' is above 1000000 USD "
        "per unit, beyond any Bedrock price; check the value and its unit"
    ]


def test_file_system_error_modes_are_documented():
    """Every errno the classifier knows is named in docs/exit-codes.md, with its code."""
    doc = (REPO / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    for word in ("ENOENT", "EACCES", "EROFS", "ENOSPC", "EAGAIN", "EIO"):
        assert word in doc


def test_non_utf8_model_map_is_exit_2_naming_the_file(tmp_path, capsys):
    model_map = tmp_path / "map.csv"
    model_map.write_bytes(b"model_id,base_model,routing\n\xff\n")
    config = tmp_path / "reconciler.toml"
    config.write_text('model_map = "map.csv"\n')
    db = new_db(tmp_path / "r.duckdb")
    code, _, err = in_process(
        ["--config", str(config), "--db", str(db), "run", "--date", "2025-11-03", "--no-reports"],
        capsys,
    )
    assert code == 2
    assert err.splitlines()[-1] == (
        f"reconciler: error: model_map {model_map}: not UTF-8 text (byte offset 28); "
        "save it as UTF-8"
    )


def test_non_utf8_billing_names_is_exit_2_naming_the_file(tmp_path, capsys):
    names = tmp_path / "names.csv"
    names.write_bytes(b"name_type,name,base_model,charge\nbilling_name,Caf\xe9,x,\n")
    config = tmp_path / "reconciler.toml"
    config.write_text(f'[invoices]\nbilling_names = "{names}"\n')
    db = new_db(tmp_path / "r.duckdb")
    invoices = REPO / "fixtures" / "invoices" / "cur2_parquet"
    code, _, err = in_process(
        ["--config", str(config), "--db", str(db), "ingest", "invoice", str(invoices)], capsys
    )
    assert code == 2
    assert err.splitlines()[-1] == (
        f"reconciler: error: billing-name file {names}: not UTF-8 text (byte offset 49); "
        "save it as UTF-8"
    )


def test_report_out_in_a_missing_directory_names_it(tmp_path, capsys):
    db = new_db(tmp_path / "r.duckdb")
    out = tmp_path / "gone" / "r.csv"
    code, stdout, err = in_process(["--db", str(db), "report", "--out", str(out)], capsys)
    assert (code, stdout) == (2, "")
    assert err.splitlines() == [
        f"reconciler: error: cannot write {out}: directory {out.parent} does not exist; "
        "create it or fix the path"
    ]


def test_injected_disk_full_writing_report_out_names_the_file(tmp_path, monkeypatch, capsys):
    db = new_db(tmp_path / "r.duckdb")
    monkeypatch.setattr("pathlib.Path.write_text", _enospc)
    code, _, err = in_process(["--db", str(db), "report", "--out", "r.csv"], capsys)
    assert code == 2
    assert err.splitlines() == [
        "reconciler: error: cannot write r.csv: no space left on device (disk full); "
        "free space or move it to a larger disk"
    ]
