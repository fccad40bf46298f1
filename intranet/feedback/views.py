"""活动反馈: the question a person present answers once after an activity, and the summary the
responsible person and managers read on the activity's page (templates/feedback/).

Nothing here logs: a line naming the request's user next to this path would say who answered
(SECURITY.md L). The answer's response names no answer, sets no flash and no cookie."""

from flask import Blueprint, redirect, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from intranet.auth.permissions import (
    can_read_feedback,
    deny,
    feedback_refusal,
    load,
    require,
)
from intranet.extensions import db
from intranet.feedback import services
from intranet.feedback.forms import FeedbackForm
from intranet.feedback.models import GAINS
from intranet.htmx import is_htmx, render
from intranet.schedule.models import Activity

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
NO_STORE = {"Cache-Control": "no-store"}  # shared staff-room computers (SECURITY.md L)


@bp.app_template_global()
def feedback_panel(activity, form=None, error=None) -> dict:
    """What the activity's page and the check-in page show of feedback, for the current user:
    `state` "open" (the question), "answered" (the thanks) or None; `summary` for readers."""
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
        "summary": services.summary(activity.id) if readable else None,
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
    return _answer(activity)


@bp.post("/activities/<int:activity_id>")
@require("schedule.view")
@load(Activity, key="activity_id")
def answer(activity):
    refusal = feedback_refusal(current_user, activity)
    if refusal and refusal[0] == 403:
        deny(refusal[1])
    form = FeedbackForm()
    if refusal:
        return _answer(activity, refusal[0], form=form)
    if not form.validate():
        return _answer(activity, 422, form=form)
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
        return _answer(activity, 409, error="你已经反馈过这次活动了，每人只能反馈一次。谢谢！")
    if is_htmx():
        return _answer(activity)
    return redirect(url_for(".show", activity_id=activity.id), 303)
