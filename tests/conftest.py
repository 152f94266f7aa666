from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from reconciler.db import connect, migrate


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory database with every migration applied."""
    c = connect(":memory:")
    migrate(c)
    yield c
    c.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    # Report goldens (tests/goldens/) are rewritten only when asked, and reviewed in the diff.
    parser.addoption(
        "--update-goldens", action="store_true", help="rewrite tests/goldens/ from the output"
    )
