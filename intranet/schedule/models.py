"""The semester activity schedule: semesters, partner schools, activities and who came."""

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from flask import current_app, has_app_context
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.people.models import ExternalMentor, Staff
from intranet.uploads import Attachment

# Code name -> what users read; the order is the order of every list, filter and export.
LEVELS = {"school": "校内", "cluster": "片区", "district": "全区"}
# The forms of activity are the 活动形式库 (LibraryForm, managers keep it); these are its seed
# (migration 0022) and what labels a form when no application is running (bench set-up, imports).
SEED_FORMS = {
    "demo_lesson": "展示课",
    "report_lesson": "汇报课",
    "theme_seminar": "主题研讨",
    "outreach": "送教",
    "lecture": "专题讲座",
    "training": "培训",
    "reading_exchange": "读书交流",
    "lesson_preparation": "集体备课",
    "other": "其他",
}
SEED_LESSON_FORMS = ("demo_lesson", "report_lesson")  # lessons that are observed and scored


class _FormLabels(Mapping):
    """FORMS: form key -> what users read, for every form in the library (retired ones too, as
    they still label old activities), in the library's order. Read from one cached lookup."""

    def __getitem__(self, key):
        return form_library().labels[key]

    def __iter__(self):
        return iter(form_library().labels)

    def __len__(self):
        return len(form_library().labels)


class _LessonForms(Sequence):
    """LESSON_FORMS: the keys of the forms that are lessons, observed and scored."""

    def __getitem__(self, index):
        return form_library().lessons[index]

    def __len__(self):
        return len(form_library().lessons)


FORMS = _FormLabels()
LESSON_FORMS = _LessonForms()

STATUSES = {"planned": "计划", "done": "已完成", "postponed": "延期", "cancelled": "取消"}
ATTENDANCE = {"present": "出席", "excused": "请假", "absent": "缺席"}
# Who an activity is for (参加对象), by group; intranet/schedule/invitees.py says who is in each
# group on the activity's date. Stored as the rule (space-separated keys), never a frozen list.
INVITE_GROUPS = {
    "studio": "全体工作室成员",
    "mentor": "导师库",
    "reserve": "后备人才库",
    "party": "全体党员",
    "staff": "全体教师",
    "pairing": "师徒结对",
    "visitors": "结对学校来宾",
}


class Semester(db.Model):
    __tablename__ = "semester"
    # At most one current semester, held by the database itself.
    __table_args__ = (
        Index(
            "uq_semester_current",
            "is_current",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)  # 2025-2026学年第一学期
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(default=False)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @classmethod
    def current(cls, among: "list[Semester] | None" = None) -> "Semester | None":
        """The current semester, or else the one today falls in, or else the latest; looked
        for in `among` (every semester, newest first) when the caller already holds them."""
        if among is None:
            among = db.session.scalars(select(cls).order_by(cls.start.desc())).all()
        today = school_today()
        return (
            next((s for s in among if s.is_current), None)
            or next((s for s in among if s.start <= today <= s.end), None)
            or next(iter(among), None)
        )

    def __repr__(self) -> str:
        return f"<Semester {self.name}>"


class PartnerSchool(db.Model):
    """片区结对学校: where cluster activities take place."""

    __tablename__ = "partner_school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    cluster: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(default=True)


activity_presenter = Table(
    "activity_presenter",
    db.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff.id"), primary_key=True, index=True),
)
activity_external_presenter = Table(
    "activity_external_presenter",
    db.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("external_mentor_id", ForeignKey("external_mentor.id"), primary_key=True),
)
activity_attachment = Table(
    "activity_attachment",
    db.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("attachment_id", ForeignKey("attachment.id"), primary_key=True),
)


def new_checkin_token() -> str:
    return secrets.token_urlsafe(16)


class Shown:
    """What a schedule row reads of an activity: the same for the mapped Activity and for a
    window's plain rows (services.Row)."""

    level: str
    form: str
    status: str

    @property
    def level_label(self) -> str:
        return LEVELS.get(self.level, self.level)

    @property
    def form_label(self) -> str:
        return FORMS.get(self.form, self.form)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)


class Activity(Shown, db.Model):
    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    semester_id: Mapped[int] = mapped_column(ForeignKey("semester.id"), index=True)
    date: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(60), default="")
    level: Mapped[str] = mapped_column(String(16), default="school")
    form: Mapped[str] = mapped_column(String(24), default="demo_lesson")
    theme: Mapped[str] = mapped_column(String(120))
    procedure: Mapped[str] = mapped_column(Text, default="")  # 活动程序, one step per line
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    partner_school_id: Mapped[int | None] = mapped_column(ForeignKey("partner_school.id"))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    # 参加对象: groups (keys of INVITE_GROUPS) resolved on the activity's date; "pairing" means
    # the mentor and apprentice of invite_pairing; "visitors" the guests of the partner school.
    invite_groups: Mapped[str] = mapped_column(String(120), default="studio")
    invite_pairing_id: Mapped[int | None] = mapped_column(
        ForeignKey("pairing.id", ondelete="SET NULL")
    )
    summary: Mapped[str] = mapped_column(Text, default="")  # the record: minutes, outcome
    # The secret in the check-in link and QR code: one activity's link opens only that activity.
    checkin_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_checkin_token)
    # Deleting only hides the row, so 撤销 can bring it back with its attendance and files.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Optimistic lock: every UPDATE checks it, and the row form sends back the one it showed.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    semester: Mapped[Semester] = relationship()
    responsible: Mapped[Staff | None] = relationship(lazy="joined")
    partner_school: Mapped[PartnerSchool | None] = relationship(lazy="joined")
    presenters: Mapped[list[Staff]] = relationship(
        secondary=activity_presenter, lazy="selectin", order_by=Staff.pinyin
    )
    external_presenters: Mapped[list[ExternalMentor]] = relationship(
        secondary=activity_external_presenter, lazy="selectin", order_by=ExternalMentor.name
    )
    attachments: Mapped[list[Attachment]] = relationship(secondary=activity_attachment)

    @classmethod
    def live(cls):
        """Activities that have not been deleted: every list and count starts here."""
        return select(cls).where(cls.deleted_at.is_(None))

    @property
    def invite_group_keys(self) -> list[str]:
        return [key for key in INVITE_GROUPS if key in (self.invite_groups or "").split()]

    @property
    def is_lesson(self) -> bool:
        return self.form in LESSON_FORMS

    @property
    def presenter_ids(self) -> list[int]:
        return [p.id for p in self.presenters]

    @property
    def external_presenter_ids(self) -> list[int]:
        return [m.id for m in self.external_presenters]

    @property
    def presenter_names(self) -> list[str]:
        return [p.name for p in self.presenters] + [m.name for m in self.external_presenters]

    @property
    def responsible_name(self) -> str:
        return self.responsible.name if self.responsible else ""

    @property
    def partner_name(self) -> str:
        return self.partner_school.name if self.partner_school else ""

    def __repr__(self) -> str:
        return f"<Activity {self.date} {self.theme}>"


class PlanTarget(db.Model):
    """How many activities of a level and form the semester plan promises (活动次数)."""

    __tablename__ = "plan_target"
    __table_args__ = (UniqueConstraint("semester_id", "level", "form"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    semester_id: Mapped[int] = mapped_column(ForeignKey("semester.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(16))
    form: Mapped[str] = mapped_column(String(24))
    count: Mapped[int] = mapped_column(Integer)


class ActivityInvitee(db.Model):
    """A named person added to (invited) or taken out of (not invited) an activity's groups."""

    __tablename__ = "activity_invitee"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True, index=True)
    invited: Mapped[bool] = mapped_column(default=True)

    activity: Mapped[Activity] = relationship()


# Indexes that let grouped counts over a semester's activities read index entries, not rows:
# the plan's progress (plan_progress, on the schedule and the dashboard) by level, form and
# status; the forms' use per semester (renewal.usage_tally, the dashboard's interest alert);
# and the dashboard's held activities by date (dashboard/services.held_where), so the kept
# semesters' rows in its window are not read.
Index(
    "ix_activity_plan",
    Activity.semester_id,
    Activity.level,
    Activity.form,
    Activity.status,
    Activity.deleted_at,
)
Index(
    "ix_activity_use",
    Activity.semester_id,
    Activity.form,
    Activity.deleted_at,
    Activity.status,
    Activity.date,
)
Index("ix_activity_held", Activity.date, Activity.semester_id)
# The schedule's window (services.table_rows, opening_row): a semester's live activities in
# the table's order, read and counted from index entries, not sorted from its rows.
Index(
    "ix_activity_window",
    Activity.semester_id,
    Activity.deleted_at,
    Activity.date,
    Activity.start_time,
)


class Attendance(db.Model):
    """签到: one row per person and activity."""

    __tablename__ = "attendance"
    # The dashboard lists each activity's present and other marked people from the tally index
    # alone, never reading the rows (migration 0017).
    __table_args__ = (
        UniqueConstraint("activity_id", "staff_id"),
        Index("ix_attendance_tally", "activity_id", "status", "staff_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="present")
    reason: Mapped[str] = mapped_column(String(200), default="")  # why excused
    # Set when the person checked in themselves (link or QR code); None when a manager marked it.
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    staff: Mapped[Staff] = relationship(lazy="joined", foreign_keys=[staff_id])
    activity: Mapped[Activity] = relationship()

    @property
    def status_label(self) -> str:
        return ATTENDANCE.get(self.status, self.status)


# Fields of an activity that earn points in the evaluation: only managers change them, and every
# change to them (or to attendance) is kept in ActivityHistory. Field name -> what users read.
COUNTED_FIELDS = {
    "date": "日期",
    "level": "级别",
    "form": "形式",
    "status": "状态",
    "presenters": "主讲人",
    "external_presenters": "导师团专家",
    "attendance": "出勤",
    "invitees": "参加对象",
}


class ActivityHistory(db.Model):
    """修改记录: one change to a field that earns points, or to someone's attendance."""

    __tablename__ = "activity_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(24))  # a key of COUNTED_FIELDS
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    changed_by: Mapped[Staff | None] = relationship(lazy="joined")

    @property
    def field_label(self) -> str:
        return COUNTED_FIELDS.get(self.field, self.field)


class Guest(db.Model):
    """外校来宾: a teacher from a partner school or the district who checked in to a 片区 or 全区
    activity by its QR code, without an account. Kept with the activity only: never a Staff row.
    One name and school is one guest per activity, so scanning twice counts once."""

    __tablename__ = "guest"
    __table_args__ = (UniqueConstraint("activity_id", "name", "school"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(20))
    # The school as the guest chose or typed it; partner_school_id when it is on the list.
    school: Mapped[str] = mapped_column(String(40))
    partner_school_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_school.id", ondelete="SET NULL")
    )
    subject: Mapped[str] = mapped_column(String(20), default="")
    checked_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    activity: Mapped[Activity] = relationship()


class LibraryForm(db.Model):
    """活动形式库: a form of activity managers keep, with what it is and how it runs. Activities
    and the plan store its `key`; a retired form is offered for no new activity but still names
    the old ones, and a form that was used is never deleted."""

    __tablename__ = "activity_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(24), unique=True)
    label: Mapped[str] = mapped_column(String(20), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")  # one line: what it is
    how: Mapped[str] = mapped_column(Text, default="")  # how it runs, one step per line
    is_lesson: Mapped[bool] = mapped_column(Boolean, default=False)  # observed and scored
    position: Mapped[int] = mapped_column(Integer, default=0)  # the order of every list
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


@dataclass(frozen=True)
class FormLibrary:
    """The library as every page reads it: labels of all forms, the lessons, the forms open
    for new activities; each in the library's order."""

    labels: dict[str, str]
    lessons: tuple[str, ...]
    active: tuple[str, ...]


SEED_LIBRARY = FormLibrary(SEED_FORMS, SEED_LESSON_FORMS, tuple(SEED_FORMS))
_CACHE = "form_library"


def form_library() -> FormLibrary:
    """The library, read once per application and read again after a change to it was
    committed or rolled back (the events below): no page pays a query for its labels. Without
    an application (imports, bench set-up) the seed."""
    if not has_app_context():
        return SEED_LIBRARY
    found = current_app.extensions.get(_CACHE)
    if found is None:
        rows = db.session.execute(
            select(
                LibraryForm.key, LibraryForm.label, LibraryForm.is_lesson, LibraryForm.retired
            ).order_by(LibraryForm.position, LibraryForm.id)
        ).all()
        found = FormLibrary(
            {row.key: row.label for row in rows},
            tuple(row.key for row in rows if row.is_lesson),
            tuple(row.key for row in rows if not row.retired),
        )
        current_app.extensions[_CACHE] = found
    return found


def preload_form_library() -> None:
    """Read the library when the app starts, so that no page's first request pays for it;
    skipped on a database not yet upgraded to it (`flask db upgrade` starts the app too)."""
    if inspect(db.engine).has_table(LibraryForm.__tablename__):
        form_library()


def open_forms() -> tuple[str, ...]:
    """The keys of the forms a new activity or plan may choose: not retired."""
    return form_library().active


def _forget_library() -> None:
    if has_app_context():
        current_app.extensions.pop(_CACHE, None)


@event.listens_for(Session, "after_flush")
def _library_flushed(session, _context):
    if any(isinstance(o, LibraryForm) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info["form_library_changed"] = True
        _forget_library()  # read again, within this transaction, with the change


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _library_settled(session, *_args):
    if session.info.pop("form_library_changed", False):
        _forget_library()
