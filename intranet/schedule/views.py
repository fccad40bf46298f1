"""The semester activity schedule (学期活动安排): the table managers edit like a spreadsheet,
the month calendar, attendance and check-in, records, calendar feeds and the 一览表."""

import logging
import re
import secrets
from contextlib import contextmanager
from datetime import date

import segno
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from intranet.auth.permissions import (
    attendance_refusal,
    can,
    can_edit_activity,
    can_edit_counted_fields,
    can_mark_activity_done,
    can_read_activity_history,
    load,
    public,
    require,
)
from intranet.clock import school_today, utcnow
from intranet.concurrency import save, saved_text
from intranet.extensions import db, login_manager
from intranet.feedback import services as feedback
from intranet.forms import ID_MAX, as_id
from intranet.htmx import is_htmx, partial_response, render, toast
from intranet.people.models import Staff, new_token
from intranet.people.services import directory_query
from intranet.schedule import guests, invitees, library, planning, services
from intranet.schedule.forms import (
    ActivityForm,
    AttendanceForm,
    CheckInForm,
    InviteesForm,
    RecordForm,
)
from intranet.schedule.models import (
    FORMS,
    LEVELS,
    STATUSES,
    Activity,
    Semester,
    activity_attachment,
)
from intranet.semesters import all_semesters, requested
from intranet.spreadsheets import download
from intranet.uploads import (
    IMAGE,
    OFFICE,
    PDF,
    Attachment,
    UploadError,
    serve,
    store_all,
    take_out,
)
from intranet.windows import offset_arg

bp = Blueprint("schedule", __name__, url_prefix="/schedule")
bp.register_blueprint(planning.bp)
bp.register_blueprint(guests.bp)
bp.register_blueprint(library.bp)
log = logging.getLogger("intranet.schedule")

MAX_FILES_PER_ACTIVITY = 40
NEW_ROW_ID = re.compile(r"[0-9a-f]{1,16}")
UNDO_SECONDS = 20
# Rows a schedule window shows: a real studio's semester (40 to 80 activities) in one, so 更多
# appears only at sizes no school plans, where it keeps the page's cost the same.
ROWS = 100


def _activity(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.deleted_at is not None:
        abort(404)
    return activity


def _row_form(activity, form, status=200, conflict=None, headers=None, semester=None):
    """The row's form; a new row (activity None) keeps the id it was given, so an answer with
    errors replaces that very row."""
    uid = request.form.get("uid", "")
    return partial_response(
        "schedule/_activity_form.html",
        status,
        headers,
        activity=activity,
        form=form,
        conflict=conflict,
        uid=uid if NEW_ROW_ID.fullmatch(uid) else secrets.token_hex(4),
        semester=semester,
    )


# --- the schedule -----------------------------------------------------------------------


@bp.get("")
@require("schedule.view")
def index():
    semesters = all_semesters()  # first: the semester shown is then found without a query
    semester = requested(request.args, semesters)
    filters = services.filter_args(request.args)
    query = services.activities_query(semester, filters)
    view = "calendar" if request.args.get("view") == "calendar" else "table"
    month = services.month_of(request.args.get("month"), semester)
    if view == "calendar":  # the month's activities, however long the semester
        activities, total = services.table_rows(services.in_month(query, month))
        window = _window_of(activities, total)
    elif "before" in request.args and is_htmx():  # 更早: the months before, in its place
        start, end = _earlier(query)
        activities = services.table_rows(query, start, end - start)[0] if end else []
        return render_template("schedule/_row_window.html", **_window_of(activities, 0, start))
    else:  # a window of rows, 更多 brings the next: the page costs the same at any size
        offset = _first_row(query, semester)
        activities, total, before = _window(query, offset)
        if "offset" in request.args and is_htmx():  # 更多: the rows after, in its place
            window = _window_of(activities, total, 0, offset, before)
            return render_template("schedule/_row_window.html", **window)
        window = _window_of(activities, total, offset, offset, before)
    options = services.filter_options(filters["responsible"])
    return render(
        "schedule/index.html",
        "schedule/_results.html",
        **window,
        semester=semester,
        semesters=semesters,
        filters=filters,
        view=view,
        month=month,
        weeks=services.month_weeks(month, activities) if view == "calendar" else [],
        progress=services.plan_progress(semester),
        choices={"level": LEVELS, "form": FORMS, "status": STATUSES},
        responsible_chosen=options["staff"],
        partner_options=options["school"],
        month_links={
            "prev": _with_args(month=services.shift_month(month, -1)),
            "next": _with_args(month=services.shift_month(month, 1)),
        },
    )


def _first_row(query, semester) -> int:
    """The table's first row: where a 更多 or 更早 link (opened without JavaScript) points, or
    where the semester opens."""
    if "offset" in request.args:
        return offset_arg()
    if "before" in request.args:
        return _earlier(query)[0]
    return services.opening_row(query, semester, ROWS)


def _earlier(query) -> tuple[int, int]:
    """The window a 更早 link (?before=) asks for: (its first row, the row it ends before)."""
    end = as_id(request.args.get("before")) or 0
    return services.earlier_start(query, end, ROWS), end


def _window_of(activities, total, earlier=0, offset=0, before=None) -> dict:
    """What a window of rows renders with: its rows by month, 更早 when `earlier` rows come
    before it, 更多 when rows come after (`total` counts the rows from the first)."""
    return {
        "activities": activities,
        "months": services.by_month(activities, before),
        "total": total,
        "earlier": earlier,
        "earlier_url": _with_args(before=earlier),
        "later": max(total - offset - len(activities), 0),
        "next_url": _with_args(offset=offset + ROWS),
        "rights": _row_rights(activities),
    }


def _row_rights(activities) -> dict:
    """What the user may do to each row of a page, asked of the rules once, in one pass; a
    row rendered alone (after a save) asks them itself."""
    user = current_user._get_current_object()  # not through the proxy 400 times
    editable = {a.id for a in activities if can_edit_activity(user, a)}
    return {
        "manage": can(user, "schedule.manage"),
        "edit": editable,
        "mark_done": {
            a.id for a in activities if a.id in editable and can_mark_activity_done(user, a)
        },
    }


def _window(query, offset: int) -> tuple[list[services.Row], int, date | None]:
    """The rows from `offset` on, a window's worth; how many rows in all; and the date of the
    row before the window (read with it), so a month the window continues gets no second head."""
    start = max(offset - 1, 0)
    activities, total = services.table_rows(query, start, ROWS + (offset - start))
    if not activities and offset:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    before = activities.pop(0).date if offset and activities else None
    return activities, total, before


def _with_args(**changes) -> str:
    """This page's URL with some query arguments changed: filters stay as they are."""
    return url_for("schedule.index", **(request.args.to_dict() | changes))


@bp.get("/print")
@require("schedule.view")
def printable():
    semester = requested(request.args)
    activities = db.session.scalars(services.activities_query(semester, {})).all()
    return render_template(
        "schedule/print.html",
        today=school_today(),
        semester=semester,
        activities=activities,
        progress=services.plan_progress(semester),
    )


@bp.get("/export.xlsx")
@require("schedule.view")
def export():
    semester = requested(request.args)
    activities = db.session.scalars(services.activities_query(semester, {})).all()
    return download(services.export_workbook(semester, activities), f"{semester.name}活动安排.xlsx")


# --- one activity: the row, its inline form, the detail page -----------------------------


@bp.get("/activities/new")
@require("schedule.manage")
def new():
    semester = requested(request.args)
    today = school_today()
    form = ActivityForm(formdata=None, semester=semester)
    form.date.data = today if semester.contains(today) else semester.start
    return _row_form(None, form, semester=semester)


@bp.post("/activities")
@require("schedule.manage")
def create():
    semester = db.session.get(Semester, as_id(request.form.get("semester_id")) or 0)
    if semester is None:
        abort(400)
    form = ActivityForm(semester=semester)
    if not form.validate():
        return _row_form(None, form, 422, semester=semester)
    activity = Activity(semester_id=semester.id)
    form.apply(activity)
    activity.invite_groups = invitees.default_groups(activity.form, activity.level)
    db.session.add(activity)
    db.session.commit()
    log.info("activity created id=%s by=%s", activity.id, current_user.username)
    return toast(
        render_template("schedule/_activity.html", activity=activity),
        f"已添加：{activity.theme}",
    )


@bp.get("/activities/<int:activity_id>")
@require("schedule.view")
@load(Activity, key="activity_id")
def show(activity):
    if is_htmx():
        return render_template("schedule/_activity.html", activity=activity)
    manager = can(current_user, "schedule.manage")
    roll = services.roll_of(activity)
    return render_template(
        "schedule/show.html",
        activity=activity,
        roll=roll,
        call=None,
        invited_count=sum(row.invited for row in roll),
        attendance_form=AttendanceForm(formdata=None),
        invitees_form=InviteesForm.of(activity) if manager else None,
        invitees_rule=invitees.describe_with_named(activity),
        record_form=RecordForm(formdata=None, obj=activity),
        editable=can_edit_activity(current_user, activity),
        history=services.history_of(activity) if can_read_activity_history(current_user) else None,
    )


@bp.get("/activities/<int:activity_id>/edit")
@require("schedule.view")
@load(Activity, can_edit_activity, key="activity_id")
def edit(activity):
    return _row_form(activity, ActivityForm.of(activity))


PICKER_SIZE = 20
PICKER_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


@bp.get("/people")
@require("schedule.view")
def people():
    """The people picker's options: active colleagues whose name, pinyin or initials match
    what was typed ("zxm" finds 张晓明), a few at a time, for the row form's 责任人 and 主讲人;
    with `semester`, the people responsible for an activity of it (the 责任人 filter)."""
    listbox = request.args.get("for", "")
    if not PICKER_ID.fullmatch(listbox):  # it becomes element ids: never markup
        listbox = "people-listbox"
    q = request.args.get("q", "")
    semester_id = as_id(request.args.get("semester"))
    if semester_id is None:
        query = directory_query(q)
    else:  # who ran an activity then, also someone who has left since
        query = services.responsible_in(directory_query(q, include_inactive=True), semester_id)
    found = db.session.scalars(query.limit(PICKER_SIZE + 1)).all()
    return render_template(
        "schedule/_people_options.html",
        people=found[:PICKER_SIZE],
        more=len(found) > PICKER_SIZE,
        listbox=listbox,
        q=q.strip(),
    )


@bp.put("/activities/<int:activity_id>")
@require("schedule.view")
@load(Activity, can_edit_activity, key="activity_id")
def update(activity):
    form = ActivityForm(semester=activity.semester, stored=activity)
    refused = [] if can_edit_counted_fields(current_user) else form.keep_locked(activity)
    if not form.validate() or refused:
        if refused:
            form.form_errors.append(_only_managers(refused))
        return _row_form(activity, form, 422)
    if form.date.data != activity.date and feedback.has_answers(activity.id):
        form.date.errors = [feedback.DATE_FIXED]
        return _row_form(activity, form, 422)
    with _kept_after_commit():
        return save(
            activity,
            form,
            stored=ActivityForm.of,
            apply=_apply_row,
            reload=lambda: db.session.get(Activity, activity.id),
            target=f"activity-{activity.id}",
            conflict=lambda a, f, clashes: _row_form(a, f, conflict=clashes),
            saved=_row_saved,
        )


@contextmanager
def _kept_after_commit():
    """The row shown after a save is the one just written: reading it back after the commit
    would cost three queries (the row, its presenters, its experts)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = True


def _apply_row(activity, form):
    """Copy the form onto the row, keeping what earns points in the activity's history."""
    before = services.counted_values(activity)
    form.apply(activity)
    services.note_changes(activity, before, current_user)


def _row_saved(activity, merged):
    log.info("activity updated id=%s by=%s", activity.id, current_user.username)
    return toast(render_template("schedule/_activity.html", activity=activity), saved_text(merged))


def _only_managers(labels: list[str]) -> str:
    return f"{'、'.join(labels)}只能由工作室管理员修改（它们计入考核），本次未保存。"


@bp.delete("/activities/<int:activity_id>")
@require("schedule.manage")
@load(Activity, key="activity_id")
def delete(activity):
    activity.deleted_at = utcnow()
    db.session.commit()
    log.info("activity deleted id=%s by=%s", activity.id, current_user.username)
    return render_template("schedule/_deleted.html", activity=activity, seconds=UNDO_SECONDS)


@bp.post("/activities/<int:activity_id>/restore")
@require("schedule.manage")
def restore(activity_id):
    activity = db.get_or_404(Activity, activity_id)
    activity.deleted_at = None
    db.session.commit()
    log.info("activity restored id=%s by=%s", activity.id, current_user.username)
    return toast(render_template("schedule/_activity.html", activity=activity), "已撤销删除")


@bp.get("/activities/<int:activity_id>.ics")
@require("schedule.view")
@load(Activity, key="activity_id")
def activity_ics(activity):
    return _calendar_response(services.ical([activity], activity.theme), activity.theme)


# --- attendance and check-in ---------------------------------------------------------------


def _attendance_partial(activity, form=None, status=200, call=None):
    body = render_template(
        "schedule/_attendance.html",
        activity=activity,
        roll=services.roll_of(activity),
        call=call,
        attendance_form=form or AttendanceForm(formdata=None),
        editable=True,
    )
    return body, status


@bp.post("/activities/<int:activity_id>/attendance")
@require("schedule.view")
@load(Activity, can_edit_activity, key="activity_id")
def mark_attendance(activity):
    """One person, who may not be on the roll (someone who came uninvited)."""
    form = AttendanceForm()
    valid = form.validate()
    refused = services.attendance_closed(activity) or attendance_refusal(
        current_user, activity, form.staff_id.data
    )
    if valid and refused:
        form.staff_id.errors.append(refused)
        valid = False
    if not valid:
        return _attendance_partial(activity, form, 422)
    services.mark_attendance(
        activity, form.staff_id.data, form.status.data, form.reason.data, current_user
    )
    db.session.commit()
    return _attendance_partial(activity)


@bp.post("/activities/<int:activity_id>/roll")
@require("schedule.view")
@load(Activity, can_edit_activity, key="activity_id")
def roll_call(activity):
    """点名: every invitee at once; 全部出席 fills those not marked yet. Marking someone who
    scanned in as 缺席 asks first."""
    roll = services.roll_of(activity)
    call = services.read_roll(
        activity,
        roll,
        request.form,
        refusal=lambda staff_id: attendance_refusal(current_user, activity, staff_id),
    )
    if call.closed or call.errors or call.unconfirmed:
        return _attendance_partial(activity, status=422, call=call)
    changed = services.save_roll(activity, roll, call, current_user)
    db.session.commit()
    log.info("roll call activity=%s changed=%s by=%s", activity.id, changed, current_user.username)
    body, _ = _attendance_partial(activity)
    return toast(body, f"点名已保存（{changed} 人有变动）" if changed else "点名没有变动")


# --- who the activity is for, and closing it -------------------------------------------------


@bp.post("/activities/<int:activity_id>/invitees")
@require("schedule.manage")
@load(Activity, key="activity_id")
def update_invitees(activity):
    form = InviteesForm(activity=activity)
    if not form.validate():
        return _invitees_partial(activity, form, 422)
    before = invitees.describe_with_named(activity)
    form.apply(activity)
    db.session.flush()
    after = invitees.describe_with_named(activity)
    if before != after:
        services.note_change(activity, "invitees", before, after, current_user)
    db.session.commit()
    log.info("invitees set activity=%s by=%s", activity.id, current_user.username)
    return toast(_invitees_partial(activity, InviteesForm.of(activity))[0], "参加对象已保存")


def _invitees_partial(activity, form, status=200):
    body = render_template(
        "schedule/_invitees.html",
        activity=activity,
        invitees_form=form,
        invited_count=len(invitees.invitees_of(activity)),
        invitees_rule=invitees.describe_with_named(activity),
    )
    return body, status


@bp.post("/activities/<int:activity_id>/done")
@require("schedule.view")
@load(Activity, can_mark_activity_done, key="activity_id")
def mark_done(activity):
    """计划 → 已完成 for a past activity that left a trace: its responsible teacher may do this
    one change of a counted field (see can_mark_activity_done); it goes to the history."""
    services.mark_done(activity, current_user)
    db.session.commit()
    log.info("activity marked done id=%s by=%s", activity.id, current_user.username)
    if is_htmx():
        return toast(
            render_template("schedule/_activity.html", activity=activity), "已标记为已完成"
        )
    return redirect(url_for("schedule.show", activity_id=activity.id), 303)


@bp.get("/activities/<int:activity_id>/checkin-code")
@require("schedule.view")
@load(Activity, can_edit_activity, key="activity_id")
def checkin_code(activity):
    """The page shown on the projector: the activity's QR code and its link."""
    link = url_for(
        "schedule.checkin",
        token=activity.checkin_token,
        code=services.checkin_code(activity),
        _external=True,
    )
    qr = segno.make(link, error="m").svg_data_uri(scale=10, border=2)
    present = sum(1 for row in services.attendance_of(activity) if row.status == "present")
    return render_template(
        "schedule/checkin_code.html", activity=activity, link=link, qr=qr, present=present
    )


@bp.get("/checkin/<token>")
@public
def checkin(token):
    """Colleagues check themselves in; at a 片区 or 全区 activity, a visitor who is not logged
    in is offered 外校老师签到 (schedule/guests.py). A 校内 activity asks for the login first."""
    activity = services.activity_by_checkin_token(token)
    code = request.args.get("code", "")
    if not current_user.is_authenticated:
        if activity.level == "school":
            return login_manager.unauthorized()
        return guests.form_page(activity, guests.GuestForm(formdata=None, code=code))
    record = next(
        (r for r in services.attendance_of(activity) if r.staff_id == current_user.id), None
    )
    return render_template(
        "schedule/checkin.html",
        activity=activity,
        record=record,
        form=CheckInForm(),
        error=None,
        code=code,
    )


@bp.post("/checkin/<token>")
@require("schedule.view")
def create_checkin(token):
    """Marks the logged-in person only: no field of the request names whom to check in."""
    activity = services.activity_by_checkin_token(token)
    error, record = None, None
    code = request.form.get("code") or request.args.get("code")
    try:
        record = services.check_in(activity, current_user, code)
        db.session.commit()
    except services.CheckInClosed as closed:
        error = str(closed)
    return render(
        "schedule/checkin.html",
        "schedule/_checkin.html",
        422 if error else 200,
        activity=activity,
        record=record,
        form=CheckInForm(formdata=None),
        error=error,
        code=code or "",
    )


# --- the record: minutes, photos, files -----------------------------------------------------


@bp.post("/activities/<int:activity_id>/record")
@require("schedule.view")
@load(Activity, can_edit_activity, key="activity_id")
def update_record(activity):
    form = RecordForm()
    valid = form.validate()
    try:
        stored = (
            store_all(
                request.files.getlist("files"),
                (IMAGE, PDF, OFFICE),
                room=MAX_FILES_PER_ACTIVITY - len(activity.attachments),
                too_many=f"每项活动最多保存 {MAX_FILES_PER_ACTIVITY} 个文件。",
            )
            if valid
            else []
        )
    except UploadError as error:
        form.summary.errors = [f"文件未保存：{error}纪要也尚未保存，请重新选择文件后再提交。"]
        valid = False
    if not valid:
        return _record_partial(activity, form, 422)
    activity.summary = (form.summary.data or "").strip()
    activity.attachments.extend(stored)
    db.session.commit()
    body = _record_partial(activity, RecordForm(formdata=None, obj=activity))
    return toast(body, "纪要已保存")


def _record_partial(activity, form, status=200):
    return partial_response(
        "schedule/_record.html", status, activity=activity, record_form=form, editable=True
    )


@bp.post("/activities/<int:activity_id>/attachments/<attachment_id>/delete")
@require("schedule.view")
@load(Activity, can_edit_activity, key="activity_id")
def delete_attachment(activity, attachment_id):
    take_out(activity.attachments, attachment_id)
    return _record_partial(activity, RecordForm(formdata=None, obj=activity))


@bp.get("/attachments/<attachment_id>")
@require("schedule.view")
def attachment(attachment_id):
    found = db.session.scalar(
        db.select(Attachment)
        .join(activity_attachment, activity_attachment.c.attachment_id == Attachment.id)
        .join(Activity, Activity.id == activity_attachment.c.activity_id)
        .where(Attachment.id == attachment_id, Activity.deleted_at.is_(None))
    )
    if found is None:
        abort(404)
    return serve(found, thumbnail=request.args.get("thumb") == "1")


# --- calendars -----------------------------------------------------------------------------


def _calendar_response(body: bytes, name: str):
    return download(body, f"{name}.ics", "text/calendar")


@bp.get("/feed/<token>.ics")
@public
def feed(token):
    """A phone calendar subscribes without a login: the secret in the URL is the key."""
    if len(token) > 64:
        abort(404)
    staff = db.session.scalar(db.select(Staff).where(Staff.ical_token == token, Staff.active))
    if staff is None:
        abort(404)
    activities = db.session.scalars(
        services.mine_query(staff.id).order_by(Activity.date, Activity.start_time)
    ).all()
    return _calendar_response(services.ical(activities, f"{staff.name}的工作室活动"), "工作室活动")


@bp.post("/feed/reset")
@require("schedule.view")
def reset_feed():
    current_user.ical_token = new_token()
    db.session.commit()
    log.info("calendar feed reset by=%s", current_user.username)
    if is_htmx():
        return toast(render_template("schedule/_feed.html"), "订阅地址已更换，旧地址已失效")
    return redirect(url_for("home.index"), 303)


def feed_url() -> str:
    return url_for("schedule.feed", token=current_user.ical_token, _external=True)


class RowUrls:
    """A schedule row's links: url_for once per render and endpoint, then the row's id put in
    (url_for is the costliest call in a row, and a page has 200 rows with four links each)."""

    def __init__(self):
        self._built: dict[str, str] = {}

    def __call__(self, endpoint: str, activity_id: int) -> str:
        if endpoint not in self._built:
            self._built[endpoint] = url_for(endpoint, activity_id=ID_MAX)
        return self._built[endpoint].replace(str(ID_MAX), str(activity_id))


ROWS_KEPT = 4096  # rows of HTML kept per app; full, it starts over


def kept_row(draw, row: services.Row, rights: dict):
    """A window row's HTML (`draw` is the row macro), drawn once per everything it shows and
    what the viewer may do to it, then kept: a window draws a hundred rows, and all but the
    ones a colleague changed look as they did. Every field of the row is in the key, so a
    field the macro shows is in it too; the labels, since the form library may rename."""
    kept = current_app.extensions.setdefault("schedule_rows", {})
    key = (
        tuple(tuple(v) if isinstance(v, list) else v for v in vars(row).values()),
        (row.level_label, row.form_label, row.status_label),
        (row.id in rights["edit"], row.id in rights["mark_done"], rights["manage"]),
    )
    found = kept.get(key)
    if found is None:
        if len(kept) >= ROWS_KEPT:
            kept.clear()
        found = kept[key] = draw(row, rights)
    return found


@bp.app_context_processor
def schedule_helpers():
    return {
        "calendar_feed_url": feed_url,
        "row_url": RowUrls(),
        "kept_row": kept_row,
    }


@bp.get("/activities/<int:activity_id>/checkin-count")
@require("schedule.view")
@load(Activity, can_edit_activity, key="activity_id")
def checkin_count(activity):
    """How many have checked in so far: the projector's page asks every few seconds."""
    present = sum(1 for row in services.attendance_of(activity) if row.status == "present")
    return render_template("schedule/_checkin_count.html", activity=activity, present=present)
