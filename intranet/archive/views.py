"""The semester archive (资料附录): one click builds the .zip the Party committee asks for, and
the same content as a printable report page."""

import logging

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import current_user

from intranet.archive import services
from intranet.auth.permissions import require
from intranet.clock import school_today
from intranet.extensions import db
from intranet.schedule.models import Semester
from intranet.semesters import all_semesters, requested
from intranet.spreadsheets import attachment_header

bp = Blueprint("archive", __name__, url_prefix="/archive")
log = logging.getLogger("intranet.archive")


@bp.get("")
@require("archive.export")
def index():
    semester = requested(request.args)
    return render_template(
        "archive/index.html",
        semester=semester,
        semesters=all_semesters(),
        files=services.files_of(semester),
    )


@bp.get("/<int:semester_id>/report")
@require("archive.export")
def report(semester_id):
    semester = db.get_or_404(Semester, semester_id)
    context = services.report_context(semester)
    return render_template(
        "archive/report.html", today=school_today(), photo_url=_thumbnail, **context
    )


def _thumbnail(photo) -> str:
    return url_for("schedule.attachment", attachment_id=photo.id, thumb=1)


@bp.get("/<int:semester_id>.zip")
@require("archive.export")
def download(semester_id):
    semester = db.get_or_404(Semester, semester_id)
    context = services.report_context(semester)
    workbook = services.temporary_workbook(context)
    html = render_template("archive/standalone.html", today=school_today(), **context)
    files = services.files_of(semester)
    log.info("archive exported semester=%s by=%s", semester.id, current_user.username)
    name = services.safe_name(f"{semester.name}资料附录", limit=80)
    return Response(
        services.stream_zip(workbook, f"{name}.xlsx", html, files),
        mimetype="application/zip",
        headers={
            "Content-Disposition": attachment_header(f"{name}.zip"),
            "Cache-Control": "private, no-store",
        },
    )
