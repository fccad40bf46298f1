"""The shared optimistic lock: what counts as a conflict, and how it reads to the user."""

from datetime import date
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField

from intranet.concurrency import EMPTY, conflicts, display
from intranet.forms import Form, choices


class NoteForm(Form):
    class Meta:
        csrf = False

    title = StringField("标题")
    body = TextAreaField("内容")
    level = SelectField("级别", choices=choices({"school": "校内", "district": "全区"}))
    day = DateField("日期")
    version = HiddenField()


STORED = SimpleNamespace(
    title="原标题", body="第一行\n第二行", level="school", day=date(2025, 3, 5), version=3
)


def typed(app, version, **changes):
    values = {"title": "原标题", "body": "第一行\r\n第二行", "level": "school",
              "day": "2025-03-05", "version": str(version), **changes}  # fmt: skip
    with app.test_request_context():
        return NoteForm(formdata=MultiDict(values)), NoteForm(formdata=None, obj=STORED)


def test_a_current_form_is_never_a_conflict(app):
    form, stored = typed(app, 3, title="我改的标题")
    with app.test_request_context():
        assert conflicts(form, stored, STORED) == []


def test_an_old_form_that_agrees_with_what_is_stored_loses_nothing(app):
    form, stored = typed(app, 2)  # same text; only line endings and spaces differ
    with app.test_request_context():
        assert conflicts(form, stored, STORED) == []


@pytest.mark.parametrize("version", ["2", "", "abc"])
def test_an_old_form_that_differs_shows_both_values_and_becomes_current(app, version):
    form, stored = typed(app, version, title="我改的标题", level="district")
    with app.test_request_context():
        changes = conflicts(form, stored, STORED)
    assert [(c.label, c.theirs, c.mine) for c in changes] == [
        ("标题", "原标题", "我改的标题"),
        ("级别", "校内", "全区"),
    ]
    assert form.version.data == 3, "saving again must keep the user's text on purpose"


def test_values_read_like_the_user_wrote_them(app):
    form, stored = typed(app, 3, title="  ")
    with app.test_request_context():
        assert display(stored.day) == "2025年3月5日 周三"
        assert display(stored.level) == "校内"
        assert display(form.title) == EMPTY
