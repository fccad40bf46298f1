"""Mentoring logic: who may see whose record, the agreement's life from draft to signed,
plan progress drawn from the schedule, observation results and the growth record."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from intranet.achievements.models import Achievement
from intranet.auth.permissions import (
    LIVE_PAIRING_STATES,
    MENTOR_GUEST,
    can,
    can_sign_as_apprentice,
    can_sign_for_mentor,
)
from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.mentoring.models import (
    Agreement,
    DevelopmentPlan,
    Observation,
    ObservationScore,
    Pairing,
    PairingTask,
    PlanItem,
    RubricItem,
)
from intranet.people.models import POOLS, ExternalMentor, PoolMembership, Staff, StudioDuty
from intranet.schedule.models import Activity, Attendance, Semester, activity_presenter
from intranet.spreadsheets import append, fit_columns, workbook_bytes

# --- pairings and agreements ------------------------------------------------------------


def overlapping(mentor_id, external_id, apprentice_id, start: Semester, end: Semester) -> bool:
    """Whether the same mentor and apprentice already have a live pairing in this span."""
    starts = db.aliased(Semester)
    ends = db.aliased(Semester)
    query = (
        select(Pairing.id)
        .join(starts, Pairing.start_semester_id == starts.id)
        .join(ends, Pairing.end_semester_id == ends.id)
        .where(
            Pairing.apprentice_id == apprentice_id,
            Pairing.state.in_(LIVE_PAIRING_STATES),
            starts.start <= end.start,
            ends.start >= start.start,
        )
    )
    if mentor_id:
        query = query.where(Pairing.mentor_id == mentor_id)
    else:
        query = query.where(Pairing.external_mentor_id == external_id)
    return db.session.scalar(query.limit(1)) is not None


def create_pairing(form) -> Pairing:
    mentor_id, external_id = form.mentor_ids
    pairing = Pairing(
        mentor_id=mentor_id,
        external_mentor_id=external_id,
        apprentice_id=form.apprentice_id.data,
        start_semester_id=form.start_semester_id.data,
        end_semester_id=form.end_semester_id.data,
        state="draft",
    )
    pairing.agreements.append(
        Agreement(
            number=1,
            mentor_duties=form.mentor_duties.data.strip(),
            apprentice_goals=form.apprentice_goals.data.strip(),
        )
    )
    db.session.add(pairing)
    return pairing


def sign(agreement: Agreement, user) -> list[str]:
    """Record the user's confirmation(s) of this version; returns what was signed, in Chinese.
    When both sides have signed, the text is frozen and the pairing is signed."""
    pairing = agreement.pairing
    signed = []
    now = utcnow()
    if agreement.mentor_signed_at is None and can_sign_for_mentor(user, pairing):
        agreement.mentor_signed_at, agreement.mentor_signed_by_id = now, user.id
        signed.append("导师")
    if agreement.apprentice_signed_at is None and can_sign_as_apprentice(user, pairing):
        agreement.apprentice_signed_at = now
        signed.append("徒弟")
    if agreement.is_signed and pairing.state == "draft":
        pairing.state = "signed"
    return signed


def apply_agreement_text(agreement: Agreement, form) -> None:
    """Save the draft's text; an edit voids any confirmation already given to the old text."""
    agreement.mentor_duties = form.mentor_duties.data.strip()
    agreement.apprentice_goals = form.apprentice_goals.data.strip()
    agreement.mentor_signed_at = agreement.apprentice_signed_at = None
    agreement.mentor_signed_by_id = None


# Where a pairing may go: action -> (from state, to state). Ending takes a reason, from any
# state but the two final ones.
TRANSITIONS = {"start": ("signed", "active"), "complete": ("active", "completed")}
FINAL_STATES = ("completed", "ended")


def change_state(pairing: Pairing, action: str, reason: str | None = None) -> None:
    """Move the pairing on, or ValueError saying in Chinese why it cannot go there."""
    if action == "end":
        if pairing.state in FINAL_STATES:
            raise ValueError("这对师徒已经结束。")
        pairing.state, pairing.end_reason = "ended", (reason or "").strip()
    elif action in TRANSITIONS and pairing.state == TRANSITIONS[action][0]:
        pairing.state = TRANSITIONS[action][1]
    else:
        raise ValueError("当前状态下不能这样操作。")


def revise(pairing: Pairing) -> Agreement:
    """A new draft version of a signed agreement, to be confirmed again by both sides."""
    current = pairing.agreement
    draft = Agreement(
        number=current.number + 1,
        mentor_duties=current.mentor_duties,
        apprentice_goals=current.apprentice_goals,
    )
    pairing.agreements.append(draft)
    return draft


def visible_pairings(user):
    # The list shows each pairing's newest agreement: load them all at once, not one per row.
    query = (
        select(Pairing)
        .options(selectinload(Pairing.agreements))
        .order_by(Pairing.created_at.desc())
    )
    if user.role == MENTOR_GUEST:  # an external mentor's own account: their pairings only
        mine = select(ExternalMentor.id).where(ExternalMentor.staff_id == user.id)
        return query.where(Pairing.external_mentor_id.in_(mine))
    if not can(user, "mentoring.see_all"):
        query = query.where(or_(Pairing.mentor_id == user.id, Pairing.apprentice_id == user.id))
    return query


# --- is a pairing on track? ----------------------------------------------------------------


@dataclass
class PairingHealth:
    pairing: Pairing
    reasons: list[str]

    @property
    def behind(self) -> bool:
        return bool(self.reasons)


def pairing_health(semester: Semester, today: date) -> list[PairingHealth]:
    """Signed and active pairings, each with why it is behind (none: on track).

    A pairing is behind when one of its tasks is past due and not done, or when its apprentice
    has given no report lesson (汇报课) in the semester although the semester is under way.
    """
    pairings = db.session.scalars(
        select(Pairing).where(Pairing.state.in_(("signed", "active"))).order_by(Pairing.id)
    ).all()
    overdue = set(
        db.session.scalars(
            select(PairingTask.pairing_id).where(
                PairingTask.due < today, PairingTask.done_at.is_(None)
            )
        )
    )
    reported = set(
        db.session.scalars(
            select(activity_presenter.c.staff_id)
            .join(Activity, activity_presenter.c.activity_id == Activity.id)
            .where(
                Activity.deleted_at.is_(None),
                Activity.status == "done",
                Activity.semester_id == semester.id,
                Activity.form == "report_lesson",
            )
        )
    )
    return [
        PairingHealth(
            pairing,
            reasons_behind(
                semester, today, pairing.id in overdue, pairing.apprentice_id in reported
            ),
        )
        for pairing in pairings
    ]


def reasons_behind(semester: Semester, today: date, overdue: bool, reported: bool) -> list[str]:
    """Why a pairing is behind (none: on track): a task past due and not done; no report
    lesson (汇报课) by the apprentice although the semester is under way."""
    reasons = []
    if overdue:
        reasons.append("有逾期未完成的任务")
    if not reported and (min(today, semester.end) - semester.start).days > 45:
        reasons.append("徒弟本学期还没有上汇报课")
    return reasons


# --- development plans ------------------------------------------------------------------

# Plan targets the app counts by itself: lessons and activities from the schedule, papers and
# competition awards from verified achievements. Reading and the rest the member reports.
ACHIEVEMENT_KINDS = {"paper": "paper", "award": "competition"}
AUTOMATIC = (
    "report_lesson",
    "demo_lesson",
    "observation",
    "attendance",
    *ACHIEVEMENT_KINDS.values(),
)


@dataclass
class Progress:
    item: PlanItem
    done: int | None  # counted by the app, or what the member recorded (reading, other)
    expected: float  # how many should be done by today, in proportion to the semester elapsed

    @property
    def state(self) -> str:
        if self.done is None:
            return "manual"
        if self.done >= self.item.target:
            return "done"
        return "on_track" if self.done >= int(self.expected) else "behind"

    @property
    def label(self) -> str:
        return {"done": "已完成", "on_track": "进度正常", "behind": "落后", "manual": "自行记录"}[
            self.state
        ]


def counts_by_semester(staff_id: int, semester_ids: list[int]) -> dict[tuple[int, str], int]:
    """What the records say a person did, per semester: lessons given (held), observations
    written, activities attended, papers and awards verified. Four grouped queries, whatever
    the number of semesters."""
    counts: dict[tuple[int, str], int] = defaultdict(int)
    if not semester_ids:
        return counts
    held = and_(
        Activity.deleted_at.is_(None),
        Activity.status == "done",
        Activity.semester_id.in_(semester_ids),
    )
    for semester_id, form, n in db.session.execute(
        select(Activity.semester_id, Activity.form, func.count())
        .join(activity_presenter, activity_presenter.c.activity_id == Activity.id)
        .where(
            held,
            activity_presenter.c.staff_id == staff_id,
            Activity.form.in_(("report_lesson", "demo_lesson")),
        )
        .group_by(Activity.semester_id, Activity.form)
    ):
        counts[semester_id, form] += n
    for semester_id, n in db.session.execute(
        select(Activity.semester_id, func.count())
        .join(Attendance, Attendance.activity_id == Activity.id)
        .where(held, Attendance.staff_id == staff_id, Attendance.status == "present")
        .group_by(Activity.semester_id)
    ):
        counts[semester_id, "attendance"] += n
    for semester_id, n in db.session.execute(
        select(Activity.semester_id, func.count())
        .join(Observation, Observation.activity_id == Activity.id)
        .where(Activity.semester_id.in_(semester_ids), Observation.observer_id == staff_id)
        .group_by(Activity.semester_id)
    ):
        counts[semester_id, "observation"] += n
    for semester_id, kind, n in db.session.execute(
        select(Semester.id, Achievement.kind, func.count())
        .join(Semester, Achievement.awarded_on.between(Semester.start, Semester.end))
        .where(
            Achievement.staff_id == staff_id,
            Achievement.verified_at.is_not(None),
            Achievement.kind.in_(ACHIEVEMENT_KINDS),
            Semester.id.in_(semester_ids),
        )
        .group_by(Semester.id, Achievement.kind)
    ):
        counts[semester_id, ACHIEVEMENT_KINDS[kind]] += n
    return counts


def plan_progress(plan: DevelopmentPlan) -> dict[int, list[Progress]]:
    """Each semester's targets of a plan with what is done so far, keyed by semester id."""
    items = sorted(plan.items, key=lambda i: (i.semester.start, i.kind))
    counts = counts_by_semester(plan.staff_id, sorted({i.semester_id for i in items}))
    today = school_today()
    result: dict[int, list[Progress]] = defaultdict(list)
    for item in items:
        if item.kind in AUTOMATIC:
            done = counts.get((item.semester_id, item.kind), 0)
        else:
            done = len(item.records) if item.is_self_recorded else None
        result[item.semester_id].append(
            Progress(item, done, item.target * _elapsed(item.semester, today))
        )
    return result


def _elapsed(semester: Semester, today: date) -> float:
    if today <= semester.start:
        return 0.0
    if today >= semester.end:
        return 1.0
    return (today - semester.start).days / max((semester.end - semester.start).days, 1)


def school_year(today: date | None = None) -> int:
    """The school year 2025-2026 is 2025: it starts in September."""
    today = today or school_today()
    return today.year if today.month >= 8 else today.year - 1


# --- observation -------------------------------------------------------------------------


def rubric(include_retired: bool = False) -> list[RubricItem]:
    query = select(RubricItem).order_by(RubricItem.position, RubricItem.id)
    if not include_retired:
        query = query.where(RubricItem.active)
    return list(db.session.scalars(query))


def save_observation(activity, observer, teacher_id, scores, strengths, suggestions):
    """One observer's observation of one teacher's lesson: a second save replaces the first."""
    observation = observation_by(activity, observer.id, teacher_id)
    if observation is None:
        observation = Observation(
            activity_id=activity.id, observer_id=observer.id, teacher_id=teacher_id
        )
        db.session.add(observation)
    observation.strengths, observation.suggestions = strengths, suggestions
    observation.scores = [ObservationScore(rubric_item_id=i, score=s) for i, s in scores.items()]
    return observation


def observation_by(activity, observer_id: int, teacher_id: int | None) -> Observation | None:
    """This observer's scoring of the teacher in this lesson, if there is one."""
    return db.session.scalar(
        select(Observation).where(
            Observation.activity_id == activity.id,
            Observation.observer_id == observer_id,
            Observation.teacher_id == teacher_id,
        )
    )


def scored_by(activity, observer_id: int) -> list[Observation]:
    """The teachers of this lesson the observer has already scored (to edit again)."""
    return list(
        db.session.scalars(
            select(Observation)
            .where(Observation.activity_id == activity.id, Observation.observer_id == observer_id)
            .options(db.joinedload(Observation.teacher))
        )
    )


def set_aside(observation: Observation, manager, reason: str) -> None:
    observation.set_aside_by_id = manager.id
    observation.set_aside_reason = reason
    observation.set_aside_at = utcnow()


def observations_of(teacher_id: int) -> list[Observation]:
    """Every observation of a teacher's lessons, newest lesson first, loaded in one go."""
    return list(
        db.session.scalars(
            select(Observation)
            .join(Activity, Observation.activity_id == Activity.id)
            .where(Observation.teacher_id == teacher_id, Activity.deleted_at.is_(None))
            .options(db.joinedload(Observation.activity), db.joinedload(Observation.observer))
            .order_by(Activity.date.desc(), Observation.id)
        ).unique()
    )


@dataclass
class LessonResult:
    activity: Activity
    observations: list[Observation]  # all of them, those set aside too, shown marked 已剔除

    @property
    def counted(self) -> list[Observation]:
        """The scorings that count: a manager's set-aside outliers do not."""
        return [o for o in self.observations if not o.is_set_aside]

    @property
    def average(self) -> float | None:
        counted = self.counted
        return sum(o.total for o in counted) / len(counted) if counted else None

    def item_average(self, item_id: int) -> float | None:
        values = [s.score for o in self.counted for s in o.scores if s.rubric_item_id == item_id]
        return sum(values) / len(values) if values else None


def lesson_results(observations: list[Observation]) -> list[LessonResult]:
    by_activity: dict[int, list[Observation]] = defaultdict(list)
    activities = {}
    for observation in observations:
        by_activity[observation.activity_id].append(observation)
        activities[observation.activity_id] = observation.activity
    return [LessonResult(activities[a], obs) for a, obs in by_activity.items()]


# --- the growth record -------------------------------------------------------------------


def growth_record(staff: Staff) -> dict:
    pools = list(
        db.session.scalars(
            select(PoolMembership)
            .where(PoolMembership.staff_id == staff.id)
            .order_by(PoolMembership.since)
        )
    )
    pairings = list(
        db.session.scalars(
            select(Pairing)
            .where(or_(Pairing.mentor_id == staff.id, Pairing.apprentice_id == staff.id))
            .order_by(Pairing.created_at)
        )
    )
    lessons = list(
        db.session.scalars(
            Activity.live()
            .join(activity_presenter, activity_presenter.c.activity_id == Activity.id)
            .where(activity_presenter.c.staff_id == staff.id)
            .order_by(Activity.date.desc())
        )
    )
    observed = db.session.scalar(
        select(func.count()).select_from(Observation).where(Observation.observer_id == staff.id)
    )
    attended = Counter(
        db.session.scalars(select(Attendance.status).where(Attendance.staff_id == staff.id))
    )
    plans = list(
        db.session.scalars(
            select(DevelopmentPlan)
            .where(DevelopmentPlan.staff_id == staff.id)
            .order_by(DevelopmentPlan.start_year.desc())
        )
    )
    achievements = list(
        db.session.scalars(
            select(Achievement)
            .where(Achievement.staff_id == staff.id)
            .order_by(Achievement.awarded_on.desc())
        )
    )
    return {
        "achievements": achievements,
        "pools": pools,
        "pairings": pairings,
        "lessons": lessons,
        "observed": observed,
        "attended": attended,
        "plans": plans,
        "results": lesson_results(observations_of(staff.id)),
    }


# --- the organisation table ---------------------------------------------------------------


def duties() -> list[StudioDuty]:
    return list(db.session.scalars(select(StudioDuty).order_by(StudioDuty.position, StudioDuty.id)))


def current_pools() -> dict[str, list[PoolMembership]]:
    rows = db.session.scalars(
        select(PoolMembership)
        .join(Staff, PoolMembership.staff_id == Staff.id)
        .where(PoolMembership.until.is_(None))
        .order_by(PoolMembership.since, Staff.pinyin)
    )
    grouped: dict[str, list[PoolMembership]] = {pool: [] for pool in POOLS}
    for row in rows:
        grouped.setdefault(row.pool, []).append(row)
    return grouped


def join_pool(staff_id: int, pool: str, since: date, note: str) -> PoolMembership:
    """Enter a pool; a stay in the other pool ends that day, so the history shows the move."""
    for stay in db.session.scalars(
        select(PoolMembership).where(
            PoolMembership.staff_id == staff_id, PoolMembership.until.is_(None)
        )
    ):
        stay.until = since
    membership = PoolMembership(staff_id=staff_id, pool=pool, since=since, note=note)
    db.session.add(membership)
    return membership


def organisation_workbook(school_name: str) -> bytes:
    from intranet.people.models import ExternalMentor

    book = Workbook()
    sheet = book.active
    sheet.title = "成员及分工"
    append(sheet, [f"{school_name}名师工作室组织管理成员及分工一览表"])
    sheet["A1"].font = Font(bold=True, size=14)
    append(sheet, ["序号", "姓名", "职称", "政治面貌", "分工"])
    for n, duty in enumerate(duties(), start=1):
        person = duty.staff
        append(
            sheet, [n, person.name, person.title or "", person.political_status_label, duty.duty]
        )
    for pool, stays in current_pools().items():
        pool_sheet = book.create_sheet(POOLS[pool][:28])
        append(pool_sheet, ["姓名", "学科", "职称", "政治面貌", "入库日期", "入库理由"])
        for stay in stays:
            p = stay.staff
            append(
                pool_sheet,
                [
                    p.name,
                    p.subject or "",
                    p.title or "",
                    p.political_status_label,
                    stay.since.isoformat(),
                    stay.note,
                ],
            )
    team = book.create_sheet("名师培养导师团")
    append(team, ["姓名", "单位", "专长", "联系方式"])
    for mentor in db.session.scalars(
        select(ExternalMentor).where(ExternalMentor.active).order_by(ExternalMentor.name)
    ):
        append(team, [mentor.name, mentor.organisation, mentor.speciality, mentor.contact])
    for ws in book.worksheets:
        fit_columns(ws, skip_rows=1 if ws is sheet else 0)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    return workbook_bytes(book)


def score_chart(lessons: list[LessonResult]):
    """Average observation score per lesson, oldest first: is the teacher growing?"""
    from intranet.charts import line_chart

    ordered = sorted(
        (lesson for lesson in lessons if lesson.counted), key=lambda lesson: lesson.activity.date
    )
    if not ordered:
        return None
    labels = [f"{r.activity.date.month}月{r.activity.date.day}日" for r in ordered]
    return line_chart(labels, {"平均分": [round(r.average, 1) for r in ordered]})
