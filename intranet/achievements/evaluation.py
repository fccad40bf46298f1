"""The evaluation mechanism (评估机制): the semester's scheme, each member's score with its
breakdown, the ranking and its export. Leaders, managers and admins see everyone; a teacher
sees their own score."""

import logging

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from intranet.achievements import services
from intranet.achievements.forms import SchemeForm
from intranet.achievements.models import EvaluationScheme
from intranet.auth.permissions import can_see_evaluation_of, load, require
from intranet.extensions import db
from intranet.htmx import render, toast
from intranet.people.models import Staff
from intranet.semesters import all_semesters, requested
from intranet.spreadsheets import download

# Nested in the achievements blueprint: endpoints read achievements.evaluation.<view>.
bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")
log = logging.getLogger("intranet.achievements")


@bp.get("")
@require("evaluation.view_all")
def index():
    semester = requested(request.args)
    return render_template(
        "achievements/evaluation.html",
        semester=semester,
        semesters=all_semesters(),
        results=services.evaluate(semester),
        groups=services.GROUPS,
        scheme=EvaluationScheme.of(semester),
    )


@bp.get("/mine")
@require("achievements.view")
def mine():
    semester = requested(request.args)
    return redirect(
        url_for("achievements.evaluation.show", staff_id=current_user.id, semester=semester.id)
    )


@bp.get("/<int:staff_id>")
@require("achievements.view")
@load(Staff, can_see_evaluation_of, key="staff_id")
def show(staff):
    semester = requested(request.args)
    return render_template(
        "achievements/evaluation_show.html",
        semester=semester,
        semesters=all_semesters(),
        result=services.evaluation_of(staff, semester),
    )


@bp.get("/export.xlsx")
@require("evaluation.view_all")
def export():
    semester = requested(request.args)
    body = services.export_workbook(semester, services.evaluate(semester))
    return download(body, f"{semester.name}评估结果.xlsx")


def _scheme_page(semester, form, status=200):
    return render(
        "achievements/scheme.html",
        "achievements/_scheme_form.html",
        status,
        semester=semester,
        semesters=all_semesters(),
        form=form,
    )


@bp.get("/scheme")
@require("evaluation.manage")
def scheme():
    semester = requested(request.args)
    return _scheme_page(semester, SchemeForm(formdata=None, obj=EvaluationScheme.of(semester)))


@bp.post("/scheme")
@require("evaluation.manage")
def update_scheme():
    semester = requested(request.args)
    form = SchemeForm()
    if not form.validate():
        return _scheme_page(semester, form, 422)
    scheme = EvaluationScheme.of(semester)
    form.apply(scheme)
    db.session.add(scheme)
    db.session.commit()
    log.info("evaluation scheme saved semester=%s by=%s", semester.id, current_user.username)
    return toast(_scheme_page(semester, form), "评估方案已保存，得分已按新方案重新计算")
