"""The staff directory: search, filters, inline editing by admins, roster import and export."""

import logging
from dataclasses import asdict

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from intranet import demo
from intranet.auth.permissions import (
    can,
    can_change_status,
    can_disable_account,
    can_see_gains_of,
    can_see_status_history,
    deny,
    load,
    require,
)
from intranet.auth.views import start_session
from intranet.clock import school_today
from intranet.extensions import db
from intranet.feedback.services import own_gains
from intranet.htmx import is_htmx, render, toast
from intranet.people import roster, services, status
from intranet.people.forms import RosterUploadForm, StaffForm, StatusChangeForm
from intranet.people.models import (
    CAMPUSES,
    GRADE_GROUPS,
    POLITICAL_STATUSES,
    ROLES,
    SUBJECTS,
    Staff,
)
from intranet.spreadsheets import download
from intranet.windows import PAGE, next_window_url, offset_arg

bp = Blueprint("people", __name__, url_prefix="/people")
log = logging.getLogger("intranet.people")


def _directory_args():
    filters = {name: request.args.get(name, "") for name in services.FILTERS}
    return request.args.get("q", ""), filters


def _roster_signer():
    return URLSafeSerializer(current_app.secret_key, salt="roster-import")


def _get_staff(staff_id: int) -> Staff:
    return db.get_or_404(Staff, staff_id)


@bp.get("")
@require("people.view")
def index():
    q, filters = _directory_args()
    inactive = can(current_user, "people.manage") and request.args.get("inactive") == "1"
    query = services.directory_query(q, filters, inactive)
    offset = offset_arg()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    staff = db.session.scalars(query.offset(offset).limit(PAGE)).all()
    args = {"q": q, **filters, "inactive": "1" if inactive else ""}
    window = {
        "staff": staff,
        "total": total,
        "offset": offset,
        "next_url": next_window_url("people.index", offset, **args),
    }
    if is_htmx() and offset:
        # 更多: the next rows only, in place of the row holding the button.
        return render_template("people/_row_window.html", **window)
    return render(
        "people/index.html",
        "people/_rows.html",
        **window,
        q=q,
        filters=filters,
        inactive=inactive,
        choices={
            "political_status": POLITICAL_STATUSES,
            "subject": SUBJECTS,
            "grade_group": GRADE_GROUPS,
            "campus": CAMPUSES,
            "role": ROLES,
        },
        new_form=StaffForm(formdata=None) if can(current_user, "people.manage") else None,
    )


@bp.get("/<int:staff_id>")
@require("people.view")
def show(staff_id):
    person = _get_staff(staff_id)
    context = _status(person) | _gains(person)
    return render("people/show.html", "people/_staff.html", person=person, **context)


def _gains(person: Staff) -> dict:
    """收获 of the activities this person presented, every semester: for them and leaders."""
    if not can_see_gains_of(current_user, person):
        return {}
    presented, semesters = own_gains(person)
    return {"presenters": presented, "gain_semesters": semesters}


def _status(person: Staff, form: StatusChangeForm | None = None) -> dict:
    """The history section of a person's page, for those who may read it (else nothing)."""
    if not can_see_status_history(current_user, person):
        return {}
    if form is None and can_change_status(current_user, person):
        form = StatusChangeForm(formdata=None, status=person.political_status)
    return {"history": status.history(person), "status_form": form}


@bp.get("/<int:staff_id>/political")
@require("people.view")
@load(Staff, can_see_status_history, key="staff_id")
def status_history(person):
    return render("people/status.html", "people/_status.html", person=person, **_status(person))


@bp.post("/<int:staff_id>/political")
@require("people.manage")
@load(Staff, can_change_status, key="staff_id")
def change_status(person):
    form = StatusChangeForm(person=person, today=school_today())
    if not form.validate():
        context = _status(person, form)
        return render("people/status.html", "people/_status.html", 422, person=person, **context)
    status.record_change(person, form.status.data, form.since.data, current_user)
    db.session.commit()
    log.info("political status recorded staff=%s by=%s", person.username, current_user.username)
    body = render("people/status.html", "people/_status.html", person=person, **_status(person))
    return toast(body, f"已登记 {person.name} 的政治面貌变化")


@bp.get("/political")
@require("people.political")
def political():
    return render_template("people/political.html", rows=status.yearly_figures(school_today()))


@bp.get("/<int:staff_id>/edit")
@require("people.manage")
def edit(staff_id):
    staff = _get_staff(staff_id)
    return render_template("people/_staff_form.html", person=staff, form=StaffForm(obj=staff))


@bp.put("/<int:staff_id>")
@require("people.manage")
def update(staff_id):
    staff = _get_staff(staff_id)
    form = StaffForm(existing=staff)
    before = staff.political_status
    changed = form.political_status.data != before
    valid = form.validate()
    if changed and not can_change_status(current_user, staff):
        valid = False
        form.political_status.errors = ["自己的政治面貌请由其他管理员登记。"]
    if form.role.data and not services.keeps_an_admin(staff, form.role.data):
        valid = False
        form.role.errors = ["系统至少需要保留一位在用的管理员。"]
    if valid:
        form.apply(staff)
        staff.political_status = before  # changed only by the history, dated today
        if changed:
            status.record_change(staff, form.political_status.data, school_today(), current_user)
        db.session.commit()
        return toast(render_template("people/_staff.html", person=staff), f"已保存 {staff.name}")
    return render_template("people/_staff_form.html", person=staff, form=form), 422


@bp.post("")
@require("people.manage")
def create():
    form = StaffForm()
    if not form.validate():
        return render_template("people/_new_staff.html", form=form), 422
    staff, password = services.create_staff({})
    form.apply(staff)
    status.record_new_staff(staff, current_user, "admin")
    db.session.commit()
    log.info("staff created username=%s by=%s", staff.username, current_user.username)
    return render_template(
        "people/_created.html", person=staff, password=password, form=StaffForm(formdata=None)
    )


@bp.post("/<int:staff_id>/password")
@require("people.manage")
def reset_password(staff_id):
    staff = _get_staff(staff_id)
    password = services.reset_password(staff)
    db.session.commit()
    log.info("password reset username=%s by=%s", staff.username, current_user.username)
    return render_template("people/_staff.html", person=staff, password=password)


@bp.post("/<int:staff_id>/disable")
@require("people.manage")
def disable(staff_id):
    staff = _get_staff(staff_id)
    if not can_disable_account(current_user, staff) or not services.keeps_an_admin(staff, None):
        deny("cannot disable self or the last admin")
    staff.active = False
    staff.end_sessions()  # a disabled account is logged out everywhere at once
    db.session.commit()
    log.info("staff disabled username=%s by=%s", staff.username, current_user.username)
    return toast(render_template("people/_staff.html", person=staff), f"已停用 {staff.name}")


@bp.post("/<int:staff_id>/enable")
@require("people.manage")
def enable(staff_id):
    staff = _get_staff(staff_id)
    staff.active = True
    db.session.commit()
    return toast(render_template("people/_staff.html", person=staff), f"已启用 {staff.name}")


@bp.post("/<int:staff_id>/sessions")
@require("people.manage")
def end_sessions(staff_id):
    staff = _get_staff(staff_id)
    staff.end_sessions()
    db.session.commit()
    log.info("sessions ended username=%s by=%s", staff.username, current_user.username)
    return toast(
        render_template("people/_staff.html", person=staff), f"{staff.name} 已在所有设备上退出"
    )


@bp.get("/export.xlsx")
@require("people.export")
def export():
    staff = db.session.scalars(services.directory_query(*_directory_args())).all()
    return download(roster.export_workbook(staff), "教职工名册.xlsx")


@bp.get("/import")
@require("people.manage")
def new_import():
    return render_template("people/import.html", form=RosterUploadForm())


@bp.post("/import")
@require("people.manage")
def preview_import():
    form = RosterUploadForm()
    upload = request.files.get("roster")
    if not form.validate() or upload is None or not upload.filename:
        return render_template("people/import.html", form=form, error="请选择名册文件。"), 422
    try:
        raw = roster.read_roster(upload.filename, upload.read())
    except roster.RosterError as error:
        return render_template("people/import.html", form=form, error=str(error)), 422
    rows = roster.validate_roster(raw, by=current_user)
    good = [asdict(row) for row in rows if row.kind in ("new", "changed")]
    return render_template(
        "people/import.html",
        form=form,
        rows=rows,
        kinds={kind: [r for r in rows if r.kind == kind] for kind in roster.ROW_KINDS},
        good_count=len(good),
        payload=_roster_signer().dumps(good) if good else "",
        change_lines=roster.change_lines,
        statuses=POLITICAL_STATUSES,
        roles=ROLES,
    )


@bp.post("/import/confirm")
@require("people.manage")
def confirm_import():
    form = RosterUploadForm()
    if not form.validate():
        abort(400)
    try:
        good = [
            roster.RosterRow(**r) for r in _roster_signer().loads(request.form.get("payload", ""))
        ]
    except (BadSignature, TypeError):
        abort(400)
    # Check again: someone may have created one of these 工号 since the preview.
    new = [row for row in good if row.kind == "new"]
    if services.usernames_taken([row.values["username"] for row in new]):
        message = "预览之后名册中的部分工号已被占用，请重新上传名册核对。"
        return render_template("people/import.html", form=form, error=message), 409
    done = roster.apply_roster(good, current_user)
    db.session.commit()
    log.info(
        "roster imported created=%d updated=%d refused=%d by=%s",
        len(done.created),
        len(done.updated),
        len(done.refused),
        current_user.username,
    )
    return render_template("people/imported.html", done=done)


@bp.get("/import/template.csv")
@require("people.manage")
def roster_template():
    sample = "工号,姓名,性别,学科,年级组,职称,政治面貌,原校区,角色,出生年份\n"
    sample += "t1001,张晓明,男,数学,三年级组,一级教师,中共党员,滁和,教师,1990\n"
    # BOM: Excel on Windows then opens it as UTF-8
    return download(("\ufeff" + sample).encode(), "名册导入模板.csv", "text/csv; charset=utf-8")


@bp.get("/demo")
@require("people.manage")
def demo_data():
    if not demo.installed():
        abort(404)
    return render_template("people/demo.html", counts=demo.counts())


@bp.post("/demo")
@require("people.manage")
def clear_demo():
    if not demo.installed():
        abort(404)
    admin = current_user._get_current_object()
    demo.clear(admin)
    start_session(admin)  # this browser stays in; every other copy of the admin's login ends
    flash("演示数据已清除，可以开始正式使用了。演示密码曾显示在屏幕上，请先为您的账号设置新密码。")
    return redirect(url_for("auth.password"))
