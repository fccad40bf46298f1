"""The studio intranet: create_app builds the whole application; nothing happens at import."""

import os
from importlib import import_module

from flask import Flask, Request, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter.util import get_qualified_name
from werkzeug.middleware.proxy_fix import ProxyFix

from intranet import cli, config, demo, errors, files, formatting, semesters
from intranet.auth import throttle
from intranet.dashboard import kept
from intranet.db import init_engine
from intranet.extensions import csrf, db, limiter, login_manager, migrate
from intranet.forms import IdConverter, drop_control_characters
from intranet.suggestions import tally

# One blueprint per area, registered in this order; each area's views.py defines `bp`.
AREAS = (
    "auth",
    "home",
    "people",
    "schedule",
    "feedback",
    "suggestions",
    "mentoring",
    "achievements",
    "dashboard",
    "archive",
)
MIGRATIONS = os.path.join(os.path.dirname(__file__), os.pardir, "migrations")


class StudioRequest(Request):
    """Query strings are pasted, shared and forged: their control characters (NUL among them,
    which PostgreSQL refuses in a string) are dropped before any page filters by them, as the
    forms drop them from what is typed."""

    @property
    def args(self):
        if "_clean_args" not in self.__dict__:
            self.__dict__["_clean_args"] = self.parameter_storage_class(
                (key, drop_control_characters(value))
                for key, value in super().args.items(multi=True)
            )
        return self.__dict__["_clean_args"]


def create_app(overrides: dict | None = None) -> Flask:
    overrides = overrides or {}
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.request_class = StudioRequest
    # Block tags take their line with them: pages and HTMX partials carry markup, not the
    # blank lines of the templates' structure (a third of a schedule row form was whitespace).
    app.jinja_options = {**app.jinja_options, "trim_blocks": True, "lstrip_blocks": True}
    app.instance_path = overrides.get("INSTANCE_PATH") or os.environ.get(
        "INTRANET_INSTANCE", app.instance_path
    )
    config.load(app, overrides)
    files.secure_instance(app)
    if app.config.get("PROXY_HOPS"):
        # Only when a reverse proxy really sits in front, with that many hops (SECURITY.md A).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"], x_proto=1)

    db.init_app(app)
    tally.listen()  # the box's statistics follow every flush
    kept.listen()  # and a closed semester's kept figures go when it changes
    migrate.init_app(app, db, directory=os.path.normpath(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    _limit_only_limited_routes(app)
    app.session_interface = SessionInterface()
    throttle.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        init_engine(db.engine)
        import_module("intranet.schedule.models").preload_form_library()

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


# Requests that never read or write the session (the health probe; any other method there
# answers with an error page, which needs one). They get Flask's null session instead of
# decoding the cookie.
SESSIONLESS = {("GET", "/healthz"), ("HEAD", "/healthz")}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, minus the work a request does not need: no session at all
    for SESSIONLESS requests, and the cookie's serializer built once per key, not per request."""

    def open_session(self, app, request):
        if (request.method, request.path) in SESSIONLESS:
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_signing_serializer(self, app):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = app.extensions.get("session_serializer")
        if cached is None or cached[0] != key:
            cached = (key, super().get_signing_serializer(app))
            app.extensions["session_serializer"] = cached
        return cached[1]


def _declares_no_limit() -> bool:
    """There are no default rate limits, only the few a view declares (receipt lookups)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and get_qualified_name(view) not in limiter._marked_for_limiting


def _limit_only_limited_routes(app) -> None:
    """The limiter checks every request before it reaches its view; only the routes that
    declare a limit need that. The others, /healthz first, skip its per-request bookkeeping;
    a declared limit is still checked, and also by the decorator itself."""
    check = limiter._check_request_limit
    funcs = app.before_request_funcs.setdefault(None, [])

    def check_limited_routes():
        if _declares_no_limit():
            return None
        return check()

    funcs[:] = [check_limited_routes if f == check else f for f in funcs]
    limiter.request_filter(_declares_no_limit)
