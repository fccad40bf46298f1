"""Who may do what: every permission rule of the app, in one place.

A view states its rule in one line: `@require("people.manage")`, or `@public` for the few pages
an anonymous visitor may open. Rules about one record are predicates `can_<verb>_<noun>(user,
record)` below; `@load(Model, can_..., key="..._id")` fetches the record a URL names and applies
its rule before the view runs, and templates ask the same predicates (`can_sign_for_mentor(
current_user, pairing)`), so no area keeps a role list or an ownership test of its own.
"""

import logging
import sys
from datetime import date, timedelta
from functools import wraps

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select

from intranet.extensions import db

log = logging.getLogger("intranet.access")

EVERYONE = frozenset({"admin", "leader", "manager", "teacher"})
LEADERS = frozenset({"admin", "leader"})
STUDIO = frozenset({"admin", "leader", "manager"})
MANAGEMENT_GROUP = frozenset({"manager"})  # 工作室管理组: studio members by their role
# 外聘导师: a member of the bureau's or training school's 导师团 with an account of their own
# (ExternalMentor.staff_id). Not staff: no role set above holds it, so every permission but the
# few that name it below refuses them (their pairings, signing, scoring a lesson they attended).
MENTOR_GUEST = "mentor_guest"

PERMISSIONS: dict[str, frozenset[str]] = {
    "home.view": EVERYONE | {MENTOR_GUEST},
    "people.view": EVERYONE,
    "people.manage": frozenset({"admin"}),
    "people.export": STUDIO,
    "people.political": LEADERS,  # everyone's 政治面貌 history and the yearly figures
    # schedule: ownership rules (a responsible person edits their own row) are functions below
    "schedule.view": EVERYONE,
    "schedule.manage": frozenset({"admin", "manager"}),
    # suggestions
    "suggestions.submit": EVERYONE,
    "suggestions.manage": LEADERS,
    # mentoring: who sees whose pairing, plan and observations is decided by functions below
    "mentoring.view": EVERYONE,
    # the pairing list and page, signing, scoring a lesson: the record's rule decides whose
    "mentoring.pairings": EVERYONE | {MENTOR_GUEST},
    "mentoring.see_all": STUDIO,
    "mentoring.manage": frozenset({"admin", "manager"}),
    # achievements and work reports: owners' rights are functions below
    "achievements.view": EVERYONE,
    "achievements.manage": frozenset({"admin", "manager"}),
    # evaluation: a teacher sees their own score (can_see_evaluation_of), these see everyone's
    "evaluation.view_all": STUDIO,
    "evaluation.manage": frozenset({"admin", "manager"}),
    "dashboard.view": STUDIO,
    # 收获 per presenter: everyone's (dashboard, profiles); a presenter sees their own
    # (can_see_gains_of)
    "feedback.presenters": LEADERS,
    "archive.export": STUDIO,
}


def can(user, permission: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role in PERMISSIONS[permission]


def deny(reason: str = ""):
    """Refuse with 403 and leave a line for the audit (ASVS 16.3.2)."""
    log.warning(
        "forbidden user=%s path=%s %s",
        getattr(current_user, "username", "-"),
        request.path,
        reason,
    )
    abort(403)


def require(permission: str):
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not can(current_user, permission):
                deny(permission)
            return view(*args, **kwargs)

        wrapped.permission = permission
        return wrapped

    return decorator


def load(model, rule=None, *, key: str, hidden: bool = False):
    """Fetch the record whose id the URL names (`key`) and apply its rule before the view runs:
    404 when there is no such record (or it was deleted), and also when the user may not know it
    exists (`hidden`); 403 when it exists and the rule refuses. The view gets the record in
    place of the id, as its first argument."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            record = db.session.get(model, kwargs.pop(key))
            if record is None or getattr(record, "deleted_at", None) is not None:
                abort(404)
            if rule is not None and not rule(current_user, record):
                if hidden:
                    abort(404)
                deny(rule.__name__)
            return view(record, *args, **kwargs)

        wrapped.rule = rule
        return wrapped

    return decorator


def public(view):
    """Mark a view as open without login; everything else requires it (see auth.views)."""
    view.is_public = True
    return view


# --- ownership rules ----------------------------------------------------------------------


def can_edit_activity(user, activity) -> bool:
    """Managers edit every row; the responsible person edits their own activity, its
    attendance and its record."""
    if can(user, "schedule.manage"):
        return True
    return (
        getattr(user, "is_authenticated", False)
        and activity.responsible_id is not None
        and activity.responsible_id == user.id
    )


def can_follow_up_suggestion(user, suggestion) -> bool:
    """Only the author adds to their own named suggestion."""
    return getattr(user, "is_authenticated", False) and suggestion.author_id == user.id


def can_disable_account(user, staff) -> bool:
    """Admins disable accounts, never their own (they would lock themselves out)."""
    return can(user, "people.manage") and staff.id != user.id


def attendance_refusal(user, activity, staff_id) -> str | None:
    """Why this user may not mark this person's attendance, in Chinese; None when they may.
    Managers mark anyone. A responsible teacher marks others, never themself, and nobody for a
    lesson they present: attendance earns points and lets colleagues score the lesson."""
    if not can_edit_activity(user, activity):
        return "只有工作室管理员和活动负责人可以登记出勤。"
    if can(user, "schedule.manage"):
        return None
    if staff_id == user.id:
        return "自己的出勤请在活动当天扫码签到。"
    if any(p.id == user.id for p in activity.presenters):
        return "您是这次活动的主讲人：出勤请由工作室管理员登记，或由老师们当天扫码签到。"
    return None


def can_mark_attendance_of(user, activity, staff_id) -> bool:
    return attendance_refusal(user, activity, staff_id) is None


def can_edit_achievement(user, achievement) -> bool:
    """Managers edit any achievement; its owner edits it until a manager has verified it."""
    if can(user, "achievements.manage"):
        return True
    return (
        getattr(user, "is_authenticated", False)
        and achievement.staff_id == user.id
        and not achievement.is_verified
    )


def can_verify_achievement(user, achievement) -> bool:
    """Managers verify; nobody verifies their own achievement."""
    return can(user, "achievements.manage") and achievement.staff_id != user.id


def can_see_certificate(user, achievement) -> bool:
    """A certificate is personal: its owner and the studio's leaders and managers (SECURITY G)."""
    return can(user, "evaluation.view_all") or (
        getattr(user, "is_authenticated", False) and achievement.staff_id == user.id
    )


def can_read_report(user, report) -> bool:
    """The author, the studio's leaders and managers; every member once it is published."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        report.state == "published"
        or report.staff_id == user.id
        or can(user, "evaluation.view_all")
    )


def can_edit_report(user, report) -> bool:
    """Only the author, and only while the report is theirs to write (draft or sent back)."""
    return getattr(user, "id", None) == report.staff_id and report.is_editable


def can_review_report(user, report) -> bool:
    """Managers review; nobody reviews their own report."""
    return can(user, "achievements.manage") and report.staff_id != user.id


def can_see_evaluation_of(user, staff) -> bool:
    """Leaders, managers and admins see everyone's score; a teacher sees their own."""
    return can(user, "evaluation.view_all") or (
        getattr(user, "is_authenticated", False) and user.id == staff.id
    )


# --- mentoring: pairings, agreements, tasks, plans and growth records ------------------------

LIVE_PAIRING_STATES = ("draft", "signed", "active")


def _signed_in(user) -> bool:
    return getattr(user, "is_authenticated", False)


def is_party(user, pairing) -> bool:
    return _signed_in(user) and user.id in (pairing.mentor_id, pairing.apprentice_id)


def is_external_mentor_of(user, pairing) -> bool:
    """The 导师团 expert of this pairing, signed in with the account a manager gave them."""
    return (
        _signed_in(user)
        and user.role == MENTOR_GUEST
        and pairing.external_mentor is not None
        and pairing.external_mentor.staff_id == user.id
    )


def can_see_pairing(user, pairing) -> bool:
    """The two sides (an external mentor by their own account) and the studio (leaders,
    managers, admins)."""
    return (
        can(user, "mentoring.see_all")
        or is_party(user, pairing)
        or is_external_mentor_of(user, pairing)
    )


def can_edit_agreement(user, pairing) -> bool:
    """A draft's text: either side, and managers who help them write it."""
    return can(user, "mentoring.manage") or is_party(user, pairing)


def can_sign_for_mentor(user, pairing) -> bool:
    """The mentor signs in the app; an external mentor too when a manager gave them an account,
    and a manager may always record the signature an external mentor gave on paper."""
    if pairing.mentor_id is not None:
        return _signed_in(user) and user.id == pairing.mentor_id
    return can(user, "mentoring.manage") or is_external_mentor_of(user, pairing)


def can_sign_as_apprentice(user, pairing) -> bool:
    return _signed_in(user) and user.id == pairing.apprentice_id


def can_sign_agreement(user, pairing) -> bool:
    return can_sign_for_mentor(user, pairing) or can_sign_as_apprentice(user, pairing)


def can_manage_tasks(user, pairing) -> bool:
    """The mentor sets tasks; managers too."""
    return can(user, "mentoring.manage") or (_signed_in(user) and user.id == pairing.mentor_id)


def can_tick_task(user, pairing) -> bool:
    """Whoever sets tasks, and the apprentice who does them."""
    return can_manage_tasks(user, pairing) or (
        _signed_in(user) and user.id == pairing.apprentice_id
    )


def can_rate_mentoring(user, pairing) -> bool:
    """Only the apprentice rates the mentoring they receive."""
    return _signed_in(user) and user.id == pairing.apprentice_id


def mentees_of(staff_id: int) -> set[int]:
    """The apprentices this colleague mentors now (any pairing not ended or completed)."""
    from intranet.mentoring.models import Pairing

    return set(
        db.session.scalars(
            select(Pairing.apprentice_id).where(
                Pairing.mentor_id == staff_id, Pairing.state.in_(LIVE_PAIRING_STATES)
            )
        )
    )


def can_see_person(user, staff) -> bool:
    """A person's plan, observations and growth record: the person, their mentor, the studio."""
    if not _signed_in(user):
        return False
    if can(user, "mentoring.see_all") or user.id == staff.id:
        return True
    return staff.id in mentees_of(user.id)


def can_write_plan(user, staff) -> bool:
    """The member writes their own plan; managers help. A mentor reads and advises."""
    return can(user, "mentoring.manage") or (_signed_in(user) and user.id == staff.id)


# --- what earns points (SECURITY.md M) ------------------------------------------------------


def can_edit_counted_fields(user) -> bool:
    """An activity's level, form, status, date and presenters earn points in the evaluation:
    only managers change them, never the responsible teacher."""
    return can(user, "schedule.manage")


def can_mark_activity_done(user, activity) -> bool:
    """The one change of a counted field a responsible teacher may make: 计划 → 已完成, for an
    activity whose day has passed and that left a trace (someone present, or a record). The
    change goes to the history; every other status change stays with managers."""
    from intranet.schedule.services import checked_in_by_others, has_taken_place

    if activity.status != "planned" or not can_edit_activity(user, activity):
        return False
    if can(user, "schedule.manage"):
        return has_taken_place(activity)
    # What the responsible teacher wrote or marked alone is no proof: others must have scanned in.
    return checked_in_by_others(activity)


def can_read_activity_history(user) -> bool:
    return can(user, "schedule.manage")


def scoring_refusal(user, activity, teacher_id: int | None = None) -> tuple[int, str] | None:
    """Why this person may not score this lesson now, as (status, reason); None when they may.
    Managers score any lesson; a leader or teacher only one they attended (checked in or
    marked present), and a mentor their apprentice's lesson; all within a window after it."""
    from flask import current_app

    from intranet.clock import school_today

    if not getattr(user, "is_authenticated", False):
        return 403, "not logged in"
    if teacher_id is not None and teacher_id == user.id:
        return 422, "不能给自己的课评分。"
    if not can(user, "mentoring.manage"):
        presenters = {p.id for p in activity.presenters}
        mentored = _apprentices_of(user.id) & presenters
        attended = _attended(user.id, activity.id)
        if teacher_id is not None and not attended and teacher_id not in mentored:
            return 403, "neither attended this lesson nor mentors this teacher"
        if not attended and not mentored:
            return 403, "neither attended this lesson nor mentors a presenter"
    days = current_app.config["OBSERVATION_WINDOW_DAYS"]
    if (school_today() - activity.date).days > days:
        return 422, f"评课须在听课后 {days} 天内完成，这节课的评课已经截止。"
    return None


def can_score_lesson(user, activity, teacher_id: int | None = None) -> bool:
    return scoring_refusal(user, activity, teacher_id) is None


def attended_as_scorer(staff_id: int, activity_id):
    """Present by their own check-in, or as marked by a manager: a teacher's marking of a
    colleague does not make them a scorer. An SQL condition, so a list of lessons (`activity_id`
    a column) asks the same rule in its one query."""
    from intranet.people.models import Staff
    from intranet.schedule.models import Attendance

    marker = db.aliased(Staff)
    return (
        select(Attendance.id)
        .outerjoin(marker, marker.id == Attendance.marked_by_id)
        .where(
            Attendance.activity_id == activity_id,
            Attendance.staff_id == staff_id,
            Attendance.status == "present",
            Attendance.checked_in_at.is_not(None) | marker.role.in_(PERMISSIONS["schedule.manage"]),
        )
        .correlate_except(Attendance, marker)
        .exists()
    )


def _attended(staff_id: int, activity_id: int) -> bool:
    return bool(db.session.scalar(select(attended_as_scorer(staff_id, activity_id))))


def _apprentices_of(mentor_id: int) -> set[int]:
    from intranet.mentoring.models import Pairing

    return set(
        db.session.scalars(
            select(Pairing.apprentice_id).where(
                Pairing.mentor_id == mentor_id,
                Pairing.state.in_(("signed", "active", "completed")),
            )
        )
    )


# --- activity feedback (活动反馈) ---------------------------------------------------------

# Answers are taken for three days after the activity (as long as the 待办 list holds the
# question), then read as one batch: a short wait for the responsible person, and no reader
# ever sees the figures move by one answer.
FEEDBACK_DAYS = 3


def feedback_closes_on(activity) -> date:
    """The last day answers are taken."""
    return activity.date + timedelta(days=FEEDBACK_DAYS)


def feedback_window_refusal(activity, today: date) -> str | None:
    """Why nobody, colleague or guest, answers now: a cancelled activity, or answering closed."""
    if activity.status == "cancelled":
        return "这次活动已取消，无需反馈。"
    if feedback_closes_on(activity) < today:
        return f"活动结束 {FEEDBACK_DAYS} 天后不再收集反馈，这次活动的反馈已经截止。"
    return None


def feedback_refusal(user, activity) -> tuple[int, str] | None:
    """Why this person may not answer 收获 for this activity now, as (status, reason); None
    when they may: someone marked or checked in present, once it is over (已完成, or its day
    has passed), within FEEDBACK_DAYS. Whether they already answered is not a right but a
    fact the answer itself checks (feedback.services)."""
    from intranet.clock import school_today
    from intranet.schedule.models import Attendance

    if not _signed_in(user):
        return 403, "not logged in"
    present = select(Attendance.id).where(
        Attendance.activity_id == activity.id,
        Attendance.staff_id == user.id,
        Attendance.status == "present",
    )
    if not db.session.scalar(select(present.exists())):
        return 403, "was not present at this activity"
    today = school_today()
    if reason := feedback_window_refusal(activity, today):
        return 422, reason
    if activity.status != "done" and activity.date >= today:
        return 422, "活动结束后才能反馈。"
    return None


def can_answer_feedback(user, activity) -> bool:
    return feedback_refusal(user, activity) is None


def can_read_feedback(user, activity) -> bool:
    """The answers' summary: the activity's responsible person and managers (and only once
    enough answered that no answer points to its author: feedback.services.summary)."""
    return can_edit_activity(user, activity)


def can_see_gains_of(user, staff) -> bool:
    """收获 of the activities a person presented: leaders and admins, and the person."""
    return can(user, "feedback.presenters") or (_signed_in(user) and user.id == staff.id)


def predicates() -> dict:
    """Every `can_*` rule by name, for templates: they ask, they never re-derive."""
    module = sys.modules[__name__]
    return {name: getattr(module, name) for name in dir(module) if name.startswith("can")}


# --- guests (外校来宾) ---------------------------------------------------------------------


def can_see_guests(user, activity) -> bool:
    """Guests' names and schools: managers, and only where guests come (片区, 全区)."""
    return can(user, "schedule.manage") and activity.level != "school"


# --- political status history (政治面貌记录, SECURITY D: sensitive) ------------------------


def can_see_status_history(user, staff) -> bool:
    """A person's 政治面貌 history: leaders and admins see anyone's, a person their own. A
    外聘导师's account has none: it is not one of the school's staff."""
    if not staff.of_school:
        return False
    return can(user, "people.political") or (_signed_in(user) and user.id == staff.id)


def can_change_status(user, staff) -> bool:
    """Admins record changes, never of their own status (the person never changes it), and
    never of a 外聘导师's account."""
    return can(user, "people.manage") and staff.id != user.id and staff.of_school
