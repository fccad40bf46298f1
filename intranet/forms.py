"""The base form and choice lists: WTForms' own messages in Chinese, without Flask-Babel."""

import re

from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms import PasswordField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length

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


class IdConverter(IntegerConverter):
    """<int:…> in every URL: an id, so a 23-digit number is a 404 rather than an overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(url_map, *args, **kwargs)
