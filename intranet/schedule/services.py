"""Schedule logic that outgrows a view: filtering, plan progress, copying a semester, check-in,
calendars and the Excel 一览表."""

import calendar
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from itertools import groupby
from typing import NamedTuple

from flask import abort, current_app, g, url_for
from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import Date, Integer, bindparam, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import lazyload

from intranet.clock import school_today, school_zone, utcnow
from intranet.extensions import db
from intranet.formatting import cn_short_date, hm
from intranet.forms import as_id, year_month
from intranet.people.models import ExternalMentor, Staff
from intranet.schedule import invitees
from intranet.schedule.models import (
    ATTENDANCE,
    FORMS,
    LEVELS,
    STATUSES,
    Activity,
    ActivityHistory,
    Attendance,
    PartnerSchool,
    PlanTarget,
    Semester,
    Shown,
    activity_attachment,
    activity_external_presenter,
    activity_presenter,
)
from intranet.spreadsheets import append, fit_columns, workbook_bytes

# Filters of the schedule page, in the order the filter bar shows them; all live in the URL.
FILTERS = ("level", "form", "responsible", "partner", "status")


def filter_args(args) -> dict[str, str]:
    return {name: args.get(name, "").strip() for name in FILTERS}


def activities_query(semester: Semester, filters: dict[str, str]):
    query = Activity.live().where(Activity.semester_id == semester.id)
    if filters.get("level") in LEVELS:
        query = query.where(Activity.level == filters["level"])
    if filters.get("form") in FORMS:
        query = query.where(Activity.form == filters["form"])
    if filters.get("status") in STATUSES:
        query = query.where(Activity.status == filters["status"])
    if (responsible := as_id(filters.get("responsible"))) is not None:
        query = query.where(Activity.responsible_id == responsible)
    if (partner := as_id(filters.get("partner"))) is not None:
        query = query.where(Activity.partner_school_id == partner)
    return query.order_by(Activity.date, Activity.start_time, Activity.id)


class Presenter(NamedTuple):
    id: int
    name: str


@dataclass
class Row(Shown):
    """An activity as a schedule row shows it, in plain values: building mapped objects with
    their people was most of what a window of rows cost."""

    id: int
    date: date
    start_time: time | None
    end_time: time | None
    level: str
    form: str
    theme: str
    place: str
    status: str
    summary: str
    responsible_id: int | None
    responsible_name: str
    partner_name: str
    presenters: list[Presenter] = field(default_factory=list)  # colleagues
    experts: list[str] = field(default_factory=list)  # the mentor team's

    @property
    def presenter_names(self) -> list[str]:
        return [p.name for p in self.presenters] + self.experts


ROW_COLUMNS = (
    Activity.id,
    Activity.date,
    Activity.start_time,
    Activity.end_time,
    Activity.level,
    Activity.form,
    Activity.theme,
    Activity.place,
    Activity.status,
    Activity.summary,
    Activity.responsible_id,
    func.coalesce(Staff.name, ""),
    func.coalesce(PartnerSchool.name, ""),
)


def table_rows(query, offset: int = 0, limit: int | None = None) -> tuple[list[Row], int]:
    """The query's activities as rows, with whether each left a trace (for the 已完成 offer),
    from `offset` on, `limit` of them (all without); and how many the whole query has. Two
    statements however many rows: the window is chosen on ids alone, so the rows' text and
    traces are read for its rows only. The count is a subquery of its own, run once: a window
    function (count over all) would sort the semester's rows instead of reading an index."""
    total = None
    if limit is not None:
        every = select(func.count()).select_from(
            query.with_only_columns(Activity.id).order_by(None).subquery()
        )
        page = (
            query.with_only_columns(Activity.id, every.scalar_subquery().label("total"))
            .offset(offset)
            .limit(limit)
            .subquery()
        )
        query = query.join(page, page.c.id == Activity.id)
        total = page.c.total
    found = db.session.execute(
        query.with_only_columns(
            *ROW_COLUMNS, left_a_trace().label("trace"), total if total is not None else literal(0)
        )
        .outerjoin(Staff, Staff.id == Activity.responsible_id)
        .outerjoin(PartnerSchool, PartnerSchool.id == Activity.partner_school_id)
    ).all()
    rows = [Row(*values[: len(ROW_COLUMNS)]) for values in found]
    note_traces({row.id: bool(values[-2]) for row, values in zip(rows, found, strict=True)})
    _add_presenters(rows)
    return rows, (found[0][-1] if found and limit is not None else len(found))


@cache
def _presenters_of():
    """The presenters of the activities `ids`, colleagues by pinyin then experts by name. Built
    once: a page reads it for every window, and building and keying a union cost more than
    running it."""
    ids = bindparam("ids", expanding=True)
    colleagues = (
        select(
            activity_presenter.c.activity_id,
            Staff.id,
            Staff.name,
            literal(False).label("expert"),
            Staff.pinyin.label("sort"),
        )
        .join(Staff, Staff.id == activity_presenter.c.staff_id)
        .where(activity_presenter.c.activity_id.in_(ids))
    )
    experts = (
        select(
            activity_external_presenter.c.activity_id,
            ExternalMentor.id,
            ExternalMentor.name,
            literal(True),
            ExternalMentor.name,
        )
        .join(ExternalMentor, ExternalMentor.id == activity_external_presenter.c.external_mentor_id)
        .where(activity_external_presenter.c.activity_id.in_(ids))
    )
    return union_all(colleagues, experts).order_by("expert", "sort", "id")


def _add_presenters(rows: list[Row]) -> None:
    """Each row's presenters, colleagues by pinyin then experts by name: one statement."""
    by_id = {row.id: row for row in rows}
    if not by_id:
        return
    found = db.session.execute(_presenters_of(), {"ids": list(by_id)})
    for activity_id, person, name, expert, _sort in found:
        row = by_id[activity_id]
        if expert:
            row.experts.append(name)
        else:
            row.presenters.append(Presenter(person, name))


def in_month(query, first: date):
    """The query's activities in the month starting on `first`: what the month calendar shows."""
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return query.where(Activity.date >= first, Activity.date < following)


def by_month(activities, after: date | None = None) -> list[tuple[str, list[Activity], bool]]:
    """[("2025年9月", [...], continued), ...] in date order; the first month is `continued`
    when the row shown before these (`after`, the previous window's last) is in it too."""
    groups = groupby(activities, key=lambda a: (a.date.year, a.date.month))
    return [
        (
            f"{year}年{month}月",
            list(rows),
            n == 0 and after is not None and after.replace(day=1) == date(year, month, 1),
        )
        for n, ((year, month), rows) in enumerate(groups)
    ]


def rows_before(query, day: date) -> int:
    """How many of the query's rows (in date order) come before `day`."""
    return db.session.scalar(
        select(func.count()).select_from(query.where(Activity.date < day).order_by(None).subquery())
    )


def opening_row(query, semester: Semester, size: int) -> int:
    """Where the table opens: at this month in the semester under way (what a teacher looks
    for is coming up, and a window from the semester's first day would hide it behind 更多),
    at the start of any other semester. A month boundary, so the month keeps its head."""
    today = school_today()
    if not semester.contains(today):
        return 0
    rows = query.with_only_columns(Activity.date).order_by(None).subquery()
    before, total = db.session.execute(
        select(func.count().filter(rows.c.date < today.replace(day=1)), func.count()).select_from(
            rows
        )
    ).one()
    # Nothing left this month or after: open at the last months rather than on nothing.
    return before if before < total else earlier_start(query, total, size)


def earlier_start(query, end: int, size: int) -> int:
    """The first row of the window before row `end`: about `size` rows, in whole months, so
    each month of it has its head and the months after it are not split."""
    day = db.session.scalar(
        query.with_only_columns(Activity.date).offset(max(end - size, 0)).limit(1)
    )
    return 0 if day is None else rows_before(query, day.replace(day=1))


def filter_options(responsible: str) -> dict[str, list[tuple[int, str]]]:
    """The filters' options in one statement: the person the 责任人 filter is on, if any (the
    filter is a people picker searching this semester's people, as a list it would grow with
    the staff), and the active partner schools."""
    staff = select(
        literal("staff").label("kind"),
        Staff.id,
        Staff.name,
        Staff.subject.label("note"),
        Staff.pinyin.label("sort"),
    ).where(Staff.id == (as_id(responsible) or 0))
    schools = select(
        literal("school"),
        PartnerSchool.id,
        PartnerSchool.name,
        literal(""),
        PartnerSchool.name,
    ).where(PartnerSchool.active)
    options: dict[str, list[tuple[int, str]]] = {"staff": [], "school": []}
    for kind, id_, name, note, _sort in db.session.execute(
        union_all(staff, schools).order_by("sort", "id")
    ):
        options[kind].append((id_, f"{name}（{note}）" if note else name))
    return options


def responsible_in(people, semester_id: int):
    """A staff query narrowed to who is responsible for a live activity of this semester."""
    runners = (
        Activity.live()
        .with_only_columns(Activity.responsible_id)
        .where(Activity.semester_id == semester_id)
    )
    return people.where(Staff.id.in_(runners))


@dataclass
class PlanRow:
    level: str
    form: str
    planned: int  # the plan's 活动次数
    scheduled: int  # on the schedule, not cancelled
    held: int  # done

    @property
    def label(self) -> str:
        return f"{LEVELS[self.level]}·{FORMS[self.form]}"

    @property
    def remaining(self) -> int:
        return max(self.planned - self.held, 0)


def plan_progress(semester: Semester) -> list[PlanRow]:
    """Planned vs scheduled vs held for every level and form that has a target or an activity."""
    planned = select(
        PlanTarget.level, PlanTarget.form, literal("target").label("status"), PlanTarget.count
    ).where(PlanTarget.semester_id == semester.id)
    on_schedule = (
        Activity.live()
        .with_only_columns(Activity.level, Activity.form, Activity.status, func.count())
        .where(Activity.semester_id == semester.id, Activity.status != "cancelled")
        .group_by(Activity.level, Activity.form, Activity.status)
    )
    rows = db.session.execute(union_all(planned, on_schedule)).all()  # one statement
    targets = {(level, form): n for level, form, status, n in rows if status == "target"}
    counts = [row for row in rows if row.status != "target"]
    scheduled: Counter = Counter()
    held: Counter = Counter()
    for level, form, status, n in counts:
        scheduled[level, form] += n
        if status == "done":
            held[level, form] += n
    keys = set(targets) | set(scheduled)
    order = {key: n for n, key in enumerate((lv, fm) for lv in LEVELS for fm in FORMS)}
    return [
        PlanRow(lv, fm, targets.get((lv, fm), 0), scheduled[lv, fm], held[lv, fm])
        for lv, fm in sorted(keys, key=lambda k: order.get(k, len(order)))
        if lv in LEVELS and fm in FORMS
    ]


def targets_grid(semester: Semester) -> dict[tuple[str, str], int]:
    return {
        (t.level, t.form): t.count
        for t in db.session.scalars(select(PlanTarget).where(PlanTarget.semester_id == semester.id))
    }


def save_targets(semester: Semester, wanted: dict[tuple[str, str], int]) -> None:
    """Store the plan's validated counts: a cell of 0 has no target row."""
    existing = {
        (t.level, t.form): t
        for t in db.session.scalars(select(PlanTarget).where(PlanTarget.semester_id == semester.id))
    }
    for key, count in wanted.items():
        target = existing.get(key)
        if count and target:
            target.count = count
        elif count:
            _add_target(semester, key, count)
        elif target:
            db.session.delete(target)


def _add_target(semester: Semester, key: tuple[str, str], count: int) -> None:
    db.session.add(PlanTarget(semester_id=semester.id, level=key[0], form=key[1], count=count))


def make_current(semester: Semester) -> None:
    """One current semester: clear the old flag first, the unique index holds it."""
    for other in db.session.scalars(select(Semester).where(Semester.is_current)):
        other.is_current = False
    db.session.flush()
    semester.is_current = True


def next_semester(semester: Semester) -> Semester | None:
    return db.session.scalar(
        select(Semester).where(Semester.start > semester.start).order_by(Semester.start).limit(1)
    )


# What a copied activity keeps; its date moves, its status starts over, its record stays behind.
COPIED_FIELDS = (
    "start_time",
    "end_time",
    "place",
    "level",
    "form",
    "theme",
    "procedure",
    "responsible_id",
    "partner_school_id",
    "presenters",
    "external_presenters",
)


@dataclass
class CopyResult:
    copied: int = 0
    outside: list[str] = field(default_factory=list)  # themes whose shifted date left the semester


def copy_semester(source: Semester, target: Semester, weeks: int) -> CopyResult:
    """The source's live activities as plans in the target, dates moved by whole weeks (so a
    Wednesday stays a Wednesday); the plan's counts come along where the target has none."""
    result = CopyResult()
    shift = timedelta(weeks=weeks)
    for activity in db.session.scalars(
        Activity.live().where(Activity.semester_id == source.id).order_by(Activity.date)
    ):
        day = activity.date + shift
        if not target.contains(day):
            result.outside.append(activity.theme)
            continue
        copied = Activity(semester_id=target.id, date=day, status="planned")
        for name in COPIED_FIELDS:
            setattr(copied, name, getattr(activity, name))
        db.session.add(copied)
        result.copied += 1
    if not targets_grid(target):
        for key, count in targets_grid(source).items():
            _add_target(target, key, count)
    return result


# --- attendance -------------------------------------------------------------------------


CLOSED = {"cancelled": "已取消", "postponed": "已延期"}


class CheckInClosed(Exception):
    """Why a person cannot check in now, in Chinese."""


def checkin_code(activity: Activity) -> str:
    """The signed code in the check-in link and QR code: this activity on its date. If the date
    moves afterwards, the code shown before no longer checks anyone in."""
    return sign_checkin(current_app.config["SECRET_KEY"], activity.id, activity.date)


def sign_checkin(secret_key: str, activity_id: int, day: date) -> str:
    return _checkin_signer(secret_key).dumps([activity_id, day.isoformat()])


def _checkin_signer(secret_key: str | None = None) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key or current_app.config["SECRET_KEY"], salt="checkin")


def check_in(activity: Activity, staff, code: str | None) -> Attendance:
    """Mark the person themself present. Open on the activity's day only, so a link passed on
    later cannot add attendance to an old activity, and only with a code made for that day."""
    if refusal := checkin_refusal(activity, code):
        raise CheckInClosed(refusal)
    record = _attendance(activity.id, staff.id)
    before = _attendance_value(record)
    record.status, record.reason = "present", ""
    record.checked_in_at = record.checked_in_at or utcnow()
    _note_attendance(activity, staff.name, before, record, staff)
    return record


def mark_attendance(
    activity: Activity, staff_id: int, status: str, reason: str, by, name: str | None = None
) -> Attendance:
    record = _attendance(activity.id, staff_id)
    before = _attendance_value(record)
    record.status = status
    record.reason = reason if status == "excused" else ""
    record.marked_by_id = by.id
    name = name or db.session.get(Staff, staff_id).name
    _note_attendance(activity, name, before, record, by)
    return record


def _attendance_value(record: Attendance) -> str:
    """Before a change: nothing for a new record, else what _attendance_label reads."""
    return _attendance_label(record) if record.id else ""


def _attendance_label(record: Attendance) -> str:
    """出席, or 请假（病假）: what the history shows of one person's attendance."""
    label = ATTENDANCE.get(record.status, record.status)
    return f"{label}（{record.reason}）" if record.status == "excused" and record.reason else label


def _note_attendance(activity, name, before: str, record: Attendance, by) -> None:
    after = _attendance_label(record)
    if before != after:
        note_change(activity, "attendance", f"{name}：{before or '（无）'}", f"{name}：{after}", by)


@dataclass
class RollRow:
    """One line of the roll call: an invitee (or someone with a record who was not invited)."""

    staff: Staff
    record: Attendance | None
    invited: bool

    @property
    def checked_in(self) -> bool:
        return bool(self.record and self.record.checked_in_at and self.record.status == "present")


def roll_of(activity: Activity) -> list[RollRow]:
    """Everyone expected (the invitees as resolved on the activity's date) and anyone else with
    a record, in pinyin order."""
    invited = invitees.invitees_of(activity)
    records = {row.staff_id: row for row in attendance_of(activity)}
    people = db.session.scalars(
        select(Staff).where(Staff.id.in_(invited | set(records))).order_by(Staff.pinyin, Staff.id)
    ).all()
    return [RollRow(person, records.get(person.id), person.id in invited) for person in people]


@dataclass
class RollCall:
    """What a roll-call form asked for, checked: choices by staff id, errors by staff id, and the
    people who scanned in but are now marked 缺席 (asked to confirm first)."""

    choices: dict[int, tuple[str, str]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    unconfirmed: list[str] = field(default_factory=list)
    closed: str | None = None  # why no attendance can be kept now


def read_roll(activity: Activity, roll: list[RollRow], formdata, refusal) -> RollCall:
    """The roll form's choices (status-<id>, reason-<id>), with 全部出席 filling everyone not
    marked yet; `refusal(staff_id)` says why this user may not mark someone, or None."""
    call = RollCall(closed=attendance_closed(activity))
    if call.closed:
        return call
    for row in roll:
        person = row.staff.id
        status = formdata.get(f"status-{person}", "")
        reason = (formdata.get(f"reason-{person}") or "").strip() if status == "excused" else ""
        if not status and formdata.get("all_present") and row.record is None:
            status = "present" if refusal(person) is None else ""
        if not status:
            continue
        call.choices[person] = (status, reason)
        unchanged = row.record and (row.record.status, row.record.reason) == (status, reason)
        if unchanged:
            continue
        if refused := refusal(person):
            call.errors[person] = refused
        elif status not in ATTENDANCE:
            call.errors[person] = "请选择出席、请假或缺席。"
        elif status == "excused" and not reason:
            call.errors[person] = "请假要写明原因。"
        elif len(reason) > 200:
            call.errors[person] = "请假原因不超过 200 字。"
        elif status == "absent" and row.checked_in and not formdata.get("confirm"):
            call.unconfirmed.append(row.staff.name)
    return call


def save_roll(activity: Activity, roll: list[RollRow], call: RollCall, by) -> int:
    """Store the changed lines (each change goes to the history); returns how many changed."""
    changed = 0
    for row in roll:
        choice = call.choices.get(row.staff.id)
        if choice is None:
            continue
        status, reason = choice
        if row.record and (row.record.status, row.record.reason) == (status, reason):
            continue
        mark_attendance(activity, row.staff.id, status, reason, by, name=row.staff.name)
        changed += 1
    return changed


# --- 已完成: closing a held activity -------------------------------------------------------


def has_taken_place(activity: Activity) -> bool:
    """Its day has passed and it left a trace: someone present (checked in or marked), or a
    record (minutes or files)."""
    if activity.date >= school_today():
        return False
    if activity.summary.strip():
        return True
    known = g.get("schedule_traces", {})  # a page's rows, read with the page (note_traces)
    if activity.id in known:
        return known[activity.id]
    return bool(
        db.session.scalar(select(left_a_trace().label("trace")).where(Activity.id == activity.id))
    )


def checked_in_by_others(activity: Activity) -> bool:
    """Its day has passed and someone who neither runs nor presents it scanned in by its code."""
    if activity.date >= school_today():
        return False
    runners = {p.id for p in activity.presenters} | {activity.responsible_id}
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(Attendance)
            .where(
                Attendance.activity_id == activity.id,
                Attendance.checked_in_at.is_not(None),
                Attendance.staff_id.not_in(runners - {None}),
            )
        )
    )


def attendance_closed(activity: Activity) -> str | None:
    """Why attendance cannot be kept for this activity now, in Chinese; None when it can."""
    if activity.status in ("cancelled", "postponed"):
        return "活动已取消或延期，不能登记出勤。"
    if activity.date > school_today():
        return "活动还没有开始：当天及以后才能登记出勤。"
    return None


def left_a_trace():
    """SQL: someone was present at the activity, or it has files (minutes are in its row)."""
    return or_(
        exists().where(Attendance.activity_id == Activity.id, Attendance.status == "present"),
        exists().where(activity_attachment.c.activity_id == Activity.id),
    )


def note_traces(traces: dict[int, bool]) -> None:
    """Remember, for this request, which of a page's activities left a trace, read with the
    page's own query: offering 已完成 on every past row then costs no query per row."""
    g.schedule_traces = g.get("schedule_traces", {}) | traces


def mark_done(activity: Activity, by) -> None:
    before = counted_values(activity)
    activity.status = "done"
    note_changes(activity, before, by)


# --- the history of what earns points ----------------------------------------------------


def counted_values(activity: Activity) -> dict[str, str]:
    """The counted fields as people read them, to compare before and after a save."""
    return {
        "date": activity.date.isoformat() if activity.date else "",
        "level": activity.level_label,
        "form": activity.form_label,
        "status": activity.status_label,
        "presenters": "、".join(p.name for p in activity.presenters),
        "external_presenters": "、".join(m.name for m in activity.external_presenters),
    }


def note_changes(activity: Activity, before: dict[str, str], by) -> None:
    for name, after in counted_values(activity).items():
        if before[name] != after:
            note_change(activity, name, before[name], after, by)


def note_change(activity: Activity, field: str, old: str, new: str, by) -> None:
    db.session.add(
        ActivityHistory(
            activity_id=activity.id,
            field=field,
            old_value=old,
            new_value=new,
            changed_by_id=by.id if by is not None else None,
        )
    )


def history_of(activity: Activity) -> list[ActivityHistory]:
    return list(
        db.session.scalars(
            select(ActivityHistory)
            .where(ActivityHistory.activity_id == activity.id)
            .order_by(ActivityHistory.changed_at.desc(), ActivityHistory.id.desc())
        )
    )


def _attendance(activity_id: int, staff_id: int) -> Attendance:
    found = db.session.scalar(
        select(Attendance).where(
            Attendance.activity_id == activity_id, Attendance.staff_id == staff_id
        )
    )
    if found is None:
        found = Attendance(activity_id=activity_id, staff_id=staff_id)
        db.session.add(found)
    return found


def attendance_of(activity: Activity) -> list[Attendance]:
    return list(
        db.session.scalars(
            select(Attendance)
            .join(Staff, Attendance.staff_id == Staff.id)
            .where(Attendance.activity_id == activity.id)
            .order_by(Attendance.status.desc(), Staff.pinyin)
        )
    )


# --- my activities and calendars -------------------------------------------------------


def mine_query(staff_id: int, *conditions):
    """Live activities (meeting `conditions`) the person is invited to, presents, is responsible
    for, or has attendance at: one query, however many activities there are."""
    presenting = select(activity_presenter.c.activity_id).where(
        activity_presenter.c.staff_id == staff_id
    )
    attending = select(Attendance.activity_id).where(Attendance.staff_id == staff_id)
    return Activity.live().where(
        *conditions,
        or_(
            Activity.responsible_id == staff_id,
            Activity.id.in_(presenting),
            Activity.id.in_(attending),
            invitees.invites_clause(staff_id),
        ),
    )


def upcoming_mine(staff, limit: int = 8) -> list[tuple[Activity, bool]]:
    """我的活动 on the home page: from today on, nearest first (so the next two weeks lead),
    each with whether this person presents it. One query: the list shows neither presenters
    nor partner school, so none are loaded."""
    found = db.session.execute(_upcoming(limit), {"me": staff.id, "today": school_today()})
    return [(activity, presents) for activity, presents in found]


@cache
def _upcoming(limit: int):
    """upcoming_mine's statement for anyone on any day (bound as "me" and "today"): built once,
    since building and keying its invitation rules cost more than running it, on the page
    everyone opens first."""
    me, today = bindparam("me", type_=Integer), bindparam("today", type_=Date)
    presents = (
        exists()
        .where(
            activity_presenter.c.activity_id == Activity.id,
            activity_presenter.c.staff_id == me,
        )
        .label("presents")
    )
    return (
        mine_query(me, Activity.date >= today, Activity.status != "cancelled")
        .add_columns(presents)
        .options(
            lazyload(Activity.responsible),
            lazyload(Activity.partner_school),
            lazyload(Activity.presenters),
            lazyload(Activity.external_presenters),
        )
        .order_by(Activity.date, Activity.start_time)
        .limit(limit)
    )


def roles_in(activity: Activity, staff_id: int, presents: bool) -> list[str]:
    """The badges of my part in an activity: 主讲 (`presents`, read with the activity) and 负责."""
    roles = []
    if presents:
        roles.append("主讲")
    if activity.responsible_id == staff_id:
        roles.append("负责")
    return roles


# Calendars get activities in the years the date fields accept (ChineseDateField).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def ical(activities, name: str) -> bytes:
    """An iCalendar file a phone calendar subscribes to; times in the school's time zone."""
    zone = school_zone()
    cal = Calendar()
    cal.add("prodid", "-//星光名师工作室//schedule//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", current_app.config["TIME_ZONE"])
    for activity in activities:
        if not FIRST_DAY <= activity.date <= LAST_DAY:
            continue  # a date no calendar can hold (stored before input was checked)
        event = Event()
        event.add("uid", f"activity-{activity.id}@studio")
        event.add("summary", f"【{activity.form_label}】{activity.theme}")
        if activity.start_time:
            start = datetime.combine(activity.date, activity.start_time, zone)
            end_time = activity.end_time or (start + timedelta(hours=1)).time()
            event.add("dtstart", start)
            event.add("dtend", datetime.combine(activity.date, end_time, zone))
        else:
            event.add("dtstart", activity.date)
            event.add("dtend", activity.date + timedelta(days=1))
        if activity.place:
            event.add("location", activity.place)
        event.add("description", _describe(activity))
        event.add("status", "CANCELLED" if activity.status == "cancelled" else "CONFIRMED")
        event.add("dtstamp", utcnow())
        event.add("url", url_for("schedule.show", activity_id=activity.id, _external=True))
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _describe(activity: Activity) -> str:
    lines = [f"级别：{activity.level_label}", f"状态：{activity.status_label}"]
    if activity.responsible:
        lines.append(f"责任人：{activity.responsible.name}")
    if activity.presenter_names:
        lines.append("主讲：" + "、".join(activity.presenter_names))
    if activity.partner_school:
        lines.append(f"结对学校：{activity.partner_school.name}")
    if activity.procedure:
        lines += ["活动程序：", activity.procedure]
    return "\n".join(lines)


# --- the month calendar ------------------------------------------------------------------


def month_of(value: str | None, semester: Semester) -> date:
    """The first day of the month asked for (YYYY-MM), else this month inside the semester,
    else the semester's first month."""
    if parsed := year_month(value):
        return date(*parsed, 1)
    today = school_today()
    day = today if semester.contains(today) else semester.start
    return day.replace(day=1)


def month_weeks(first: date, activities) -> list[list[tuple[date, list[Activity]]]]:
    """Monday-first weeks of the month, each day with its activities."""
    on_day = defaultdict(list)
    for activity in activities:
        on_day[activity.date].append(activity)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return [[(day, on_day.get(day, [])) for day in week] for week in weeks]


def shift_month(first: date, months: int) -> str:
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# --- the Excel 一览表 ----------------------------------------------------------------------

COLUMNS = [
    ("序号", 6),
    ("日期", 16),
    ("时间", 13),
    ("地点", 16),
    ("级别", 7),
    ("形式", 10),
    ("主题", 30),
    ("责任人", 10),
    ("主讲", 16),
    ("结对学校", 14),
    ("活动程序", 40),
    ("状态", 8),
]


def export_workbook(semester: Semester, activities) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "学期活动安排"
    append(sheet, [f"{current_app.config['SCHOOL_NAME']}名师工作室 {semester.name}活动安排一览表"])
    sheet["A1"].font = Font(bold=True, size=14)
    append(sheet, [name for name, _ in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for n, activity in enumerate(activities, start=1):
        time_range = "–".join(t for t in (hm(activity.start_time), hm(activity.end_time)) if t)
        append(
            sheet,
            [
                n,
                cn_short_date(activity.date),
                time_range,
                activity.place,
                activity.level_label,
                activity.form_label,
                activity.theme,
                activity.responsible.name if activity.responsible else "",
                "、".join(activity.presenter_names),
                activity.partner_school.name if activity.partner_school else "",
                activity.procedure,
                activity.status_label,
            ],
        )
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.print_title_rows = "2:2"

    plan = book.create_sheet("计划与完成")
    append(plan, ["级别", "形式", "计划次数", "已安排", "已完成", "尚余"])
    for row in plan_progress(semester):
        append(
            plan,
            [
                LEVELS[row.level],
                FORMS[row.form],
                row.planned,
                row.scheduled,
                row.held,
                row.remaining,
            ],
        )
    fit_columns(plan)
    return workbook_bytes(book)


# --- guests (外校来宾) ---------------------------------------------------------------------


def guest_checkin_refusal(activity: Activity, code: str | None) -> str | None:
    """Why a guest cannot check in now, in Chinese; None when they can: a colleague's rules,
    and only at a 片区 or 全区 activity, since a 校内 one has no guests."""
    if activity.level == "school":
        return "这是校内活动，不开放外校老师签到。"
    return checkin_refusal(activity, code)


def checkin_refusal(activity: Activity, code: str | None) -> str | None:
    """Why nobody can check in now, in Chinese; None when they can: a live activity, on its
    day, with the code made for that day (a link passed on later adds nothing)."""
    if activity.status in CLOSED:
        return f"这项活动{CLOSED[activity.status]}，不能签到。"
    try:
        made_for = _checkin_signer().loads(code or "")
    except BadSignature:
        made_for = None
    if made_for != [activity.id, activity.date.isoformat()]:
        return "签到码已失效，请重新扫描现场的二维码。"
    if activity.date != school_today():
        return f"签到只在活动当天（{cn_short_date(activity.date)}）开放。"
    return None


def activity_by_checkin_token(token: str) -> Activity:
    """The live activity a check-in link names; 404 for a made-up or over-long token."""
    activity = (
        db.session.scalar(Activity.live().where(Activity.checkin_token == token))
        if len(token) <= 32
        else None
    )
    if activity is None:
        abort(404)
    return activity
