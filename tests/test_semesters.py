"""One home for semesters: every page picks its semester the same way, and a school without
one yet gets a first-run page that creates it instead of "页面不存在"."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from intranet.extensions import db
from intranet.schedule.models import Semester
from intranet.semesters import proposal
from tests.conftest import as_user, csrf_token, login_as

FIRST_RUN_PAGES = ["/dashboard", "/archive", "/achievements/evaluation", "/achievements/reports"]


@pytest.mark.parametrize(
    "today, name, start, end",
    [
        (date(2026, 12, 1), "2026-2027学年第一学期", date(2026, 9, 1), date(2027, 1, 31)),
        (date(2027, 1, 15), "2026-2027学年第一学期", date(2026, 9, 1), date(2027, 1, 31)),
        (date(2027, 3, 10), "2026-2027学年第二学期", date(2027, 2, 1), date(2027, 7, 10)),
        (date(2027, 8, 20), "2027-2028学年第一学期", date(2027, 9, 1), date(2028, 1, 31)),
    ],
)
def test_the_first_semester_is_proposed_from_todays_date(today, name, start, end):
    assert proposal(today) == (name, start, end)


@pytest.mark.parametrize("url", FIRST_RUN_PAGES)
def test_a_school_without_semesters_gets_the_first_run_form_not_a_404(app, make_staff, url):
    admin = as_user(app, make_staff(role="admin"))
    r = admin.get(url)
    body = r.get_data(as_text=True)
    assert r.status_code == 200, url
    assert "还没有学期" in body and 'value="2026-2027学年第一学期"' in body
    assert 'value="2026-09-01"' in body and "建立学期" in body


def test_a_teacher_is_told_who_creates_the_first_semester(app, make_staff):
    teacher = as_user(app, make_staff())
    body = teacher.get("/achievements/reports").get_data(as_text=True)
    assert "请工作室管理组先建立本学期" in body and "建立学期" not in body


def test_the_first_run_form_creates_the_current_semester_and_goes_to_the_schedule(
    app, client, make_staff, travel
):
    travel(datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    login_as(client, app, make_staff(role="manager"))
    token = csrf_token(client, "/dashboard")
    r = client.post(
        "/schedule/semesters",
        data={
            "csrf_token": token,
            "name": "2026-2027学年第一学期",
            "start": "2026-09-01",
            "end": "2027-01-31",
            "next": "schedule",
        },
    )
    assert r.status_code == 303 and r.headers["Location"].endswith("/schedule")
    with app.app_context():
        semester = db.session.scalar(db.select(Semester))
        assert semester.is_current and semester.name == "2026-2027学年第一学期"
    assert client.get("/dashboard").status_code == 200


def test_a_semester_id_that_names_nothing_is_a_404(app, make_staff):
    leader = as_user(app, make_staff(role="leader"))
    assert leader.get("/dashboard?semester=999").status_code == 404
