"""Who may write each thing that earns points in the evaluation (SECURITY.md M).

The evaluation (intranet/achievements/services.py `gather`) counts: attendance marked present
at activities held (status 已完成), lessons given by presenters by the activity's level and form,
verified achievements, the work report, and the average observation score. So the writable
inputs are an activity's level, form, status, date and presenters, attendance, observation
scores and achievement verification. For each role and each of them: allowed, or refused with
the database unchanged.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from intranet.achievements.models import Achievement
from intranet.clock import school_today
from intranet.extensions import db
from intranet.mentoring.models import Observation, RubricItem
from intranet.people.models import Staff
from intranet.schedule.models import Activity, Attendance, Semester
from tests.conftest import as_user, send

TODAY = school_today()
# "responsible" is a teacher responsible for the activity; "teacher" is any other colleague.
ROLES = ("teacher", "responsible", "leader", "manager", "admin")
MANAGERS = {"manager", "admin"}


@pytest.fixture
def world(app, make_staff):
    ids = {role: make_staff(role=role) for role in ("teacher", "leader", "manager", "admin")}
    ids["responsible"] = make_staff(role="teacher", username="fuze", name="顾雅琴")
    ids["presenter"] = make_staff(role="teacher", username="zhujiang", name="王晓燕")
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=TODAY - timedelta(days=60),
            end=TODAY + timedelta(days=60),
            is_current=True,
        )
        lesson = Activity(
            semester=semester,
            date=TODAY,
            theme="《圆的认识》",
            form="demo_lesson",
            responsible_id=ids["responsible"],
            status="planned",
            presenters=[db.session.get(Staff, ids["presenter"])],
        )
        prize = Achievement(
            staff_id=ids["presenter"],
            kind="paper",
            level="district",
            title="低年级识字教学初探",
            awarded_on=TODAY,
        )
        db.session.add_all([semester, lesson, prize])
        db.session.commit()
        ids |= {"activity": lesson.id, "achievement": prize.id}
    return ids


def row(world, **changes) -> dict:
    return {
        "date": TODAY.isoformat(),
        "start_time": "",
        "end_time": "",
        "place": "",
        "level": "school",
        "kind": "demo_lesson",
        "theme": "《圆的认识》",
        "procedure": "",
        "responsible_id": str(world["responsible"]),
        "partner_school_id": "",
        "presenter_ids": [str(world["presenter"])],
        "status": "planned",
        "version": "1",
        **changes,
    }


def rubric_scores(app) -> dict:
    with app.app_context():
        items = db.session.scalars(select(RubricItem).where(RubricItem.active)).all()
        return {f"score-{i.id}": str(i.max_score) for i in items}


def write(app, world, field, role):
    """Try to write one counted field as the role; returns the response."""
    actor = as_user(app, world[role])
    activity = f"/schedule/activities/{world['activity']}"
    if field in ("level", "kind", "status", "date", "presenter_ids"):
        value = {
            "level": "district",
            "kind": "report_lesson",
            "status": "done",
            "date": (TODAY + timedelta(days=1)).isoformat(),
            "presenter_ids": [str(world["presenter"]), str(world[role])],
        }[field]
        return send(actor, "PUT", activity, row(world, **{field: value}))
    if field == "attendance of a colleague":
        return send(
            actor,
            "POST",
            f"{activity}/attendance",
            {"staff_id": str(world["presenter"]), "status": "present"},
        )
    if field == "own attendance":
        return send(
            actor,
            "POST",
            f"{activity}/attendance",
            {"staff_id": str(world[role]), "status": "present"},
        )
    if field == "observation scores":
        return send(
            actor,
            "POST",
            f"/mentoring/observations/{world['activity']}",
            {"teacher_id": str(world["presenter"]), **rubric_scores(app)},
        )
    if field == "achievement verification":
        return send(actor, "POST", f"/achievements/{world['achievement']}/verify")
    raise AssertionError(field)


def snapshot(app, world) -> tuple:
    with app.app_context():
        a = db.session.get(Activity, world["activity"])
        return (
            (a.date, a.level, a.form, a.status, a.presenter_ids, a.version),
            db.session.execute(select(Attendance.staff_id, Attendance.status)).all(),
            db.session.scalars(select(Observation.id)).all(),
            db.session.get(Achievement, world["achievement"]).verified_at,
        )


# Who may write it; everyone else is refused. The responsible teacher edits the activity's
# theme, place, times and procedure and marks colleagues' attendance, nothing that earns points.
# Nobody in this world attended the lesson, so only managers may score it.
ALLOWED = {
    "level": MANAGERS,
    "kind": MANAGERS,
    "status": MANAGERS,
    "date": MANAGERS,
    "presenter_ids": MANAGERS,
    "attendance of a colleague": MANAGERS | {"responsible"},
    "own attendance": MANAGERS,
    "observation scores": MANAGERS,
    "achievement verification": MANAGERS,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("field", sorted(ALLOWED))
def test_M_only_the_allowed_roles_write_what_earns_points(app, world, field, role):
    before = snapshot(app, world)
    response = write(app, world, field, role)
    if role in ALLOWED[field]:
        assert response.status_code == 200, (field, role, response.status_code)
        assert snapshot(app, world) != before, f"{role} saved {field}, yet nothing changed"
    else:
        assert response.status_code in (403, 422), (field, role, response.status_code)
        assert snapshot(app, world) == before, f"{role} was refused {field} but it changed"


# --- traces a responsible teacher makes alone earn nobody anything ---------------------------


def make_presenter_responsible(app, world, days_ago=3):
    """The lesson, days ago and still 计划, presented by its own responsible teacher."""
    with app.app_context():
        lesson = db.session.get(Activity, world["activity"])
        lesson.date = TODAY - timedelta(days=days_ago)
        lesson.level = "district"
        lesson.presenters = [db.session.get(Staff, world["responsible"])]
        db.session.commit()


def test_M_a_presenting_responsible_teacher_marks_nobody_present(app, world):
    make_presenter_responsible(app, world)
    responsible = as_user(app, world["responsible"])
    url = f"/schedule/activities/{world['activity']}"
    r = send(
        responsible,
        "POST",
        f"{url}/attendance",
        {"staff_id": str(world["teacher"]), "status": "present"},
    )
    assert r.status_code == 422 and "主讲人" in r.get_data(as_text=True)
    r = send(responsible, "POST", f"{url}/roll", {f"status-{world['teacher']}": "present"})
    with app.app_context():
        assert db.session.scalar(select(Attendance.id)) is None


def test_M_a_colleague_marked_present_by_a_teacher_is_no_scorer(app, world):
    """Only a check-in by the code, or a manager's marking, makes someone an attendee."""
    with app.app_context():
        lesson = db.session.get(Activity, world["activity"])
        lesson.date = TODAY - timedelta(days=1)
        db.session.add(
            Attendance(
                activity_id=lesson.id,
                staff_id=world["teacher"],
                status="present",
                marked_by_id=world["responsible"],
            )
        )
        db.session.commit()
    friend = as_user(app, world["teacher"])
    r = send(
        friend,
        "POST",
        f"/mentoring/observations/{world['activity']}",
        {"teacher_id": str(world["presenter"]), **rubric_scores(app)},
    )
    assert r.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Observation.id)) is None


def test_M_a_summary_alone_does_not_let_the_responsible_teacher_close_a_lesson(app, world):
    make_presenter_responsible(app, world)
    responsible = as_user(app, world["responsible"])
    url = f"/schedule/activities/{world['activity']}"
    send(responsible, "POST", f"{url}/record", {"summary": "."})
    assert send(responsible, "POST", f"{url}/done").status_code == 403
    with app.app_context():
        assert db.session.get(Activity, world["activity"]).status == "planned"


@pytest.mark.parametrize("when", ["future", "cancelled"])
def test_M_no_roll_call_before_the_day_or_for_a_cancelled_activity(app, world, when):
    with app.app_context():
        lesson = db.session.get(Activity, world["activity"])
        if when == "future":
            lesson.date = TODAY + timedelta(days=20)
        else:
            lesson.status = "cancelled"
        db.session.commit()
    manager = as_user(app, world["manager"])
    url = f"/schedule/activities/{world['activity']}"
    r = send(manager, "POST", f"{url}/roll", {"all_present": "1"})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and ("不能登记出勤" in body or "还没有开始" in body)
    r = send(
        manager,
        "POST",
        f"{url}/attendance",
        {"staff_id": str(world["teacher"]), "status": "present"},
    )
    assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Attendance.id)) is None
