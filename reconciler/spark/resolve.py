"""Model-id resolution for the job, on the driver: the resolve stage on a scratch database.

The job's distinct model ids are few (hundreds); resolving them once on the driver keeps the
Bedrock API (application inference profiles, provisioned models, with the standard credential
chain, as ``reconciler run`` does) out of the tasks, and the ``model_map`` file of the settings
applies as it does locally. The result is shipped to the tasks with the job (Arrow IPC).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from reconciler.core.config import Settings
from reconciler.db import sql
from reconciler.db.migrate import migrate
from reconciler.db.stage import StageContext
from reconciler.ingest.resolve import run as resolve

__all__ = ["resolve_model_table"]


def resolve_model_table(model_ids: list[str], settings: Settings) -> pa.Table:
    """The ``model_ids`` rows that :func:`reconciler.ingest.resolve.run` writes
    for these ids."""
    con = duckdb.connect(":memory:")
    try:
        migrate(con)
        # The resolve stage reads the ids to resolve from invocation_records: one placeholder
        # row per id (nothing else of this scratch database is used).
        con.register("_ids", pa.table({"model_id": pa.array(model_ids, pa.string())}))
        sql.execute(con, "spark/placeholder_records").fetchall()
        con.unregister("_ids")
        resolve(StageContext(con, settings, run_id="spark-resolve"))
        return con.sql(sql.load("spark/model_ids_all")).to_arrow_table()
    finally:
        con.close()
