"""Paths in a config file resolve against the file's directory, whatever the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.core.config import load_settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_paths_resolve_against_the_config_files_directory(tmp_path, monkeypatch):
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "r.toml").write_text(
        'model_map = "map.csv"\n'
        "[sources]\n"
        'logs = ["logs", "s3://bucket/AWSLogs/", "/var/log/bedrock"]\n'
        'invoices = ["cur/*.parquet"]\n'
        "[invoices]\n"
        'billing_names = "names.csv"\n'
        "[reports]\n"
        'dir = "out"\n',
        encoding="utf-8",
    )
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = load_settings("../etc/r.toml")
    base = etc.resolve()
    assert settings.sources.logs == [str(base / "logs"), "s3://bucket/AWSLogs/", "/var/log/bedrock"]
    assert settings.sources.invoices == [str(base / "cur" / "*.parquet")]
    assert settings.model_map == str(base / "map.csv")
    assert settings.invoices.billing_names == str(base / "names.csv")
    assert settings.reports.dir == str(base / "out")


def test_the_default_reports_dir_stays_in_the_working_directory(tmp_path):
    (tmp_path / "r.toml").write_text('[sources]\nlogs = ["logs"]\n', encoding="utf-8")
    assert load_settings(str(tmp_path / "r.toml")).reports.dir == "reports"


def test_demo_toml_works_as_is_from_another_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["--config", str(FIXTURES / "demo.toml"), "--db", "d.duckdb", "run"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--start", "2025-11-03", "--end", "2025-11-04"])
    _, err = capsys.readouterr()
    assert exc.value.code == 1  # the fixtures' deliberate traps are findings, not a config error
    assert "records 29; duplicates 4; conflicts 1" in err  # [sources] logs found
    assert "ingest invoice: 30 in, 29 out; files 1;" in err  # [sources] invoices found
    assert (tmp_path / "reports" / "report-2025-11-03_2025-11-04.html").is_file()
