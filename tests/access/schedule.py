"""Access rules of the schedule: everyone reads it, managers plan it, the responsible person
edits their own activity (the world's activity belongs to the target teacher)."""

from datetime import timedelta

from intranet.clock import school_today, utcnow
from intranet.extensions import db
from tests.access import EVERYONE, MANAGERS, PUBLIC, Route

ACTIVITY = "/schedule/activities/{activity}"

ROUTES = {
    "schedule.index": Route("GET", "/schedule", EVERYONE),
    "schedule.printable": Route("GET", "/schedule/print", EVERYONE),
    "schedule.export": Route("GET", "/schedule/export.xlsx", EVERYONE),
    "schedule.new": Route("GET", "/schedule/activities/new", MANAGERS),
    "schedule.create": Route("POST", "/schedule/activities", MANAGERS),
    "schedule.show": Route("GET", ACTIVITY, EVERYONE),
    "schedule.edit": Route("GET", ACTIVITY + "/edit", MANAGERS, owner="staff"),
    "schedule.update": Route("PUT", ACTIVITY, MANAGERS, owner="staff"),
    "schedule.people": Route("GET", "/schedule/people", EVERYONE),
    "schedule.delete": Route("DELETE", ACTIVITY, MANAGERS),
    "schedule.restore": Route("POST", ACTIVITY + "/restore", MANAGERS),
    "schedule.activity_ics": Route("GET", ACTIVITY + ".ics", EVERYONE),
    "schedule.mark_attendance": Route("POST", ACTIVITY + "/attendance", MANAGERS, owner="staff"),
    "schedule.roll_call": Route("POST", ACTIVITY + "/roll", MANAGERS, owner="staff"),
    "schedule.update_invitees": Route("POST", ACTIVITY + "/invitees", MANAGERS),
    # Only a past activity that left a trace is offered as 已完成: the world has one.
    "schedule.mark_done": Route(
        "POST", "/schedule/activities/{held_activity}/done", MANAGERS, owner="staff"
    ),
    "schedule.checkin_code": Route("GET", ACTIVITY + "/checkin-code", MANAGERS, owner="staff"),
    "schedule.checkin_count": Route("GET", ACTIVITY + "/checkin-count", MANAGERS, owner="staff"),
    # A 片区 activity's link: a visitor who is not logged in gets the guests' form (外校来宾).
    "schedule.checkin": Route("GET", "/schedule/checkin/{cluster_checkin_token}", PUBLIC),
    "schedule.create_checkin": Route("POST", "/schedule/checkin/{checkin_token}", EVERYONE),
    "schedule.guests.create": Route(
        "POST", "/schedule/checkin/{cluster_checkin_token}/guest", PUBLIC
    ),
    "schedule.guests.of_activity": Route(
        "GET", "/schedule/activities/{cluster_activity}/guests", MANAGERS
    ),
    "schedule.guests.index": Route("GET", "/schedule/guests", MANAGERS),
    "schedule.guests.export": Route("GET", "/schedule/guests/export.xlsx", MANAGERS),
    "schedule.guests.delete_semester": Route("POST", "/schedule/guests/delete", MANAGERS),
    "schedule.update_record": Route("POST", ACTIVITY + "/record", MANAGERS, owner="staff"),
    "schedule.delete_attachment": Route(
        "POST", ACTIVITY + "/attachments/nothing/delete", MANAGERS, owner="staff"
    ),
    "schedule.attachment": Route("GET", "/schedule/attachments/nothing", EVERYONE),
    "schedule.feed": Route("GET", "/schedule/feed/{ical_token}.ics", PUBLIC),
    "schedule.reset_feed": Route("POST", "/schedule/feed/reset", EVERYONE),
    # 活动反馈: only someone present at the activity answers, whatever their role.
    "feedback.show": Route("GET", "/feedback/activities/{attended_activity}", frozenset(), "staff"),
    "feedback.answer": Route(
        "POST", "/feedback/activities/{attended_activity}", frozenset(), "staff"
    ),
    "feedback.guest_answer": Route("POST", "/feedback/guest/{cluster_checkin_token}", PUBLIC),
    "schedule.planning.semesters": Route("GET", "/schedule/semesters", MANAGERS),
    "schedule.planning.create_semester": Route("POST", "/schedule/semesters", MANAGERS),
    "schedule.planning.update_semester": Route("PUT", "/schedule/semesters/{semester}", MANAGERS),
    "schedule.planning.make_current": Route(
        "POST", "/schedule/semesters/{semester}/current", MANAGERS
    ),
    "schedule.planning.plan": Route("GET", "/schedule/semesters/{semester}/plan", MANAGERS),
    "schedule.planning.update_plan": Route("POST", "/schedule/semesters/{semester}/plan", MANAGERS),
    "schedule.planning.copy": Route("POST", "/schedule/semesters/{semester}/copy", MANAGERS),
    # 活动形式库: whoever plans the semester keeps the forms.
    "schedule.library.index": Route("GET", "/schedule/forms", MANAGERS),
    "schedule.library.create": Route("POST", "/schedule/forms", MANAGERS),
    "schedule.library.adopt": Route("POST", "/schedule/forms/adopt", MANAGERS),
    "schedule.library.show": Route("GET", "/schedule/forms/{library_form}", MANAGERS),
    "schedule.library.edit": Route("GET", "/schedule/forms/{library_form}/edit", MANAGERS),
    "schedule.library.update": Route("PUT", "/schedule/forms/{library_form}", MANAGERS),
    "schedule.library.retire": Route("POST", "/schedule/forms/{library_form}/retire", MANAGERS),
    "schedule.library.delete": Route("DELETE", "/schedule/forms/{library_form}", MANAGERS),
    "schedule.planning.create_partner_school": Route("POST", "/schedule/partner-schools", MANAGERS),
    "schedule.planning.toggle_partner_school": Route(
        "POST", "/schedule/partner-schools/{partner_school}/active", MANAGERS
    ),
}


def objects(app, world) -> dict:
    from sqlalchemy import select

    from intranet.people.models import Staff
    from intranet.schedule.models import (
        Activity,
        Attendance,
        LibraryForm,
        PartnerSchool,
        Semester,
    )

    with app.app_context():
        today = school_today()
        semester = Semester(
            name="测试学期",
            start=today - timedelta(days=30),
            end=today + timedelta(days=90),
            is_current=True,
        )
        school = PartnerSchool(name="程桥中心小学", cluster="程桥片")
        activity = Activity(
            semester=semester, date=today, theme="展示课", responsible_id=world["staff"]
        )
        held = Activity(
            semester=semester,
            date=today - timedelta(days=1),
            theme="汇报课",
            summary="纪要",
            responsible_id=world["staff"],
        )
        # Yesterday's activity the target teacher attended (活动反馈), run by nobody in the world.
        attended = Activity(semester=semester, date=today - timedelta(days=1), theme="读书交流")
        cluster = Activity(
            semester=semester, date=today, theme="主题研讨", level="cluster", partner_school=school
        )
        db.session.add_all([semester, school, activity, held, attended, cluster])
        db.session.flush()
        # A colleague scanned its code: the proof a responsible teacher's 已完成 needs.
        db.session.add(
            Attendance(activity_id=held.id, staff_id=world["teacher"], checked_in_at=utcnow())
        )
        db.session.add(
            Attendance(activity_id=attended.id, staff_id=world["staff"], checked_in_at=utcnow())
        )
        db.session.commit()
        return {
            "attended_activity": attended.id,
            "semester": semester.id,
            "partner_school": school.id,
            "activity": activity.id,
            "held_activity": held.id,
            "checkin_token": activity.checkin_token,
            "cluster_activity": cluster.id,
            "cluster_checkin_token": cluster.checkin_token,
            "ical_token": db.session.get(Staff, world["staff"]).ical_token,
            "library_form": db.session.scalar(
                select(LibraryForm.id).where(LibraryForm.key == "lecture")
            ),
        }
