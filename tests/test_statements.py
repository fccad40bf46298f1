"""Statements built once (intranet/statements.py): per school day and per the values they are
made of, never handed out to be changed."""

from datetime import timedelta

from sqlalchemy import literal, select

from intranet.clock import school_now
from intranet.statements import built_once


def test_a_statement_is_built_once_per_day_and_values(travel):
    built = []

    @built_once(lambda n: n)
    def numbered(n):
        built.append(n)
        return [select(literal(n))]

    first = numbered(1)
    assert numbered(1) is first and built == [1]
    assert numbered(2) is not first and built == [1, 2]
    assert isinstance(first, tuple), "a list comes back as a tuple: no caller can change it"
    travel(school_now() + timedelta(days=1))
    assert numbered(1) is not first and built == [1, 2, 1], "the next day builds it again"


def test_a_full_cache_starts_over(monkeypatch):
    monkeypatch.setattr("intranet.statements.SIZE", 2)
    built = []

    @built_once(lambda n: n)
    def numbered(n):
        built.append(n)
        return select(literal(n))

    for n in (1, 2, 3, 1):
        numbered(n)
    assert built == [1, 2, 3, 1]
