"""One local-mode SparkSession for the whole test session (starting one costs seconds)."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

SKIP_JAVA = (
    "Java is not installed: the Spark job's tests need Java 17 "
    "(apt-get install openjdk-17-jre-headless; .ci/run installs it when it can)"
)
SKIP_PYSPARK = "pyspark is not installed: pip install -e '.[spark]' (make install does)"

TEST_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "1g",
    "spark.sql.adaptive.enabled": "false",
}


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A ``local[2]`` session (tiny shuffles, no UI), stopped at the end of the test session."""
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip(SKIP_PYSPARK)
    if shutil.which("java") is None:
        pytest.skip(SKIP_JAVA)
    from reconciler.spark.session import spark_session

    session = spark_session("local[2]", TEST_CONF, app="reconciler-tests")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
