"""The app's one clock: the school's date and time, and aware UTC for audit stamps.

Activity dates are wall-clock dates where the school is (`TIME_ZONE`, Asia/Shanghai by default),
so nothing reads the host's date: between 16:00 and 24:00 UTC a host in UTC is already a day
behind Beijing. Tests move this clock with `travel()`; nothing else may.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Shanghai"

_offset = timedelta(0)  # how far travel() moved the clock from the real time


def utcnow() -> datetime:
    """Now as an aware UTC timestamp, for audit columns."""
    return datetime.now(UTC) + _offset


def school_zone() -> ZoneInfo:
    name = current_app.config["TIME_ZONE"] if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)  # ZoneInfo caches each zone, so this costs a dict lookup


def school_now() -> datetime:
    """Now on the school's wall clock (aware)."""
    return utcnow().astimezone(school_zone())


def school_today() -> date:
    """Today where the school is."""
    return school_now().date()


def school_midnight(day: date) -> datetime:
    """The first moment of a school day, as an aware timestamp."""
    return datetime.combine(day, datetime.min.time(), tzinfo=school_zone())


def travel(to: datetime | None) -> None:
    """Move the clock so that now is `to` (aware), and let it run on from there; None puts it back.
    For tests and benchmarks only."""
    global _offset
    _offset = timedelta(0) if to is None else to - datetime.now(UTC)
