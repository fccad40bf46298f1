"""The base form and choice lists: WTForms' own messages in Chinese, without Flask-Babel."""

import re

from flask_wtf import FlaskForm
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
