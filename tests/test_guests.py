"""外校来宾: teachers from other schools check in to a 片区 or 全区 activity by its QR code
without an account, once per name and school; managers list, export and delete them."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from intranet.clock import school_today
from intranet.extensions import db, limiter
from intranet.people.models import Staff
from intranet.schedule import services
from intranet.schedule.models import Activity, Guest, PartnerSchool, Semester
from tests.conftest import as_user, csrf_token, htmx, send

TODAY = school_today()


@pytest.fixture(autouse=True)
def fresh_rate_limits(app):
    """Rate limits are counted in the process's memory: each test starts with none used."""
    with app.app_context():
        limiter.reset()


@pytest.fixture
def school(app, make_staff):
    ids = {
        "manager": make_staff(role="manager", username="guanli", name="徐丽萍"),
        "teacher": make_staff(username="t1", name="王晓燕"),
        "leader": make_staff(role="leader", username="ld", name="陈校长"),
    }
    with app.app_context():
        semester = Semester(
            name="2026-2027学年第一学期",
            start=TODAY - timedelta(days=60),
            end=TODAY + timedelta(days=60),
            is_current=True,
        )
        partner = PartnerSchool(name="程桥中心小学", cluster="程桥片")
        db.session.add_all([semester, partner])
        db.session.commit()
        ids |= {"semester": semester.id, "partner": partner.id}
    return ids


def add_activity(app, school, **fields) -> int:
    with app.app_context():
        values = {
            "date": TODAY,
            "theme": "片区主题研讨：整本书阅读",
            "level": "cluster",
            "form": "theme_seminar",
            **fields,
        }
        activity = Activity(semester_id=school["semester"], **values)
        db.session.add(activity)
        db.session.commit()
        return activity.id


def checkin_url(app, activity_id, code=None) -> str:
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        code = services.checkin_code(activity) if code is None else code
        return f"/schedule/checkin/{activity.checkin_token}?code={code}"


def guest_post(app, activity_id, client=None, code=None, **fields):
    """A visitor without an account: opens the link (for the CSRF token), sends the form."""
    client = client or app.test_client()
    url = checkin_url(app, activity_id, code)
    token = csrf_token(client, checkin_url(app, activity_id))
    path, query = url.split("?")
    data = {"name": "李明", "school": "程桥中心小学", "subject": "语文", "csrf_token": token}
    data |= fields
    return client.post(f"{path}/guest?{query}", data=data, headers=htmx())


def guests(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(Guest.name, Guest.school, Guest.partner_school_id, Guest.subject)
        ).all()


def test_guest_without_account_sees_the_guest_form_on_a_cluster_activity(app, school):
    activity_id = add_activity(app, school)
    r = app.test_client().get(checkin_url(app, activity_id))
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "外校老师签到" in body and 'name="csrf_token"' in body
    assert '<option value="程桥中心小学">' in body  # the partner list to choose from


def test_guest_checks_in_and_is_kept_with_the_activity_not_as_an_account(app, school):
    activity_id = add_activity(app, school)
    with app.app_context():
        accounts = db.session.scalar(select(func.count(Staff.id)))
    r = guest_post(app, activity_id)
    assert r.status_code == 200
    assert "签到成功" in r.get_data(as_text=True) and b"<html" not in r.data
    assert guests(app) == [("李明", "程桥中心小学", school["partner"], "语文")]
    with app.app_context():
        assert db.session.scalar(select(Guest.activity_id)) == activity_id
        assert db.session.scalar(select(Guest.checked_in_at)) is not None
        assert db.session.scalar(select(func.count(Staff.id))) == accounts


def test_a_typed_school_is_kept_as_typed(app, school):
    activity_id = add_activity(app, school, level="district")
    assert guest_post(app, activity_id, school="  六合区  教师进修学校 ").status_code == 200
    assert guests(app) == [("李明", "六合区 教师进修学校", None, "语文")]


def test_guest_checking_in_twice_is_counted_once_and_told_so(app, school):
    activity_id = add_activity(app, school)
    guest_post(app, activity_id)
    r = guest_post(app, activity_id, name=" 李明 ", subject="数学")
    assert r.status_code == 200 and "您已经签到过了" in r.get_data(as_text=True)
    assert len(guests(app)) == 1
    guest_post(app, activity_id, school="竹镇中心小学")  # a namesake from another school
    assert len(guests(app)) == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "请填写姓名。"),
        ({"name": "   "}, "请填写姓名。"),
        ({"school": ""}, "请填写学校。"),
        ({"name": "李" * 21}, "姓名不能超过 20 个字。"),
        ({"school": "校" * 41}, "学校不能超过 40 个字。"),
        ({"subject": "学" * 21}, "任教学科不能超过 20 个字。"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_kept(app, school, fields, message):
    activity_id = add_activity(app, school)
    r = guest_post(app, activity_id, **({"name": "张<b>华</b>", "subject": "科学"} | fields))
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and message in body
    kept = fields.get("subject", "科学")
    assert f'value="{kept}"' in body, "what the guest typed is still in the form"
    assert "<b>华" not in body
    assert guests(app) == []


def test_without_csrf_token_nothing_is_stored(app, school):
    activity_id = add_activity(app, school)
    url = checkin_url(app, activity_id).replace("?", "/guest?")
    r = app.test_client().post(url, data={"name": "李明", "school": "程桥中心小学"})
    assert r.status_code == 400
    assert guests(app) == []


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({}, "forged", "签到码已失效"),
        ({"date": TODAY - timedelta(days=1)}, None, "签到只在活动当天"),
        ({"status": "cancelled"}, None, "已取消"),
        ({"level": "school"}, None, "校内活动"),
    ],
)
def test_guest_checkin_follows_the_code_rules(app, school, fields, code, message):
    activity_id = add_activity(app, school, **fields)
    client = app.test_client()
    if fields.get("level") == "school":
        client.get("/login")  # the school's own activity has no guest form to take a token from
        token = csrf_token(client, "/login")
        path, query = checkin_url(app, activity_id).split("?")
        r = client.post(
            f"{path}/guest?{query}",
            data={"name": "李明", "school": "程桥中心小学", "csrf_token": token},
        )
    else:
        r = guest_post(app, activity_id, client=client, code=code)
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert guests(app) == []


def test_a_code_shown_before_the_date_moved_no_longer_checks_a_guest_in(app, school):
    activity_id = add_activity(app, school, date=TODAY + timedelta(days=1))
    old_code = checkin_url(app, activity_id).split("code=")[1]
    with app.app_context():
        db.session.get(Activity, activity_id).date = TODAY
        db.session.commit()
    r = guest_post(app, activity_id, code=old_code)
    assert r.status_code == 422 and "签到码已失效" in r.get_data(as_text=True)


def test_a_school_activity_asks_for_login_and_offers_no_guest_form(app, school):
    activity_id = add_activity(app, school, level="school")
    r = app.test_client().get(checkin_url(app, activity_id))
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_a_colleague_logged_in_still_checks_in_as_themself(app, school):
    activity_id = add_activity(app, school)
    teacher = as_user(app, school["teacher"])
    body = teacher.get(checkin_url(app, activity_id)).get_data(as_text=True)
    assert "以 王晓燕 的身份签到" in body and "外校老师签到" not in body


def test_guest_checkins_are_rate_limited_per_address(app, school):
    activity_id = add_activity(app, school)
    client = app.test_client()
    codes = [
        guest_post(app, activity_id, client=client, name=f"老师{i}").status_code for i in range(31)
    ]
    assert codes[:30] == [200] * 30 and codes[30] == 429


# --- managers --------------------------------------------------------------------------------


def test_manager_sees_the_activity_guests_count_and_list(app, school):
    activity_id = add_activity(app, school)
    guest_post(app, activity_id)
    guest_post(app, activity_id, name="赵强", school="竹镇中心小学", subject="数学")
    manager = as_user(app, school["manager"])
    page = manager.get(f"/schedule/activities/{activity_id}").get_data(as_text=True)
    assert f"/schedule/activities/{activity_id}/guests" in page
    body = manager.get(f"/schedule/activities/{activity_id}/guests").get_data(as_text=True)
    assert "2 人" in body and "李明" in body and "竹镇中心小学" in body


def test_a_teacher_sees_no_guests(app, school):
    activity_id = add_activity(app, school)
    guest_post(app, activity_id)
    teacher = as_user(app, school["teacher"])
    page = teacher.get(f"/schedule/activities/{activity_id}").get_data(as_text=True)
    assert "外校来宾" not in page
    assert teacher.get(f"/schedule/activities/{activity_id}/guests").status_code == 403
    assert teacher.get("/schedule/guests/export.xlsx").status_code == 403


def test_export_of_a_semester_keeps_formula_like_names_as_text(app, school):
    activity_id = add_activity(app, school)
    guest_post(app, activity_id, name='=HYPERLINK("a")', school="+程桥", subject="-1")
    guest_post(app, activity_id, name="赵强", school="@竹镇")
    manager = as_user(app, school["manager"])
    assert "HYPERLINK" in manager.get("/schedule/guests").get_data(as_text=True)
    r = manager.get(f"/schedule/guests/export.xlsx?semester={school['semester']}")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = list(sheet.iter_rows(min_row=2))
    assert [row[3].value for row in rows] == ['=HYPERLINK("a")', "赵强"]
    assert all(cell.data_type != "f" for row in rows for cell in row)
    assert rows[0][4].value == "+程桥" and rows[0][5].value == "-1"


def test_manager_deletes_a_semester_guests_after_confirming(app, school):
    activity_id = add_activity(app, school)
    guest_post(app, activity_id)
    guest_post(app, activity_id, name="赵强")
    with app.app_context():  # another semester's guests stay
        other = Semester(
            name="2025-2026学年第二学期",
            start=TODAY - timedelta(days=200),
            end=TODAY - timedelta(days=61),
        )
        db.session.add(other)
        db.session.flush()
        old = Activity(semester_id=other.id, date=other.start, theme="旧活动", level="district")
        db.session.add(old)
        db.session.flush()
        db.session.add(Guest(activity_id=old.id, name="孙老师", school="马集镇中心小学"))
        db.session.commit()
    manager = as_user(app, school["manager"], "/schedule/guests")
    url = "/schedule/guests/delete"
    r = send(manager, "POST", url, {"semester": school["semester"]})
    assert r.status_code == 422 and "请先勾选确认" in r.get_data(as_text=True)
    assert len(guests(app)) == 3
    r = send(manager, "POST", url, {"semester": school["semester"], "confirm": "yes"})
    assert r.status_code == 200 and "已删除" in r.headers["HX-Trigger"].encode().decode(
        "unicode_escape"
    )
    assert [g[0] for g in guests(app)] == ["孙老师"]


def test_deleting_guests_needs_a_manager_and_csrf(app, school):
    activity_id = add_activity(app, school)
    guest_post(app, activity_id)
    data = {"semester": school["semester"], "confirm": "yes"}
    leader = as_user(app, school["leader"])
    assert send(leader, "POST", "/schedule/guests/delete", data).status_code == 403
    manager = as_user(app, school["manager"])
    assert manager.post("/schedule/guests/delete", data=data).status_code == 400
    assert len(guests(app)) == 1
