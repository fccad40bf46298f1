"""Mentor–apprentice pairings (师徒结对): the agreement from draft to both signatures, its
versions, the apprentice's tasks and feedback. Pools, plans and observation are nested below."""

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from intranet.auth.permissions import (
    can,
    can_edit_agreement,
    can_manage_tasks,
    can_rate_mentoring,
    can_see_pairing,
    can_sign_agreement,
    can_tick_task,
    load,
    require,
)
from intranet.clock import school_today, utcnow
from intranet.concurrency import save, saved_text
from intranet.extensions import db
from intranet.htmx import is_htmx, partial_response, toast
from intranet.mentoring import observations, plans, services, talent
from intranet.mentoring.forms import (
    AgreementForm,
    EndForm,
    FeedbackForm,
    PairingForm,
    SignForm,
    TaskForm,
)
from intranet.mentoring.models import MentoringFeedback, Pairing, PairingTask
from intranet.schedule.models import Semester

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring")
for nested in (talent.bp, plans.bp, observations.bp):
    bp.register_blueprint(nested)
log = logging.getLogger("intranet.mentoring")


@bp.get("")
@require("mentoring.pairings")
def index():
    pairings = db.session.scalars(services.visible_pairings(current_user)).all()
    current = Semester.current()
    health = {}
    if current and can(current_user, "mentoring.see_all"):
        health = {h.pairing.id: h for h in services.pairing_health(current, school_today())}
    return render_template("mentoring/index.html", pairings=pairings, health=health)


@bp.get("/pairings/new")
@require("mentoring.manage")
def new():
    form = PairingForm(formdata=None)
    current = Semester.current()
    if current:
        form.start_semester_id.data = form.end_semester_id.data = current.id
    return render_template("mentoring/new.html", form=form)


@bp.post("/pairings")
@require("mentoring.manage")
def create():
    form = PairingForm()
    valid = form.validate()
    if valid:
        start = db.session.get(Semester, form.start_semester_id.data)
        end = db.session.get(Semester, form.end_semester_id.data)
        if services.overlapping(*form.mentor_ids, form.apprentice_id.data, start, end):
            form.apprentice_id.errors.append("这对师徒在这段学期里已经结对，不能重复结对。")
            valid = False
    if not valid:
        return render_template("mentoring/new.html", form=form), 422
    pairing = services.create_pairing(form)
    db.session.commit()
    log.info("pairing created id=%s by=%s", pairing.id, current_user.username)
    flash("已建立师徒结对，协议为草拟状态，请双方阅读后确认签字。", "success")
    return redirect(url_for("mentoring.show", pairing_id=pairing.id), 303)


@bp.get("/pairings/<int:pairing_id>")
@require("mentoring.pairings")
@load(Pairing, can_see_pairing, key="pairing_id")
def show(pairing):
    if is_htmx():
        return _agreement(pairing)
    current = Semester.current()
    feedback = db.session.scalars(
        db.select(MentoringFeedback)
        .where(MentoringFeedback.pairing_id == pairing.id)
        .order_by(MentoringFeedback.created_on.desc())
    ).all()
    return render_template(
        "mentoring/show.html",
        pairing=pairing,
        agreement_form=AgreementForm.of(pairing.agreement),
        sign_form=SignForm(formdata=None, obj=pairing.agreement),
        task_form=TaskForm(formdata=None),
        end_form=EndForm(formdata=None),
        feedback=feedback,
        feedback_form=FeedbackForm(formdata=None),
        rated=any(f.semester_id == (current.id if current else None) for f in feedback),
        current=current,
        today=school_today(),
    )


def _agreement(pairing, form=None, status=200, conflict=None, headers=None, notice=None):
    agreement = pairing.agreement
    return partial_response(
        "mentoring/_agreement.html",
        status,
        headers,
        pairing=pairing,
        agreement_form=form or AgreementForm.of(agreement),
        sign_form=SignForm(formdata=None, obj=agreement),
        conflict=conflict,
        notice=notice,
    )


@bp.put("/pairings/<int:pairing_id>/agreement")
@require("mentoring.view")
@load(Pairing, can_edit_agreement, key="pairing_id")
def update_agreement(pairing):
    """Edit the draft's text; an edit voids any signature already given to the old text."""
    agreement = pairing.agreement
    form = AgreementForm()
    if agreement.is_signed:
        notice = "这一版协议已经签订，内容不能再改。请点“修改协议”生成新版本。"
        return _agreement(pairing, status=409, notice=notice)
    if not form.validate():
        return _agreement(pairing, form, 422)
    return save(
        agreement,
        form,
        stored=AgreementForm.of,
        apply=services.apply_agreement_text,
        reload=lambda: db.session.get(Pairing, pairing.id).agreement,
        target=f"agreement-{pairing.id}",
        conflict=lambda _, typed, clashes: _agreement(pairing, typed, conflict=clashes),
        saved=lambda _, merged: toast(
            _agreement(pairing), saved_text(merged, "协议已保存，需双方重新确认")
        ),
    )


@bp.post("/pairings/<int:pairing_id>/sign")
@require("mentoring.pairings")
@load(Pairing, can_sign_agreement, key="pairing_id")
def sign(pairing):
    agreement = pairing.agreement
    form = SignForm()
    if not form.validate():
        abort(400)
    if str(agreement.version) != (form.version.data or ""):
        return _agreement(pairing, status=409, notice="协议内容刚被修改过，请重新阅读后再签字。")
    signed = services.sign(agreement, current_user)
    db.session.commit()
    log.info("agreement signed pairing=%s by=%s as=%s", pairing.id, current_user.username, signed)
    message = "已确认签字" if signed else "您已经签过字了"
    if agreement.is_signed:
        message = "双方均已确认，协议已签订"
    return toast(_agreement(pairing), message)


@bp.post("/pairings/<int:pairing_id>/revisions")
@require("mentoring.view")
@load(Pairing, can_edit_agreement, key="pairing_id")
def revise(pairing):
    if pairing.agreement.is_signed:
        services.revise(pairing)
        db.session.commit()
    return toast(_agreement(pairing), f"已生成第 {pairing.agreement.number} 版协议草稿")


@bp.get("/pairings/<int:pairing_id>/print")
@require("mentoring.pairings")
@load(Pairing, can_see_pairing, key="pairing_id")
def printable(pairing):
    return render_template("mentoring/print.html", pairing=pairing, agreement=pairing.agreement)


# --- the pairing's life: started, completed, ended ------------------------------------------


@bp.post("/pairings/<int:pairing_id>/state")
@require("mentoring.manage")
@load(Pairing, key="pairing_id")
def change_state(pairing):
    action = request.form.get("action", "")
    form = EndForm()
    if action == "end" and not form.validate():
        flash(form.reason.errors[0], "error")
        return redirect(url_for("mentoring.show", pairing_id=pairing.id), 303)
    try:
        services.change_state(pairing, action, form.reason.data)
    except ValueError as refused:
        flash(str(refused), "error")
        return redirect(url_for("mentoring.show", pairing_id=pairing.id), 303)
    db.session.commit()
    log.info("pairing %s id=%s by=%s", action, pairing.id, current_user.username)
    flash(f"结对状态已改为“{pairing.state_label}”。", "success")
    return redirect(url_for("mentoring.show", pairing_id=pairing.id), 303)


# --- tasks and feedback ------------------------------------------------------------------------


def _tasks(pairing, form=None, status=200):
    body = render_template(
        "mentoring/_tasks.html",
        pairing=pairing,
        task_form=form or TaskForm(formdata=None),
        today=school_today(),
    )
    return body, status


@bp.post("/pairings/<int:pairing_id>/tasks")
@require("mentoring.view")
@load(Pairing, can_manage_tasks, key="pairing_id")
def create_task(pairing):
    form = TaskForm()
    if not form.validate():
        return _tasks(pairing, form, 422)
    db.session.add(
        PairingTask(pairing_id=pairing.id, text=form.text.data.strip(), due=form.due.data)
    )
    db.session.commit()
    db.session.refresh(pairing)
    return _tasks(pairing)


@bp.post("/pairings/<int:pairing_id>/tasks/<int:task_id>/done")
@require("mentoring.view")
@load(Pairing, can_tick_task, key="pairing_id")
def toggle_task(pairing, task_id):
    task = db.get_or_404(PairingTask, task_id)
    if task.pairing_id != pairing.id:
        abort(404)
    task.done_at = None if task.done_at else utcnow()
    db.session.commit()
    return _tasks(pairing)


@bp.post("/pairings/<int:pairing_id>/feedback")
@require("mentoring.view")
@load(Pairing, can_rate_mentoring, key="pairing_id")
def create_feedback(pairing):
    """The apprentice rates the mentoring once a semester; the rating is kept as given."""
    current = Semester.current()
    if current is None:
        abort(404)
    form = FeedbackForm(pairing=pairing, semester=current)
    if not form.validate():
        body = render_template(
            "mentoring/_feedback_form.html", pairing=pairing, feedback_form=form, current=current
        )
        return body, 422
    db.session.add(
        MentoringFeedback(
            pairing_id=pairing.id,
            semester_id=current.id,
            rating=int(form.rating.data),
            comment=(form.comment.data or "").strip(),
        )
    )
    db.session.commit()
    return toast(
        render_template("mentoring/_feedback_done.html", pairing=pairing, current=current),
        "谢谢您的评价",
    )
