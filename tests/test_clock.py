"""One clock: the app dates everything by the school's day, whatever the host's clock says.

The host of CI runs in UTC, eight hours behind Beijing: from 16:00 to 24:00 UTC its date is the
school's yesterday. These tests move the app's clock to such moments."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from intranet import clock
from intranet.dashboard.services import attendance_by_month, falling_attendance
from intranet.extensions import db
from intranet.people.models import Staff
from intranet.schedule.models import Activity, Attendance, Semester
from intranet.suggestions.models import AnonymousSuggestion
from tests.conftest import as_user, send

BEIJING = ZoneInfo("Asia/Shanghai")


def test_school_date_is_beijing_date_while_the_utc_date_is_still_yesterday(app, travel):
    travel(datetime(2026, 12, 1, 4, 35, tzinfo=BEIJING))
    assert clock.utcnow().date() == date(2026, 11, 30)
    with app.app_context():
        assert clock.school_today() == date(2026, 12, 1)


def test_the_school_time_zone_comes_from_the_configuration(make_app, travel):
    app = make_app(TIME_ZONE="UTC")
    travel(datetime(2026, 12, 1, 4, 35, tzinfo=BEIJING))
    with app.app_context():
        assert clock.school_today() == date(2026, 11, 30)


def test_anonymous_suggestion_sent_before_dawn_is_dated_that_school_day(app, make_staff, travel):
    teacher = as_user(app, make_staff(), "/suggestions/new")
    travel(datetime(2026, 12, 1, 4, 35, tzinfo=BEIJING))
    data = {
        "category": "activities",
        "title": "早上好",
        "body": "清晨写的建议。",
        "identity": "anonymous",
    }
    assert send(teacher, "POST", "/suggestions", data).status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(AnonymousSuggestion.created_on)) == date(2026, 12, 1)


@pytest.fixture
def two_semesters(app):
    """Two semesters, neither marked current: the one today falls in is current."""
    with app.app_context():
        db.session.add_all(
            [
                Semester(
                    name="2025-2026学年第一学期", start=date(2025, 9, 1), end=date(2026, 2, 22)
                ),
                Semester(
                    name="2025-2026学年第二学期", start=date(2026, 2, 23), end=date(2026, 7, 10)
                ),
            ]
        )
        db.session.commit()


@pytest.mark.parametrize(
    "moment, current",
    [
        (datetime(2026, 2, 22, 23, 50, tzinfo=BEIJING), "2025-2026学年第一学期"),
        (datetime(2026, 2, 23, 0, 10, tzinfo=BEIJING), "2025-2026学年第二学期"),
    ],
)
def test_current_semester_turns_on_the_school_midnight(app, two_semesters, travel, moment, current):
    travel(moment)  # 00:10 in Beijing is 16:10 of the day before in UTC
    with app.app_context():
        assert Semester.current().name == current


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 30, 23, 50, tzinfo=BEIJING),
        datetime(2026, 12, 1, 0, 10, tzinfo=BEIJING),
        datetime(2026, 12, 1, 16, 30, tzinfo=UTC),  # the school's 2 December, 00:30
    ],
)
def test_falling_attendance_alert_holds_across_a_months_first_day(app, make_staff, travel, moment):
    """Three months of held activities; the latest month falls from 90% to 40%."""
    travel(moment)
    people = [make_staff() for _ in range(10)]
    with app.app_context():
        today = clock.school_today()
        semester = Semester(
            name="本学期",
            start=today - timedelta(days=120),
            end=today + timedelta(days=30),
            is_current=True,
        )
        db.session.add(semester)
        db.session.flush()
        for months_ago, came in ((2, 9), (1, 9), (0, 4)):
            day = today.replace(day=1)
            for _ in range(months_ago):
                day = (day - timedelta(days=1)).replace(day=1)
            activity = Activity(
                semester_id=semester.id, date=day, theme="研讨", status="done", form="theme_seminar"
            )
            db.session.add(activity)
            db.session.flush()
            for n, person in enumerate(people):
                status = "present" if n < came else "absent"
                db.session.add(Attendance(activity_id=activity.id, staff_id=person, status=status))
        db.session.commit()
        months = attendance_by_month(today)
        alert = falling_attendance(months)
        assert alert is not None
        assert (alert.month.year, alert.month.month) == (today.year, today.month)
        assert round(alert.month.rate, 2) == 0.4


def test_audit_stamps_come_from_the_app_clock(app, make_staff, travel):
    moment = datetime(2026, 12, 1, 4, 35, tzinfo=BEIJING)
    travel(moment)
    staff_id = make_staff()
    with app.app_context():
        created = db.session.get(Staff, staff_id).created_at
        created = created if created.tzinfo else created.replace(tzinfo=UTC)
        assert abs(created - moment) < timedelta(minutes=1)
