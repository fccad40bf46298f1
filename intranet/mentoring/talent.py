"""The studio's people (managers): the two talent pools with their history, the external
mentor team (and their accounts), and the organisation table (成员及分工一览表), exported and
printed."""

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from intranet.auth.permissions import MENTOR_GUEST, can, require
from intranet.clock import school_today
from intranet.extensions import db
from intranet.mentoring import services
from intranet.mentoring.forms import DutyForm, ExternalMentorForm, PoolForm
from intranet.people import services as people
from intranet.people.models import POOLS, ExternalMentor, StudioDuty
from intranet.spreadsheets import download

# Nested in the mentoring blueprint: endpoints read mentoring.talent.<view>.
bp = Blueprint("talent", __name__)
log = logging.getLogger("intranet.mentoring")


def _page(pool_form=None, mentor_form=None, duty_form=None, status=200, issued=None, error=None):
    editable = can(current_user, "mentoring.manage")
    if pool_form is None:
        pool_form = PoolForm(formdata=None)
        pool_form.since.data = school_today()
    team = (
        db.select(ExternalMentor)
        .options(joinedload(ExternalMentor.account))
        .order_by(ExternalMentor.name)
    )
    return render_template(
        "mentoring/talent.html",
        pools=services.current_pools(),
        pool_names=POOLS,
        team=db.session.scalars(team if editable else team.where(ExternalMentor.active)).all(),
        duties=services.duties(),
        pool_form=pool_form,
        mentor_form=mentor_form or ExternalMentorForm(formdata=None),
        duty_form=duty_form or DutyForm(formdata=None),
        editable=editable,
        issued=issued,
        account_error=error,
    ), status


@bp.get("/talent")
@require("mentoring.view")
def index():
    """Everyone may read who is in the pools and who does what; managers change it."""
    return _page()


@bp.post("/talent/pools")
@require("mentoring.manage")
def join_pool():
    form = PoolForm()
    if not form.validate():
        return _page(pool_form=form, status=422)
    services.join_pool(form.staff_id.data, form.pool.data, form.since.data, form.note.data or "")
    db.session.commit()
    flash(f"已加入{POOLS[form.pool.data]}。", "success")
    return redirect(url_for(".index"), 303)


@bp.post("/talent/team")
@require("mentoring.manage")
def create_external_mentor():
    form = ExternalMentorForm()
    if not form.validate():
        return _page(mentor_form=form, status=422)
    mentor = ExternalMentor()
    form.populate_obj(mentor)
    db.session.add(mentor)
    db.session.commit()
    flash(f"已把 {mentor.name} 加入名师培养导师团。", "success")
    return redirect(url_for(".index"), 303)


@bp.post("/talent/team/<int:mentor_id>/active")
@require("mentoring.manage")
def toggle_external_mentor(mentor_id):
    mentor = db.get_or_404(ExternalMentor, mentor_id)
    mentor.active = not mentor.active
    if mentor.account is not None:  # a mentor who leaves the team can no longer sign in
        mentor.account.active = mentor.active
        if not mentor.active:
            mentor.account.end_sessions()
    db.session.commit()
    return redirect(url_for(".index"), 303)


def _free_username(mentor: ExternalMentor) -> str:
    """导师团 accounts are named dst<id> (dst007), with a suffix if a colleague has that 工号."""
    base = f"dst{mentor.id:03d}"
    candidate, n = base, 1
    while people.username_taken(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@bp.post("/talent/team/<int:mentor_id>/account")
@require("mentoring.manage")
def issue_account(mentor_id):
    """Give a 导师团 expert an account of their own (外聘导师: their pairings, signing, scoring
    lessons they attended), or a new one-time password for it. The password shows once, here,
    and must be changed at first login: the same code path as a colleague's account."""
    mentor = db.get_or_404(ExternalMentor, mentor_id)
    if not mentor.active:
        return _page(status=422, error=(mentor.id, "这位专家已停用，请先启用再开通账号。"))
    if mentor.account is None:
        account, password = people.create_staff(
            {"username": _free_username(mentor), "name": mentor.name, "role": MENTOR_GUEST}
        )
        mentor.account = account
        what = "account created"
    else:
        account, password = mentor.account, people.reset_password(mentor.account)
        what = "password reset"
    db.session.commit()
    log.info("external mentor %s mentor=%s username=%s by=%s", what, mentor.id,
             account.username, current_user.username)  # fmt: skip
    return _page(issued=(mentor.id, account.username, password))


@bp.post("/talent/duties")
@require("mentoring.manage")
def create_duty():
    form = DutyForm()
    if not form.validate():
        return _page(duty_form=form, status=422)
    last = db.session.scalar(db.select(db.func.max(StudioDuty.position))) or 0
    db.session.add(
        StudioDuty(staff_id=form.staff_id.data, duty=form.duty.data.strip(), position=last + 1)
    )
    db.session.commit()
    return redirect(url_for(".index"), 303)


@bp.post("/talent/duties/<int:duty_id>/delete")
@require("mentoring.manage")
def delete_duty(duty_id):
    db.session.delete(db.get_or_404(StudioDuty, duty_id))
    db.session.commit()
    return redirect(url_for(".index"), 303)


@bp.get("/talent/export.xlsx")
@require("mentoring.view")
def export():
    body = services.organisation_workbook(current_app.config["SCHOOL_NAME"])
    return download(body, "组织管理成员及分工一览表.xlsx")


@bp.get("/talent/print")
@require("mentoring.view")
def printable():
    return render_template(
        "mentoring/talent_print.html",
        duties=services.duties(),
        pools=services.current_pools(),
        pool_names=POOLS,
        today=school_today(),
    )
