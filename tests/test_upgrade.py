"""A school upgrading the app never loses data: fill a database at the first migration, upgrade
to the newest, and find every row again."""

import sqlite3

import pytest
from flask_migrate import downgrade, upgrade

from intranet import create_app
from intranet.extensions import db
from intranet.people.models import Staff
from tests.conftest import make_config

# Both build their own SQLite file to step through the migrations one by one.
pytestmark = pytest.mark.sqlite_only


def test_upgrade_from_the_first_migration_keeps_every_row(tmp_path):
    app = create_app(make_config(tmp_path))
    with app.app_context():
        upgrade(revision="0001")
        raw = sqlite3.connect(tmp_path / "studio.db")
        with raw:
            for i in range(50):
                raw.execute(
                    "INSERT INTO staff (username, name, pinyin, pinyin_initials, political_status,"
                    " role, active, must_change_password, session_token, created_at)"
                    " VALUES (?, ?, '', '', 'member', 'teacher', 1, 0, ?, '2025-09-01 08:00:00')",
                    (f"u{i}", f"老师{i}", f"token-{i}"),
                )
        raw.close()
        upgrade()
        names = db.session.scalars(db.select(Staff.name).order_by(Staff.id)).all()
        assert names == [f"老师{i}" for i in range(50)]
        db.engine.dispose()


def test_every_migration_downgrades_cleanly(tmp_path):
    app = create_app(make_config(tmp_path))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = db.session.execute(
            db.text(
                "SELECT name FROM sqlite_master WHERE type='table' AND name != 'alembic_version'"
            )
        ).all()
        assert tables == []
        upgrade()
        db.engine.dispose()
