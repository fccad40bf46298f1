"""Achievements and their certificates, semester work reports, and the evaluation scheme.

The evaluation itself is not stored: services.evaluate() computes it from the scheme and the
records each time, so changing the scheme (or verifying an achievement) changes every score.
"""

from datetime import date, datetime

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intranet.clock import utcnow
from intranet.extensions import db
from intranet.people.models import Staff
from intranet.schedule.models import Semester
from intranet.uploads import Attachment

# Code name -> what users read; the order is the order of every list, chart and export.
KINDS = {
    "award": "获奖证书",
    "paper": "论文发表",
    "open_lesson": "公开课",
    "project": "课题",
    "honour": "荣誉称号",
    "other": "其他",
}
LEVELS = {
    "national": "国家级",
    "provincial": "省级",
    "city": "市级",
    "district": "区级",
    "school": "校级",
}
REPORT_STATES = {
    "draft": "草稿",
    "submitted": "已提交",
    "returned": "退回修改",
    "published": "已公开",
}


achievement_attachment = Table(
    "achievement_attachment",
    db.metadata,
    Column("achievement_id", ForeignKey("achievement.id", ondelete="CASCADE"), primary_key=True),
    Column("attachment_id", ForeignKey("attachment.id"), primary_key=True),
)
work_report_attachment = Table(
    "work_report_attachment",
    db.metadata,
    Column("work_report_id", ForeignKey("work_report.id", ondelete="CASCADE"), primary_key=True),
    Column("attachment_id", ForeignKey("attachment.id"), primary_key=True),
)


class Achievement(db.Model):
    """成果: an award, a paper, an open lesson, a research project, a title of honour."""

    __tablename__ = "achievement"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    awarded_on: Mapped[date] = mapped_column(Date, index=True)
    issuer: Mapped[str] = mapped_column(String(100), default="")  # 颁发单位
    # Set when a manager has checked the certificate; the owner can no longer change it then.
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id], lazy="joined")
    verified_by: Mapped[Staff | None] = relationship(foreign_keys=[verified_by_id])
    attachments: Mapped[list[Attachment]] = relationship(
        secondary=achievement_attachment, lazy="selectin"
    )

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def level_label(self) -> str:
        return LEVELS.get(self.level, self.level)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def certificate(self) -> Attachment | None:
        return self.attachments[0] if self.attachments else None


class WorkReport(db.Model):
    """工作汇报: a member's report on their semester, reviewed by a manager, then published for
    the exchange meeting. The author edits the body while a manager may be writing the review,
    so the row is versioned (intranet/concurrency.py)."""

    __tablename__ = "work_report"
    __table_args__ = (UniqueConstraint("staff_id", "semester_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    semester_id: Mapped[int] = mapped_column(ForeignKey("semester.id"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="draft")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review: Mapped[str] = mapped_column(Text, default="")  # the manager's comment
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id], lazy="joined")
    reviewed_by: Mapped[Staff | None] = relationship(foreign_keys=[reviewed_by_id])
    semester: Mapped[Semester] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        secondary=work_report_attachment, lazy="selectin"
    )

    @property
    def state_label(self) -> str:
        return REPORT_STATES.get(self.state, self.state)

    @property
    def is_editable(self) -> bool:
        """The author writes until submitting, and again when it was sent back."""
        return self.state in ("draft", "returned")

    @property
    def counts_as_submitted(self) -> bool:
        return self.state in ("submitted", "published") and self.submitted_at is not None


# The scheme's numbers: (column, label, default). Lessons are demo or report lessons the member
# gave (as presenter) at that level; achievements count once verified, by their level.
SCHEME_FIELDS = [
    ("attendance", "每参加一次活动", 1.0),
    ("lesson_school", "校内展示课/汇报课每节", 3.0),
    ("lesson_cluster", "片区展示课/汇报课每节", 5.0),
    ("lesson_district", "全区展示课/汇报课每节", 8.0),
    ("achievement_national", "国家级成果每项", 20.0),
    ("achievement_provincial", "省级成果每项", 15.0),
    ("achievement_city", "市级成果每项", 10.0),
    ("achievement_district", "区级成果每项", 6.0),
    ("achievement_school", "校级成果每项", 3.0),
    ("report", "按时提交工作汇报", 5.0),
    ("observation_weight", "听课评分权重（平均得分率×100×权重）", 0.2),
]


class EvaluationScheme(db.Model):
    """评估方案: the points of one semester's evaluation, and the work reports' deadline."""

    __tablename__ = "evaluation_scheme"

    id: Mapped[int] = mapped_column(primary_key=True)
    semester_id: Mapped[int] = mapped_column(ForeignKey("semester.id"), unique=True)
    report_deadline: Mapped[date | None] = mapped_column(Date)
    attendance: Mapped[float] = mapped_column(Float, default=1.0)
    lesson_school: Mapped[float] = mapped_column(Float, default=3.0)
    lesson_cluster: Mapped[float] = mapped_column(Float, default=5.0)
    lesson_district: Mapped[float] = mapped_column(Float, default=8.0)
    achievement_national: Mapped[float] = mapped_column(Float, default=20.0)
    achievement_provincial: Mapped[float] = mapped_column(Float, default=15.0)
    achievement_city: Mapped[float] = mapped_column(Float, default=10.0)
    achievement_district: Mapped[float] = mapped_column(Float, default=6.0)
    achievement_school: Mapped[float] = mapped_column(Float, default=3.0)
    report: Mapped[float] = mapped_column(Float, default=5.0)
    observation_weight: Mapped[float] = mapped_column(Float, default=0.2)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    semester: Mapped[Semester] = relationship()

    @classmethod
    def of(cls, semester: Semester) -> "EvaluationScheme":
        """The semester's scheme, or an unsaved one with the default points."""
        found = db.session.scalar(select(cls).where(cls.semester_id == semester.id))
        if found is None:
            found = cls(semester_id=semester.id, semester=semester)
            for name, _label, default in SCHEME_FIELDS:
                setattr(found, name, default)
        return found
