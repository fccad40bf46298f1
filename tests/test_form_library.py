"""活动形式库: managers keep the forms of activity; adopted forms are offered for new activities,
retired ones label old activities only, a used form is never deleted, and every label follows
the library without costing a page a query."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from intranet.clock import school_today
from intranet.extensions import db
from intranet.formatting import cn_date
from intranet.schedule.models import (
    FORMS,
    LESSON_FORMS,
    SEED_FORMS,
    SEED_LESSON_FORMS,
    Activity,
    LibraryForm,
    Semester,
)
from tests.conftest import as_user, htmx, send

TODAY = school_today()


@pytest.fixture
def school(app, make_staff):
    ids = {
        "manager": make_staff(role="manager", username="guanli", name="徐丽萍"),
        "manager2": make_staff(role="manager", username="guanli2", name="孙建华"),
        "teacher": make_staff(username="t1", name="王晓燕"),
    }
    with app.app_context():
        semester = Semester(
            name="2026-2027学年第一学期",
            start=TODAY - timedelta(days=60),
            end=TODAY + timedelta(days=60),
            is_current=True,
        )
        db.session.add(semester)
        db.session.commit()
        ids["semester"] = semester.id
    return ids


def add_activity(app, school, form, day=TODAY, **fields) -> int:
    with app.app_context():
        activity = Activity(
            semester_id=school["semester"], date=day, theme="活动", form=form, **fields
        )
        db.session.add(activity)
        db.session.commit()
        return activity.id


def entry_id(app, key: str) -> int:
    with app.app_context():
        return db.session.scalar(select(LibraryForm.id).where(LibraryForm.key == key))


def new_row(school, kind: str) -> dict:
    return {
        "semester_id": str(school["semester"]),
        "date": TODAY.isoformat(),
        "level": "school",
        "kind": kind,
        "theme": "同课异构：《秋天的雨》",
        "responsible_id": "",
        "partner_school_id": "",
        "status": "planned",
    }


def toast_of(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def test_upgrade_seeds_the_fixed_forms_under_their_keys(app):
    with app.app_context():
        assert dict(FORMS) == SEED_FORMS
        assert tuple(LESSON_FORMS) == SEED_LESSON_FORMS
        described = db.session.scalars(select(LibraryForm.description)).all()
        assert all(described[:-1])  # every seeded form but 其他 says what it is


def test_manager_adopts_a_suggestion_and_new_activities_offer_it(app, school):
    manager = as_user(app, school["manager"], "/schedule/forms")
    page = manager.get("/schedule/forms").get_data(as_text=True)
    assert "同课异构" in page and "几位教师就同一课题" in page

    r = manager.post(
        "/schedule/forms/adopt", data={"key": "same_topic_lessons", "csrf_token": manager.token}
    )
    assert r.status_code == 303
    page = manager.get("/schedule/forms").get_data(as_text=True)
    assert 'value="same_topic_lessons"' not in page  # no longer offered as a suggestion
    assert "同课异构" in page and "还没有用过" in page

    row = manager.get(f"/schedule/activities/new?semester={school['semester']}", headers=htmx())
    assert '<option value="same_topic_lessons">同课异构</option>' in row.get_data(as_text=True)
    created = send(manager, "POST", "/schedule/activities", new_row(school, "same_topic_lessons"))
    assert created.status_code == 200 and "同课异构" in created.get_data(as_text=True)
    with app.app_context():
        assert "same_topic_lessons" in LESSON_FORMS  # 同课异构 is a lesson: observed, scored


def test_adopting_twice_adds_the_form_once(app, school):
    manager = as_user(app, school["manager"], "/schedule/forms")
    for _ in range(2):
        manager.post(
            "/schedule/forms/adopt", data={"key": "reading_salon", "csrf_token": manager.token}
        )
    with app.app_context():
        count = db.session.scalars(
            select(LibraryForm).where(LibraryForm.key == "reading_salon")
        ).all()
        assert len(count) == 1


def test_manager_adds_a_form_of_their_own(app, school):
    manager = as_user(app, school["manager"], "/schedule/forms")
    data = {"label": "跨学科观课", "description": "语数英老师互相听课", "how": "听课\r\n交流"}
    r = manager.post("/schedule/forms", data={**data, "csrf_token": manager.token})
    assert r.status_code == 303
    with app.app_context():
        entry = db.session.scalar(select(LibraryForm).where(LibraryForm.label == "跨学科观课"))
        assert entry.how == "听课\n交流" and not entry.is_lesson
        assert FORMS[entry.key] == "跨学科观课"


def test_a_name_already_in_the_library_is_refused_with_what_was_typed(app, school):
    manager = as_user(app, school["manager"], "/schedule/forms")
    data = {"label": "专题讲座", "description": "我写的简介", "csrf_token": manager.token}
    r = manager.post("/schedule/forms", data=data)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "形式库里已经有同名的形式。" in page and "我写的简介" in page


def test_retired_form_is_not_offered_but_still_labels_old_activities(app, school):
    old = add_activity(app, school, "reading_exchange", TODAY - timedelta(days=3))
    manager = as_user(app, school["manager"], "/schedule/forms")
    form_id = entry_id(app, "reading_exchange")
    r = send(manager, "POST", f"/schedule/forms/{form_id}/retire")
    assert r.status_code == 200 and "已停用" in r.get_data(as_text=True)

    row = manager.get(f"/schedule/activities/new?semester={school['semester']}", headers=htmx())
    assert 'value="reading_exchange"' not in row.get_data(as_text=True)
    refused = send(manager, "POST", "/schedule/activities", new_row(school, "reading_exchange"))
    assert refused.status_code == 422 and "同课异构" in refused.get_data(as_text=True)
    # The old activity keeps its name and can still be edited with it.
    assert "读书交流" in manager.get(f"/schedule/activities/{old}").get_data(as_text=True)
    edit = manager.get(f"/schedule/activities/{old}/edit", headers=htmx()).get_data(as_text=True)
    assert 'value="reading_exchange" selected' in edit or "读书交流" in edit


def test_renaming_a_form_renames_it_everywhere_at_once(app, school):
    add_activity(app, school, "lecture")
    manager = as_user(app, school["manager"], "/schedule/forms")
    form_id = entry_id(app, "lecture")
    edit = manager.get(f"/schedule/forms/{form_id}/edit", headers=htmx())
    assert edit.status_code == 200 and "<html" not in edit.get_data(as_text=True)
    data = {"label": "专家讲座", "description": "请专家作报告", "how": "", "version": "1"}
    r = send(manager, "PUT", f"/schedule/forms/{form_id}", data)
    assert r.status_code == 200 and toast_of(r) == "已保存"
    assert "专家讲座" in manager.get("/schedule").get_data(as_text=True)


def test_two_managers_renaming_one_form_are_asked_which_name_to_keep(app, school):
    form_id = entry_id(app, "training")
    first = as_user(app, school["manager"], "/schedule/forms")
    second = as_user(app, school["manager2"], "/schedule/forms")
    saw = {"label": "培训", "description": "", "how": "", "version": "1"}
    base = json.dumps({"label": "培训", "description": None, "how": None, "is_lesson": False})
    r = send(first, "PUT", f"/schedule/forms/{form_id}", saw | {"label": "校本培训"})
    assert r.status_code == 200
    r = send(
        second, "PUT", f"/schedule/forms/{form_id}", saw | {"label": "信息技术培训", "base": base}
    )
    assert r.status_code == 409
    body = r.get_data(as_text=True)
    assert "校本培训" in body and "信息技术培训" in body
    assert r.headers["HX-Retarget"] == f"#form-{form_id}"


def test_a_used_form_cannot_be_deleted_an_unused_one_can(app, school):
    add_activity(app, school, "outreach")
    manager = as_user(app, school["manager"], "/schedule/forms")
    used, unused = entry_id(app, "outreach"), entry_id(app, "other")
    page = manager.get("/schedule/forms").get_data(as_text=True)
    assert 'aria-label="删除送教"' not in page and 'aria-label="删除其他"' in page
    r = send(manager, "DELETE", f"/schedule/forms/{used}")
    assert r.status_code == 409 and "不能删除" in toast_of(r)
    assert send(manager, "DELETE", f"/schedule/forms/{unused}").status_code == 200
    with app.app_context():
        assert db.session.get(LibraryForm, used) and not db.session.get(LibraryForm, unused)
        assert "other" not in FORMS


def test_last_used_is_the_latest_activity_of_the_form(app, school):
    add_activity(app, school, "theme_seminar", TODAY - timedelta(days=20))
    add_activity(app, school, "theme_seminar", TODAY - timedelta(days=5))
    add_activity(app, school, "theme_seminar", TODAY, status="cancelled")
    add_activity(app, school, "lecture", TODAY - timedelta(days=40))
    manager = as_user(app, school["manager"], "/schedule/forms")
    page = manager.get("/schedule/forms").get_data(as_text=True)
    seminar = page[page.index("主题研讨</h2>") :]
    last = cn_date(TODAY - timedelta(days=5), False)
    assert f"上次使用：{last}，共 2 次活动" in seminar[:600]


def test_teachers_cannot_change_the_library(app, school):
    teacher = as_user(app, school["teacher"])
    form_id = entry_id(app, "lecture")
    assert teacher.get("/schedule/forms").status_code == 403
    assert send(teacher, "POST", f"/schedule/forms/{form_id}/retire").status_code == 403


def test_labels_cost_no_query_once_read(app, school, count_queries):
    add_activity(app, school, "lecture")
    teacher = as_user(app, school["teacher"])
    teacher.get("/schedule")  # the first page after start reads the library once
    warm = count_queries(teacher, "/schedule")
    with app.app_context():
        db.session.add(LibraryForm(key="k1", label="新形式", description="", how="", position=99))
        db.session.commit()
    assert count_queries(teacher, "/schedule") == warm + 1  # read again after the change
    assert count_queries(teacher, "/schedule") == warm


def test_adopting_an_unknown_suggestion_says_so(app, school):
    manager = as_user(app, school["manager"], "/schedule/forms")
    r = manager.post("/schedule/forms/adopt", data={"key": "nope", "csrf_token": manager.token})
    assert r.status_code == 422 and "没有这条建议" in r.get_data(as_text=True)
