"""The semester schedule: inline editing without lost work, validation, undo, plan counts,
copying a plan, check-in, attendance, records, calendar feeds and the 一览表."""

import io
import re
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from intranet.clock import school_now, school_today
from intranet.extensions import db
from intranet.people.models import ExternalMentor, Staff
from intranet.schedule import services
from intranet.schedule.models import (
    Activity,
    Attendance,
    LibraryForm,
    PartnerSchool,
    PlanTarget,
    Semester,
)
from tests.conftest import as_user, csrf_token, htmx, send

TODAY = school_today()


@pytest.fixture
def school(app, make_staff):
    """A current semester around today, a partner school, and the people who use the schedule."""
    ids = {
        "manager": make_staff(role="manager", username="guanli", name="徐丽萍"),
        "manager2": make_staff(role="manager", username="guanli2", name="孙建华"),
        "teacher": make_staff(username="t1", name="王晓燕"),
        "responsible": make_staff(username="t2", name="顾雅琴"),
    }
    with app.app_context():
        semester = Semester(
            name="2026-2027学年第一学期",
            start=TODAY - timedelta(days=60),
            end=TODAY + timedelta(days=60),
            is_current=True,
        )
        partner = PartnerSchool(name="程桥中心小学", cluster="程桥片")
        expert = ExternalMentor(name="沈国梁", organisation="六合区教育局教研室")
        db.session.add_all([semester, partner, expert])
        db.session.commit()
        ids |= {"semester": semester.id, "partner": partner.id, "expert": expert.id}
    return ids


def add_activity(app, school, **fields) -> int:
    with app.app_context():
        values = {
            "date": TODAY,
            "theme": "名师展示课：《秋天的雨》",
            "level": "school",
            "form": "demo_lesson",
            "responsible_id": school["responsible"],
            **fields,
        }
        activity = Activity(semester_id=school["semester"], **values)
        db.session.add(activity)
        db.session.commit()
        return activity.id


def row_values(school, version, **changes) -> dict:
    return {
        "date": TODAY.isoformat(),
        "start_time": "09:00",
        "end_time": "09:40",
        "place": "录播教室",
        "level": "school",
        "kind": "demo_lesson",
        "theme": "名师展示课：《秋天的雨》",
        "procedure": "执教\n评课",
        "responsible_id": str(school["responsible"]),
        "partner_school_id": "",
        "status": "planned",
        "version": str(version),
        **changes,
    }


def stored(app, activity_id) -> Activity:
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        db.session.expunge(activity)
        return activity


# --- inline editing ---------------------------------------------------------------------


def test_manager_saves_a_row_and_gets_the_row_back(app, school):
    activity_id = add_activity(app, school)
    manager = as_user(app, school["manager"])
    edit = manager.get(f"/schedule/activities/{activity_id}/edit", headers=htmx())
    assert b'name="version"' in edit.data and b"<html" not in edit.data

    data = row_values(
        school,
        1,
        theme="新主题",
        presenter_ids=[str(school["teacher"])],
        external_presenter_ids=[str(school["expert"])],
    )
    r = send(manager, "PUT", f"/schedule/activities/{activity_id}", data)
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert f'id="activity-{activity_id}"' in body and "<html" not in body
    assert "新主题" in body and "王晓燕、沈国梁" in body
    assert "已保存" in r.headers["HX-Trigger"].encode().decode("unicode_escape")
    saved = stored(app, activity_id)
    assert (saved.theme, saved.start_time, saved.version) == ("新主题", time(9, 0), 2)


def test_manager_sees_conflict_when_row_changed(app, school):
    activity_id = add_activity(app, school)
    first, second = as_user(app, school["manager"]), as_user(app, school["manager2"])
    assert (
        send(
            first,
            "PUT",
            f"/schedule/activities/{activity_id}",
            row_values(school, 1, theme="甲老师的主题"),
        ).status_code
        == 200
    )

    r = send(
        second,
        "PUT",
        f"/schedule/activities/{activity_id}",
        row_values(school, 1, theme="乙老师的主题"),
    )
    assert r.status_code == 409
    assert r.headers["HX-Retarget"] == f"#activity-{activity_id}"
    body = r.get_data(as_text=True)
    assert "甲老师的主题" in body and "乙老师的主题" in body, "both versions are shown"
    assert stored(app, activity_id).theme == "甲老师的主题", "nothing was overwritten"
    assert 'name="version" type="hidden" value="2"' in body

    keep_mine = send(
        second,
        "PUT",
        f"/schedule/activities/{activity_id}",
        row_values(school, 2, theme="乙老师的主题"),
    )
    assert keep_mine.status_code == 200
    assert stored(app, activity_id).theme == "乙老师的主题"


def test_a_save_racing_another_between_check_and_write_is_a_conflict(app, school):
    """The row changes after the version check passed: the UPDATE matches nothing (409)."""
    activity_id = add_activity(app, school)
    manager = as_user(app, school["manager"])

    def someone_else_saves(session, *_):
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE activity SET theme = '别人刚保存', version = version + 1 WHERE id = :id"
                ),
                {"id": activity_id},
            )

    event.listen(Session, "before_flush", someone_else_saves, once=True)
    try:
        r = send(
            manager,
            "PUT",
            f"/schedule/activities/{activity_id}",
            row_values(school, 1, theme="我的主题"),
        )
    finally:
        if event.contains(Session, "before_flush", someone_else_saves):
            event.remove(Session, "before_flush", someone_else_saves)
    assert r.status_code == 409
    body = r.get_data(as_text=True)
    assert "别人刚保存" in body and "我的主题" in body
    assert stored(app, activity_id).theme == "别人刚保存"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start_time": "10:00", "end_time": "09:00"}, "结束时间要晚于开始时间"),
        ({"theme": "   "}, "请填写活动主题"),
        ({"level": "cluster"}, "片区活动要选择结对学校"),
        ({"date": (TODAY + timedelta(days=365)).isoformat()}, "日期不在2026-2027学年第一学期内"),
        ({"date": "明天"}, "请按“年-月-日”填写日期"),
        ({"start_time": "25:99"}, "请按“时:分”填写时间"),
        ({"responsible_id": "999999"}, "责任人要从在职教师中选择"),
        ({"responsible_id": "张三"}, "责任人要从在职教师中选择"),
        ({"presenter_ids": ["999999"]}, "主讲人要从在职教师中选择"),
        ({"presenter_ids": ["abc"]}, "主讲人要从在职教师中选择"),
        ({"theme": "长" * 121}, "主题不能超过 120 个字"),
    ],
)
def test_invalid_row_gets_422_with_the_message_beside_the_field(app, school, changes, message):
    activity_id = add_activity(app, school)
    manager = as_user(app, school["manager"])
    data = row_values(school, 1, procedure="这是我刚输入的程序", **changes)
    r = send(manager, "PUT", f"/schedule/activities/{activity_id}", data)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert message in body
    assert "这是我刚输入的程序" in body, "what was typed stays in the row"
    assert stored(app, activity_id).version == 1


def test_cluster_activity_with_a_partner_school_is_saved(app, school):
    activity_id = add_activity(app, school)
    manager = as_user(app, school["manager"])
    data = row_values(
        school, 1, level="cluster", kind="theme_seminar", partner_school_id=str(school["partner"])
    )
    r = send(manager, "PUT", f"/schedule/activities/{activity_id}", data)
    assert r.status_code == 200 and "程桥中心小学" in r.get_data(as_text=True)


@pytest.mark.parametrize("who", ["manager", "responsible", "teacher"])
def test_a_row_reads_the_same_in_the_page_as_alone(app, school, who):
    """The page reads its rows as plain values, a row alone (after a save) from the mapped
    activity: both show the same cells, people and buttons."""
    activity_id = add_activity(
        app,
        school,
        date=TODAY - timedelta(days=1),
        start_time=time(9, 0),
        end_time=time(9, 40),
        place="录播教室",
        level="cluster",
        partner_school_id=school["partner"],
    )
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        activity.presenters = [db.session.get(Staff, school["teacher"])]
        activity.external_presenters = [db.session.get(ExternalMentor, school["expert"])]
        db.session.add(
            Attendance(activity_id=activity_id, staff_id=school["teacher"], status="present")
        )
        db.session.commit()
    client = as_user(app, school[who])
    row = re.compile(rf'<tr id="activity-{activity_id}".*?</tr>', re.S)
    page = client.get(f"/schedule?semester={school['semester']}&offset=0").get_data(True)
    alone = client.get(f"/schedule/activities/{activity_id}", headers=htmx()).get_data(True)
    in_page, by_itself = row.search(page)[0], row.search(alone)[0]
    assert in_page == by_itself
    for shown in ("程桥中心小学", "顾雅琴", "王晓燕、沈国梁", "录播教室", "09:00–09:40", "片区"):
        assert shown in in_page


def test_responsible_person_edits_own_row_and_teachers_only_read(app, school):
    own = add_activity(app, school)
    other = add_activity(app, school, responsible_id=school["teacher"])
    responsible = as_user(app, school["responsible"])
    assert (
        send(
            responsible,
            "PUT",
            f"/schedule/activities/{own}",
            row_values(school, 1, theme="我负责的"),
        ).status_code
        == 200
    )
    r = send(
        responsible, "PUT", f"/schedule/activities/{other}", row_values(school, 1, theme="越权修改")
    )
    assert r.status_code == 403
    assert stored(app, other).theme != "越权修改"
    page = responsible.get("/schedule").get_data(as_text=True)
    assert page.count("data-edit-url") == 1, "only the own row opens for editing"
    assert "删除" not in page and "新增一行" not in page


def test_form_fields_never_change_what_a_form_does_not_list(app, school):
    activity_id = add_activity(app, school)
    before = stored(app, activity_id)
    manager = as_user(app, school["manager"])
    data = row_values(
        school,
        1,
        checkin_token="forged",
        semester_id="999",
        summary="伪造",
        deleted_at="2020-01-01",
    )
    assert send(manager, "PUT", f"/schedule/activities/{activity_id}", data).status_code == 200
    after = stored(app, activity_id)
    assert (after.checkin_token, after.semester_id, after.summary, after.deleted_at) == (
        before.checkin_token,
        before.semester_id,
        "",
        None,
    )


def test_new_row_is_created_and_invalid_one_keeps_its_place(app, school):
    manager = as_user(app, school["manager"])
    blank = manager.get(f"/schedule/activities/new?semester={school['semester']}", headers=htmx())
    assert b"activity-new-" in blank.data and b"autofocus" in blank.data
    data = row_values(school, "", theme="", uid="abc123", semester_id=str(school["semester"]))
    bad = send(manager, "POST", "/schedule/activities", data)
    assert bad.status_code == 422 and b'id="activity-new-abc123"' in bad.data
    data["theme"] = "新增的集体备课"
    good = send(manager, "POST", "/schedule/activities", data)
    assert good.status_code == 200
    with app.app_context():
        created = db.session.scalar(select(Activity).where(Activity.theme == "新增的集体备课"))
        assert created.semester_id == school["semester"]
    assert f'id="activity-{created.id}"'.encode() in good.data


def test_delete_hides_the_row_and_undo_brings_it_back(app, school):
    activity_id = add_activity(app, school, theme="要删除的活动")
    manager = as_user(app, school["manager"])
    r = send(manager, "DELETE", f"/schedule/activities/{activity_id}")
    assert r.status_code == 200 and "撤销" in r.get_data(as_text=True)
    assert "要删除的活动" not in manager.get("/schedule", headers=htmx()).get_data(as_text=True)
    assert manager.get(f"/schedule/activities/{activity_id}").status_code == 404

    r = send(manager, "POST", f"/schedule/activities/{activity_id}/restore")
    assert r.status_code == 200
    assert "要删除的活动" in manager.get("/schedule", headers=htmx()).get_data(as_text=True)


# --- reading the schedule ---------------------------------------------------------------


def test_filters_narrow_the_schedule_and_htmx_gets_a_fragment(app, school):
    add_activity(app, school, theme="校内展示")
    add_activity(
        app,
        school,
        theme="片区研讨",
        level="cluster",
        form="theme_seminar",
        partner_school_id=school["partner"],
    )
    teacher = as_user(app, school["teacher"])
    r = teacher.get("/schedule?level=cluster", headers=htmx())
    body = r.get_data(as_text=True)
    assert "片区研讨" in body and "校内展示" not in body and "<html" not in body
    assert "HX-Request" in r.headers["Vary"]
    page = teacher.get(f"/schedule?partner={school['partner']}").get_data(as_text=True)
    assert "<html" in page and "片区研讨" in page and "校内展示" not in page
    calendar = teacher.get("/schedule?view=calendar").get_data(as_text=True)
    assert 'class="calendar"' in calendar and "校内展示" in calendar


def test_schedule_query_count_does_not_grow_with_rows(app, school, count_queries):
    teacher = as_user(app, school["teacher"])

    def add(n):
        with app.app_context():
            presenter = db.session.get(Staff, school["teacher"])
            expert = db.session.get(ExternalMentor, school["expert"])
            db.session.add_all(
                Activity(
                    semester_id=school["semester"],
                    date=TODAY + timedelta(days=i % 50),
                    theme=f"活动{i}",
                    responsible_id=school["responsible"],
                    level="cluster",
                    partner_school_id=school["partner"],
                    presenters=[presenter],
                    external_presenters=[expert],
                )
                for i in range(n)
            )
            db.session.commit()

    add(10)
    ten = count_queries(teacher, "/schedule")
    add(190)
    assert count_queries(teacher, "/schedule") == ten


def test_plan_progress_shows_planned_held_and_remaining(app, school):
    with app.app_context():
        db.session.add(
            PlanTarget(semester_id=school["semester"], level="school", form="demo_lesson", count=3)
        )
        db.session.commit()
    add_activity(app, school, status="done")
    add_activity(app, school, status="planned")
    add_activity(app, school, status="cancelled")
    page = as_user(app, school["teacher"]).get("/schedule").get_data(as_text=True)
    assert "校内·展示课" in page
    assert "计划 3 · 已安排 2 · 已完成 1 · 尚余 <strong>2</strong>" in page


def test_print_and_excel_hold_the_whole_plan(app, school):
    add_activity(app, school, theme="主题甲", procedure="第一步\n第二步")
    add_activity(app, school, theme="主题乙", level="district", form="outreach")
    teacher = as_user(app, school["teacher"])
    printed = teacher.get("/schedule/print").get_data(as_text=True)
    assert "活动安排一览表" in printed and "主题甲" in printed and "主题乙" in printed
    r = teacher.get("/schedule/export.xlsx")
    assert r.status_code == 200
    assert "attachment" in r.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(r.data))
    sheet = book["学期活动安排"]
    assert [c.value for c in sheet[2]][:7] == [
        "序号",
        "日期",
        "时间",
        "地点",
        "级别",
        "形式",
        "主题",
    ]
    themes = {row[6] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert themes == {"主题甲", "主题乙"}
    assert "计划与完成" in book.sheetnames


# --- planning ---------------------------------------------------------------------------


def test_manager_sets_plan_counts_and_a_bad_one_saves_nothing(app, school):
    manager = as_user(app, school["manager"])
    url = f"/schedule/semesters/{school['semester']}/plan"
    token = csrf_token(manager, url)
    r = manager.post(
        url,
        data={
            "csrf_token": token,
            "count-school-demo_lesson": "4",
            "count-cluster-theme_seminar": "2",
        },
    )
    assert r.status_code == 303
    r = manager.post(
        url,
        data={
            "csrf_token": token,
            "count-school-demo_lesson": "5",
            "count-cluster-theme_seminar": "两次",
        },
    )
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "请填 0 到 200 的整数" in body and 'value="两次"' in body
    with app.app_context():
        counts = {(t.level, t.form): t.count for t in db.session.scalars(select(PlanTarget))}
    assert counts == {("school", "demo_lesson"): 4, ("cluster", "theme_seminar"): 2}


def test_copying_a_plan_shifts_dates_by_whole_weeks(app, school):
    with app.app_context():
        source = db.session.get(Semester, school["semester"])
        target = Semester(
            name="下学期",
            start=source.start + timedelta(days=180),
            end=source.end + timedelta(days=180),
        )
        db.session.add(target)
        db.session.add(
            PlanTarget(semester_id=source.id, level="school", form="demo_lesson", count=2)
        )
        db.session.commit()
        target_id, start = target.id, source.start
    add_activity(app, school, date=start + timedelta(days=3), status="done", summary="纪要")
    add_activity(app, school, date=start + timedelta(days=119), theme="太晚的活动")
    manager = as_user(app, school["manager"])
    url = f"/schedule/semesters/{school['semester']}/copy"
    r = manager.post(
        url, data={"csrf_token": manager.token, "target_id": str(target_id), "weeks": "26"}
    )
    assert r.status_code == 303
    with app.app_context():
        copied = db.session.scalars(select(Activity).where(Activity.semester_id == target_id)).all()
        assert len(copied) == 1
        assert copied[0].date == start + timedelta(days=3, weeks=26)
        assert copied[0].date.weekday() == (start + timedelta(days=3)).weekday()
        assert (copied[0].status, copied[0].summary) == ("planned", "")
        assert db.session.scalar(select(PlanTarget).where(PlanTarget.semester_id == target_id))
    flashed = manager.get(r.headers["Location"]).get_data(as_text=True)
    assert "已把 1 项活动复制到下学期" in flashed and "太晚的活动" in flashed


def test_semesters_are_added_checked_and_one_is_current(app, school):
    manager = as_user(app, school["manager"])
    bad = manager.post(
        "/schedule/semesters",
        data={
            "csrf_token": manager.token,
            "name": "2027学年",
            "start": "2027-09-01",
            "end": "2027-08-01",
        },
    )
    assert bad.status_code == 422 and "结束日期要晚于开始日期" in bad.get_data(as_text=True)
    ok = manager.post(
        "/schedule/semesters",
        data={
            "csrf_token": manager.token,
            "name": "2027学年",
            "start": "2027-09-01",
            "end": "2028-01-20",
        },
    )
    assert ok.status_code == 303
    with app.app_context():
        new_id = db.session.scalar(select(Semester.id).where(Semester.name == "2027学年"))
    assert (
        manager.post(
            f"/schedule/semesters/{new_id}/current", data={"csrf_token": manager.token}
        ).status_code
        == 303
    )
    with app.app_context():
        assert db.session.scalars(select(Semester.name).where(Semester.is_current)).all() == [
            "2027学年"
        ]


# --- check-in and attendance --------------------------------------------------------------


def checkin_token(app, activity_id) -> str:
    return stored(app, activity_id).checkin_token


def checkin_url(app, activity_id) -> str:
    """The link the projector page shows: the activity's token and a code for its date."""
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        return f"/schedule/checkin/{activity.checkin_token}?code={services.checkin_code(activity)}"


def test_teacher_checks_in_with_the_link_and_only_themself(app, school):
    activity_id = add_activity(app, school)
    other_id = add_activity(app, school, theme="另一项活动")
    teacher = as_user(app, school["teacher"])
    url = checkin_url(app, activity_id)
    assert "以 王晓燕 的身份签到" in teacher.get(url).get_data(as_text=True)
    r = send(teacher, "POST", url, {"staff_id": str(school["responsible"])})
    assert r.status_code == 200 and "您已签到" in r.get_data(as_text=True)
    with app.app_context():
        rows = db.session.execute(
            select(Attendance.activity_id, Attendance.staff_id, Attendance.status)
        ).all()
        checked = db.session.scalar(select(Attendance.checked_in_at))
    assert rows == [(activity_id, school["teacher"], "present")], "nobody else, no other activity"
    assert checked is not None
    assert other_id not in {row[0] for row in rows}


@pytest.mark.parametrize("token", ["not-a-token", "x" * 40])
def test_a_made_up_checkin_link_opens_nothing(app, school, token):
    add_activity(app, school)
    teacher = as_user(app, school["teacher"])
    assert send(teacher, "POST", f"/schedule/checkin/{token}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date": TODAY - timedelta(days=1)}, "签到只在活动当天"),
        ({"status": "cancelled"}, "已取消"),
    ],
)
def test_checkin_is_open_only_on_the_day_of_a_live_activity(app, school, fields, message):
    activity_id = add_activity(app, school, **fields)
    teacher = as_user(app, school["teacher"])
    r = send(teacher, "POST", checkin_url(app, activity_id))
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Attendance)) is None


def test_checkin_link_asks_for_login_first(app, school):
    activity_id = add_activity(app, school)
    r = app.test_client().get(f"/schedule/checkin/{checkin_token(app, activity_id)}")
    assert r.status_code == 302 and "/login?next=" in r.headers["Location"]


def test_projector_page_shows_the_qr_code_of_this_activity(app, school):
    activity_id = add_activity(app, school)
    responsible = as_user(app, school["responsible"])
    body = responsible.get(f"/schedule/activities/{activity_id}/checkin-code").get_data(
        as_text=True
    )
    assert 'src="data:image/svg+xml' in body
    assert f"/schedule/checkin/{checkin_token(app, activity_id)}" in body


def test_manager_marks_attendance_and_excused_needs_a_reason(app, school):
    activity_id = add_activity(app, school)
    manager = as_user(app, school["manager"])
    url = f"/schedule/activities/{activity_id}/attendance"
    bad = send(manager, "POST", url, {"staff_id": str(school["teacher"]), "status": "excused"})
    assert bad.status_code == 422 and "请假要写明原因" in bad.get_data(as_text=True)
    ok = send(
        manager,
        "POST",
        url,
        {"staff_id": str(school["teacher"]), "status": "excused", "reason": "外出培训"},
    )
    assert ok.status_code == 200 and "外出培训" in ok.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(select(Attendance))
        assert (row.status, row.reason, row.marked_by_id, row.checked_in_at) == (
            "excused",
            "外出培训",
            school["manager"],
            None,
        )


# --- the record -------------------------------------------------------------------------


def photo_with_exif() -> bytes:
    image = Image.new("RGB", (64, 48), "blue")
    exif = Image.Exif()
    exif[0x013B] = "CANARY-CAMERA-OWNER"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_record_keeps_minutes_and_re_encoded_photos(app, school):
    activity_id = add_activity(app, school)
    responsible = as_user(app, school["responsible"])
    r = send(
        responsible,
        "POST",
        f"/schedule/activities/{activity_id}/record",
        {
            "summary": "研讨了识字教学。",
            "files": [
                (io.BytesIO(photo_with_exif()), "现场.jpg"),
                (io.BytesIO(b"%PDF-1.4 test"), "方案.pdf"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "研讨了识字教学。" in body and "方案.pdf" in body
    activity = stored(app, activity_id)
    with app.app_context():
        photo = next(a for a in db.session.get(Activity, activity_id).attachments if a.is_image)
        assert b"CANARY-CAMERA-OWNER" not in photo.path.read_bytes()
        assert photo.thumb_path.exists()
        photo_id = photo.id
    assert activity.summary == "研讨了识字教学。"
    image = responsible.get(f"/schedule/attachments/{photo_id}")
    assert image.headers["Content-Type"] == "image/jpeg"
    assert image.headers["X-Content-Type-Options"] == "nosniff"


def test_a_file_that_lies_about_its_kind_is_refused_and_the_minutes_kept(app, school):
    activity_id = add_activity(app, school)
    manager = as_user(app, school["manager"])
    r = send(
        manager,
        "POST",
        f"/schedule/activities/{activity_id}/record",
        {"summary": "我写了很久的纪要", "files": [(io.BytesIO(b"<html>hi</html>"), "照片.jpg")]},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "无法识别这个文件" in body and "我写了很久的纪要" in body
    assert stored(app, activity_id).summary == ""


def test_teacher_cannot_change_the_record_of_someone_elses_activity(app, school):
    activity_id = add_activity(app, school)
    teacher = as_user(app, school["teacher"])
    r = send(teacher, "POST", f"/schedule/activities/{activity_id}/record", {"summary": "改"})
    assert r.status_code == 403 and stored(app, activity_id).summary == ""


# --- my activities and calendars -----------------------------------------------------------


def test_home_lists_my_activities_with_my_part(app, school):
    add_activity(app, school, theme="我负责的活动")
    add_activity(app, school, theme="别人的活动", responsible_id=school["teacher"])
    home = as_user(app, school["responsible"]).get("/").get_data(as_text=True)
    assert "我负责的活动" in home and "别人的活动" not in home and "负责" in home


def test_home_lists_what_is_still_ahead_for_each_person_on_each_day(app, school, travel):
    """The home page's statement is built once for everyone: the person and the day are bound
    on each view, never kept from the first one."""
    add_activity(app, school, theme="今天的活动")
    add_activity(app, school, theme="明天的活动", date=TODAY + timedelta(days=1))
    add_activity(app, school, theme="王老师的活动", responsible_id=school["teacher"])
    mine = as_user(app, school["responsible"])
    home = mine.get("/").get_data(as_text=True)
    assert "今天的活动" in home and "明天的活动" in home and "王老师的活动" not in home
    theirs = as_user(app, school["teacher"]).get("/").get_data(as_text=True)
    assert "王老师的活动" in theirs and "今天的活动" not in theirs
    travel(school_now() + timedelta(days=1))
    home = mine.get("/").get_data(as_text=True)
    assert "今天的活动" not in home and "明天的活动" in home


def test_calendar_feed_opens_with_its_secret_and_the_owner_can_reset_it(app, school):
    add_activity(app, school, theme="订阅里的活动", start_time=time(9), end_time=time(9, 40))
    with app.app_context():
        token = db.session.get(Staff, school["responsible"]).ical_token
    anonymous = app.test_client()
    feed = anonymous.get(f"/schedule/feed/{token}.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    body = feed.get_data(as_text=True)
    assert "BEGIN:VCALENDAR" in body and "订阅里的活动" in body and "TZID=Asia/Shanghai" in body

    owner = as_user(app, school["responsible"])
    assert send(owner, "POST", "/schedule/feed/reset").status_code == 200
    assert anonymous.get(f"/schedule/feed/{token}.ics").status_code == 404


def test_one_activity_downloads_as_ics(app, school):
    activity_id = add_activity(app, school, theme="下载的活动")
    r = as_user(app, school["teacher"]).get(f"/schedule/activities/{activity_id}.ics")
    assert r.status_code == 200 and "下载的活动" in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/schedule?semester=99999999999999999999",
        "/schedule?responsible=²",
        "/schedule?responsible=99999999999999999999&partner=abc",
        "/schedule?view=calendar&month=9999-12",
        "/schedule/activities/99999999999999999999",
        "/schedule/print?semester=-1",
    ],
)
def test_hostile_query_values_never_break_a_page(app, school, url):
    add_activity(app, school)
    r = as_user(app, school["teacher"]).get(url)
    assert r.status_code in (200, 404), r.status_code


# --- what earns points: only managers change it, and every change is kept (SECURITY.md M) --

COUNTED = {
    "date": TODAY + timedelta(days=1),
    "level": "district",
    "form": "report_lesson",
    "status": "done",
    "responsible_id": "teacher",
    "presenters": "responsible",
    "external_presenters": "expert",
}


def counted_of(app, activity_id) -> tuple:
    with app.app_context():
        a = db.session.get(Activity, activity_id)
        return (
            a.date,
            a.level,
            a.form,
            a.status,
            a.responsible_id,
            a.presenter_ids,
            a.external_presenter_ids,
            a.theme,
            a.version,
        )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("date", (TODAY + timedelta(days=1)).isoformat()),
        ("level", "district"),
        ("kind", "report_lesson"),
        ("status", "done"),
        ("responsible_id", "teacher"),
        ("presenter_ids", "responsible"),
        ("external_presenter_ids", "expert"),
    ],
)
def test_M_responsible_teacher_cannot_change_a_field_that_earns_points(app, school, name, value):
    """A future lesson set to 已完成 at 全区 level raised a total by 8: such fields, and who
    presents, are a manager's. Refused aloud (422), and nothing of the save is kept."""
    activity_id = add_activity(app, school)
    before = counted_of(app, activity_id)
    value = str(school[value]) if value in school else value
    if name.endswith("_ids"):
        value = [value]
    data = row_values(school, 1, theme="顺便改了主题", **{name: value})
    r = send(
        as_user(app, school["responsible"]), "PUT", f"/schedule/activities/{activity_id}", data
    )
    assert r.status_code == 422
    assert "只能由工作室管理员修改" in r.get_data(as_text=True)
    assert counted_of(app, activity_id) == before


def test_M_responsible_teacher_edits_theme_place_times_and_procedure(app, school):
    activity_id = add_activity(app, school)
    editor = as_user(app, school["responsible"])
    form = editor.get(f"/schedule/activities/{activity_id}/edit").get_data(as_text=True)
    for locked in ("date", "level", "kind", "status", "responsible_id", "presenter_ids"):
        assert f'name="{locked}"' not in form, f"{locked} is shown read-only, not as an input"
    assert "计入考核" in form and 'name="theme"' in form and 'name="place"' in form
    data = {
        "theme": "改过的主题",
        "place": "三楼录播室",
        "start_time": "14:00",
        "end_time": "14:40",
        "procedure": "说课\n评课",
        "partner_school_id": "",
        "version": "1",
    }
    r = send(editor, "PUT", f"/schedule/activities/{activity_id}", data)
    assert r.status_code == 200, r.get_data(as_text=True)
    saved = stored(app, activity_id)
    assert (saved.theme, saved.place, saved.start_time) == ("改过的主题", "三楼录播室", time(14))
    assert (saved.date, saved.level, saved.status) == (TODAY, "school", "planned")
    manager_form = as_user(app, school["manager"]).get(f"/schedule/activities/{activity_id}/edit")
    assert 'name="level"' in manager_form.get_data(as_text=True)


def test_M_a_stale_row_is_still_a_conflict_for_the_responsible_teacher(app, school):
    activity_id = add_activity(app, school)
    send(
        as_user(app, school["manager"]),
        "PUT",
        f"/schedule/activities/{activity_id}",
        row_values(school, 1, theme="管理员改的"),
    )
    r = send(
        as_user(app, school["responsible"]),
        "PUT",
        f"/schedule/activities/{activity_id}",
        {"theme": "负责人改的", "version": "1", "partner_school_id": ""},
    )
    assert r.status_code == 409 and "管理员改的" in r.get_data(as_text=True)


def test_M_the_responsible_teacher_marks_others_but_never_their_own_attendance(app, school):
    activity_id = add_activity(app, school)
    responsible = as_user(app, school["responsible"])
    url = f"/schedule/activities/{activity_id}/attendance"
    r = send(
        responsible, "POST", url, {"staff_id": str(school["responsible"]), "status": "present"}
    )
    assert r.status_code == 422 and "扫码签到" in r.get_data(as_text=True)
    r = send(responsible, "POST", url, {"staff_id": str(school["teacher"]), "status": "present"})
    assert r.status_code == 200
    with app.app_context():
        rows = db.session.execute(select(Attendance.staff_id, Attendance.status)).all()
    assert rows == [(school["teacher"], "present")]


def test_M_a_checkin_code_shown_before_the_date_moved_no_longer_works(app, school):
    """Move the date to today, check in, move it back: the code carries the date it was made for."""
    activity_id = add_activity(app, school, date=TODAY + timedelta(days=7))
    old_url = checkin_url(app, activity_id)
    send(
        as_user(app, school["manager"]),
        "PUT",
        f"/schedule/activities/{activity_id}",
        row_values(school, 1),
    )  # the date moves to today
    teacher = as_user(app, school["teacher"])
    r = send(teacher, "POST", old_url)
    assert r.status_code == 422 and "签到码已失效，请重新扫描现场的二维码" in r.get_data(
        as_text=True
    )
    r = send(teacher, "POST", f"/schedule/checkin/{checkin_token(app, activity_id)}")
    assert r.status_code == 422, "a link without a code checks nobody in"
    with app.app_context():
        assert db.session.scalar(select(Attendance)) is None
    assert send(teacher, "POST", checkin_url(app, activity_id)).status_code == 200


def test_M_changes_to_counted_fields_and_attendance_are_kept_for_managers(app, school):
    activity_id = add_activity(app, school)
    manager = as_user(app, school["manager"])
    send(
        manager,
        "PUT",
        f"/schedule/activities/{activity_id}",
        row_values(school, 1, status="done", level="district"),
    )
    send(
        as_user(app, school["responsible"]),
        "POST",
        f"/schedule/activities/{activity_id}/attendance",
        {"staff_id": str(school["teacher"]), "status": "absent"},
    )
    send(as_user(app, school["teacher"]), "POST", checkin_url(app, activity_id))
    page = manager.get(f"/schedule/activities/{activity_id}").get_data(as_text=True)
    history = page[page.index("修改记录") :]
    for expected in (
        "计划",
        "已完成",
        "校内",
        "全区",
        "王晓燕：缺席",
        "王晓燕：出席",
        "徐丽萍",
        "顾雅琴",
    ):
        assert expected in history, expected
    for who in ("teacher", "responsible"):
        page = as_user(app, school[who]).get(f"/schedule/activities/{activity_id}")
        assert "修改记录" not in page.get_data(as_text=True)


# --- dates the school's records can mean -----------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "1999-12-31", "2101-01-01"])
def test_a_date_outside_2000_to_2100_is_refused_with_a_chinese_message(app, school, day):
    activity_id = add_activity(app, school)
    manager = as_user(app, school["manager"])
    r = send(
        manager,
        "PUT",
        f"/schedule/activities/{activity_id}",
        row_values(school, 1, date=day, theme="我写的主题"),
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "2000 年到 2100 年之间" in body and "我写的主题" in body
    assert day in body, "what was typed stays in the field"
    r = send(
        manager,
        "POST",
        "/schedule/semesters",
        {"name": "远古学期", "start": day, "end": "2026-12-31"},
    )
    assert r.status_code == 422 and "2000 年到 2100 年之间" in r.get_data(as_text=True)


def test_every_date_field_of_every_form_checks_the_year_range():
    """ChineseDateField carries the range: no form may fall back to WTForms' DateField."""
    import importlib
    import pkgutil

    from wtforms import DateField

    import intranet
    from intranet.forms import ChineseDateField, Form

    for module in pkgutil.walk_packages(intranet.__path__, "intranet."):
        if module.name.endswith("forms"):
            importlib.import_module(module.name)
    forms = set()
    todo = [Form]
    while todo:
        forms |= set(todo)
        todo = [sub for cls in todo for sub in cls.__subclasses__()]
    plain = [
        f"{form.__name__}.{name}"
        for form in forms
        if form.__module__.startswith("intranet.")  # not forms that tests define
        for name, unbound in vars(form).items()
        if getattr(unbound, "field_class", None) is not None
        and issubclass(unbound.field_class, DateField)
        and not issubclass(unbound.field_class, ChineseDateField)
    ]
    assert not plain, plain


def test_an_activity_stored_as_9999_12_31_does_not_break_calendars(app, school):
    activity_id = add_activity(app, school)
    with app.app_context():
        db.session.execute(
            text("UPDATE activity SET date = '9999-12-31' WHERE id = :id"), {"id": activity_id}
        )
        db.session.commit()
        token = db.session.get(Staff, school["responsible"]).ical_token
    owner = as_user(app, school["responsible"])
    assert owner.get(f"/schedule/activities/{activity_id}.ics").status_code == 200
    feed = app.test_client().get(f"/schedule/feed/{token}.ics")
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.data


def test_leave_reasons_show_only_to_those_who_keep_attendance(app, school):
    activity_id = add_activity(app, school)
    with app.app_context():
        db.session.add(
            Attendance(
                activity_id=activity_id,
                staff_id=school["teacher"],
                status="excused",
                reason="家中有事",
            )
        )
        db.session.commit()
    url = f"/schedule/activities/{activity_id}"
    assert "家中有事" in as_user(app, school["manager"]).get(url).get_data(as_text=True)
    assert "家中有事" not in as_user(app, school["teacher"]).get(url).get_data(as_text=True)


def test_manager_renames_a_semester_in_place_and_a_clash_keeps_the_input(app, school):
    manager = as_user(app, school["manager"])
    with app.app_context():
        db.session.add(
            Semester(name="2025-2026学年第二学期", start=date(2026, 2, 20), end=date(2026, 7, 5))
        )
        db.session.commit()
    url = f"/schedule/semesters/{school['semester']}"
    values = {
        "start": (TODAY - timedelta(days=60)).isoformat(),
        "end": (TODAY + timedelta(days=60)).isoformat(),
    }
    clash = send(manager, "PUT", url, {**values, "name": "2025-2026学年第二学期"})
    assert clash.status_code == 422 and "已经有同名的学期" in clash.get_data(as_text=True)
    ok = send(manager, "PUT", url, {**values, "name": "2026-2027学年上学期"})
    assert ok.status_code == 200 and "2026-2027学年上学期" in ok.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Semester, school["semester"]).name == "2026-2027学年上学期"


def test_one_refused_file_leaves_none_of_the_others_behind(app, school):
    activity_id = add_activity(app, school)
    manager = as_user(app, school["manager"])
    r = send(
        manager,
        "POST",
        f"/schedule/activities/{activity_id}/record",
        {
            "summary": "纪要",
            "files": [
                (io.BytesIO(photo_with_exif()), "好照片.jpg"),
                (io.BytesIO(b"not an image"), "坏照片.jpg"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "无法识别这个文件" in r.get_data(as_text=True)
    uploads = Path(app.config["UPLOAD_FOLDER"])
    assert not uploads.exists() or not any(uploads.iterdir()), "the good photo was not kept"


# --- the people picker ---------------------------------------------------------------------


def test_people_picker_finds_active_colleagues_by_name_pinyin_and_initials(app, school, make_staff):
    make_staff(username="zxm", name="张晓明", subject="语文")
    make_staff(username="zxm2", name="赵雪梅")
    make_staff(username="gone", name="张小美", active=False)
    manager = as_user(app, school["manager"])

    def found(q):
        r = manager.get("/schedule/people", query_string={"q": q, "for": "row-1-listbox"})
        assert r.status_code == 200 and "<html" not in r.get_data(as_text=True)
        return r.get_data(as_text=True)

    assert "张晓明" in found("zxm") and "赵雪梅" in found("zxm") and "张小美" not in found("zxm")
    assert "赵雪梅" not in found("zhangx") and "张晓明" in found("晓明")
    assert 'id="row-1-listbox"' in found("zxm") and 'role="option"' in found("zxm")
    assert "没有找到" in found("qqqq")
    hostile = manager.get("/schedule/people", query_string={"q": "z", "for": '"><script>'})
    assert hostile.status_code == 200 and "<script>" not in hostile.get_data(as_text=True)


def test_a_saved_row_names_the_new_responsible_person(app, school):
    activity_id = add_activity(app, school)
    manager = as_user(app, school["manager"])
    data = row_values(school, 1, responsible_id=str(school["teacher"]))
    r = send(manager, "PUT", f"/schedule/activities/{activity_id}", data)
    assert r.status_code == 200 and "王晓燕" in r.get_data(as_text=True)
    assert "顾雅琴" not in r.get_data(as_text=True)
    assert stored(app, activity_id).responsible_id == school["teacher"]


# --- rows drawn once and kept (schedule/views.kept_row) --------------------------------------


def test_a_kept_row_shows_what_changed_and_only_what_the_viewer_may_do(app, school):
    activity = add_activity(app, school, theme="读书交流：《给教师的建议》")
    manager = as_user(app, school["manager"], "/schedule")
    row = re.compile(rf'<tr id="activity-{activity}".*?</tr>', re.S)
    first = row.search(manager.get("/schedule").get_data(as_text=True))[0]
    assert "读书交流" in first and ">编辑</button>" in first and ">删除</button>" in first
    teacher = as_user(app, school["teacher"], "/schedule")
    seen = row.search(teacher.get("/schedule").get_data(as_text=True))[0]
    assert "读书交流" in seen and "编辑" not in seen and "删除" not in seen
    with app.app_context():
        db.session.get(Activity, activity).theme = "读书交流：《静悄悄的革命》"
        db.session.commit()
    again = row.search(manager.get("/schedule").get_data(as_text=True))[0]
    assert "静悄悄的革命" in again and "给教师的建议" not in again and ">编辑</button>" in again


def test_a_kept_row_takes_a_form_renamed_in_the_library(app, school):
    activity = add_activity(app, school, form="demo_lesson")
    manager = as_user(app, school["manager"], "/schedule")
    row = re.compile(rf'<tr id="activity-{activity}".*?</tr>', re.S)
    assert "展示课" in row.search(manager.get("/schedule").get_data(as_text=True))[0]
    with app.app_context():
        form = db.session.scalar(select(LibraryForm).where(LibraryForm.key == "demo_lesson"))
        form.label = "名师示范课"
        db.session.commit()
    assert "名师示范课" in row.search(manager.get("/schedule").get_data(as_text=True))[0]
