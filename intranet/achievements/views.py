"""Achievements (成果): a teacher records awards, papers, open lessons, projects and titles with
their certificates; a manager verifies them. Work reports and the evaluation are nested here."""

import logging

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from intranet.achievements import evaluation, reports, services
from intranet.achievements.forms import AchievementForm
from intranet.achievements.models import Achievement
from intranet.auth.permissions import (
    can,
    can_edit_achievement,
    can_see_certificate,
    can_verify_achievement,
    load,
    require,
)
from intranet.extensions import db
from intranet.htmx import is_htmx, render, toast
from intranet.uploads import IMAGE, PDF, UploadError, delete_file, serve, store
from intranet.windows import PAGE, next_window_url, offset_arg

bp = Blueprint("achievements", __name__, url_prefix="/achievements")
bp.register_blueprint(reports.bp)
bp.register_blueprint(evaluation.bp)
log = logging.getLogger("intranet.achievements")

VIEWS = {"mine": "我的成果", "pending": "待认定", "all": "全部成果"}


def _listing(view: str, offset: int) -> dict:
    """One window of the view's achievements, how many there are, and where 更多 leads."""
    level = ""
    if view == "pending":
        query = services.achievements_query(unverified=True)
    elif view == "all":
        level = request.args.get("level", "")
        query = services.achievements_query(level=level)
    else:
        query = services.achievements_query(staff_id=current_user.id)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return {
        "achievements": list(db.session.scalars(query.offset(offset).limit(PAGE))),
        "total": total,
        "offset": offset,
        "next_url": next_window_url("achievements.index", offset, view=view, level=level),
    }


def _panel(form, status=200):
    view = request.args.get("view", "mine")
    if view not in VIEWS or (view != "mine" and not can(current_user, "achievements.manage")):
        view = "mine"
    offset = offset_arg() if request.method == "GET" else 0
    window = _listing(view, offset)
    if is_htmx() and offset:
        # 更多: the next rows only, in place of the row holding the button.
        return render_template("achievements/_achievement_window.html", view=view, **window)
    return render(
        "achievements/index.html",
        "achievements/_panel.html",
        status,
        form=form,
        view=view,
        views=VIEWS,
        **window,
    )


def _stored_certificate(form) -> list:
    """The uploaded certificate checked and saved, or [] with the reason on the field."""
    upload = request.files.get("certificate")
    if not upload or not upload.filename:
        return []
    try:
        return [store(upload, kinds=(IMAGE, PDF))]
    except UploadError as error:
        form.certificate.errors = [f"{error}其他内容已保留，请重新选择证书文件。"]
        return None


@bp.get("")
@require("achievements.view")
def index():
    return _panel(AchievementForm(formdata=None))


@bp.post("")
@require("achievements.view")
def create():
    form = AchievementForm()
    valid = form.validate()
    if valid and services.count_of(current_user.id) >= services.MAX_ACHIEVEMENTS_PER_PERSON:
        form.title.errors = ["成果数量已达上限，请联系管理员。"]
        valid = False
    stored = _stored_certificate(form) if valid else []
    if not valid or stored is None:
        return _panel(form, 422)
    achievement = Achievement(staff_id=current_user.id, attachments=stored)
    form.apply(achievement)
    db.session.add(achievement)
    db.session.commit()
    log.info("achievement created id=%s by=%s", achievement.id, current_user.username)
    return toast(_panel(AchievementForm(formdata=None)), f"已记录：{achievement.title}")


@bp.get("/<int:achievement_id>")
@require("achievements.view")
@load(Achievement, can_see_certificate, key="achievement_id")
def show(achievement):
    return render(
        "achievements/show.html", "achievements/_achievement.html", achievement=achievement
    )


@bp.get("/<int:achievement_id>/edit")
@require("achievements.view")
@load(Achievement, can_edit_achievement, key="achievement_id")
def edit(achievement):
    form = AchievementForm(formdata=None, obj=achievement)
    return render_template(
        "achievements/_achievement_edit.html", achievement=achievement, form=form
    )


@bp.put("/<int:achievement_id>")
@require("achievements.view")
@load(Achievement, can_edit_achievement, key="achievement_id")
def update(achievement):
    form = AchievementForm()
    stored = _stored_certificate(form) if form.validate() else None
    if stored is None:
        body = render_template(
            "achievements/_achievement_edit.html", achievement=achievement, form=form
        )
        return body, 422
    form.apply(achievement)
    if not can_verify_achievement(current_user, achievement):
        # Changed by someone who may not verify it (its owner): a colleague verifies it again.
        achievement.verified_at = achievement.verified_by_id = None
    replaced = list(achievement.attachments) if stored else []
    if stored:
        achievement.attachments = stored
    for old in replaced:
        db.session.delete(old)
    db.session.commit()
    for old in replaced:
        delete_file(old)
    body = render_template("achievements/_achievement.html", achievement=achievement)
    return toast(body, "已保存")


@bp.post("/<int:achievement_id>/verify")
@require("achievements.manage")
@load(Achievement, can_verify_achievement, key="achievement_id")
def verify(achievement):
    services.verify(achievement, current_user)
    db.session.commit()
    log.info("achievement verified id=%s by=%s", achievement.id, current_user.username)
    body = render_template("achievements/_achievement.html", achievement=achievement)
    return toast(body, f"已认定：{achievement.title}")


@bp.delete("/<int:achievement_id>")
@require("achievements.view")
@load(Achievement, can_edit_achievement, key="achievement_id")
def delete(achievement):
    achievement_id, files = achievement.id, list(achievement.attachments)
    db.session.delete(achievement)
    for attachment in files:
        db.session.delete(attachment)
    db.session.commit()
    for attachment in files:
        delete_file(attachment)
    log.info("achievement deleted id=%s by=%s", achievement_id, current_user.username)
    return toast("", "已删除")


@bp.get("/<int:achievement_id>/certificate")
@require("achievements.view")
@load(Achievement, can_see_certificate, key="achievement_id")
def certificate(achievement):
    if achievement.certificate is None:
        abort(404)
    return serve(achievement.certificate, thumbnail=request.args.get("thumb") == "1")


@bp.app_context_processor
def achievement_helpers():
    return {"is_htmx": is_htmx}
