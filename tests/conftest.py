"""Shared fixtures, in flaskr's shape: app, client, auth; plus a factory for staff."""

import re
import shutil
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade

from intranet import create_app
from intranet.extensions import db
from intranet.people.models import Staff

PASSWORD = "correct horse battery"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
FAST_HASH = "scrypt:1024:8:1"  # tests hash hundreds of passwords; production uses 2^17


def make_config(instance: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'studio.db'}",
        "PASSWORD_HASH_METHOD": FAST_HASH,
        **extra,
    }


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    """One database built by the real migrations; each test gets a copy of the file."""
    instance = tmp_path_factory.mktemp("template")
    app = create_app(make_config(instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return instance / "studio.db"


@pytest.fixture
def config_overrides() -> dict:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(tmp_path, migrated_db, config_overrides):
    shutil.copy(migrated_db, tmp_path / "studio.db")
    app = create_app(make_config(tmp_path, **config_overrides))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replace pytest-flask's fixture of this name, which pushes one request context for the
    whole test: every request would then share one app context, so Flask-Login's cached user and
    the database session would leak between clients (flask-login#721). Each request gets its own."""
    yield


@pytest.fixture
def client(app):
    """Replaces pytest-flask's `client`, which opens `with app.test_client()`: that keeps the
    last request's app context pushed, so another client's next request would reuse its `g`
    and be served as the first client's user."""
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
