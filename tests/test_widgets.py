"""The plain-string widgets (intranet/widgets.py) render exactly what WTForms' own do."""

from datetime import date

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from intranet import widgets
from intranet.forms import Form, choices


class Everything(Form):
    class Meta:
        csrf = False

    name = StringField("姓名", validators=[DataRequired(), Length(max=20)])
    note = StringField("备注", render_kw={"placeholder": '说"明"', "class_": "wide"})
    day = DateField("日期", validators=[Optional()])
    at = TimeField("时间")
    count = IntegerField("人数", validators=[NumberRange(min=1, max=99)])
    secret = HiddenField()
    body = TextAreaField("内容", validators=[Length(min=2, max=400)])
    level = SelectField("级别", choices=choices({"school": "校内", "district": "全区"}))
    yes = SelectField(
        "是否", choices=[SelectChoice(True, "是"), SelectChoice(False, "否")], coerce=bool
    )
    people = SelectMultipleField(
        "人员",
        choices=[SelectChoice(1, "张<三>"), SelectChoice(2, Markup("<b>李四</b>"))],
        coerce=int,
    )
    grouped = SelectField(
        "分组",
        choices=[SelectChoice("a", "A", optgroup="甲"), SelectChoice("b", "B", optgroup="乙")],
    )
    flag = BooleanField("同意")
    password = PasswordField("密码")


POSTED = MultiDict(
    [
        ("name", 'O"Brien & <张>'),
        ("note", ""),
        ("day", "2026-09-01"),
        ("at", "09:30"),
        ("count", "x"),
        ("secret", "a&b"),
        ("body", "第一行\r\n<第二行>"),
        ("level", "district"),
        ("yes", "True"),
        ("people", "2"),
        ("people", "1"),
    ]
)

KEYWORDS = [
    {},
    {"id": "row-1-x", "autofocus": True},
    {"autofocus": False, "data_picker": "1", "aria_describedby": "e", "required": False},
    {"rows": 3, "maxlength": 10, "value": Markup('a"b')},
    {"min": date(2026, 9, 1), "max": lambda: date(2027, 1, 31), "step": 2},
]


@pytest.mark.parametrize("formdata", [None, POSTED], ids=["empty", "posted"])
@pytest.mark.parametrize("keywords", KEYWORDS, ids=range(len(KEYWORDS)))
def test_every_field_renders_as_wtforms_renders_it(app, formdata, keywords):
    with app.test_request_context():
        form = Everything(formdata=formdata)
        form.validate()  # errors and flags as a re-shown form has them
        for field in form:
            given = dict(getattr(field, "render_kw", None) or {}, **keywords)
            ours = widgets.render(field, dict(given))
            theirs = field.widget(field, **given)
            if ours is not None:
                assert ours == theirs, field.name
            assert str(field(**keywords)) == str(theirs), field.name


def test_the_common_widgets_take_the_fast_path_and_the_rest_do_not(app):
    with app.test_request_context():
        form = Everything()
        fast = {f.name for f in form if widgets.render(f, {}) is not None}
    assert fast == {
        "name",
        "note",
        "day",
        "at",
        "count",
        "secret",
        "body",
        "level",
        "yes",
        "people",
    }
