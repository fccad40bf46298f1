"""SQLite under a threaded server: PRAGMAs on every connection, the journal choice, backups,
and migrations that match the models (SECURITY.md J)."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from intranet.db import journal_mode, wal_is_safe
from intranet.extensions import db
from intranet.people.models import Staff

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.sqlite_only
def test_pragmas_hold_on_every_pooled_connection(app):
    with app.app_context():
        for _ in range(3):
            with db.engine.connect() as connection:
                pragma = lambda name: connection.execute(text(f"PRAGMA {name}")).scalar()  # noqa: E731
                assert pragma("foreign_keys") == 1
                assert pragma("busy_timeout") >= 5000
                assert pragma("synchronous") == 2  # FULL
                assert pragma("secure_delete") == 1
                assert pragma("journal_mode") == journal_mode()


@pytest.mark.parametrize(
    "version, safe",
    [
        ((3, 40, 1), False),  # Debian 12's Python
        ((3, 44, 5), False),
        ((3, 44, 6), True),
        ((3, 50, 4), False),
        ((3, 50, 7), True),
        ((3, 51, 2), False),
        ((3, 51, 3), True),
        ((3, 52, 0), True),
    ],
)
def test_wal_only_on_a_sqlite_outside_the_wal_reset_window(version, safe):
    assert wal_is_safe(version) is safe
    assert journal_mode(version) == ("wal" if safe else "delete")


def test_foreign_keys_are_enforced(app):
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE parent (id INTEGER PRIMARY KEY)"))
        connection.execute(text("CREATE TEMPORARY TABLE child (p INTEGER REFERENCES parent(id))"))
        with pytest.raises(Exception, match=r"(?i)foreign key"):
            connection.execute(text("INSERT INTO child VALUES (42)"))


@pytest.mark.sqlite_only
def test_database_is_intact(app):
    with app.app_context():
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        assert compare_metadata(context, db.metadata) == []


@pytest.mark.sqlite_only
def test_reading_pages_writes_nothing(app, client, make_staff):
    """No last-seen updates: reads must not take the write lock or leave traces."""
    from tests.conftest import login_as

    login_as(client, app, make_staff())
    db_file = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    before = db_file.read_bytes()
    for path in ("/", "/people", "/people?q=ce", "/password", "/healthz"):
        assert client.get(path).status_code == 200
    assert db_file.read_bytes() == before


@pytest.mark.sqlite_only
def test_backup_while_the_app_is_open_is_verified_and_complete(app, make_staff, tmp_path):
    from intranet.backup import make_backup

    make_staff(username="keepme")
    uploads = Path(app.config["UPLOAD_FOLDER"])
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "photo.jpg").write_bytes(b"jpeg bytes")
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # the app holds a connection while backing up
        target = make_backup(tmp_path / "backups")
    copy = sqlite3.connect(target / "studio.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT username FROM staff").fetchall() == [("keepme",)]
    assert (target / "uploads" / "photo.jpg").read_bytes() == b"jpeg bytes"


@pytest.mark.sqlite_only
def test_a_backup_restores_into_a_fresh_instance(app, make_staff, tmp_path):
    from intranet import create_app
    from intranet.backup import make_backup
    from tests.conftest import make_config

    make_staff(username="keepme", name="留存")
    with app.app_context():
        target = make_backup(tmp_path / "backups")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (target / "studio.db").rename(fresh / "studio.db")
    restored = create_app(make_config(fresh))
    with restored.app_context():
        assert db.session.scalar(db.select(Staff.name).where(Staff.username == "keepme")) == "留存"


@pytest.mark.sqlite_only
def test_cli_upgrade_then_demo_on_an_empty_instance(tmp_path):
    env = {
        "INTRANET_INSTANCE": str(tmp_path),
        "INTRANET_SECRET_KEY": "k" * 40,
        "FLASK_APP": "wsgi",
        "PATH": "/usr/bin:/bin",
    }
    flask = [sys.executable, "-m", "flask"]
    run = lambda *args: subprocess.run(  # noqa: E731
        [*flask, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run("db", "upgrade").returncode == 0
    first = run("demo")
    assert first.returncode == 0, first.stderr
    assert "仅供试用" in first.stdout and "演示账号的密码都是" in first.stdout
    again = run("demo")
    assert again.returncode == 0 and "未导入" in again.stdout
    demo_db = sqlite3.connect(tmp_path / "studio.db")
    assert 55 <= demo_db.execute("SELECT count(*) FROM staff").fetchone()[0] <= 70
    statuses = {row[0] for row in demo_db.execute("SELECT political_status FROM staff")}
    assert len(statuses) == 6
    campuses = {row[0] for row in demo_db.execute("SELECT campus FROM staff")}
    assert {"滁和", "彤华", "宝真", "桥西", "沿河"} <= campuses
