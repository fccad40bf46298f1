"""Shared fixtures, in flaskr's shape: app, client, auth; plus a factory for staff."""

import os
import re
import shutil
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask_migrate import upgrade
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.routing import Rule

from intranet import clock, create_app
from intranet.extensions import db
from intranet.people.models import Staff

PASSWORD = "correct horse battery"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
FAST_HASH = "scrypt:1024:8:1"  # tests hash hundreds of passwords; production uses 2^17
# The suite runs on SQLite. Given a PostgreSQL server URL here (scripts/test starts one when it
# can), it runs on PostgreSQL instead: the path a district running one instance would take.
POSTGRES = os.environ.get("INTRANET_TEST_DATABASE_URL")
# One template database per process (each xdist worker, each run): runs sharing a server build
# theirs side by side, and each drops its own at the end.
TEMPLATE = f"studio_template_{os.getpid()}"


def pytest_configure(config):
    """Pin the app's clock before any test module is imported, so tests that date things with
    `school_today()` agree with the app whatever the host's clock and time zone say, and a run
    never crosses the school's midnight or a month's first day. Any read of the host's date now
    disagrees with the app every time, not only in the evening (UTC)."""
    clock.travel(START)
    compile_once_per_session()


class SessionBytecodeCache(BytecodeCache):
    """Jinja's compiled templates kept in memory for the whole run, checked against the source."""

    def __init__(self):
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.codes:
            bucket.bytecode_from_string(self.codes[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


def compile_once_per_session() -> None:
    """The suite builds a new app for almost every test, and most of that cost was compiling
    the same code again: werkzeug writes and compiles a Python URL builder for each of the ~130
    routes (0.25 s of create_app), and each app's Jinja environment compiled every template it
    rendered anew. Compile both once per run; every app still gets the very same code."""
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SessionBytecodeCache()}
    compile_builder = Rule._compile_builder
    builders = {}

    def compile_builder_once(rule, append_unknown=True):
        # The builder's code depends only on these; converters are looked up when it runs.
        key = (rule.rule, tuple(rule._trace), repr(rule.defaults), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    Rule._compile_builder = compile_builder_once


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
        "ONE_TIME_HASH_METHOD": FAST_HASH,
        "RECEIPT_HASH_METHOD": FAST_HASH,
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

    def new(self, instance: Path, source: str | None = None) -> str:
        """A copy of the migrated template, or of `source`: another database of this run, built
        once and shared (see `built_world`). No connection may be open to `source` (PostgreSQL
        refuses to copy a database in use): dispose the engines that wrote it."""
        if not POSTGRES:
            shutil.copy(
                make_url(source).database if source else self.workdir / "studio.db",
                instance / "studio.db",
            )
            return f"sqlite:///{instance / 'studio.db'}"
        name = f"t_{uuid.uuid4().hex[:12]}"
        template = make_url(source).database if source else TEMPLATE
        with self.server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return self._url(name)

    def drop(self, url: str) -> None:
        if POSTGRES:
            with self.server.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    found = Databases(tmp_path_factory.mktemp("template"))
    yield found
    if POSTGRES:
        found.drop(found._url(TEMPLATE))


@pytest.fixture
def database_url(tmp_path, databases):
    url = databases.new(tmp_path)
    yield url
    databases.drop(url)


class World(NamedTuple):
    """A database and an instance folder (uploads) built once, and the ids of what is in them."""

    url: str
    instance: Path
    ids: dict


@pytest.fixture(scope="module")
def built_world(request, tmp_path_factory, databases):
    """Run the test module's `build_world(app, make_staff) -> dict` once, in a database of its
    own, for modules whose every test starts from the same objects (the role x route matrix).
    A module that overrides `database_url` with `world_database_url` hands each test a copy."""
    instance = tmp_path_factory.mktemp("world")
    url = databases.new(instance)
    app = create_app(make_config(instance, url))
    try:
        ids = request.module.build_world(app, staff_factory(app))
    finally:
        with app.app_context():
            db.engine.dispose()  # nothing may hold the world open while tests copy it
    yield World(url, instance, ids)
    databases.drop(url)


@pytest.fixture
def world_files(tmp_path, built_world) -> None:
    """The world's uploaded files in this test's instance folder."""
    shutil.copytree(
        built_world.instance,
        tmp_path,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("studio.db*"),
    )


@pytest.fixture
def world_database_url(tmp_path, databases, built_world, world_files):
    """This test's own copy of the module's world: its database and its uploaded files, so
    writes stay with the test."""
    url = databases.new(tmp_path, source=built_world.url)
    yield url
    databases.drop(url)


_SHARED: dict = {}


def share_compiled_statements(engine) -> None:
    """Every test builds its own app, and so its own engine, which would compile each SQL
    statement afresh (a fifth of the suite's time). Engines of one kind of database share one
    dialect and with it SQLAlchemy's compiled-statement cache, as one long-running app does."""
    if engine.dialect.name not in _SHARED:
        with engine.connect():  # a first connection initialises the dialect (server version)
            _SHARED[engine.dialect.name] = engine.dialect, engine._compiled_cache
    dialect, cache = _SHARED[engine.dialect.name]
    engine.dialect = engine.pool._dialect = dialect
    engine._compiled_cache = cache


@pytest.fixture
def make_app(tmp_path, database_url):
    """Build the app on this test's database, with configuration overrides."""
    apps = []

    def make(**overrides):
        app = create_app(make_config(tmp_path, database_url, **overrides))
        with app.app_context():
            share_compiled_statements(db.engine)
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
    return staff_factory(app)


def staff_factory(app):
    """`make_staff` for an app that is not the test's own (a module's shared world)."""
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


@pytest.fixture
def count_queries():
    """`count_queries(client, url) -> int`: how many SQL statements one GET of a page sends to
    its app's database (the page must answer 200). A list page's count must not grow with its
    rows: one query per row (N+1) is what makes a page slow at a school with real data."""

    def count(client, url) -> int:
        statements = []
        with client.application.app_context():
            engine = db.engine

        def listener(_connection, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            response = client.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        return len(statements)

    return count


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
