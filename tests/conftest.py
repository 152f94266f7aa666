from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
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


# --- AWS test doubles (shared): dummy credentials, moto in-process, moto_server over HTTP -------

_DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Dummy credentials and Region; no profile, no real endpoint override."""
    for key, value in _DUMMY_AWS.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(key, raising=False)
    return dict(_DUMMY_AWS)


@pytest.fixture
def aws(aws_env: dict[str, str]) -> Iterator[None]:
    """moto's in-process mock of every AWS service."""
    from moto import mock_aws

    with mock_aws():
        yield


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A real ``moto_server`` subprocess on 127.0.0.1 (free port); yields its endpoint URL.

    Tests using it are marked ``aws_server`` and set ``AWS_ENDPOINT_URL`` to the URL (see
    ``moto_server_env``), which boto3 honours by itself.
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | _DUMMY_AWS
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
