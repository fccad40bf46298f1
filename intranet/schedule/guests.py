"""外校来宾: teachers from partner schools and the district who come to a 片区 or 全区 activity
check in by the same QR code as colleagues, without an account (name, school, subject). They
are kept with the activity and never become accounts; managers list them per activity and per
semester, export a semester's guests and delete them."""

from flask import Blueprint, flash, redirect, request, url_for
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField, StringField

from intranet.auth.permissions import can_see_guests, load, public, require
from intranet.clock import school_zone, utcnow
from intranet.extensions import db, limiter
from intranet.forms import Form, at_most, required_text
from intranet.htmx import is_htmx, partial_response, render, toast
from intranet.schedule import services
from intranet.schedule.models import Activity, Guest, PartnerSchool
from intranet.semesters import all_semesters, requested
from intranet.spreadsheets import append, download, fit_columns, workbook_bytes

# Nested in the schedule blueprint: endpoints read schedule.guests.<view>.
bp = Blueprint("guests", __name__)

SUBJECTS = ("语文", "数学", "英语", "科学", "道德与法治", "音乐", "体育", "美术", "信息科技")


def _squeeze(value):
    """One space at most between words, none around: "张  老师 " and "张 老师" are one guest."""
    return " ".join(value.split()) if isinstance(value, str) else value


class GuestForm(Form):
    name = StringField("姓名", filters=[_squeeze], validators=required_text("姓名", 20))
    school = StringField("学校", filters=[_squeeze], validators=required_text("学校", 40))
    subject = StringField("任教学科", filters=[_squeeze], validators=[at_most("任教学科", 20)])
    code = HiddenField()


def partner_schools() -> list[PartnerSchool]:
    return list(
        db.session.scalars(
            select(PartnerSchool).where(PartnerSchool.active).order_by(PartnerSchool.name)
        )
    )


def guests_of(activity_ids) -> list[Guest]:
    return list(
        db.session.scalars(
            select(Guest)
            .where(Guest.activity_id.in_(activity_ids))
            .order_by(Guest.checked_in_at, Guest.id)
        )
    )


def check_in(activity: Activity, form: GuestForm) -> tuple[Guest, bool]:
    """The guest's row and whether it is new: the same name and school at the same activity
    is the same guest, however often they scan (the unique key settles a race too)."""
    name, school = form.name.data, form.school.data
    found = select(Guest).where(
        Guest.activity_id == activity.id, Guest.name == name, Guest.school == school
    )
    if (guest := db.session.scalar(found)) is not None:
        return guest, False
    partner = next((p for p in partner_schools() if p.name == school), None)
    guest = Guest(
        activity_id=activity.id,
        name=name,
        school=school,
        partner_school_id=partner.id if partner else None,
        subject=form.subject.data or "",
        checked_in_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(guest)
    except IntegrityError:
        return db.session.scalar(found), False
    return guest, True


def form_page(activity, form, status=200, error=None, guest=None, again=False):
    """The check-in page (or its card, for htmx) as a guest sees it."""
    return render(
        "schedule/checkin.html",
        "schedule/_checkin.html",
        status,
        activity=activity,
        record=None,
        form=None,
        guest_form=form,
        schools=partner_schools(),
        subjects=SUBJECTS,
        error=error,
        guest=guest,
        again=again,
        code=form.code.data or "",
    )


@bp.post("/checkin/<token>/guest")
@public
@limiter.limit("30 per minute")  # a room of guests each scans once; a script is held back
def create(token):
    """Checks in a guest by name: no account, no login, the code of the day as for colleagues."""
    activity = services.activity_by_checkin_token(token)
    form = GuestForm()
    form.code.data = form.code.data or request.args.get("code", "")
    if error := services.guest_checkin_refusal(activity, form.code.data):
        return form_page(activity, form, 422, error=error)
    if not form.validate():
        return form_page(activity, form, 422)
    guest, new = check_in(activity, form)
    db.session.commit()
    return form_page(activity, form, guest=guest, again=not new)


# --- managers: one activity's guests, a semester's guests -------------------------------------


@bp.get("/activities/<int:activity_id>/guests")
@require("schedule.manage")
@load(Activity, can_see_guests, key="activity_id")
def of_activity(activity):
    return partial_response(
        "schedule/_guests.html", activity=activity, guests=guests_of([activity.id])
    )


def _semester_guests(semester) -> list[Guest]:
    activities = select(Activity.id).where(Activity.semester_id == semester.id)
    return list(
        db.session.scalars(
            select(Guest)
            .join(Guest.activity)
            .where(Guest.activity_id.in_(activities))
            .order_by(Activity.date, Activity.id, Guest.checked_in_at, Guest.id)
        )
    )


def _semester_page(semester, guests, status=200, error=None, semesters=None):
    return render(
        "schedule/guests.html",
        "schedule/_guests_semester.html",
        status,
        semester=semester,
        semesters=semesters or all_semesters(),
        guests=guests,
        activities=len({g.activity_id for g in guests}),
        error=error,
    )


@bp.get("/guests")
@require("schedule.manage")
def index():
    semesters = all_semesters()
    semester = requested(request.args, semesters)
    return _semester_page(semester, _semester_guests(semester), semesters=semesters)


@bp.get("/guests/export.xlsx")
@require("schedule.manage")
def export():
    semester = requested(request.args)
    book = _workbook(_semester_guests(semester))
    return download(book, f"{semester.name}外校来宾.xlsx")


def _workbook(guests) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "外校来宾"
    append(sheet, ["活动日期", "活动主题", "级别", "姓名", "学校", "任教学科", "签到时间"])
    for guest in guests:
        activity = guest.activity
        append(
            sheet,
            [
                activity.date.isoformat(),
                activity.theme,
                activity.level_label,
                guest.name,
                guest.school,
                guest.subject,
                guest.checked_in_at.astimezone(school_zone()).strftime("%Y-%m-%d %H:%M"),
            ],
        )
    fit_columns(sheet)
    return workbook_bytes(book)


@bp.post("/guests/delete")
@require("schedule.manage")
def delete_semester():
    """Deletes every guest of the semester the form names (the page asked to confirm)."""
    semester = requested(request.form)
    if request.form.get("confirm") != "yes":
        return _semester_page(
            semester, _semester_guests(semester), 422, error="请先勾选确认，再删除。"
        )
    activities = select(Activity.id).where(Activity.semester_id == semester.id)
    count = db.session.scalar(select(func.count(Guest.id)).where(Guest.activity_id.in_(activities)))
    db.session.execute(delete(Guest).where(Guest.activity_id.in_(activities)))
    db.session.commit()
    message = f"已删除{semester.name}的 {count} 位外校来宾记录。"
    if is_htmx():
        return toast(_semester_page(semester, []), message)
    flash(message, "success")
    return redirect(url_for(".index", semester=semester.id), 303)
