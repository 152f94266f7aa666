"""Every stage declares the tables it reads and writes (docs/architecture.md is drawn from them);
a declared table that the migrations do not create would make that page lie."""

import pytest

from reconciler.stages import pipeline

ALL_STAGES = [
    *pipeline.SOURCE_STAGES,
    *pipeline.INPUT_STAGES,
    *pipeline.WINDOW_STAGES,
    *pipeline.OTHER_STAGES,
]


def _relations(con, kind):
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = $k", {"k": kind}
    ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.parametrize("stage", ALL_STAGES, ids=pipeline.stage_name)
def test_declared_writes_are_tables_after_migrate(con, stage):
    reads, writes = pipeline.stage_tables(stage)
    tables = _relations(con, "BASE TABLE")
    assert writes, "a stage writes something"
    assert set(writes) <= tables, set(writes) - tables
    assert set(reads) <= tables | _relations(con, "VIEW"), set(reads) - tables


def test_every_stage_of_the_pipeline_is_listed_once():
    names = [pipeline.stage_name(s) for s in ALL_STAGES]
    assert len(names) == len(set(names)) == 14
