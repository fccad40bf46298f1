"""Who may do what: every permission rule of the app, in one place.

A view states its rule in one line: `@require("people.manage")`, or `@public` for the few pages
an anonymous visitor may open. Ownership rules are functions below, next to the role rules.
"""

import logging
from functools import wraps

from flask import abort, request
from flask_login import current_user

log = logging.getLogger("intranet.access")

EVERYONE = frozenset({"admin", "leader", "manager", "teacher"})
LEADERS = frozenset({"admin", "leader"})
STUDIO = frozenset({"admin", "leader", "manager"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "home.view": EVERYONE,
    "people.view": EVERYONE,
    "people.manage": frozenset({"admin"}),
    "people.export": STUDIO,
    # schedule: ownership rules (a responsible person edits their own row) are functions below
    "schedule.view": EVERYONE,
    "schedule.manage": frozenset({"admin", "manager"}),
    # suggestions
    "suggestions.submit": EVERYONE,
    "suggestions.manage": LEADERS,
    # mentoring: who sees whose pairing, plan and observations is decided by functions below
    "mentoring.view": EVERYONE,
    "mentoring.manage": frozenset({"admin", "manager"}),
    # achievements and work reports: owners' rights are functions below
    "achievements.view": EVERYONE,
    "achievements.manage": frozenset({"admin", "manager"}),
    # evaluation: a teacher sees their own score (can_see_evaluation_of), these see everyone's
    "evaluation.view_all": STUDIO,
    "evaluation.manage": frozenset({"admin", "manager"}),
    "dashboard.view": STUDIO,
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


def require_activity_editor(activity) -> None:
    if not can_edit_activity(current_user, activity):
        deny("not a manager or the responsible person")


def can_edit_achievement(user, achievement) -> bool:
    """Managers edit any achievement; its owner edits it until a manager has verified it."""
    if can(user, "achievements.manage"):
        return True
    return (
        getattr(user, "is_authenticated", False)
        and achievement.staff_id == user.id
        and not achievement.is_verified
    )


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


def can_see_evaluation_of(user, staff_id: int) -> bool:
    """Leaders, managers and admins see everyone's score; a teacher sees their own."""
    return can(user, "evaluation.view_all") or (
        getattr(user, "is_authenticated", False) and user.id == staff_id
    )


# --- what earns points (SECURITY.md M) ------------------------------------------------------


def can_edit_counted_fields(user) -> bool:
    """An activity's level, form, status, date and presenters earn points in the evaluation:
    only managers change them, never the responsible teacher."""
    return can(user, "schedule.manage")


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


def _attended(staff_id: int, activity_id: int) -> bool:
    from intranet.extensions import db
    from intranet.schedule.models import Attendance

    return bool(
        db.session.scalar(
            db.select(Attendance.id).where(
                Attendance.activity_id == activity_id,
                Attendance.staff_id == staff_id,
                Attendance.status == "present",
            )
        )
    )


def _apprentices_of(mentor_id: int) -> set[int]:
    from intranet.extensions import db
    from intranet.mentoring.models import Pairing

    return set(
        db.session.scalars(
            db.select(Pairing.apprentice_id).where(
                Pairing.mentor_id == mentor_id,
                Pairing.state.in_(("signed", "active", "completed")),
            )
        )
    )
