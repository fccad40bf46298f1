"""The load script's short mode: the real server under concurrent people, no 5xx, nothing lost;
and a run that cannot start properly fails, in bounded time, saying why."""

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import load
from load import failed, run


@pytest.mark.sqlite_only
def test_a_busy_morning_breaks_nothing():
    result = run(users=8, seconds=4)
    assert failed(result) == [], result
    assert result["requests"] > 50
    assert result["errors_5xx"] == 0
    assert result["database_locked"] == 0
    assert result["missing_writes"] == 0
    assert result["lost_updates"] == 0
    assert result["clients_died"] == []
    assert result["silent_writers"] == []
    saves = result["routes"]["PUT /schedule/activities/<id> (htmx)"]["statuses"]
    assert saves.get(200), "managers saved rows"
    assert set(saves) <= {200, 409}, saves
    checkins = result["routes"]["POST /schedule/checkin/<token>"]["statuses"]
    assert set(checkins) == {200}, checkins
    assert all(599 not in row["statuses"] for row in result["routes"].values())


@pytest.mark.sqlite_only
def test_a_login_that_hangs_fails_the_run_instead_of_hanging_it(monkeypatch):
    login = load.Client.login

    def slow_for_one(client, username):
        if username == "t000":
            time.sleep(6)  # longer than the start barrier waits
            raise TimeoutError("timed out")
        return login(client, username)

    monkeypatch.setattr(load.Client, "login", slow_for_one)
    monkeypatch.setattr(load, "START_TIMEOUT", 3)
    started = time.monotonic()
    result = run(users=6, seconds=2)
    assert time.monotonic() - started < 60
    assert "clients_died" in failed(result)
    assert any(death.startswith("t000: login failed") for death in result["clients_died"])
    assert any("start barrier" in death for death in result["clients_died"])
    # Nobody started, so every writing scenario wrote nothing, and the summary says so.
    assert "silent_writers" in failed(result)
