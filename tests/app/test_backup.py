"""flask --app reader backup FILE: an online, consistent copy that restores."""

import sqlite3

import pytest
from sqlalchemy import func, select

from reader.extensions import db
from reader.models import Annotation


def test_backup_copies_everything_while_the_app_is_open(seeded, runner, tmp_path):
    if db.engine.dialect.name != "sqlite":
        result = runner.invoke(args=["backup", str(tmp_path / "x.sqlite")])
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    count = db.session.scalar(select(func.count()).select_from(Annotation))
    target = tmp_path / "copy.sqlite"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM annotations").fetchone()[0] == count
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backup_refuses_to_overwrite(seeded, runner, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL is backed up with pg_dump")
    target = tmp_path / "exists.sqlite"
    target.write_text("precious")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "exists" in result.output
    assert target.read_text() == "precious"
