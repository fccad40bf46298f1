"""The one save protocol: a three-way merge by field, so nobody's saved edit is reverted, and the
fields both people changed come back side by side with a choice each."""

import html
import re
from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DateField, SelectField, StringField, TextAreaField

from intranet.clock import school_today
from intranet.concurrency import EMPTY, Versioned, display, merge, saved_text
from intranet.extensions import db
from intranet.forms import Form, choices
from intranet.mentoring.models import DevelopmentPlan
from tests.conftest import as_user, htmx, send
from tests.test_mentoring import studio as studio  # a fixture
from tests.test_schedule import add_activity, row_values, stored
from tests.test_schedule import school as school  # a fixture


class NoteForm(Versioned, Form):
    class Meta:
        csrf = False

    title = StringField("标题")
    body = TextAreaField("内容")
    level = SelectField("级别", choices=choices({"school": "校内", "district": "全区"}))
    day = DateField("日期")


STARTED = SimpleNamespace(
    title="原标题", body="第一行\n第二行", level="school", day=date(2025, 3, 5), version=3
)


def forms(app, theirs: dict, mine: dict, base=True):
    """The user's form, started from STARTED and changed by `mine`, and the stored form after
    someone else saved `theirs` over STARTED."""
    with app.test_request_context():
        started = NoteForm.of(STARTED)
        sent = {
            "title": "原标题",
            "body": "第一行\r\n第二行",
            "level": "school",
            "day": "2025-03-05",
            "version": "3",
            **mine,
        }
        if base:
            sent["base"] = started.base.data
        typed = NoteForm(formdata=MultiDict(sent))
        now = SimpleNamespace(**{**vars(STARTED), **theirs, "version": 4})
        return typed, NoteForm.of(now)


def test_the_base_travels_as_a_short_digest_of_what_the_user_saw(app):
    """A 4,000-character text is in the form once: the base holds a few characters per field."""
    long = SimpleNamespace(**{**vars(STARTED), "body": "长" * 4000})
    with app.test_request_context():
        form, other = NoteForm.of(STARTED), NoteForm.of(long)
    assert len(form.base.data) == len(other.base.data) < 60
    assert "原标题" not in form.base.data
    assert form.base.data != other.base.data, "a different text is a different base"
    assert form.version.data == 3


def test_fields_only_the_other_side_changed_are_taken_without_a_question(app):
    typed, stored = forms(app, theirs={"title": "甲改的标题"}, mine={"level": "district"})
    with app.test_request_context():
        clashes, taken = merge(typed, stored)
    assert clashes == []
    assert taken == ["标题"]
    assert typed.title.data == "甲改的标题", "the other's save is kept, not reverted"
    assert typed.level.data == "district", "and the user's own change stays"


def test_only_fields_both_changed_differently_are_questions(app):
    typed, stored = forms(
        app,
        theirs={"title": "甲的标题", "body": "甲的内容"},
        mine={"title": "乙的标题", "body": "甲的内容", "day": "2025-03-06"},
    )
    with app.test_request_context():
        clashes, _ = merge(typed, stored)
    assert [(c.name, c.label, c.theirs, c.mine) for c in clashes] == [
        ("title", "标题", "甲的标题", "乙的标题")
    ]
    assert typed.title.data == "乙的标题", "the user's text stays in the form"
    assert typed.day.data == date(2025, 3, 6)


def test_without_a_base_every_difference_is_a_question(app):
    """A page from before the base existed: nothing can be told apart, so nothing is guessed."""
    typed, stored = forms(app, theirs={"title": "甲的标题"}, mine={"level": "district"}, base=False)
    with app.test_request_context():
        clashes, taken = merge(typed, stored)
    assert {c.name for c in clashes} == {"title", "level"} and taken == []


def test_line_endings_and_spaces_are_not_changes(app):
    typed, stored = forms(app, theirs={}, mine={"title": " 原标题 "})
    with app.test_request_context():
        assert merge(typed, stored) == ([], [])


def test_the_toast_names_what_was_kept_from_the_other_save():
    assert saved_text([]) == "已保存"
    assert saved_text(["主题", "主题", "地点"]) == "已保存，并保留了别人对主题、地点的修改"


@pytest.mark.parametrize(
    "garbage", ["", "not a base", "[1, 2]", "a.b.c.d.e", '{"title": "原标题"}']
)
def test_a_broken_base_is_treated_as_no_base(app, garbage):
    typed, stored = forms(app, theirs={"title": "甲的标题"}, mine={})
    typed.base.data = garbage
    with app.test_request_context():
        clashes, _ = merge(typed, stored)
    assert [c.name for c in clashes] == ["title"]


def test_values_read_like_the_user_wrote_them(app):
    typed, stored = forms(app, theirs={}, mine={"title": "  "})
    with app.test_request_context():
        assert display(stored.day) == "2025年3月5日 周三"
        assert display(stored.level) == "校内"
        assert display(typed.title) == EMPTY


# --- the protocol through the routes: the exact sequence two managers met ---------------------

BASE = re.compile(r'name="base" type="hidden" value="([^"]*)"')


def add_row(app, school) -> int:
    """A row stored exactly as `row_values` would save it."""
    return add_activity(
        app,
        school,
        start_time=time(9, 0),
        end_time=time(9, 40),
        place="录播教室",
        procedure="执教\n评课",
    )


def base_of(client, url) -> str:
    """The base the edit form carries, as the browser would send it back."""
    return html.unescape(BASE.search(client.get(url, headers=htmx()).get_data(as_text=True))[1])


def test_row_saved_from_an_old_version_keeps_the_other_managers_theme(app, school):
    activity_id = add_row(app, school)
    url = f"/schedule/activities/{activity_id}"
    first, second = as_user(app, school["manager"]), as_user(app, school["manager2"])
    base = base_of(second, url + "/edit")  # B opens the row first
    assert send(first, "PUT", url, row_values(school, 1, theme="甲改的主题")).status_code == 200

    r = send(second, "PUT", url, row_values(school, 1, place="礼堂", base=base))
    assert r.status_code == 200, "a field only B changed is no conflict"
    assert "别人对主题的修改" in r.headers["HX-Trigger"].encode().decode("unicode_escape")
    saved = stored(app, activity_id)
    assert (saved.theme, saved.place) == ("甲改的主题", "礼堂"), "A's theme is not reverted"


def test_row_conflict_asks_only_about_the_field_both_changed(app, school):
    activity_id = add_row(app, school)
    url = f"/schedule/activities/{activity_id}"
    first, second = as_user(app, school["manager"]), as_user(app, school["manager2"])
    base = base_of(second, url + "/edit")
    send(first, "PUT", url, row_values(school, 1, theme="甲改的主题", place="录播教室"))

    r = send(second, "PUT", url, row_values(school, 1, theme="乙改的主题", place="礼堂", base=base))
    assert r.status_code == 409 and r.headers["HX-Retarget"] == f"#activity-{activity_id}"
    body = r.get_data(as_text=True)
    table = body[body.index("conflict-table") : body.index("</table>")]
    assert "甲改的主题" in table and "乙改的主题" in table
    assert "地点" not in table and "礼堂" not in table, "a field only B changed is no question"
    assert 'name="choose-theme"' in table
    assert stored(app, activity_id).theme == "甲改的主题", "nothing was overwritten"

    # B takes A's theme: the form B sees now stands on version 2 and its base.
    again = row_values(
        school,
        2,
        theme="乙改的主题",
        place="礼堂",
        base=html.unescape(BASE.search(body)[1]),
        **{"choose-theme": "theirs"},
    )
    assert send(second, "PUT", url, again).status_code == 200
    saved = stored(app, activity_id)
    assert (saved.theme, saved.place) == ("甲改的主题", "礼堂")


def test_plan_saved_from_an_old_version_keeps_the_other_sides_years(app, studio):
    """The same protocol on another record: a development plan, its owner and a manager."""
    owner, manager = as_user(app, studio["apprentice"]), as_user(app, studio["manager"])
    url = f"/mentoring/plans/{studio['apprentice']}"
    send(owner, "POST", url, {"start_year": "2026", "end_year": "2028", "goals": "三年成为骨干"})
    base = base_of(owner, url)
    with app.app_context():
        version = db.session.scalar(db.select(DevelopmentPlan.version))
    send(
        manager,
        "POST",
        url,
        {
            "start_year": "2026",
            "end_year": "2029",
            "goals": "三年成为骨干",
            "version": version,
            "base": base_of(manager, url),
        },
    )

    r = send(
        owner,
        "POST",
        url,
        {
            "start_year": "2026",
            "end_year": "2028",
            "version": version,
            "goals": "三年成为区级骨干",
            "base": base,
        },
    )
    assert r.status_code == 200
    with app.app_context():
        plan = db.session.scalar(db.select(DevelopmentPlan))
        assert (plan.end_year, plan.goals) == (2029, "三年成为区级骨干")


def _input_value(body: str, name: str) -> str:
    found = re.search(rf'<input [^>]*name="{name}"[^>]*>', body)
    assert found, f"no input {name}"
    return html.unescape(re.search(r'value="([^"]*)"', found[0])[1])


def test_a_date_merged_into_a_409_form_is_shown_and_saved_as_the_colleague_left_it(app, school):
    """A moves the row to tomorrow and renames it; B, who opened the row before, renames it
    too. B's 409 says what only A changed "已经合并到表单中", and the form's date is A's day
    internally, but the date input B sees still shows B's old day (WTForms renders a date
    field from what was posted, not from the merged data). B answers the theme question and
    presses 保存 on the form as shown: the activity moves back, A's date silently reverted."""
    activity_id = add_row(app, school)
    url = f"/schedule/activities/{activity_id}"
    first, second = as_user(app, school["manager"]), as_user(app, school["manager2"])
    base = base_of(second, url + "/edit")  # B opens the row first
    moved = (school_today() + timedelta(days=1)).isoformat()
    a_saves = row_values(school, 1, theme="甲改的主题", date=moved, start_time="08:30")
    assert send(first, "PUT", url, a_saves).status_code == 200

    r = send(second, "PUT", url, row_values(school, 1, theme="乙改的主题", base=base))
    assert r.status_code == 409
    body = r.get_data(as_text=True)
    assert "已经合并到表单中" in body
    shown_date, shown_start = _input_value(body, "date"), _input_value(body, "start_time")

    # B keeps their theme and saves the form exactly as it is shown.
    again = row_values(
        school,
        2,
        theme="乙改的主题",
        date=shown_date,
        start_time=shown_start,
        base=html.unescape(BASE.search(body)[1]),
        **{"choose-theme": "mine"},
    )
    assert send(second, "PUT", url, again).status_code == 200
    saved = stored(app, activity_id)
    assert (saved.date.isoformat(), saved.theme) == (moved, "乙改的主题"), "A's move reverted"
    assert (shown_date, shown_start) == (moved, "08:30"), "the 409 form shows B's old day"
