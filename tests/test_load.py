"""The load script's short mode: the real server under concurrent people, no 5xx, nothing lost."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from load import run


@pytest.mark.sqlite_only
def test_a_busy_morning_breaks_nothing():
    result = run(users=8, seconds=4)
    assert result["requests"] > 50
    assert result["errors_5xx"] == 0
    assert result["database_locked"] == 0
    assert result["missing_writes"] == 0
    assert result["lost_updates"] == 0
    saves = result["routes"]["PUT /schedule/activities/<id> (htmx)"]["statuses"]
    assert saves.get(200), "managers saved rows"
    assert set(saves) <= {200, 409}, saves
    checkins = result["routes"]["POST /schedule/checkin/<token>"]["statuses"]
    assert set(checkins) == {200}, checkins
    assert all(599 not in row["statuses"] for row in result["routes"].values())
