import subprocess
import sys

import pytest

from reconciler.cli import main
from reconciler.core.errors import DatabaseLocked
from reconciler.db.connect import writer_lock


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_help_exits_zero(capsys):
    code, out, _ = run_cli(["--help"], capsys)
    assert code == 0
    assert "Exit codes: 0 ok, 1 findings" in out


def test_unknown_flag_is_a_usage_error(capsys):
    code, _, err = run_cli(["--no-such-flag"], capsys)
    assert code == 2
    assert "No such option '--no-such-flag'" in err


def test_missing_config_file_is_a_usage_error(tmp_path, capsys):
    code, _, err = run_cli(
        ["--db", str(tmp_path / "x.duckdb"), "--config", str(tmp_path / "nope.toml"), "demo"],
        capsys,
    )
    assert code == 2
    assert (
        err == f"reconciler: error: config file {tmp_path / 'nope.toml'} not found: "
        "pass an existing --config file\n"
    )


def test_bad_config_key_names_file_and_key(tmp_path, capsys):
    cfg = tmp_path / "reconciler.toml"
    cfg.write_text("[tolerances]\nabsolute_usd = 0.5\npercnt = 2\n")
    from reconciler.core.config import load_settings
    from reconciler.core.errors import ConfigError

    with pytest.raises(ConfigError) as exc:
        load_settings(str(cfg))
    assert str(exc.value).startswith(f"{cfg}: key 'tolerances.percnt': Extra inputs")


def test_second_writer_is_refused_with_the_holder_named(tmp_path):
    db = str(tmp_path / "r.duckdb")
    first = writer_lock(db, "run-A", "ingest logs")
    try:
        with pytest.raises(DatabaseLocked) as exc:
            writer_lock(db, "run-B", "run")
        assert "run run-A, `ingest logs`" in str(exc.value)
    finally:
        assert first is not None
        first.release()
    again = writer_lock(db, "run-C", "run")  # released: free again
    assert again is not None
    again.release()


def test_lock_of_a_killed_process_is_recovered(tmp_path):
    db = str(tmp_path / "r.duckdb")
    code = (
        "import os,sys; from reconciler.db.connect import writer_lock; "
        f"writer_lock({db!r}, 'dead', 'run'); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    lock = writer_lock(db, "next", "run")
    assert lock is not None
    lock.release()


def test_python_dash_m_works():
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", "--help"], capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert "ingest" in proc.stdout
