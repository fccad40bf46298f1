"""The leaders' dashboard and the semester archive: who sees them, a query count that does not
grow with the data, the falling-attendance alert, pairings behind, and the zip's contents."""

import io
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from intranet.clock import school_today
from intranet.dashboard.services import Month, falling_attendance
from intranet.extensions import db
from intranet.mentoring.models import Pairing, PairingTask
from intranet.schedule.models import Activity, Attendance, Semester
from intranet.uploads import Attachment
from tests.conftest import htmx, login_as
from tests.test_suggestions import as_user, submit

TODAY = school_today()


@pytest.fixture
def school(app, make_staff):
    ids = {
        "leader": make_staff(role="leader", username="xiaozhang", name="周文华"),
        "teacher": make_staff(username="t1", name="王晓燕", political_status="member"),
        "apprentice": make_staff(username="t2", name="顾雅琴", political_status="non_party"),
    }
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=TODAY - timedelta(days=90),
            end=TODAY + timedelta(days=30),
            is_current=True,
        )
        db.session.add(semester)
        db.session.commit()
        ids["semester"] = semester.id
    return ids


def add_activities(app, school, count):
    with app.app_context():
        activities = [
            Activity(
                semester_id=school["semester"],
                date=TODAY - timedelta(days=n % 80),
                theme=f"活动{n}",
                status="done",
                form="theme_seminar",
            )
            for n in range(count)
        ]
        db.session.add_all(activities)
        db.session.flush()
        for activity in activities:
            db.session.add(Attendance(activity_id=activity.id, staff_id=school["teacher"]))
            db.session.add(
                Attendance(activity_id=activity.id, staff_id=school["apprentice"], status="absent")
            )
        db.session.commit()


@pytest.mark.parametrize("role, status", [("teacher", 403), ("leader", 200)])
def test_only_the_studio_sees_the_dashboard(app, client, school, role, status):
    login_as(client, app, school[role])
    assert client.get("/dashboard").status_code == status
    assert client.get(f"/archive/{school['semester']}.zip").status_code == status


def test_dashboard_query_count_does_not_grow_with_rows(app, client, school, count_queries):
    login_as(client, app, school["leader"])
    add_activities(app, school, 5)
    small = count_queries(client, "/dashboard")
    add_activities(app, school, 200)
    assert count_queries(client, "/dashboard") == small


@pytest.mark.parametrize(("latest", "alerted"), [(80, False), (70, True), (None, False)])
def test_alert_when_the_latest_month_falls_clearly_below_the_months_before(app, latest, alerted):
    months = [Month(2026, 9, 90, 100), Month(2026, 10, 86, 100)]
    months.append(Month(2026, 11, latest or 0, 100 if latest else 0))  # None: no data yet
    with app.app_context():
        assert (falling_attendance(months) is not None) is alerted


def test_alert_shows_on_the_dashboard_with_the_forms_that_still_draw(app, client, school):
    with app.app_context():
        for months_ago, present in ((2, 9), (1, 9), (0, 4)):
            day = (TODAY.replace(day=1) - timedelta(days=31 * months_ago)).replace(day=1)
            for form, came in (("theme_seminar", present), ("lecture", 9)):
                activity = Activity(
                    semester_id=school["semester"], date=day, theme="研讨", status="done", form=form
                )
                db.session.add(activity)
                db.session.flush()
                for n in range(10):
                    db.session.add(
                        Attendance(
                            activity_id=activity.id,
                            staff_id=school["teacher"] if n == 0 else _extra(app, n),
                            status="present" if n < came else "absent",
                        )
                    )
        db.session.commit()
    login_as(client, app, school["leader"])
    body = client.get("/dashboard").get_data(as_text=True)
    assert "出勤率下降" in body and "专题讲座（90%）" in body


_people: dict = {}


def _extra(app, n):
    from intranet.people.models import Staff

    if n not in _people or db.session.get(Staff, _people[n]) is None:
        person = Staff(username=f"x{n}", name=f"教师{n}")
        db.session.add(person)
        db.session.flush()
        _people[n] = person.id
    return _people[n]


def test_pairing_with_an_overdue_task_is_behind(app, client, school):
    with app.app_context():
        pairing = Pairing(
            mentor_id=school["teacher"],
            apprentice_id=school["apprentice"],
            start_semester_id=school["semester"],
            end_semester_id=school["semester"],
            state="active",
        )
        db.session.add(pairing)
        db.session.flush()
        db.session.add(
            PairingTask(pairing_id=pairing.id, text="写教学反思", due=TODAY - timedelta(days=3))
        )
        db.session.commit()
    login_as(client, app, school["leader"])
    body = client.get("/dashboard/pairings?state=behind").get_data(as_text=True)
    assert "顾雅琴" in body and "有逾期未完成的任务" in body


def test_archive_zip_holds_the_workbook_and_chinese_folders(app, client, school):
    add_activities(app, school, 3)
    with app.app_context():
        photo = Attachment(id="p" * 32, kind="image", size=3, original_name="a.jpg")
        activity = db.session.scalar(db.select(Activity))
        activity.attachments.append(photo)
        db.session.commit()
        photo.path.parent.mkdir(parents=True, exist_ok=True)
        photo.path.write_bytes(b"jpg")
    login_as(client, app, school["leader"])
    r = client.get(f"/archive/{school['semester']}.zip")
    assert r.status_code == 200 and r.is_streamed
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    names = archive.namelist()
    assert "本学期资料附录.xlsx" in names and "资料附录报告.html" in names
    assert any(name.startswith("活动照片/") for name in names)
    book = load_workbook(io.BytesIO(archive.read("本学期资料附录.xlsx")))
    assert {
        "组织管理成员及分工",
        "人才库",
        "师徒结对与协议",
        "活动安排与记录",
        "出勤",
        "听课评课",
        "成果",
        "评估",
    } <= set(book.sheetnames)
    assert book["出勤"].max_row == 1 + 6


def test_the_box_count_shows_only_to_those_who_read_the_box(app, client, school, make_staff):
    """A live count of the box would tell a manager when an anonymous suggestion arrived."""
    manager = make_staff(role="manager", username="guanli")
    login_as(client, app, manager)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "建议箱待处理" not in page and "首次答复天数" not in page
    leader = app.test_client()
    login_as(leader, app, school["leader"])
    assert "建议箱待处理" in leader.get("/dashboard").get_data(as_text=True)


def test_archive_entry_names_cannot_leave_the_archive(app, client, school):
    with app.app_context():
        db.session.get(Semester, school["semester"]).name = "../../2025/2026学年"
        db.session.commit()
    login_as(client, app, school["leader"])
    names = zipfile.ZipFile(io.BytesIO(client.get(f"/archive/{school['semester']}.zip").data))
    for name in names.namelist():
        assert not name.startswith("/") and ".." not in name.split("/"), name
    assert any(name.endswith("_2025_2026学年资料附录.xlsx") for name in names.namelist())


@pytest.mark.parametrize("month", ["9999-12", "99999999999999999999-1", "2026-13", "x"])
def test_a_month_no_calendar_holds_is_a_404(app, client, school, month):
    login_as(client, app, school["leader"])
    assert client.get(f"/dashboard/attendance?month={month}").status_code == 404


def test_the_months_attendance_detail_links_each_activity_held(app, client, school):
    add_activities(app, school, 3)
    login_as(client, app, school["leader"])
    with app.app_context():
        held = db.session.scalars(db.select(Activity).where(Activity.date == TODAY)).all()
    body = client.get(f"/dashboard/attendance?month={TODAY:%Y-%m}", headers=htmx()).get_data(
        as_text=True
    )
    assert held and "本月已开展的活动" in body
    for activity in held:
        assert f'href="/schedule/activities/{activity.id}"' in body


def test_an_anonymous_suggestion_does_not_change_how_the_next_look_is_worked_out(
    app, school, make_staff, count_queries
):
    """A dashboard that showed a kept board until any commit would answer a manager's polling
    faster or slower right after an anonymous suggestion, telling when it was sent."""
    manager = app.test_client()
    login_as(manager, app, make_staff(role="manager", username="guanli"))
    add_activities(app, school, 5)
    for _ in range(2):  # the first look keeps each held activity's figures: a commit
        manager.get("/dashboard")
    quiet = [count_queries(manager, "/dashboard") for _ in range(2)]
    assert submit(as_user(app, school["teacher"])).status_code == 200  # anonymous
    assert count_queries(manager, "/dashboard") == quiet[0] == quiet[1]
