"""Configuration: safe defaults, overridden by INTRANET_* environment variables."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from intranet.files import private_dir

MIN_SECRET_KEY_LENGTH = 32


class Config:
    # Sessions: plain HTTP on a LAN works out of the box; INTRANET_HTTPS=1 hardens cookies.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(
        hours=4
    )  # inactivity: the cookie is refreshed per request
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)  # a login never outlives a school day
    REMEMBER_COOKIE_DURATION = timedelta(days=14)  # remember-me is not offered; bound it anyway
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A schedule editor stays open all morning: bind CSRF tokens to the session, not to a clock.
    WTF_CSRF_TIME_LIMIT = None
    WTF_I18N_ENABLED = False  # use WTForms' bundled Chinese messages (see intranet/forms.py)
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024  # phone photos fit; anything larger is refused with 413
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    PASSWORD_HASH_METHOD = "scrypt:131072:8:1"  # OWASP floor; Werkzeug's default (2^15) is below it
    LOGIN_HASH_CONCURRENCY = 2  # each scrypt hash takes 128 MiB; bound how many run at once
    # Failed logins: per (account, address) a growing wait after 5; per address 20 in 10 minutes
    # across accounts (intranet/auth/throttle.py). Memory only: one waitress process.
    LOGIN_THROTTLE = {
        "free_failures": 5,
        "first_delay": 60,
        "max_delay": 15 * 60,
        "address_failures": 20,
        "address_window": 10 * 60,
    }
    RATELIMIT_STORAGE_URI = "memory://"  # one waitress process, so one memory store is exact
    RATELIMIT_HEADERS_ENABLED = False
    SCHOOL_NAME = "六合区实验小学"
    OBSERVATION_WINDOW_DAYS = 14  # a lesson may be scored until this many days after it
    TIME_ZONE = "Asia/Shanghai"
    BOX_RELEASE_HOUR = 7  # anonymous suggestions reach leaders the next morning at this hour
    HTTPS = False
    TRUSTED_HOSTS = None
    PROXY_HOPS = 0  # how many reverse proxies sit in front; 0 trusts no X-Forwarded-* header
    TESTING = False
    DEBUG = False


def load(app, overrides=None):
    """Fill app.config from Config, the environment, and explicit overrides (tests)."""
    app.config.from_object(Config)
    env = os.environ
    instance = Path(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = env.get(
        "INTRANET_DATABASE_URL", f"sqlite:///{instance / 'studio.db'}"
    )
    app.config["UPLOAD_FOLDER"] = str(instance / "uploads")
    if env.get("INTRANET_HTTPS") == "1":
        app.config["HTTPS"] = True
    if env.get("INTRANET_TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = [h.strip() for h in env["INTRANET_TRUSTED_HOSTS"].split(",")]
    if env.get("INTRANET_PROXY_HOPS"):
        app.config["PROXY_HOPS"] = int(env["INTRANET_PROXY_HOPS"])
    if env.get("INTRANET_TIME_ZONE"):
        app.config["TIME_ZONE"] = env["INTRANET_TIME_ZONE"]
    app.config.update(overrides or {})
    if "SECRET_KEY" not in (overrides or {}):
        app.config["SECRET_KEY"] = env.get("INTRANET_SECRET_KEY") or _instance_secret(instance)
    fallbacks = env.get("INTRANET_SECRET_KEY_FALLBACKS")
    if fallbacks and "SECRET_KEY_FALLBACKS" not in (overrides or {}):
        app.config["SECRET_KEY_FALLBACKS"] = fallbacks.split(",")
    if app.config["HTTPS"]:
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME="__Host-session",
            REMEMBER_COOKIE_SECURE=True,
        )
    key = app.config.get("SECRET_KEY") or ""
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise RuntimeError(
            f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters; "
            "set INTRANET_SECRET_KEY or remove it to let the app generate one."
        )


def _instance_secret(instance: Path) -> str:
    """Generate the key once into the instance folder, readable by the owner only."""
    path = instance / "secret_key"
    if not path.exists():
        private_dir(instance)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
