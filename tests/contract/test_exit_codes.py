from reconciler.core.errors import (
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
    assert exit_code_for(KeyError("x")) == 70


def test_environment_failures_map_to_2_or_3_by_errno():
    import errno

    import duckdb

    from reconciler.core.errors import FileSystemError, classify

    assert exit_code_for(OSError(errno.ENOSPC, "No space left on device", "/d/r.duckdb")) == 2
    assert exit_code_for(PermissionError(errno.EACCES, "Permission denied", "/d/x")) == 2
    assert exit_code_for(OSError(errno.EROFS, "Read-only file system", "/d/x")) == 2
    assert exit_code_for(FileNotFoundError(errno.ENOENT, "No such file", "/d/x")) == 2
    assert exit_code_for(OSError(errno.EAGAIN, "Resource temporarily unavailable", "/d")) == 3
    assert exit_code_for(OSError(errno.ESTALE, "Stale file handle", "/nfs/r.duckdb")) == 3
    # raised by hand without an errno (a packaging bug such as queries/ missing): still a bug
    assert exit_code_for(FileNotFoundError("queries/ not found next to x")) == 70
    # DuckDB says it in words only
    full = duckdb.IOException(
        'IO Error: Could not write file "/d/r.duckdb.wal": No space left on device'
    )
    assert exit_code_for(full) == 2
    known = classify(full)
    assert isinstance(known, FileSystemError)
    assert str(known) == (
        "/d/r.duckdb.wal: no space left on device (disk full); "
        "free space or move it to a larger disk"
    )
    assert exit_code_for(duckdb.CatalogException("Table with name x does not exist")) == 70
