"""The studio intranet: create_app builds the whole application; nothing happens at import."""

import os
from importlib import import_module

from flask import Flask, current_app, request
from flask_limiter.util import get_qualified_name
from werkzeug.middleware.proxy_fix import ProxyFix

from intranet import cli, config, demo, errors, files, formatting, semesters
from intranet.auth import throttle
from intranet.db import init_engine
from intranet.extensions import csrf, db, limiter, login_manager, migrate
from intranet.forms import IdConverter

# One blueprint per area, registered in this order; each area's views.py defines `bp`.
AREAS = (
    "auth", "home", "people", "schedule", "suggestions", "mentoring",
    "achievements", "dashboard", "archive",
)  # fmt: skip
MIGRATIONS = os.path.join(os.path.dirname(__file__), os.pardir, "migrations")


def create_app(overrides: dict | None = None) -> Flask:
    overrides = overrides or {}
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.instance_path = overrides.get("INSTANCE_PATH") or os.environ.get(
        "INTRANET_INSTANCE", app.instance_path
    )
    config.load(app, overrides)
    files.secure_instance(app)
    if app.config.get("PROXY_HOPS"):
        # Only when a reverse proxy really sits in front, with that many hops (SECURITY.md A).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"], x_proto=1)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.normpath(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    limiter.request_filter(_declares_no_limit)
    throttle.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        init_engine(db.engine)

    app.url_map.converters["int"] = IdConverter
    for area in AREAS:
        app.register_blueprint(import_module(f"intranet.{area}.views").bp)
    app.before_request(import_module("intranet.auth.views").guard_request)
    errors.register(app)
    semesters.register(app)
    errors.configure_logging(app)
    formatting.register(app)
    demo.register(app)
    cli.register(app)
    return app


def _declares_no_limit() -> bool:
    """There are no default rate limits, only the few a view declares (receipt lookups): the
    other routes, /healthz first, skip the limiter's per-request bookkeeping."""
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and get_qualified_name(view) not in limiter._marked_for_limiting
