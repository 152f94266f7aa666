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
