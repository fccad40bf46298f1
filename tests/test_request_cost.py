"""What every request pays: /healthz only what it checks (no session, no user, no limiter),
and what was skipped for it still happens where it matters."""

from sqlalchemy import event

from intranet.extensions import db
from tests.conftest import login_as


def test_healthz_does_not_load_the_session_user(app, client, make_staff):
    """/healthz asks nobody who is there: a logged-in browser's probe costs no user query."""
    login_as(client, app, make_staff())
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get("/healthz").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements and not any("FROM staff" in s for s in statements)


def test_H_pages_of_a_logged_in_user_still_say_no_store(app, client, make_staff):
    login_as(client, app, make_staff(role="leader"))
    assert client.get("/suggestions").headers["Cache-Control"] == "no-store"
    assert client.get("/people").headers["Cache-Control"] == "no-store"


def test_healthz_leaves_a_logged_in_browser_s_cookie_alone(app, client, make_staff):
    login_as(client, app, make_staff())
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert client.get("/").status_code == 200, "still logged in"


def test_other_methods_on_healthz_get_the_chinese_error_page_not_a_500(client):
    response = client.post("/healthz")
    assert response.status_code in (400, 405)  # CSRF refuses a bare POST first
    assert "<html" in response.get_data(as_text=True)


def test_the_receipt_lookup_is_still_rate_limited(app, make_staff):
    from tests.conftest import as_user

    teacher = as_user(app, make_staff())
    codes = [
        teacher.post(
            "/suggestions/track",
            data={"receipt": "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE"},
            headers={"X-CSRFToken": teacher.token},
        ).status_code
        for _ in range(11)
    ]
    assert codes[-1] == 429, codes
