from reconciler.errors import (
    CheckFailed,
    ConfigError,
    DatabaseLocked,
    ExitCode,
    PriceBookError,
    SourceError,
    SourceUnavailable,
    exit_code_for,
)


def test_exit_code_numbers_are_the_contract():
    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0,
        "FINDINGS": 1,
        "USAGE": 2,
        "TRANSIENT": 3,
        "INTERNAL": 70,
    }


def test_exceptions_map_to_codes():
    assert exit_code_for(ConfigError("x")) == 2
    assert exit_code_for(PriceBookError("x")) == 2
    assert exit_code_for(SourceError("x")) == 2
    assert exit_code_for(SourceUnavailable("x")) == 3
    assert exit_code_for(DatabaseLocked("x")) == 3
    assert exit_code_for(CheckFailed("x")) == 70
    assert exit_code_for(KeyError("x")) == 70
