"""The crash script's short mode: SIGKILL the real server mid-write, nothing acknowledged is lost."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from crash import run


@pytest.mark.sqlite_only
def test_acknowledged_writes_survive_sigkill():
    result = run(rounds=2)
    assert result["integrity"] == "ok"
    assert result["acknowledged_writes"] > 0
