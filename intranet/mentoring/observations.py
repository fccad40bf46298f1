"""Lesson observation (听课评课): observers score a demo or report lesson on the rubric and
write what went well and what to improve; the teacher, their mentor and the studio read it."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from intranet.auth.permissions import (
    can_score_lesson,
    can_see_person,
    deny,
    load,
    require,
    scoring_refusal,
)
from intranet.clock import school_today
from intranet.extensions import db
from intranet.forms import as_id
from intranet.htmx import toast
from intranet.mentoring import services
from intranet.mentoring.forms import RubricItemForm, score_errors, scores_of, scoring_form
from intranet.mentoring.models import Observation, RubricItem
from intranet.people.models import Staff
from intranet.schedule.models import LESSON_FORMS, Activity

# Nested in the mentoring blueprint: endpoints read mentoring.observations.<view>.
bp = Blueprint("observations", __name__)


def _lesson(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.deleted_at is not None:
        abort(404)
    return activity


def _check_scorer(activity, teacher_id=None):
    """403 for someone who may not score this lesson; 422 once its window has closed."""
    refusal = scoring_refusal(current_user, activity, teacher_id)
    if refusal and refusal[0] == 403:
        deny(refusal[1])
    return refusal[1] if refusal else None


def _teachers(activity):
    """The presenters this person may score: never themself."""
    return [p for p in activity.presenters if can_score_lesson(current_user, activity, p.id)]


def _form_page(activity, status=200, errors=None, values=None, teacher_id=None):
    teachers = _teachers(activity)
    if values is None:
        chosen = teacher_id if teacher_id in {t.id for t in teachers} else None
        values = _earlier_values(activity, chosen or (teachers[0].id if teachers else None))
    return render_template(
        "mentoring/observe.html",
        activity=activity,
        teachers=teachers,
        items=services.rubric(),
        errors=errors or {},
        values=values,
        is_lesson=activity.form in LESSON_FORMS,
        scored=services.scored_by(activity, current_user.id),
    ), status


def _earlier_values(activity, teacher_id) -> dict:
    """The form filled with this person's earlier scoring of the teacher, so a second visit
    edits it."""
    earlier = services.observation_by(activity, current_user.id, teacher_id)
    if earlier is None:
        return {"teacher_id": str(teacher_id or "")}
    values = {f"score-{s.rubric_item_id}": str(s.score) for s in earlier.scores}
    return values | {
        "teacher_id": str(teacher_id),
        "strengths": earlier.strengths,
        "suggestions": earlier.suggestions,
    }


@bp.get("/observations/new/<int:activity_id>")
@require("mentoring.pairings")
def new(activity_id):
    activity = _lesson(activity_id)
    closed = _check_scorer(activity)
    teacher_id = as_id(request.args.get("teacher"))
    if closed:
        return _form_page(activity, 422, {"teacher": closed}, teacher_id=teacher_id)
    return _form_page(activity, teacher_id=teacher_id)


@bp.post("/observations/<int:activity_id>")
@require("mentoring.pairings")
def create(activity_id):
    """Those who attended, a presenter's mentor and managers score a lesson, within a window;
    nobody scores their own. Scoring again edits one's earlier scoring of that teacher."""
    activity = _lesson(activity_id)
    teacher_id = as_id(request.form.get("teacher_id"))
    closed = _check_scorer(activity, teacher_id)
    form = scoring_form(services.rubric(), request.form)
    form.validate()
    errors = score_errors(form)
    values = request.form.to_dict()
    presenters = {p.id for p in activity.presenters}
    if activity.form not in LESSON_FORMS:
        errors["teacher"] = "只有展示课和汇报课可以听课评分。"
    elif activity.status == "cancelled" or activity.date > school_today():
        errors["teacher"] = "这节课还没有上（或已取消），上过之后才能评分。"
    elif closed:
        errors["teacher"] = closed
    elif teacher_id not in presenters:
        errors["teacher"] = "请选择执教教师。"
    if errors:
        return _form_page(activity, 422, errors, values)
    scores = scores_of(form)
    services.save_observation(
        activity,
        current_user,
        teacher_id,
        scores,
        (form.strengths.data or "").strip(),
        (form.suggestions.data or "").strip(),
    )
    db.session.commit()
    teacher = db.session.get(Staff, teacher_id)
    return toast(
        render_template(
            "mentoring/_observed.html",
            activity=activity,
            teacher=teacher,
            total=sum(scores.values()),
        ),
        "评课已提交",
    )


@bp.post("/observations/scorings/<int:observation_id>/set-aside")
@require("mentoring.manage")
def set_aside(observation_id):
    """A manager sets an outlier aside: it stays on record, with the reason, and counts nowhere."""
    observation = db.get_or_404(Observation, observation_id)
    reason = (request.form.get("reason") or "").strip()
    error = None
    if not reason:
        error = "请写明剔除这条评分的理由。"
    elif len(reason) > 500:
        error = "理由不超过 500 字。"
    else:
        services.set_aside(observation, current_user, reason)
        db.session.commit()
    body = render_template(
        "mentoring/_scoring.html", observation=observation, error=error, reason=reason
    )
    return (body, 422) if error else toast(body, "已剔除这条评分")


@bp.get("/observations/teachers/<int:staff_id>")
@require("mentoring.view")
@load(Staff, can_see_person, key="staff_id")
def results(staff):
    """A teacher's observed lessons: the teacher, their mentor and the studio see the scores."""
    lessons = services.lesson_results(services.observations_of(staff.id))
    return render_template(
        "mentoring/results.html",
        person=staff,
        lessons=lessons,
        items=services.rubric(include_retired=True),
        chart=services.score_chart(lessons),
    )


@bp.get("/rubric")
@require("mentoring.manage")
def rubric(form=None, status=200):
    return render_template(
        "mentoring/rubric.html",
        items=services.rubric(include_retired=True),
        form=form or RubricItemForm(formdata=None),
    ), status


@bp.post("/rubric")
@require("mentoring.manage")
def create_rubric_item():
    form = RubricItemForm()
    if not form.validate():
        return rubric(form, 422)
    last = db.session.scalar(db.select(db.func.max(RubricItem.position))) or 0
    item = RubricItem(position=last + 1)
    form.populate_obj(item)
    db.session.add(item)
    db.session.commit()
    return redirect(url_for(".rubric"), 303)


@bp.post("/rubric/<int:item_id>/active")
@require("mentoring.manage")
def toggle_rubric_item(item_id):
    """Retire an item rather than delete it: old observations keep their scores."""
    item = db.get_or_404(RubricItem, item_id)
    item.active = not item.active
    db.session.commit()
    return redirect(url_for(".rubric"), 303)
