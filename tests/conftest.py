"""Shared fixtures, in flaskr's shape: app, client, auth; plus a factory for staff."""

import os
import re
import shutil
import time
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from intranet import clock, create_app
from intranet.extensions import db
from intranet.people.models import Staff

PASSWORD = "correct horse battery"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
FAST_HASH = "scrypt:1024:8:1"  # tests hash hundreds of passwords; production uses 2^17
# The suite runs on SQLite. Given a PostgreSQL server URL here (scripts/test starts one when it
# can), it runs on PostgreSQL instead: the path a district running one instance would take.
POSTGRES = os.environ.get("INTRANET_TEST_DATABASE_URL")
TEMPLATE = "studio_template"


def pytest_configure(config):
    """Pin the app's clock before any test module is imported, so tests that date things with
    `school_today()` agree with the app whatever the host's clock and time zone say, and a run
    never crosses the school's midnight or a month's first day. Any read of the host's date now
    disagrees with the app every time, not only in the evening (UTC)."""
    clock.travel(START)


# A Wednesday in the middle of a month and of a first semester, mid-morning in the school.
START = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def travel():
    """Move the app's clock for one test: `travel(datetime(..., tzinfo=...))`; put back after."""
    yield clock.travel
    clock.travel(START)


def pytest_collection_modifyitems(config, items):
    if POSTGRES:
        marker = pytest.mark.skipif(True, reason="checks SQLite itself")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(marker)


def make_config(instance: Path, database_url: str | None = None, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{instance / 'studio.db'}",
        "PASSWORD_HASH_METHOD": FAST_HASH,
        **extra,
    }


class Databases:
    """Hands each test a fresh database cloned from one built by the real migrations."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        if POSTGRES:
            self.server = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
            with self.server.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{TEMPLATE}"'))
            self._migrate(self._url(TEMPLATE))
        else:
            self._migrate(f"sqlite:///{workdir / 'studio.db'}")

    def _url(self, name: str) -> str:
        return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)

    def _migrate(self, url: str) -> None:
        app = create_app(make_config(self.workdir, url))
        with app.app_context():
            upgrade()
            db.engine.dispose()

    def new(self, instance: Path) -> str:
        if not POSTGRES:
            shutil.copy(self.workdir / "studio.db", instance / "studio.db")
            return f"sqlite:///{instance / 'studio.db'}"
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self.server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"'))
        return self._url(name)

    def drop(self, url: str) -> None:
        if POSTGRES:
            with self.server.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def databases(tmp_path_factory) -> Databases:
    return Databases(tmp_path_factory.mktemp("template"))


@pytest.fixture
def database_url(tmp_path, databases):
    url = databases.new(tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
def make_app(tmp_path, database_url):
    """Build the app on this test's database, with configuration overrides."""
    apps = []

    def make(**overrides):
        app = create_app(make_config(tmp_path, database_url, **overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def config_overrides() -> dict:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(make_app, config_overrides):
    return make_app(**config_overrides)


@pytest.fixture
def client(app):
    """A plain test client, never opened as a context manager: a pushed context would be reused
    by another client's next request and serve it as the first client's user (flask-login#721)."""
    return app.test_client()


@pytest.fixture
def make_staff(app):
    """Create a staff member; returns its id (objects do not outlive the app context)."""
    counter = iter(range(1, 10_000))

    def make(role="teacher", username=None, name=None, password=PASSWORD, **fields):
        from werkzeug.security import generate_password_hash

        n = next(counter)
        with app.app_context():
            staff = Staff(
                username=username or f"{role}{n}",
                name=name or f"测试{role}{n}",
                role=role,
                password_hash=generate_password_hash(password, FAST_HASH) if password else None,
                must_change_password=fields.pop("must_change_password", False),
                **fields,
            )
            db.session.add(staff)
            db.session.commit()
            return staff.id

    return make


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client, path="/login") -> str:
    page = client.get(path)
    match = CSRF_META.search(page.get_data(as_text=True))
    assert match, f"no csrf meta on {path} ({page.status_code})"
    return match.group(1)


class AuthActions:
    """Log in the way a person does: fetch the page, send its token."""

    def __init__(self, client):
        self.client = client

    def login(self, username, password=PASSWORD, **extra):
        token = csrf_token(self.client, "/login")
        return self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token, **extra},
        )

    def token(self, path="/") -> str:
        return csrf_token(self.client, path)

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.token()})


@pytest.fixture
def auth(client):
    return AuthActions(client)


def login_as(client, app, staff_id: int) -> None:
    """Fast login for tests about something else: write the session Flask-Login would write."""
    with app.app_context():
        token = db.session.get(Staff, staff_id).session_token
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
        session["login_at"] = time.time()
        session.permanent = True


@pytest.fixture
def login(client, app):
    return lambda staff_id: login_as(client, app, staff_id)


def htmx(**headers) -> dict:
    return {"HX-Request": "true", **headers}


def as_user(app, staff_id, page="/"):
    """A client logged in as the staff member, holding a page's CSRF token."""
    client = app.test_client()
    login_as(client, app, staff_id)
    client.token = csrf_token(client, page)
    return client


def send(client, method, url, data=None, **kwargs):
    """What htmx sends: the request with the CSRF header of the client's page."""
    headers = htmx(**{"X-CSRFToken": client.token})
    return client.open(url, method=method, data=data or {}, headers=headers, **kwargs)
