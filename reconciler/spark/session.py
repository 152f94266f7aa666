"""The SparkSession: the cluster's under ``spark-submit``/Glue, else local mode.

A process started by ``spark-submit`` (or a Glue job) has a JVM gateway already
(``PYSPARK_GATEWAY_PORT``) and a master set by its launcher: the job uses that session as it is.
Started as ``python -m reconciler.spark``, the job runs in local mode (``local[*]``, or
``--master``), with this interpreter for the Python workers so the tasks import the same
installed package.
"""

from __future__ import annotations

import os
import sys

from pyspark.sql import SparkSession

from reconciler.core.errors import ConfigError

__all__ = ["LOCAL_CONF", "spark_session"]

LOCAL_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
"""Set on every session the job builds (times are UTC, Arrow transfers)."""


def spark_session(
    master: str | None = None, conf: dict[str, str] | None = None, *, app: str = "reconciler"
) -> SparkSession:
    """The session to run the job in (see the module docstring)."""
    builder = SparkSession.builder.appName(app)
    launched = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit, Glue, EMR steps
    if master is not None:
        builder = builder.master(master)
    elif not launched:
        builder = builder.master("local[*]")
    if not launched:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    for key, value in (LOCAL_CONF | (conf or {})).items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as exc:
        if "JAVA_GATEWAY_EXITED" in str(exc) or "JAVA_HOME" in str(exc):
            raise ConfigError(
                "cannot start Spark: no working Java (install Java 17, e.g. apt-get install "
                "openjdk-17-jre-headless, or set JAVA_HOME)"
            ) from exc
        raise
