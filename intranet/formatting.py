"""How dates, times and labels read in Chinese; registered as Jinja filters."""

from datetime import UTC, date, datetime

from intranet.clock import school_zone

WEEKDAYS = "一二三四五六日"


def cn_date(value: date | None, weekday: bool = True) -> str:
    """2025年3月5日 周三"""
    if value is None:
        return ""
    text = f"{value.year}年{value.month}月{value.day}日"
    return f"{text} 周{WEEKDAYS[value.weekday()]}" if weekday else text


def cn_short_date(value: date | None) -> str:
    """3月5日 周三: inside a semester the year goes without saying."""
    if value is None:
        return ""
    return f"{value.month}月{value.day}日 周{WEEKDAYS[value.weekday()]}"


def local_time(value: datetime | None) -> datetime | None:
    """An aware UTC timestamp in the school's time zone."""
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they were stored in UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(school_zone())


def cn_datetime(value: datetime | None) -> str:
    local = local_time(value)
    if local is None:
        return ""
    return f"{cn_date(local.date(), weekday=False)} {local:%H:%M}"


def hm(value) -> str:
    return value.strftime("%H:%M") if value else ""


def register(app):
    app.jinja_env.filters.update(
        cn_date=cn_date, cn_short_date=cn_short_date, cn_datetime=cn_datetime, hm=hm
    )
