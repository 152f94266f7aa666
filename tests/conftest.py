from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import duckdb
import pytest
from support.aws import DUMMY_AWS, moto_server_process

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


# --- AWS test doubles (shared): dummy credentials, moto in-process, moto_server over HTTP -------


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Dummy credentials and Region; no profile, no real endpoint override."""
    for key, value in DUMMY_AWS.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(key, raising=False)
    return dict(DUMMY_AWS)


@pytest.fixture
def aws(aws_env: dict[str, str]) -> Iterator[None]:
    """moto's in-process mock of every AWS service."""
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A real ``moto_server`` subprocess on 127.0.0.1 (free port); yields its endpoint URL.

    Tests using it are marked ``aws_server`` and set ``AWS_ENDPOINT_URL`` to the URL (see
    ``moto_server_env``), which boto3 honours by itself.
    """
    with moto_server_process() as url:
        yield url


@pytest.fixture
def moto_server_env(
    moto_server: str, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Point boto3 (in this process and in subprocesses given this env) at the moto_server."""
    urllib.request.urlopen(
        urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=5
    ).close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    return aws_env | {"AWS_ENDPOINT_URL": moto_server}
