"""Staff (every account) and the fixed vocabularies that describe them."""

import secrets
from datetime import date, datetime

from flask_login import UserMixin
from pypinyin import Style, lazy_pinyin
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, and_, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from intranet.clock import utcnow
from intranet.extensions import db

# Code name -> what users read. The order is the order of every list and filter.
ROLES = {
    "admin": "管理员",
    "leader": "校领导",
    "manager": "工作室管理组",
    "teacher": "教师",
}
# Roles no staff form offers: given only with the account a manager opens for a 导师团 expert.
GUEST_ROLES = {"mentor_guest": "外聘导师"}
# Every status a school's roster holds, the Party's own steps first (中共党员 back to 入党申请人).
POLITICAL_STATUSES = {
    "member": "中共党员",
    "probationary": "中共预备党员",
    "development_target": "发展对象",
    "activist": "入党积极分子",
    "applicant": "入党申请人",
    "league_member": "共青团员",
    "democratic_party": "民主党派",
    "independent": "无党派人士",
    "non_party": "群众",
}
GENDERS = {"male": "男", "female": "女"}
CAMPUSES = ["本部", "滁和", "彤华", "宝真", "桥西", "沿河"]
SUBJECTS = [
    "语文",
    "数学",
    "英语",
    "科学",
    "道德与法治",
    "音乐",
    "体育",
    "美术",
    "信息技术",
    "综合实践",
    "心理健康",
    "行政",
    "后勤",
]
GRADE_GROUPS = [
    "一年级组",
    "二年级组",
    "三年级组",
    "四年级组",
    "五年级组",
    "六年级组",
    "综合组",
    "行政后勤",
]
TITLES = ["正高级教师", "高级教师", "一级教师", "二级教师", "三级教师", "未定级"]
# The steps toward the Party, in order (GLOSSARY: 群众 → … → 中共党员). 共青团员, 民主党派 and
# 无党派人士 are recorded in the history but moving to them is not a step.
PARTY_STEPS = ("non_party", "applicant", "activist", "development_target", "probationary", "member")
POOLS = {"mentor": "名特优党员教师导师库", "reserve": "争做名特优党员教师后备人才库"}


def new_token() -> str:
    return secrets.token_urlsafe(32)


def to_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name: 张晓明 -> ("zhangxiaoming", "zxm")."""
    syllables = [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="default")]
    return "".join(syllables), "".join(s[:1] for s in syllables)


class Staff(UserMixin, db.Model):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)  # 工号
    name: Mapped[str] = mapped_column(String(40))
    # Stored, though derived from name, so that search and sort by pinyin run in SQL.
    pinyin: Mapped[str] = mapped_column(String(160), index=True, default="")
    pinyin_initials: Mapped[str] = mapped_column(String(40), index=True, default="")
    gender: Mapped[str | None] = mapped_column(String(8))
    subject: Mapped[str | None] = mapped_column(String(20))
    grade_group: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(20))
    # The current status; its history with dates is PoliticalStatusChange, and the two change
    # together in people.status.record_change only.
    political_status: Mapped[str] = mapped_column(String(24), default="non_party")
    birth_year: Mapped[int | None] = mapped_column(Integer)  # optional: who counts as young
    campus: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(16), default="teacher")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    # Flask-Login's id is this token, not the row id: rotating it ends every copy of the cookie.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The secret in the personal calendar feed's URL; the owner can reset it.
    ical_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)

    @validates("name")
    def _derive_pinyin(self, _key, name):
        name = name.strip()
        self.pinyin, self.pinyin_initials = to_pinyin(name)
        return name

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        """May sign in (Flask-Login): every active account, a 外聘导师's too."""
        return self.active

    # Two questions every list of people asks, defined once, for a row (person.colleague) and
    # in SQL (where(Staff.colleague)). A 外聘导师 account (GUEST_ROLES) is a login, not one of
    # the school's staff: never listed, picked, invited, counted or exported as staff.
    @hybrid_property
    def of_school(self) -> bool:
        """One of the school's own staff, active or not (not a 导师团 expert's account)."""
        return self.role not in GUEST_ROLES

    @of_school.inplace.expression
    @classmethod
    def _of_school(cls):
        return cls.role.not_in(list(GUEST_ROLES))

    @hybrid_property
    def colleague(self) -> bool:
        """A colleague: an active account of the school's own staff. Login and session loading
        ask `active` instead; everything that lists or counts the school's people asks this."""
        return self.active and self.of_school

    @colleague.inplace.expression
    @classmethod
    def _colleague(cls):
        return and_(cls.active, cls.of_school)

    def end_sessions(self) -> None:
        self.session_token = new_token()

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role) or GUEST_ROLES.get(self.role, self.role)

    @property
    def political_status_label(self) -> str:
        return POLITICAL_STATUSES.get(self.political_status, self.political_status)

    @property
    def gender_label(self) -> str:
        return GENDERS.get(self.gender or "", "")

    @property
    def is_party_member(self) -> bool:
        return self.political_status in ("member", "probationary")

    def __repr__(self) -> str:
        return f"<Staff {self.username}>"


def of_school(staff_id):
    """`staff_id` (a column, e.g. Attendance.staff_id) names one of the school's own staff,
    not a 外聘导师 account: what counts of the school's attendance add up, so an expert a
    manager marked present at a lesson is never counted as staff (Staff.of_school, in SQL)."""
    return staff_id.not_in(select(Staff.id).where(~Staff.of_school))


class ExternalMentor(db.Model):
    """A member of the 名师培养导师团: an expert from the district education bureau or the
    teacher training school. Presents activities and mentors teachers; a manager may give them
    an account (`account`, role mentor_guest) to see their pairings, sign and score lessons."""

    __tablename__ = "external_mentor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    organisation: Mapped[str] = mapped_column(String(60), default="")  # 区教育局, 教师进修学校
    speciality: Mapped[str] = mapped_column(String(60), default="")
    contact: Mapped[str] = mapped_column(String(60), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), unique=True)

    account: Mapped[Staff | None] = relationship()

    def __repr__(self) -> str:
        return f"<ExternalMentor {self.name}>"


class PoolMembership(db.Model):
    """A stay in a talent pool. Ending one (until) and starting another keeps the history of a
    teacher who grew from the reserve pool into the mentor pool."""

    __tablename__ = "pool_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    pool: Mapped[str] = mapped_column(String(16))  # a key of POOLS
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")  # why: the record that qualifies them

    staff: Mapped[Staff] = relationship(lazy="joined")

    @property
    def pool_label(self) -> str:
        return POOLS.get(self.pool, self.pool)

    @property
    def is_current(self) -> bool:
        return self.until is None


class StudioDuty(db.Model):
    """A line of the 组织管理成员及分工一览表: who does what, in the order the table lists."""

    __tablename__ = "studio_duty"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    duty: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)

    staff: Mapped[Staff] = relationship(lazy="joined")


class PoliticalStatusChange(db.Model):
    """One line of a person's 政治面貌 history: the status and the day it took effect (None:
    held before records began, e.g. the row migration 0020 seeded from the current status).
    Sensitive (SECURITY D): read by the person, leaders and admins; written by admins only."""

    __tablename__ = "political_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(24))  # a key of POLITICAL_STATUSES
    since: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16), default="admin")  # admin, import, migration
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def status_label(self) -> str:
        return POLITICAL_STATUSES.get(self.status, self.status)
