"""The base form and choice lists: WTForms' own messages in Chinese, without Flask-Babel."""

import re

from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms import (
    DateField,
    IntegerField,
    PasswordField,
    SelectChoice,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, StopValidation

from intranet import widgets

# Control characters nobody types (NUL among them, which PostgreSQL refuses to store);
# tab, line feed and carriage return stay.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def drop_control_characters(value):
    return CONTROL.sub("", value) if isinstance(value, str) else value


class Form(FlaskForm):
    class Meta:
        locales = ["zh"]

        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                declared = unbound_field.kwargs.get("filters", ())
                options["filters"] = [drop_control_characters, *declared]
            return super().bind_field(form, unbound_field, options)

        def render_field(self, field, render_kw):
            """Common widgets with plain strings (intranet/widgets.py), the same HTML."""
            given = getattr(field, "render_kw", None)
            attrs = dict(given, **render_kw) if given is not None else dict(render_kw)
            html = widgets.render(field, attrs)
            return html if html is not None else super().render_field(field, render_kw)


def choices(values, blank: str | None = None) -> list[SelectChoice]:
    """Options from a {code: label} dict or a list of labels, optionally after a blank option."""
    pairs = values.items() if isinstance(values, dict) else ((v, v) for v in values)
    options = [SelectChoice(value, label) for value, label in pairs]
    return [SelectChoice("", blank), *options] if blank is not None else options


def at_most(label: str, limit: int) -> Length:
    return Length(max=limit, message=f"{label}不能超过 {limit} 个字。")


def required_text(label: str, limit: int) -> list:
    """A text field that must be filled and fit its column, with the messages in Chinese."""
    return [DataRequired(f"请填写{label}。"), at_most(label, limit)]


# --- values from a URL or a form that must never reach the database as they came -----------

ID_MAX = 2**31 - 1  # ids are 32-bit integers in PostgreSQL


def as_id(value) -> int | None:
    """An id, or None for a blank, text, or a number no row can have (a 23-digit number would
    overflow SQLite's integer and PostgreSQL's)."""
    number = whole_number(value)
    return number if number and number <= ID_MAX else None


def whole_number(value) -> int | None:
    """A whole number typed as ASCII digits ("²".isdigit() is true, yet int("²") fails)."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        return None
    return int(text)


def year_month(value) -> tuple[int, int] | None:
    """(year, month) from "YYYY-MM", within years the school's calendar can mean."""
    year, _, month = str(value or "").partition("-")
    year, month = whole_number(year), whole_number(month)
    if year is None or month is None or not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return year, month


# --- fields and choices every area's forms share ------------------------------------------------


class ChineseDateField(DateField):
    """A date whose parse error reads in Chinese, within the years a school's records can mean
    (a year 9999 would break calendars and date arithmetic downstream)."""

    FIRST_YEAR, LAST_YEAR = 2000, 2100

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("请按“年-月-日”填写日期。") from error

    def pre_validate(self, form):
        if self.data and not self.FIRST_YEAR <= self.data.year <= self.LAST_YEAR:
            raise StopValidation(
                f"日期要在 {self.FIRST_YEAR} 年到 {self.LAST_YEAR} 年之间，请检查年份。"
            )


class WholeNumberField(IntegerField):
    """A whole number whose parse error says what is allowed, like a number out of range."""

    def __init__(self, *args, invalid: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid = invalid

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self.invalid) from error


class ChineseTimeField(TimeField):
    def process_formdata(self, valuelist):
        if valuelist and not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("请按“时:分”填写时间，如 14:30。") from error


NOBODY = "（未指定）"


def optional_int(value):
    """A select's value as an id; None for the blank option and anything that cannot be an id,
    so required fields then say "请选择…"."""
    return as_id(value)


def staff_choices(blank: str | None = NOBODY):
    """Every active colleague as a select's options, sorted by pinyin."""
    from intranet.extensions import db
    from intranet.people.models import Staff

    rows = db.session.execute(
        db.select(Staff.id, Staff.name, Staff.subject)
        .where(Staff.colleague)
        .order_by(Staff.pinyin, Staff.id)
    ).all()
    options = [
        (row.id, f"{row.name}（{row.subject}）" if row.subject else row.name) for row in rows
    ]
    return [("", blank), *options] if blank is not None else options


class IdConverter(IntegerConverter):
    """<int:…> in every URL: an id, so a 23-digit number is a 404 rather than an overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(url_map, *args, **kwargs)
