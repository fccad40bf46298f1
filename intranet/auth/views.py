"""Login, logout, password change, and the rules every request passes through."""

import logging
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from intranet.auth.forms import LoginForm, PasswordChangeForm
from intranet.auth.passwords import check_password, hash_password, needs_rehash
from intranet.auth.permissions import can, predicates, public
from intranet.auth.throttle import minutes, throttle
from intranet.extensions import db, login_manager
from intranet.forms import drop_control_characters
from intranet.htmx import is_htmx
from intranet.people.models import Staff

bp = Blueprint("auth", __name__)
log = logging.getLogger("intranet.auth")

# While a one-time password is in use, only these endpoints open.
PASSWORD_CHANGE_ALLOWED = {"auth.password", "auth.update_password", "auth.logout", "static"}


@bp.app_context_processor
def permissions():
    return {"can": can, **predicates()}


@login_manager.user_loader
def load_user(token: str):
    return db.session.scalar(select(Staff).where(Staff.session_token == token, Staff.active))


@login_manager.unauthorized_handler
def unauthorized():
    login_url = url_for("auth.login")
    if is_htmx():
        # Never swap a login page into a table cell: send the whole page there.
        return "", 401, {"HX-Redirect": login_url}
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def guard_request():
    """Before every request: login unless public, absolute timeout, forced password change."""
    view = current_app.view_functions.get(request.endpoint or "")
    if (
        request.endpoint is None
        or request.endpoint == "static"
        or getattr(view, "is_public", False)
    ):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    started = session.get("login_at", 0)
    if time.time() - started > current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds():
        logout_user()
        session.clear()
        return login_manager.unauthorized()
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ALLOWED:
        if is_htmx():
            return "", 401, {"HX-Redirect": url_for("auth.password")}
        return redirect(url_for("auth.password"))
    return None


def safe_next(target: str | None) -> str:
    """Only same-site paths: no scheme, no host, no backslash tricks (ASVS 3.7.2)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("home.index")
    return target


def _account_key(username: str | None) -> str:
    """The account as the login looks it up (the form drops control characters, so must the
    key: "principal\x01" is the principal, not a fresh counter to guess with)."""
    return drop_control_characters(username or "").strip().lower()[:64]


def start_session(user: Staff) -> None:
    session.clear()  # nothing planted before login survives it (ASVS 7.2.4)
    login_user(user)
    session.permanent = True
    session["login_at"] = time.time()


@bp.get("/login")
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return render_template("auth/login.html", form=LoginForm(), next=request.args.get("next", ""))


@bp.post("/login")
@public
def create_session():
    # CSRF is checked before this view runs, so a request without a token counts for nothing.
    form = LoginForm()
    next_url = request.form.get("next", "")
    account, address = _account_key(request.form.get("username")), request.remote_addr or ""
    if wait := throttle().wait(account, address):
        log.warning("login throttled username=%s ip=%s", account, address)
        form.password.errors = [f"尝试次数过多，请 {minutes(wait)} 分钟后再试。"]
        return render_template("auth/login.html", form=form, next=next_url), 429
    if not form.validate():
        return render_template("auth/login.html", form=form, next=next_url), 422
    username = form.username.data.strip()
    user = db.session.scalar(select(Staff).where(Staff.username == username))
    if not check_password(user.password_hash if user else None, form.password.data):
        throttle().failed(account, address)
        log.warning("login failed username=%s ip=%s", username, request.remote_addr)
        form.password.errors = ["工号或密码不正确。"]
        return render_template("auth/login.html", form=form, next=next_url), 401
    throttle().succeeded(account, address)
    if not user.active:
        log.warning("login refused (disabled) username=%s ip=%s", username, request.remote_addr)
        form.password.errors = ["这个账号已停用，请联系管理员。"]
        return render_template("auth/login.html", form=form, next=next_url), 403
    if not user.must_change_password and needs_rehash(user.password_hash):
        user.password_hash = hash_password(form.password.data)
        db.session.commit()
    start_session(user)
    log.info("login ok username=%s ip=%s", username, request.remote_addr)
    if user.must_change_password:
        return redirect(url_for("auth.password"))
    return redirect(safe_next(next_url))


@bp.post("/logout")
def logout():
    # Rotating the token ends every copy of this cookie, not only this browser's.
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.get("/password")
def password():
    form = PasswordChangeForm(current_user.username)
    return render_template("auth/password.html", form=form)


@bp.post("/password")
def update_password():
    form = PasswordChangeForm(current_user.username)
    if not form.validate():
        return render_template("auth/password.html", form=form), 422
    if not check_password(current_user.password_hash, form.current.data):
        log.warning("password change: wrong current password username=%s", current_user.username)
        form.current.errors = ["当前密码不正确。"]
        return render_template("auth/password.html", form=form), 422
    user = current_user._get_current_object()
    user.password_hash = hash_password(form.new.data)
    user.must_change_password = False
    user.end_sessions()
    db.session.commit()
    start_session(user)
    flash("密码已修改。其他设备上的登录已全部退出。", "success")
    return redirect(url_for("home.index"))
