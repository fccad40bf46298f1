"""活动反馈: the question a person present answers once after an activity, and the summary the
responsible person and managers read on the activity's page (templates/feedback/).

Nothing here logs: a line naming the request's user next to this path would say who answered
(SECURITY.md L). The answer's response names no answer, sets no flash and no cookie."""

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import current_user
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from intranet.auth.permissions import (
    FEEDBACK_DAYS,
    can_read_feedback,
    deny,
    feedback_refusal,
    load,
    public,
    require,
)
from intranet.extensions import db, limiter
from intranet.feedback import services
from intranet.feedback.forms import FeedbackForm
from intranet.feedback.models import GAINS
from intranet.htmx import is_htmx, render
from intranet.schedule.models import Activity, Guest
from intranet.schedule.services import activity_by_checkin_token

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
ASK = object()  # feedback_panel asks feedback_refusal itself
NO_STORE = {"Cache-Control": "no-store"}  # shared staff-room computers (SECURITY.md L)
bp.add_app_template_global(FEEDBACK_DAYS, "feedback_days")  # the rule, as pages explain it


@bp.app_template_global()
def feedback_panel(activity, form=None, error=None, refusal=ASK) -> dict:
    """What the activity's page and the check-in page show of feedback, for the current user:
    `state` "open" (the question), "answered" (the thanks) or None; `summary` for readers.
    `refusal`: feedback_refusal() when the view has asked already (answering does not move it)."""
    if refusal is ASK:
        refusal = feedback_refusal(current_user, activity)
    state = None
    if refusal is None or refusal[0] != 403:  # present at it
        if services.has_answered(activity.id, current_user.id):
            state = "answered"
        elif refusal is None:
            state = "open"
    readable = can_read_feedback(current_user, activity)
    return {
        "activity": activity,
        "state": state,
        "reason": refusal[1] if refusal and refusal[0] != 403 else None,
        "form": form or FeedbackForm(formdata=None),
        "error": error,
        "gains": GAINS,
        "summary": services.summary(activity) if readable else None,
        # guests come to 片区 and 全区 activities only; their answers are a pool of their own
        "guest_summary": (
            services.summary(activity, by_guest=True)
            if readable and activity.level != "school"
            else None
        ),
    }


def _answer(activity, status=200, **panel):
    return render(
        "feedback/answer.html",
        "feedback/_answer.html",
        status,
        NO_STORE,
        panel=feedback_panel(activity, **panel),
    )


@bp.get("/activities/<int:activity_id>")
@require("schedule.view")
@load(Activity, key="activity_id")
def show(activity):
    """The question on a page of its own: the 待办 list links here, and it works without JS."""
    refusal = feedback_refusal(current_user, activity)
    if refusal and refusal[0] == 403:
        deny(refusal[1])
    return _answer(activity, refusal=refusal)


@bp.post("/activities/<int:activity_id>")
@require("schedule.view")
@load(Activity, key="activity_id")
def answer(activity):
    refusal = feedback_refusal(current_user, activity)
    if refusal and refusal[0] == 403:
        deny(refusal[1])
    form = FeedbackForm()
    if refusal:
        return _answer(activity, refusal[0], form=form, refusal=refusal)
    if not form.validate():
        return _answer(activity, 422, form=form, refusal=refusal)
    try:
        services.answer(
            activity.id,
            current_user.id,
            form.gain.data,
            form.useful.data or "",
            form.improve.data or "",
        )
        db.session.commit()
    except (services.AlreadyAnswered, IntegrityError):  # the mark's key: a second answer
        db.session.rollback()
        return _answer(
            activity, 409, error="你已经反馈过这次活动了，每人只能反馈一次。谢谢！", refusal=refusal
        )
    if is_htmx():
        return _answer(activity, refusal=refusal)
    return redirect(url_for(".show", activity_id=activity.id), 303)


# --- 外校来宾: a guest answers once, right after checking in, on the check-in page ----------
# A guest has no account: the check-in's response hands them a signed pass naming their guest
# row, sent back with the answer. It is never stored; the mark is guests' own HMAC.

ALREADY = "您已经反馈过这次活动了，每位来宾只能反馈一次。谢谢！"


def _passes() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="feedback-guest")


def guest_pass(guest: Guest) -> str:
    return _passes().dumps([guest.id, guest.activity_id])


def _guest_of(activity: Activity, value: str | None) -> Guest | None:
    """The guest the pass names, if it is a guest of this activity still kept."""
    try:
        guest_id, activity_id = _passes().loads(value or "")
    except (BadData, TypeError, ValueError):
        return None
    if activity_id != activity.id or not isinstance(guest_id, int):
        return None
    guest = db.session.get(Guest, guest_id)
    return guest if guest is not None and guest.activity_id == activity.id else None


@bp.app_template_global()
def guest_feedback_panel(activity, guest, form=None, error=None) -> dict:
    """What the check-in page offers a guest once checked in: `state` "open" (the question),
    "answered" (the thanks) or None with a `reason`."""
    answered = guest is not None and services.guest_has_answered(guest)
    reason = None if answered else services.guest_refusal(activity)
    if guest is None:
        reason = "签到信息已失效：请重新扫码签到后再反馈。"
    state = "answered" if answered else ("open" if reason is None else None)
    return {
        "activity": activity,
        "guest": guest,
        "pass": guest_pass(guest) if state == "open" else "",
        "state": state,
        "reason": reason,
        "form": form or FeedbackForm(formdata=None),
        "error": error,
        "gains": GAINS,
    }


def _guest_answer(activity, guest, status=200, **panel):
    return render(
        "feedback/guest_answer.html",
        "feedback/_guest_answer.html",
        status,
        NO_STORE,
        panel=guest_feedback_panel(activity, guest, **panel),
    )


@bp.post("/guest/<token>")
@public
@limiter.limit("30 per minute")  # as guests' check-in: a room answers once each
def guest_answer(token):
    """A guest's answer, from the check-in page (the activity's own link, no account)."""
    activity = activity_by_checkin_token(token)
    guest = _guest_of(activity, request.form.get("guest"))
    form = FeedbackForm()
    if guest is None or services.guest_refusal(activity):
        return _guest_answer(activity, guest, 422, form=form)
    if not form.validate():
        return _guest_answer(activity, guest, 422, form=form)
    try:
        services.answer_as_guest(
            guest, form.gain.data, form.useful.data or "", form.improve.data or ""
        )
        db.session.commit()
    except (services.AlreadyAnswered, IntegrityError):
        db.session.rollback()
        return _guest_answer(activity, guest, 409, error=ALREADY)
    return _guest_answer(activity, guest)
