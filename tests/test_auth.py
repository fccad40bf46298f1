"""Accounts: login, throttling, passwords, sessions that really end (SECURITY.md B and C)."""

import logging
import re
import time

import pytest
from werkzeug.security import generate_password_hash

from intranet import create_app
from intranet.extensions import db
from intranet.people.models import Staff
from tests.conftest import PASSWORD, csrf_token, htmx, login_as

CSRF_VALUES = re.compile(r'(content="|value="|"X-CSRFToken": ")[^"]*"')


def staff(app, staff_id) -> Staff:
    with app.app_context():
        person = db.session.get(Staff, staff_id)
        db.session.expunge(person)
        return person


def test_login_with_right_password_lands_on_home(client, auth, make_staff):
    make_staff(username="t1", name="张晓明")
    r = auth.login("t1")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert "张晓明，您好" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("username, password", [("t1", "wrong password"), ("nobody", PASSWORD)])
def test_bad_credentials_get_one_generic_answer(client, auth, make_staff, username, password):
    make_staff(username="t1")
    r = auth.login(username, password)
    assert r.status_code == 401
    body = r.get_data(as_text=True)
    assert "工号或密码不正确。" in body
    assert "nobody" not in body.replace('value="nobody"', "")  # no "user does not exist"


def test_unknown_user_and_wrong_password_pages_are_identical(app, make_staff):
    make_staff(username="t1")
    bodies = []
    for username in ("t1", "nobody"):
        client = app.test_client()
        token = csrf_token(client)
        r = client.post(
            "/login", data={"username": username, "password": "x" * 9, "csrf_token": token}
        )
        bodies.append(CSRF_VALUES.sub("", r.get_data(as_text=True)).replace(username, "U"))
    assert bodies[0] == bodies[1]


def test_failed_login_is_logged_with_user_and_ip_but_never_the_password(
    client, auth, make_staff, caplog
):
    make_staff(username="t1")
    with caplog.at_level(logging.INFO, logger="intranet"):
        auth.login("t1", "my secret guess", environ_base={"REMOTE_ADDR": "10.1.2.3"})
        client.post(
            "/login",
            data={
                "username": "t1",
                "password": "my secret guess",
                "csrf_token": auth.token("/login"),
            },
            environ_base={"REMOTE_ADDR": "10.1.2.3"},
        )
    failures = [r for r in caplog.records if "login failed" in r.getMessage()]
    assert failures and all(r.levelno == logging.WARNING for r in failures)
    assert "username=t1" in failures[-1].getMessage()
    assert "ip=10.1.2.3" in failures[-1].getMessage()
    assert "my secret guess" not in caplog.text


def test_successful_login_is_logged(client, auth, make_staff, caplog):
    make_staff(username="t1")
    with caplog.at_level(logging.INFO, logger="intranet"):
        auth.login("t1")
    assert any("login ok username=t1" in r.getMessage() for r in caplog.records)


def test_sixth_failed_login_in_a_minute_is_throttled(client, auth, make_staff):
    make_staff(username="t1")
    codes = [auth.login("t1", f"wrong-{i}").status_code for i in range(6)]
    assert codes == [401] * 5 + [429]
    assert "尝试次数过多，请 1 分钟后再试" in auth.login("t1").get_data(as_text=True)


def test_successful_logins_do_not_count_toward_the_limit(client, auth, make_staff):
    make_staff(username="t1")
    for _ in range(6):
        assert auth.login("t1").status_code == 302
        auth.logout()


def test_disabled_account_cannot_log_in(auth, make_staff):
    make_staff(username="gone", active=False)
    r = auth.login("gone")
    assert r.status_code == 403
    assert "已停用" in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "http://localhost/people",
    ],
)
def test_next_never_leaves_the_site(auth, make_staff, target):
    make_staff(username="t1")
    r = auth.login("t1", next=target)
    assert r.headers["Location"] == "/"


def test_next_brings_user_back_to_the_page_they_asked_for(client, auth, make_staff):
    make_staff(username="t1")
    location = client.get("/people?q=zxm").headers["Location"]
    assert location == "/login?next=/people?q%3Dzxm" or "next=" in location
    r = auth.login("t1", next="/people?q=zxm")
    assert r.headers["Location"] == "/people?q=zxm"


def test_login_clears_what_was_in_the_session_before(client, auth, make_staff):
    make_staff(username="t1")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login("t1")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_session_cookie_is_httponly_and_samesite_lax(client, auth, make_staff):
    make_staff(username="t1")
    cookie = auth.login("t1").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "remember_token" not in cookie  # no remember-me cookie is ever issued


def test_https_mode_hardens_cookies_and_sends_hsts(make_app):
    app = make_app(HTTPS=True)
    with app.app_context():
        db.session.add(
            Staff(
                username="t1",
                name="甲",
                password_hash=generate_password_hash(PASSWORD, "scrypt:1024:8:1"),
                must_change_password=False,
            )
        )
        db.session.commit()
    client = app.test_client()
    page = client.get("/login", base_url="https://studio.local")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    r = client.post(
        "/login",
        data={"username": "t1", "password": PASSWORD, "csrf_token": token},
        base_url="https://studio.local",
        headers={"Referer": "https://studio.local/login"},
    )
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_logout_ends_every_copy_of_the_cookie(app, client, auth, make_staff):
    make_staff(username="t1")
    auth.login("t1")
    stolen = client.get_cookie("session").value
    assert auth.logout().headers["Location"] == "/login"
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    r = replay.get("/people")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_logout_is_post_only(client, auth, make_staff):
    make_staff(username="t1")
    auth.login("t1")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200  # still logged in


def test_disabling_an_account_ends_its_sessions_at_once(app, client, make_staff):
    teacher = make_staff(username="t1")
    login_as(client, app, teacher)
    assert client.get("/").status_code == 200
    with app.app_context():
        db.session.get(Staff, teacher).active = False
        db.session.commit()
    assert client.get("/").status_code == 302


def test_session_ends_after_twelve_hours_however_active(app, client, make_staff, monkeypatch):
    login_as(client, app, make_staff())
    assert client.get("/").status_code == 200
    real = time.time
    monkeypatch.setattr("intranet.auth.views.time.time", lambda: real() + 13 * 3600)
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_idle_session_expires_after_four_hours(app, client, auth, make_staff, monkeypatch):
    make_staff(username="t1")
    auth.login("t1")
    real = time.time
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: real() + 5 * 3600)
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_htmx_request_with_expired_session_is_redirected_not_swapped(client):
    r = client.get("/people", headers=htmx())
    assert r.status_code == 401
    assert r.headers["HX-Redirect"] == "/login"
    assert r.get_data() == b""


def test_two_clients_in_one_test_keep_their_own_identities(app, client, auth, make_staff):
    """A shared app context between clients would leak the first login (flask-login#721)."""
    make_staff(username="first", name="第一位")
    make_staff(username="second", name="第二位")
    auth.login("first")
    other = app.test_client()
    type(auth)(other).login("second")
    assert "第一位" in client.get("/").get_data(as_text=True)
    assert "第二位" in other.get("/").get_data(as_text=True)
    r = app.test_client().get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# --- passwords ---------------------------------------------------------------------------


def change_password(client, current, new, confirm=None):
    token = csrf_token(client, "/password")
    return client.post(
        "/password",
        data={"current": current, "new": new, "confirm": confirm or new, "csrf_token": token},
    )


@pytest.mark.parametrize(
    "new, message",
    [
        ("short7!", "至少需要 8 个字符"),
        ("password123", "太常见"),
        ("12345678", "太常见"),
        ("woaini1314", "太常见"),
        ("x" * 129, "不能超过 128 个字符"),
        ("t1", "至少需要 8 个字符"),
    ],
)
def test_weak_new_passwords_are_refused_with_a_reason(client, auth, make_staff, new, message):
    make_staff(username="t1")
    auth.login("t1")
    r = change_password(client, PASSWORD, new)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)


def test_password_equal_to_username_is_refused(client, auth, make_staff):
    make_staff(username="zhangxiaoming")
    auth.login("zhangxiaoming")
    r = change_password(client, PASSWORD, "zhangxiaoming")
    assert "不能与工号相同" in r.get_data(as_text=True)


def test_long_unicode_password_works_byte_for_byte(app, client, auth, make_staff):
    make_staff(username="t1")
    auth.login("t1")
    long_one = "春眠不觉晓处处闻啼鸟夜来风雨声花落知多少" * 3 + "🌟✨" + "ab"
    assert len(long_one) >= 64
    assert change_password(client, PASSWORD, long_one).status_code == 302
    auth.logout()
    assert auth.login("t1", long_one[:-2]).status_code == 401  # no truncation
    assert auth.login("t1", long_one).status_code == 302


def test_password_change_needs_the_current_password(client, auth, make_staff):
    make_staff(username="t1")
    auth.login("t1")
    r = change_password(client, "not my password", "a brand new sentence")
    assert r.status_code == 422
    assert "当前密码不正确" in r.get_data(as_text=True)


def test_password_change_logs_out_other_devices_but_keeps_this_one(app, client, auth, make_staff):
    make_staff(username="t1")
    phone = app.test_client()
    AuthOnPhone = type(auth)
    AuthOnPhone(phone).login("t1")
    auth.login("t1")
    assert change_password(client, PASSWORD, "a brand new sentence").status_code == 302
    assert client.get("/").status_code == 200
    assert phone.get("/").status_code == 302


def test_password_form_cannot_change_the_role(app, client, auth, make_staff):
    teacher = make_staff(username="t1")
    auth.login("t1")
    token = csrf_token(client, "/password")
    client.post(
        "/password",
        data={
            "current": PASSWORD,
            "new": "a brand new sentence",
            "confirm": "a brand new sentence",
            "role": "admin",
            "csrf_token": token,
        },
    )
    assert staff(app, teacher).role == "teacher"


def test_production_hash_is_scrypt_2_17(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40})
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt:131072:8:1"
    with app.app_context():
        from intranet.auth.passwords import hash_password

        assert hash_password("a long passphrase").startswith("scrypt:131072:8:1$")


def test_old_hash_is_upgraded_at_login(app, auth, make_staff):
    teacher = make_staff(username="t1", password=None)
    with app.app_context():
        db.session.get(Staff, teacher).password_hash = generate_password_hash(PASSWORD, "pbkdf2")
        db.session.commit()
    assert auth.login("t1").status_code == 302
    assert staff(app, teacher).password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")


def test_one_time_password_must_be_changed_before_anything_else(app, client, auth, make_staff):
    make_staff(username="new", must_change_password=True)
    r = auth.login("new")
    assert r.headers["Location"] == "/password"
    assert client.get("/people").headers["Location"] == "/password"
    assert client.get("/people", headers=htmx()).headers["HX-Redirect"] == "/password"
    assert "一次性密码" in client.get("/password").get_data(as_text=True)
    assert change_password(client, PASSWORD, "my own sentence here").status_code == 302
    assert client.get("/people").status_code == 200
