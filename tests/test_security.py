"""Configuration, headers, CSRF, escaping, errors and logging (SECURITY.md A, E, F, H, I)."""

import io
import json
import logging
import re
import stat
from pathlib import Path

import PIL
import pytest

from intranet import create_app
from intranet.errors import log_handler
from tests.conftest import csrf_token, htmx, login_as

ROOT = Path(__file__).resolve().parents[1]


# --- A. configuration and secrets -------------------------------------------------------


@pytest.mark.parametrize("key", ["", "short", "x" * 31])
def test_app_refuses_to_start_with_a_short_secret_key(tmp_path, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": key})


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("INTRANET_SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).secret_key
    second = create_app({"INSTANCE_PATH": str(tmp_path)}).secret_key
    key_file = tmp_path / "secret_key"
    assert first == second == key_file.read_text().strip()
    assert len(first) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_no_secret_key_is_committed():
    tracked = [p for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    assert not any(p.name == "secret_key" for p in tracked if "instance" not in p.parts)
    source = "\n".join(p.read_text() for p in (ROOT / "intranet").rglob("*.py"))
    assert not re.search(r"SECRET_KEY\s*=\s*['\"]", source)


def test_rotated_key_keeps_people_logged_in(app, client, make_staff, tmp_path):
    login_as(client, app, make_staff())
    cookie = client.get_cookie("session").value
    rotated = create_app(
        {
            **{k: app.config[k] for k in ("TESTING", "SQLALCHEMY_DATABASE_URI")},
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "a-brand-new-key-for-this-school-0123456789",
            "SECRET_KEY_FALLBACKS": [app.config["SECRET_KEY"]],
        }
    )
    other = rotated.test_client()
    other.set_cookie("session", cookie)
    assert other.get("/").status_code == 200


def test_production_defaults_have_debug_off(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40})
    assert app.debug is False and app.testing is False


def test_git_folder_is_never_served(client):
    assert client.get("/.git/HEAD").status_code == 404
    assert client.get("/static/../.git/HEAD").status_code == 404


def test_trusted_hosts_refuse_a_forged_host(make_app):
    app = make_app(TRUSTED_HOSTS=["studio.school.lan"])
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/healthz", headers={"Host": "studio.school.lan"}).status_code == 200


def test_proxy_fix_trusts_only_the_configured_hop(make_app):
    from flask import request

    app = make_app(PROXY_HOPS=1)
    seen = {}
    app.before_request(lambda: seen.setdefault("ip", request.remote_addr) and None)
    app.test_client().get(
        "/healthz",
        headers={"X-Forwarded-For": "6.6.6.6, 10.0.0.9"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert seen["ip"] == "10.0.0.9"


def test_upload_larger_than_the_limit_gets_413(app, client, make_staff):
    login_as(client, app, make_staff(role="admin"))
    token = csrf_token(client, "/people/import")
    big = io.BytesIO(b"0" * (9 * 1024 * 1024))
    r = client.post("/people/import", data={"csrf_token": token, "roster": (big, "roster.csv")})
    assert r.status_code == 413
    assert "文件太大" in r.get_data(as_text=True)


def test_vendored_htmx_is_the_pinned_2x():
    files = list((ROOT / "static" / "vendor").glob("htmx-*.min.js"))
    assert [f.name for f in files] == ["htmx-2.0.11.min.js"]
    assert 'version:"2.0.11"' in files[0].read_text()
    assert "htmx-2.0.11.min.js" in (ROOT / "templates" / "base.html").read_text()


def test_pillow_is_past_the_fits_bomb_fix():
    major, minor = (int(x) for x in PIL.__version__.split(".")[:2])
    assert (major, minor) >= (12, 2)


def test_requirements_are_pinned():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-r"):
                assert "==" in line, f"{name}: {line} is not pinned"


# --- E. CSRF ----------------------------------------------------------------------------


def test_write_without_csrf_token_is_refused(app, client, make_staff):
    login_as(client, app, make_staff(role="admin"))
    r = client.post("/people", data={"name": "新人", "username": "n1"})
    assert r.status_code == 400
    assert "页面已过期" in r.get_data(as_text=True)


def test_htmx_write_with_header_token_passes(app, client, make_staff):
    admin = make_staff(role="admin")
    target = make_staff(username="t9", name="原名")
    login_as(client, app, admin)
    token = csrf_token(client, "/")
    r = client.put(
        f"/people/{target}",
        data={"name": "新名", "username": "t9", "political_status": "non_party", "role": "teacher"},
        headers=htmx(**{"X-CSRFToken": token}),
    )
    assert r.status_code == 200 and "新名" in r.get_data(as_text=True)
    assert client.put(f"/people/{target}", data={}, headers=htmx()).status_code == 400


def test_csrf_error_on_htmx_request_goes_to_the_message_area(app, client, make_staff):
    login_as(client, app, make_staff(role="admin"))
    r = client.post("/people", data={}, headers=htmx())
    assert r.status_code == 400
    assert r.headers["HX-Retarget"] == "#messages"
    assert b"<html" not in r.data


def test_token_still_works_after_a_long_morning(app, client, make_staff, monkeypatch):
    admin = make_staff(role="admin")
    target = make_staff(username="t9")
    login_as(client, app, admin)
    token = csrf_token(client, "/")
    import time

    real = time.time
    monkeypatch.setattr("time.time", lambda: real() + 3 * 3600)
    r = client.put(
        f"/people/{target}",
        data={"name": "新名", "username": "t9", "political_status": "non_party", "role": "teacher"},
        headers=htmx(**{"X-CSRFToken": token}),
    )
    assert r.status_code == 200


# --- F. escaping and htmx configuration -------------------------------------------------

HOSTILE = "<b hx-get=/logout hx-trigger=load>x</b>"  # fits the 40 characters of a name


def test_hostile_name_is_shown_escaped_in_page_and_partial(app, client, make_staff):
    make_staff(name=HOSTILE, username="evil")
    login_as(client, app, make_staff())
    for headers in ({}, htmx()):
        body = client.get("/people", headers=headers).get_data(as_text=True)
        assert "&lt;b hx-get=/logout hx-trigger=load&gt;x&lt;/b&gt;" in body
        assert "<b hx-get" not in body


def htmx_config(body: str) -> dict:
    match = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", body)
    return json.loads(match.group(1))


def test_htmx_is_configured_safely(client):
    config = htmx_config(client.get("/login").get_data(as_text=True))
    assert config["selfRequestsOnly"] is True
    assert config["allowScriptTags"] is False
    assert config["allowEval"] is False
    assert config["historyCacheSize"] == 0
    assert config["historyRestoreAsHxRequest"] is False
    assert config["includeIndicatorStyles"] is False
    codes = [rule["code"] for rule in config["responseHandling"]]
    assert codes.index("409") < codes.index("[45]..")
    assert codes.index("422") < codes.index("[45]..")
    assert all(r["swap"] for r in config["responseHandling"] if r["code"] in ("409", "422"))


def test_csrf_token_rides_on_body_and_meta(client):
    body = client.get("/login").get_data(as_text=True)
    meta = re.search(r'name="csrf-token" content="([^"]+)"', body).group(1)
    assert f'hx-headers=\'{{"X-CSRFToken": "{meta}"}}\'' in body


def test_partial_responses_vary_on_hx_request(app, client, make_staff):
    login_as(client, app, make_staff())
    for headers in ({}, htmx()):
        assert "HX-Request" in client.get("/people", headers=headers).headers["Vary"]


def test_directory_partial_is_a_fragment(app, client, make_staff):
    login_as(client, app, make_staff())
    r = client.get("/people?q=x", headers=htmx())
    assert r.status_code == 200 and b"<html" not in r.data and b'id="staff-results"' in r.data


# --- H. headers -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/healthz", "/nowhere", "/static/css/app.css"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "object-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "base-uri 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Access-Control-Allow-Origin" not in headers


def test_no_cors_even_when_asked(client):
    r = client.get("/login", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_logged_in_pages_are_not_cached(app, client, make_staff):
    login_as(client, app, make_staff())
    assert client.get("/people").headers["Cache-Control"] == "no-store"


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


# --- I. errors and logging --------------------------------------------------------------


@pytest.fixture
def broken_app(app):
    def explode():
        raise ZeroDivisionError("secret detail")

    app.add_url_rule("/explode", "explode", explode)
    app.view_functions["explode"].is_public = True
    return app


def test_unexpected_error_shows_a_chinese_page_without_traceback(broken_app, caplog):
    client = broken_app.test_client()
    with caplog.at_level(logging.ERROR, logger="intranet"):
        r = client.get("/explode")
    body = r.get_data(as_text=True)
    assert r.status_code == 500
    assert "系统出错了" in body
    assert "Traceback" not in body and "secret detail" not in body
    assert "ZeroDivisionError" in caplog.text
    assert r.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path, status, words", [("/nowhere", 404, "页面不存在"), ("/logout", 405, "不支持")]
)
def test_error_pages_are_in_chinese(client, path, status, words):
    r = client.get(path)
    assert r.status_code == status and words in r.get_data(as_text=True)


def test_forbidden_is_logged(app, client, make_staff, caplog):
    login_as(client, app, make_staff(username="curious"))
    with caplog.at_level(logging.WARNING, logger="intranet"):
        r = client.get("/people/import")
    assert r.status_code == 403
    assert "没有权限" in r.get_data(as_text=True)
    assert any("forbidden user=curious" in rec.getMessage() for rec in caplog.records)


def test_log_lines_cannot_be_forged_with_line_breaks(client, auth):
    stream = io.StringIO()
    handler = log_handler(stream)
    logger = logging.getLogger("intranet")
    logger.addHandler(handler)
    try:
        auth.login("a\nINFO forged ok", "whatever-pass")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert "a\\nINFO forged ok" in lines[0]


def test_logs_hold_no_password_cookie_or_token(client, auth, make_staff, caplog):
    make_staff(username="t1")
    with caplog.at_level(logging.DEBUG):
        auth.login("t1")
        client.get("/")
    cookie = client.get_cookie("session").value
    assert "correct horse battery" not in caplog.text
    assert cookie not in caplog.text
