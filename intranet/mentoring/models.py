"""Mentor–apprentice pairings with their agreements, development plans and lesson observation."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.people.models import ExternalMentor, Staff
from intranet.schedule.models import Activity, Semester
from intranet.uploads import Attachment

PAIRING_STATES = {
    "draft": "草拟",
    "signed": "已签订",
    "active": "进行中",
    "completed": "已结业",
    "ended": "已终止",
}
PLAN_ITEM_KINDS = {
    "report_lesson": "汇报课",
    "demo_lesson": "展示课",
    "observation": "听课",
    "attendance": "参加活动",
    "paper": "论文",
    "competition": "比赛",
    "reading": "读书",
    "other": "其他",
}
# Kinds the app cannot count: the member records each one (a book read) with its evidence.
SELF_RECORDED = ("reading", "other")


class Pairing(db.Model):
    """师徒结对: a mentor (a colleague, or a member of the external team) and an apprentice."""

    __tablename__ = "pairing"
    __table_args__ = (
        CheckConstraint("(mentor_id IS NULL) <> (external_mentor_id IS NULL)", name="one_mentor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    external_mentor_id: Mapped[int | None] = mapped_column(ForeignKey("external_mentor.id"))
    apprentice_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    start_semester_id: Mapped[int] = mapped_column(ForeignKey("semester.id"))
    end_semester_id: Mapped[int] = mapped_column(ForeignKey("semester.id"))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    end_reason: Mapped[str] = mapped_column(Text, default="")  # why it ended early (已终止)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    mentor: Mapped[Staff | None] = relationship(foreign_keys=[mentor_id], lazy="joined")
    external_mentor: Mapped[ExternalMentor | None] = relationship(lazy="joined")
    apprentice: Mapped[Staff] = relationship(foreign_keys=[apprentice_id], lazy="joined")
    start_semester: Mapped[Semester] = relationship(foreign_keys=[start_semester_id])
    end_semester: Mapped[Semester] = relationship(foreign_keys=[end_semester_id])
    agreements: Mapped[list["Agreement"]] = relationship(
        back_populates="pairing", order_by="Agreement.number"
    )
    tasks: Mapped[list["PairingTask"]] = relationship(order_by="PairingTask.due")

    @property
    def state_label(self) -> str:
        return PAIRING_STATES.get(self.state, self.state)

    @property
    def mentor_name(self) -> str:
        return self.mentor.name if self.mentor else self.external_mentor.name

    @property
    def agreement(self) -> "Agreement | None":
        """The newest version of the agreement."""
        return self.agreements[-1] if self.agreements else None


class Agreement(db.Model):
    """One version of a pairing's 师徒协议. Once both sides confirm, its text is frozen; a change
    is a new version that both confirm again."""

    __tablename__ = "agreement"
    __table_args__ = (UniqueConstraint("pairing_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairing.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer, default=1)
    mentor_duties: Mapped[str] = mapped_column(Text, default="")  # 导师工作责任
    apprentice_goals: Mapped[str] = mapped_column(Text, default="")  # 徒弟发展目标
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Who confirmed for the mentor: the mentor, or for an external mentor the manager who
    # recorded their signature on paper.
    mentor_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    mentor_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    apprentice_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    pairing: Mapped[Pairing] = relationship(back_populates="agreements")
    mentor_signed_by: Mapped[Staff | None] = relationship()

    @property
    def is_signed(self) -> bool:
        return self.mentor_signed_at is not None and self.apprentice_signed_at is not None


class PairingTask(db.Model):
    """Something the apprentice should do by a date."""

    __tablename__ = "pairing_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairing.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(300))
    due: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MentoringFeedback(db.Model):
    """The apprentice's rating of the mentoring, once a semester."""

    __tablename__ = "mentoring_feedback"
    __table_args__ = (
        UniqueConstraint("pairing_id", "semester_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairing.id", ondelete="CASCADE"))
    semester_id: Mapped[int] = mapped_column(ForeignKey("semester.id"))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_on: Mapped[date] = mapped_column(Date, default=school_today)


class DevelopmentPlan(db.Model):
    """成员发展规划计划书: a member's goals for several school years."""

    __tablename__ = "development_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    start_year: Mapped[int] = mapped_column(Integer)  # the school year 2025-2026 is 2025
    end_year: Mapped[int] = mapped_column(Integer)
    goals: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    staff: Mapped[Staff] = relationship(lazy="joined")
    items: Mapped[list["PlanItem"]] = relationship(back_populates="plan")


class PlanItem(db.Model):
    """A semester target of a plan: e.g. two report lessons in 2025-2026学年第一学期."""

    __tablename__ = "plan_item"
    __table_args__ = (UniqueConstraint("plan_id", "semester_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("development_plan.id", ondelete="CASCADE"))
    semester_id: Mapped[int] = mapped_column(ForeignKey("semester.id"))
    kind: Mapped[str] = mapped_column(String(24))  # a key of PLAN_ITEM_KINDS
    target: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")

    plan: Mapped[DevelopmentPlan] = relationship(back_populates="items")
    semester: Mapped[Semester] = relationship()
    records: Mapped[list["PlanRecord"]] = relationship(
        back_populates="item",
        order_by="PlanRecord.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )

    @property
    def kind_label(self) -> str:
        return PLAN_ITEM_KINDS.get(self.kind, self.kind)

    @property
    def is_self_recorded(self) -> bool:
        return self.kind in SELF_RECORDED


class PlanRecord(db.Model):
    """One step of a self-recorded target (a book read), with its evidence: a note, a file or
    both."""

    __tablename__ = "plan_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE"), index=True)
    recorded_on: Mapped[date] = mapped_column(Date, default=school_today)
    note: Mapped[str] = mapped_column(String(200), default="")
    attachment_id: Mapped[str | None] = mapped_column(ForeignKey("attachment.id"))

    item: Mapped[PlanItem] = relationship(back_populates="records")
    attachment: Mapped[Attachment | None] = relationship(lazy="joined")


class RubricItem(db.Model):
    """An item of the lesson-observation rubric. Retired items stay, for old observations."""

    __tablename__ = "rubric_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))  # 教学目标, 教学过程, …
    description: Mapped[str] = mapped_column(String(300), default="")
    max_score: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Observation(db.Model):
    """听课评课: one observer's scores and comments on one teacher's lesson."""

    __tablename__ = "observation"
    __table_args__ = (UniqueConstraint("activity_id", "observer_id", "teacher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    observer_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    strengths: Mapped[str] = mapped_column(Text, default="")
    suggestions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A manager may set an outlier aside: it stays on record with the reason, and no average
    # or evaluation counts it.
    set_aside_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    set_aside_reason: Mapped[str] = mapped_column(Text, default="")
    set_aside_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    activity: Mapped[Activity] = relationship()
    observer: Mapped[Staff] = relationship(foreign_keys=[observer_id])
    set_aside_by: Mapped[Staff | None] = relationship(foreign_keys=[set_aside_by_id])
    teacher: Mapped[Staff] = relationship(foreign_keys=[teacher_id])
    # A second save of the same observation replaces its scores.
    scores: Mapped[list["ObservationScore"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def total(self) -> int:
        return sum(score.score for score in self.scores)

    @property
    def is_set_aside(self) -> bool:
        return self.set_aside_at is not None


class ObservationScore(db.Model):
    __tablename__ = "observation_score"

    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observation.id", ondelete="CASCADE"), primary_key=True
    )
    rubric_item_id: Mapped[int] = mapped_column(ForeignKey("rubric_item.id"), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)

    rubric_item: Mapped[RubricItem] = relationship(lazy="joined")
