"""The base form and choice lists: WTForms' own messages in Chinese, without Flask-Babel."""

from flask_wtf import FlaskForm
from wtforms import SelectChoice


class Form(FlaskForm):
    class Meta:
        locales = ["zh"]


def choices(values, blank: str | None = None) -> list[SelectChoice]:
    """Options from a {code: label} dict or a list of labels, optionally after a blank option."""
    pairs = values.items() if isinstance(values, dict) else ((v, v) for v in values)
    options = [SelectChoice(value, label) for value, label in pairs]
    return [SelectChoice("", blank), *options] if blank is not None else options
