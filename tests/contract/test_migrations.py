import re

from reconciler.db.migrate import migrate, schema_files, view_files
from reconciler.db.sql import header, queries_dir


def test_schema_files_are_numbered_without_gaps_or_duplicates():
    versions = [v for v, _ in schema_files()]
    assert versions == list(range(1, len(versions) + 1))


def test_migrate_is_idempotent(con):
    assert migrate(con) == []
    n = con.execute("SELECT count(*) FROM _migrations").fetchone()[0]
    assert n == len(schema_files())


def test_every_view_has_a_documented_header(con):
    for name in view_files():
        text = (queries_dir() / "views" / name).read_text()
        h = header(text)
        assert h.name == name.removesuffix(".sql"), name
        assert h.purpose, name
        assert h.grain, name
        cols = [r[0] for r in con.execute(f"DESCRIBE {h.name}").fetchall()]
        assert set(h.columns) == set(cols), (name, set(cols) ^ set(h.columns))


def test_no_sql_file_interpolates_python_format_fields():
    for path in queries_dir().rglob("*.sql"):
        assert not re.search(r"\{[a-z_]+\}", path.read_text()), path
