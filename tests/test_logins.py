"""Logins an outsider cannot block, and failed logins that all cost the same (SECURITY.md B, M)."""

import http.client
import statistics
import threading
import time
from urllib.parse import urlencode

import pytest
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from intranet.auth.passwords import ONE_TIME_METHOD
from intranet.auth.throttle import LoginThrottle
from intranet.extensions import db
from intranet.people.models import Staff
from tests.conftest import CSRF_META, PASSWORD, csrf_token

ATTACKER = {"REMOTE_ADDR": "127.0.0.2"}
PRINCIPAL_PC = {"REMOTE_ADDR": "127.0.0.3"}


def post_login(app, username, password, environ):
    """One login attempt from a fresh browser at the given address."""
    client = app.test_client()
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base=environ,
    )


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_M_an_outsider_cannot_lock_the_principal_out(app, make_staff):
    make_staff(username="xiaozhang", role="leader")
    codes = [post_login(app, "xiaozhang", f"guess-{i}", ATTACKER).status_code for i in range(8)]
    assert codes == [401] * 5 + [429] * 3
    # Her own computer has not been failing: the right password always opens.
    assert post_login(app, "xiaozhang", PASSWORD, PRINCIPAL_PC).status_code == 302
    # Even the right password waits at the address that was guessing.
    assert post_login(app, "xiaozhang", PASSWORD, ATTACKER).status_code == 429


def test_M_a_throttled_address_is_told_in_chinese_how_long_to_wait(app, make_staff):
    make_staff(username="t1")
    for i in range(5):
        post_login(app, "t1", f"guess-{i}", ATTACKER)
    r = post_login(app, "t1", "guess-5", ATTACKER)
    assert r.status_code == 429
    assert "尝试次数过多，请 1 分钟后再试" in r.get_data(as_text=True)


def test_M_a_few_mistakes_then_the_right_password_start_afresh(app, make_staff):
    make_staff(username="t1")
    for _ in range(2):
        for i in range(4):
            assert post_login(app, "t1", f"typo-{i}", PRINCIPAL_PC).status_code == 401
        assert post_login(app, "t1", PASSWORD, PRINCIPAL_PC).status_code == 302


def test_M_requests_without_csrf_token_count_for_nothing(app, make_staff):
    make_staff(username="t1")
    client = app.test_client()
    for i in range(10):
        r = client.post(
            "/login", data={"username": "t1", "password": f"g{i}"}, environ_base=ATTACKER
        )
        assert r.status_code == 400
    assert post_login(app, "t1", PASSWORD, ATTACKER).status_code == 302


def test_M_an_address_guessing_across_accounts_is_stopped(app, make_staff):
    make_staff(username="t1")
    for i in range(20):
        assert post_login(app, f"name{i}", "guess", ATTACKER).status_code == 401
    # Twenty failures from one address: it waits, whatever account it names next.
    assert post_login(app, "t1", PASSWORD, ATTACKER).status_code == 429
    assert post_login(app, "t1", PASSWORD, PRINCIPAL_PC).status_code == 302


def test_M_control_characters_in_the_username_do_not_escape_the_throttle(app, make_staff):
    make_staff(username="principal")
    outsider = {"REMOTE_ADDR": "127.0.0.2"}
    for _ in range(5):
        assert post_login(app, "principal", "wrong", outsider).status_code == 401
    for variant in ("principal\x01", "principal\x08", " PRINCIPAL\x0e"):
        assert post_login(app, variant, "wrong", outsider).status_code == 429, repr(variant)


def test_M_the_wait_doubles_after_each_failure_up_to_fifteen_minutes():
    clock = Clock()
    throttle = LoginThrottle(clock=clock, address_failures=1000)
    waits = []
    for _ in range(5):
        throttle.failed("xiaozhang", "127.0.0.2")
    for _ in range(6):
        waits.append(throttle.wait("xiaozhang", "127.0.0.2"))
        clock.now += waits[-1]
        assert throttle.wait("xiaozhang", "127.0.0.2") == 0
        throttle.failed("xiaozhang", "127.0.0.2")
    assert waits == [60, 120, 240, 480, 900, 900]
    assert throttle.wait("xiaozhang", "127.0.0.3") == 0


def test_M_the_address_limit_is_per_ten_minutes():
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    for i in range(20):
        throttle.failed(f"name{i}", "127.0.0.2")
        clock.now += 1
    assert throttle.wait("someone", "127.0.0.2") == pytest.approx(600 - 20)
    clock.now += 600
    assert throttle.wait("someone", "127.0.0.2") == 0


def test_M_counters_are_forgotten_and_bounded():
    clock = Clock()
    throttle = LoginThrottle(clock=clock, max_entries=100, address_failures=10_000)
    for i in range(500):
        throttle.failed(f"name{i}", f"127.0.{i // 250}.{i % 250}")
    assert len(throttle._pairs) <= 100
    clock.now += 2 * 24 * 3600
    throttle.failed("last", "127.0.0.9")
    assert len(throttle) == 2  # only the newest pair and its address are remembered


def _raw_login(port: int, source: str, username: str, password: str) -> int:
    """A real TCP login from a chosen loopback source address: page, cookie, token, POST."""
    connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(source, 0))
    try:
        connection.request("GET", "/login")
        page = connection.getresponse()
        cookie = page.getheader("Set-Cookie").split(";")[0]
        token = CSRF_META.search(page.read().decode()).group(1)
        body = urlencode({"username": username, "password": password, "csrf_token": token})
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        connection.request("POST", "/login", body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def test_M_over_real_sockets_another_address_is_not_blocked(app, make_staff):
    make_staff(username="xiaozhang", role="leader")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_port
        codes = [_raw_login(port, "127.0.0.2", "xiaozhang", f"g{i}") for i in range(6)]
        assert codes == [401] * 5 + [429]
        assert _raw_login(port, "127.0.0.3", "xiaozhang", PASSWORD) == 302
        assert _raw_login(port, "127.0.0.2", "xiaozhang", PASSWORD) == 429
    finally:
        server.shutdown()
        thread.join(timeout=5)


# A production-like gap: the policy costs 16× the cheap hash, as 2^17 costs 8× the one-time
# hash's 2^14 in production, but small enough for the test to be quick.
POLICY = "scrypt:16384:8:1"
CHEAP = "scrypt:1024:8:1"


@pytest.fixture
def config_overrides():
    return {"PASSWORD_HASH_METHOD": POLICY, "ONE_TIME_HASH_METHOD": CHEAP}


def _failure_medians(app, usernames, runs: int = 11) -> dict[str, float]:
    """Median work of a failed login per account: the CPU time of the thread serving it (the test
    client serves in this thread), so other processes on a shared machine do not blur it; on an
    idle server the wall time an attacker sees follows it. Accounts are taken in turn."""
    client = app.test_client()
    token = csrf_token(client)
    times: dict[str, list[float]] = {name: [] for name in usernames}
    for i in range(runs):
        for name in usernames:
            started = time.thread_time()
            r = client.post(
                "/login",
                data={"username": name, "password": f"wrong-{i}", "csrf_token": token},
                environ_base={"REMOTE_ADDR": f"127.0.1.{i}"},
            )
            times[name].append(time.thread_time() - started)
            assert r.status_code == 401
    return {name: statistics.median(values) for name, values in times.items()}


def test_M_failed_logins_cost_the_same_whatever_the_account(app, make_staff):
    assert int(ONE_TIME_METHOD.split(":")[1]) < 131072  # the cheap case exists in production
    make_staff(username="normal", password=None)
    make_staff(username="fresh", password=None, must_change_password=True)
    with app.app_context():
        hashes = {
            "normal": generate_password_hash(PASSWORD, POLICY),
            "fresh": generate_password_hash(PASSWORD, CHEAP),  # like a one-time password
        }
        for name, stored in hashes.items():
            db.session.scalar(db.select(Staff).filter_by(username=name)).password_hash = stored
        db.session.commit()
    medians = _failure_medians(app, ("nobody", "fresh", "normal"))
    assert max(medians.values()) <= 1.2 * min(medians.values()), medians


def test_M_every_failed_login_hashes_once_at_each_cost(app, make_staff, monkeypatch):
    """Not only close in time: the same work, counted, for every kind of account."""
    from intranet.auth import passwords

    make_staff(username="normal", password=None)
    make_staff(username="fresh", password=None, must_change_password=True)
    with app.app_context():
        for name, method in (("normal", POLICY), ("fresh", CHEAP)):
            staff = db.session.scalar(db.select(Staff).filter_by(username=name))
            staff.password_hash = generate_password_hash(PASSWORD, method)
        db.session.commit()
    work: list[str] = []
    real = passwords.check_password_hash
    monkeypatch.setattr(
        passwords,
        "check_password_hash",
        lambda stored, pw: work.append(stored.split("$")[0]) or real(stored, pw),
    )
    client = app.test_client()
    token = csrf_token(client)
    for name in ("nobody", "fresh", "normal"):
        work.clear()
        client.post("/login", data={"username": name, "password": "wrong", "csrf_token": token})
        assert sorted(work) == sorted([POLICY, CHEAP]), (name, work)


def test_M_the_one_time_password_still_opens_its_account(app, client, auth, make_staff):
    make_staff(username="fresh", password=None, must_change_password=True)
    with app.app_context():
        staff = db.session.scalar(db.select(Staff).filter_by(username="fresh"))
        staff.password_hash = generate_password_hash(PASSWORD, CHEAP)
        db.session.commit()
    assert auth.login("fresh").headers["Location"] == "/password"
    assert "一次性密码" in client.get("/password").get_data(as_text=True)
