"""Access rules of mentoring: everyone reads the pools; attendees, mentors and managers score a
lesson; managers keep pools, pairings and the rubric; a pairing, plan, growth record and
observation scores are for the people in them (the world's target teacher is the apprentice)
and the studio."""

from datetime import timedelta

from intranet.clock import school_today
from intranet.extensions import db
from tests.access import EVERYONE, MANAGERS, SIGNED_IN, STUDIO, Route

NOBODY = frozenset()
PAIRING = "/mentoring/pairings/{pairing}"

ROUTES = {
    # An external mentor's account sees the list (of their own pairings only) and no more.
    "mentoring.index": Route("GET", "/mentoring", SIGNED_IN),
    "mentoring.new": Route("GET", "/mentoring/pairings/new", MANAGERS),
    "mentoring.create": Route("POST", "/mentoring/pairings", MANAGERS),
    "mentoring.show": Route("GET", PAIRING, STUDIO, owner="staff"),
    "mentoring.update_agreement": Route("PUT", PAIRING + "/agreement", MANAGERS, owner="staff"),
    "mentoring.sign": Route("POST", PAIRING + "/sign", NOBODY, owner="staff"),
    "mentoring.revise": Route("POST", PAIRING + "/revisions", MANAGERS, owner="staff"),
    "mentoring.printable": Route("GET", PAIRING + "/print", STUDIO, owner="staff"),
    "mentoring.change_state": Route("POST", PAIRING + "/state", MANAGERS),
    "mentoring.create_task": Route("POST", PAIRING + "/tasks", MANAGERS),
    "mentoring.toggle_task": Route("POST", PAIRING + "/tasks/{task}/done", MANAGERS, owner="staff"),
    "mentoring.create_feedback": Route("POST", PAIRING + "/feedback", NOBODY, owner="staff"),
    "mentoring.talent.index": Route("GET", "/mentoring/talent", EVERYONE),
    "mentoring.talent.join_pool": Route("POST", "/mentoring/talent/pools", MANAGERS),
    "mentoring.talent.create_external_mentor": Route("POST", "/mentoring/talent/team", MANAGERS),
    "mentoring.talent.toggle_external_mentor": Route(
        "POST", "/mentoring/talent/team/{external_mentor}/active", MANAGERS
    ),
    "mentoring.talent.issue_account": Route(
        "POST", "/mentoring/talent/team/{external_mentor}/account", MANAGERS
    ),
    "mentoring.talent.create_duty": Route("POST", "/mentoring/talent/duties", MANAGERS),
    "mentoring.talent.delete_duty": Route(
        "POST", "/mentoring/talent/duties/{duty}/delete", MANAGERS
    ),
    "mentoring.talent.export": Route("GET", "/mentoring/talent/export.xlsx", EVERYONE),
    "mentoring.talent.printable": Route("GET", "/mentoring/talent/print", EVERYONE),
    "mentoring.plans.show": Route("GET", "/mentoring/plans/{staff}", STUDIO, owner="staff"),
    "mentoring.plans.save": Route("POST", "/mentoring/plans/{staff}", MANAGERS, owner="staff"),
    "mentoring.plans.create_item": Route(
        "POST", "/mentoring/plans/{staff}/items", MANAGERS, owner="staff"
    ),
    "mentoring.plans.delete_item": Route(
        "POST", "/mentoring/plans/{staff}/items/{plan_item}/delete", MANAGERS, owner="staff"
    ),
    "mentoring.plans.create_record": Route(
        "POST", "/mentoring/plans/{staff}/items/{plan_item}/records", MANAGERS, owner="staff"
    ),
    "mentoring.plans.record_evidence": Route(
        "GET", "/mentoring/plans/{staff}/records/0/evidence", STUDIO, owner="staff"
    ),
    "mentoring.plans.growth": Route("GET", "/mentoring/growth/{staff}", STUDIO, owner="staff"),
    # Scoring is for those who attended, a presenter's mentor and managers (the roles here
    # attended nothing); this lesson's window has closed, so managers get 422, not 403.
    "mentoring.observations.new": Route("GET", "/mentoring/observations/new/{lesson}", MANAGERS),
    "mentoring.observations.create": Route("POST", "/mentoring/observations/{lesson}", MANAGERS),
    "mentoring.observations.set_aside": Route(
        "POST", "/mentoring/observations/scorings/{observation}/set-aside", MANAGERS
    ),
    "mentoring.observations.results": Route(
        "GET", "/mentoring/observations/teachers/{staff}", STUDIO, owner="staff"
    ),
    "mentoring.observations.rubric": Route("GET", "/mentoring/rubric", MANAGERS),
    "mentoring.observations.create_rubric_item": Route("POST", "/mentoring/rubric", MANAGERS),
    "mentoring.observations.toggle_rubric_item": Route(
        "POST", "/mentoring/rubric/{rubric_item}/active", MANAGERS
    ),
}


def objects(app, world) -> dict:
    from intranet.mentoring.models import (
        Agreement,
        DevelopmentPlan,
        Observation,
        Pairing,
        PairingTask,
        PlanItem,
        RubricItem,
    )
    from intranet.people.models import ExternalMentor, Staff, StudioDuty
    from intranet.schedule.models import Activity, Semester

    with app.app_context():
        today = school_today()
        semester = Semester(
            name="结对学期", start=today - timedelta(days=400), end=today - timedelta(days=300)
        )
        mentor = Staff(username="mentor", name="导师", role="teacher")
        pairing = Pairing(
            mentor=mentor,
            apprentice_id=world["staff"],
            start_semester=semester,
            end_semester=semester,
        )
        pairing.agreements.append(Agreement(mentor_duties="责任", apprentice_goals="目标"))
        pairing.tasks.append(PairingTask(text="读书"))
        plan = DevelopmentPlan(
            staff_id=world["staff"], start_year=today.year, end_year=today.year + 2, goals="目标"
        )
        plan.items.append(PlanItem(semester=semester, kind="reading", target=1))
        lesson = Activity(
            semester=semester, date=semester.start, theme="汇报课", form="report_lesson"
        )
        expert = ExternalMentor(name="专家", organisation="教师进修学校")
        duty = StudioDuty(staff_id=world["staff"], duty="资料整理")
        scoring = Observation(activity=lesson, observer=mentor, teacher_id=world["staff"])
        db.session.add_all([pairing, plan, lesson, expert, duty, scoring])
        db.session.commit()
        return {
            "pairing": pairing.id,
            "task": pairing.tasks[0].id,
            "plan_item": plan.items[0].id,
            "lesson": lesson.id,
            "observation": scoring.id,
            "external_mentor": expert.id,
            "duty": duty.id,
            "rubric_item": db.session.scalar(db.select(RubricItem.id).limit(1)),
        }
