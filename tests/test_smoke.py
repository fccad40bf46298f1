"""The app starts, serves its health check, and sends strangers to the login page."""


def test_health_check_answers_when_database_is_up(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok"}


def test_anonymous_visitor_is_sent_to_login(client):
    r = client.get("/people")
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login?next=/people")


def test_login_page_is_chinese(client):
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in body
    assert "登录星光名师工作室" in body
