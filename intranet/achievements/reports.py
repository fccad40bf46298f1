"""Work reports (工作汇报交流制度): each member writes a semester report by the deadline, managers
comment and may send it back, and published reports are read by all for the exchange meeting."""

import logging

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from intranet.achievements import services
from intranet.achievements.forms import ReportForm, ReviewForm
from intranet.achievements.models import EvaluationScheme, WorkReport
from intranet.auth.permissions import (
    can,
    can_edit_report,
    can_read_report,
    can_review_report,
    load,
    require,
)
from intranet.concurrency import save, saved_text
from intranet.extensions import db
from intranet.htmx import partial_response, render, toast
from intranet.semesters import all_semesters, requested
from intranet.uploads import (
    IMAGE,
    OFFICE,
    PDF,
    UploadError,
    delete_file,
    serve,
    store_all,
    take_out,
)

# Nested in the achievements blueprint: endpoints read achievements.reports.<view>.
bp = Blueprint("reports", __name__, url_prefix="/reports")
log = logging.getLogger("intranet.achievements")


@bp.get("")
@require("achievements.view")
def index():
    semester = requested(request.args)
    everyone = can(current_user, "evaluation.view_all")
    return render_template(
        "achievements/reports.html",
        semester=semester,
        semesters=all_semesters(),
        mine=services.report_of(current_user, semester),
        roll=services.report_roll(semester, published_only=not everyone),
        everyone=everyone,
        deadline=EvaluationScheme.of(semester).report_deadline,
    )


def _form_partial(report, form, status=200, conflict=None):
    return partial_response(
        "achievements/_report_form.html",
        status,
        report=report,
        form=form,
        conflict=conflict,
        deadline=EvaluationScheme.of(report.semester).report_deadline,
    )


@bp.get("/mine")
@require("achievements.view")
def edit():
    report = services.report_of(current_user, requested(request.args))
    form = ReportForm.of(report) if report.id else ReportForm(formdata=None)
    return render(
        "achievements/report_edit.html",
        "achievements/_report_form.html",
        report=report,
        form=form,
        conflict=None,
        deadline=EvaluationScheme.of(report.semester).report_deadline,
    )


@bp.post("/mine")
@require("achievements.view")
def update():
    """Save (or submit) the logged-in member's own report: no field names whose report it is."""
    report = services.report_of(current_user, requested(request.args))
    form = ReportForm()
    if not report.is_editable:
        form.body.errors = [f"这份汇报{report.state_label}，不能再修改。"]
        return _form_partial(report, form, 422)
    valid = form.validate()
    try:
        stored = (
            store_all(
                request.files.getlist("files"),
                (IMAGE, PDF, OFFICE),
                room=services.MAX_REPORT_FILES - len(report.attachments),
                too_many=f"每份汇报最多 {services.MAX_REPORT_FILES} 个附件。",
            )
            if valid
            else []
        )
    except UploadError as error:
        form.body.errors = [f"附件未保存：{error}汇报内容已保留，请重新选择文件后再提交。"]
        valid = False
    if not valid:
        return _form_partial(report, form, 422)
    submitting = request.form.get("action") == "submit"

    def apply(report, form):
        report.body = (form.body.data or "").strip()
        report.attachments.extend(stored)
        if submitting:
            services.submit(report)
        db.session.add(report)

    def conflict(report, form, clashes):
        for attachment in stored:  # all or none: files come back with the resolved text
            delete_file(attachment)
        if stored:
            form.body.errors = ["附件未保存：请处理完冲突后重新选择文件。"]
        return _form_partial(report, form, conflict=clashes)

    def saved(report, merged):
        log.info("work report saved id=%s submit=%s", report.id, submitting)
        done = "已提交，等待管理组审阅" if submitting else "草稿已保存"
        return toast(_form_partial(report, ReportForm.of(report)), saved_text(merged, done))

    return save(
        report,
        form,
        stored=ReportForm.of,
        apply=apply,
        target="report-form",
        reload=lambda: services.report_of(current_user, requested(request.args)),
        conflict=conflict,
        saved=saved,
    )


@bp.get("/<int:report_id>")
@require("achievements.view")
@load(WorkReport, can_read_report, key="report_id")
def show(report):
    return render(
        "achievements/report.html",
        "achievements/_review.html",
        report=report,
        review_form=ReviewForm.of(report),
        conflict=None,
        deadline=EvaluationScheme.of(report.semester).report_deadline,
    )


@bp.post("/<int:report_id>/review")
@require("achievements.manage")
@load(WorkReport, can_review_report, key="report_id")
def review(report):
    form = ReviewForm()
    if not form.validate():
        return _review_partial(report, form, 422)
    if form.decision.data != "comment" and report.state != "submitted":
        # A draft is the author's until they submit it: it is neither published nor scored.
        form.decision.errors.append("只有已提交的汇报才能退回或公开。")
        return _review_partial(report, form, 422)
    done = {"return": "已退回修改", "publish": "已公开"}.get(form.decision.data, "评语已保存")
    return save(
        report,
        form,
        stored=ReviewForm.of,
        target=f"review-{report.id}",
        apply=lambda r, f: services.review(r, f.review.data, f.decision.data, current_user),
        reload=lambda: db.get_or_404(WorkReport, report.id),
        conflict=lambda r, typed, clashes: _review_partial(r, typed, conflict=clashes),
        saved=lambda r, merged: _reviewed(r, saved_text(merged, done)),
    )


def _reviewed(report, message):
    log.info("work report reviewed id=%s state=%s", report.id, report.state)
    body = _review_partial(report, ReviewForm.of(report)).get_data(as_text=True)
    head = render_template("achievements/_report_head.html", report=report, oob=True)
    return toast(body + head, message)


def _review_partial(report, form, status=200, conflict=None):
    return partial_response(
        "achievements/_review.html", status, report=report, review_form=form, conflict=conflict
    )


@bp.get("/<int:report_id>/attachments/<attachment_id>")
@require("achievements.view")
@load(WorkReport, can_read_report, key="report_id")
def attachment(report, attachment_id):
    found = next((a for a in report.attachments if a.id == attachment_id), None)
    if found is None:
        abort(404)
    return serve(found, thumbnail=request.args.get("thumb") == "1")


@bp.post("/<int:report_id>/attachments/<attachment_id>/delete")
@require("achievements.view")
@load(WorkReport, can_edit_report, key="report_id")
def delete_attachment(report, attachment_id):
    """The author takes a file back out of a report still theirs to write. Only the list of
    files is answered: the text typed in the form around it stays as it is."""
    found = take_out(report.attachments, attachment_id)
    log.info("work report attachment deleted id=%s", report.id)
    body = partial_response("achievements/_report_files.html", report=report, editable=True)
    return toast(body, f"已删除附件 {found.label}")
