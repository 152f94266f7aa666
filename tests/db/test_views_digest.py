"""Writers re-create the views only when their definitions changed (docs/performance.md)."""

from __future__ import annotations

import importlib

from reconciler.db import connect, migrate

m = importlib.import_module(
    "reconciler.db.migrate"
)  # the module (the package exports the function)


def test_views_are_recreated_only_when_missing_or_changed(monkeypatch, tmp_path):
    con = connect(":memory:")
    migrate(con)
    assert con.execute("SELECT count(*) FROM _views").fetchall() == [(1,)]
    created = []
    real = m._create

    def counting(c, pending):
        created.append(len(pending))
        real(c, pending)

    monkeypatch.setattr(m, "_create", counting)
    migrate(con)
    assert created == []  # same definitions, every view there: nothing re-created
    con.execute("DROP VIEW spend")
    migrate(con)
    assert created == [len(m.view_files())]
    assert con.execute("SELECT count(*) FROM spend").fetchall() == [(0,)]
    # a changed view file (a new version of the tool) re-creates them
    views = tmp_path / "views"
    views.mkdir()
    for name in m.view_files():
        text = (m.queries_dir() / "views" / name).read_text(encoding="utf-8")
        (views / name).write_text(text + "\n-- changed\n", encoding="utf-8")
    schema = tmp_path / "schema"
    schema.symlink_to(m.queries_dir() / "schema")
    monkeypatch.setattr(m, "queries_dir", lambda: tmp_path)
    migrate(con)
    assert len(created) == 2
    migrate(con)
    assert len(created) == 2
    con.close()
