"""Achievements, work reports and the semester evaluation: the logic behind the views.

The evaluation is computed, never stored: a handful of grouped queries (their number does not
grow with the staff) collect what each member did in the semester, and the scheme turns it into
points with a breakdown a teacher can check line by line.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import lazyload

from intranet.achievements.models import (
    LEVELS,
    SCHEME_FIELDS,
    Achievement,
    EvaluationScheme,
    WorkReport,
)
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.formatting import local_time
from intranet.mentoring.models import Observation, ObservationScore, RubricItem
from intranet.people.models import PoolMembership, Staff
from intranet.schedule.models import (
    LESSON_FORMS,
    Activity,
    Attendance,
    Semester,
    activity_presenter,
)
from intranet.schedule.models import LEVELS as ACTIVITY_LEVELS
from intranet.spreadsheets import append, fit_columns, header_widths, workbook_bytes

MAX_ACHIEVEMENTS_PER_PERSON = 300  # a quota against filling the disk (SECURITY.md G)
MAX_REPORT_FILES = 10


# --- achievements ------------------------------------------------------------------------


def achievements_query(staff_id: int | None = None, unverified: bool = False, level: str = ""):
    query = select(Achievement).order_by(Achievement.awarded_on.desc(), Achievement.id.desc())
    if staff_id is not None:
        query = query.where(Achievement.staff_id == staff_id)
    if unverified:
        query = query.where(Achievement.verified_at.is_(None))
    if level in LEVELS:
        query = query.where(Achievement.level == level)
    return query


def count_of(staff_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Achievement).where(Achievement.staff_id == staff_id)
    )


def verify(achievement: Achievement, manager) -> None:
    achievement.verified_by_id = manager.id
    achievement.verified_at = utcnow()


# --- work reports ------------------------------------------------------------------------


def report_of(staff, semester: Semester) -> WorkReport:
    """The member's report for the semester, created (unsaved) when there is none yet."""
    found = db.session.scalar(
        select(WorkReport).where(
            WorkReport.staff_id == staff.id, WorkReport.semester_id == semester.id
        )
    )
    staff = getattr(staff, "_get_current_object", lambda: staff)()  # current_user is a proxy
    return found or WorkReport(staff_id=staff.id, staff=staff, semester=semester, state="draft")


def report_roll(semester: Semester, published_only: bool = False) -> list[tuple]:
    """(member, report or None) for the semester, by pinyin, in one query. Every active member
    is expected to report (the evaluation counts a missing report as 0), so one who has not
    started is listed with None; a report of someone who has left since stays listed.
    `published_only`: the published reports only, as every member reads them."""
    query = (
        select(Staff, WorkReport)
        .outerjoin(
            WorkReport,
            and_(WorkReport.staff_id == Staff.id, WorkReport.semester_id == semester.id),
        )
        .order_by(Staff.pinyin, Staff.id)
        # The list shows neither the files nor a second copy of the author.
        .options(lazyload(WorkReport.attachments), lazyload(WorkReport.staff))
    )
    if published_only:
        query = query.where(WorkReport.state == "published")
    else:
        query = query.where(or_(Staff.colleague, WorkReport.id.is_not(None)))
    return [tuple(row) for row in db.session.execute(query)]


def submit(report: WorkReport) -> None:
    report.state = "submitted"
    report.submitted_at = utcnow()


def is_late(report: WorkReport, deadline: date | None) -> bool:
    if deadline is None or report.submitted_at is None:
        return False
    return local_time(report.submitted_at).date() > deadline


REVIEW_DECISIONS = {
    "comment": "只保存评语",
    "return": "退回修改",
    "publish": "审阅通过并公开",
}


def review(report: WorkReport, text: str, decision: str, manager) -> None:
    report.review = text
    report.reviewed_by_id = manager.id
    report.reviewed_at = utcnow()
    if decision == "return":
        report.state = "returned"
    elif decision == "publish":
        report.state = "published"


# --- the evaluation ----------------------------------------------------------------------


# The columns of the ranking: each breakdown line adds to one of them.
GROUPS = {
    "attendance": "活动",
    "lessons": "上课",
    "achievements": "成果",
    "report": "汇报",
    "observation": "听课评分",
}


@dataclass
class Line:
    """One line of a breakdown: how many, times how many points, and a note when it is 0."""

    group: str  # a key of GROUPS
    label: str
    count: float
    points: float
    note: str = ""

    @property
    def subtotal(self) -> float:
        return round(self.count * self.points, 2)


@dataclass
class Evaluation:
    staff: Staff
    lines: list[Line] = field(default_factory=list)
    rank: int = 0

    @property
    def total(self) -> float:
        return round(sum(line.subtotal for line in self.lines), 2)

    @property
    def by_group(self) -> dict[str, float]:
        """Subtotals in the ranking's columns, in the order of GROUPS."""
        sums = dict.fromkeys(GROUPS, 0.0)
        for line in self.lines:
            sums[line.group] = round(sums[line.group] + line.subtotal, 2)
        return sums


@dataclass
class Facts:
    """What the members did in a semester, by staff id: the inputs of every score."""

    attended: dict[int, int]
    lessons: dict[int, dict[str, int]]  # staff -> activity level -> lessons given
    achievements: dict[int, dict[str, int]]  # staff -> achievement level -> verified count
    reports: dict[int, WorkReport]
    observations: dict[int, list[float]]  # staff -> score share (0..1) of each observation


def gather(semester: Semester) -> Facts:
    done = (
        Activity.semester_id == semester.id,
        Activity.deleted_at.is_(None),
        Activity.status == "done",
    )
    attended = dict(
        db.session.execute(
            select(Attendance.staff_id, func.count())
            .join(Activity, Attendance.activity_id == Activity.id)
            .where(*done, Attendance.status == "present")
            .group_by(Attendance.staff_id)
        ).all()
    )
    lessons: dict[int, dict[str, int]] = defaultdict(dict)
    for staff_id, level, n in db.session.execute(
        select(activity_presenter.c.staff_id, Activity.level, func.count())
        .join(Activity, activity_presenter.c.activity_id == Activity.id)
        .where(*done, Activity.form.in_(LESSON_FORMS))
        .group_by(activity_presenter.c.staff_id, Activity.level)
    ):
        lessons[staff_id][level] = n
    achievements: dict[int, dict[str, int]] = defaultdict(dict)
    for staff_id, level, n in db.session.execute(
        select(Achievement.staff_id, Achievement.level, func.count())
        .where(
            Achievement.verified_at.is_not(None),
            Achievement.awarded_on >= semester.start,
            Achievement.awarded_on <= semester.end,
        )
        .group_by(Achievement.staff_id, Achievement.level)
    ):
        achievements[staff_id][level] = n
    reports = {
        report.staff_id: report
        for report in db.session.scalars(
            select(WorkReport).where(WorkReport.semester_id == semester.id)
        )
    }
    observations: dict[int, list[float]] = defaultdict(list)
    for teacher_id, scored, possible in db.session.execute(
        select(
            Observation.teacher_id,
            func.sum(ObservationScore.score),
            func.sum(RubricItem.max_score),
        )
        .join(ObservationScore, ObservationScore.observation_id == Observation.id)
        .join(RubricItem, ObservationScore.rubric_item_id == RubricItem.id)
        .join(Activity, Observation.activity_id == Activity.id)
        .where(
            Activity.semester_id == semester.id,
            Activity.deleted_at.is_(None),
            Observation.set_aside_at.is_(None),  # a manager set the outlier aside
        )
        .group_by(Observation.id, Observation.teacher_id)
    ):
        if possible:
            observations[teacher_id].append(scored / possible)
    return Facts(attended, lessons, achievements, reports, observations)


def breakdown(staff_id: int, facts: Facts, scheme: EvaluationScheme) -> list[Line]:
    lines = [
        Line("attendance", "参加活动（次）", facts.attended.get(staff_id, 0), scheme.attendance)
    ]
    given = facts.lessons.get(staff_id, {})
    for level, label in ACTIVITY_LEVELS.items():
        lines.append(
            Line(
                "lessons",
                f"{label}展示课/汇报课（节）",
                given.get(level, 0),
                getattr(scheme, f"lesson_{level}"),
            )
        )
    won = facts.achievements.get(staff_id, {})
    for level, label in LEVELS.items():
        lines.append(
            Line(
                "achievements",
                f"{label}成果（已认定，项）",
                won.get(level, 0),
                getattr(scheme, f"achievement_{level}"),
            )
        )
    lines.append(_report_line(facts.reports.get(staff_id), scheme))
    lines.append(_observation_line(facts.observations.get(staff_id, []), scheme))
    return lines


def _report_line(report: WorkReport | None, scheme: EvaluationScheme) -> Line:
    if report is None or not report.counts_as_submitted:
        return Line("report", "工作汇报", 0, scheme.report, "未提交，此项计 0 分")
    if is_late(report, scheme.report_deadline):
        return Line("report", "工作汇报", 0, scheme.report, "晚于截止日期提交，此项计 0 分")
    return Line("report", "工作汇报", 1, scheme.report)


def _observation_line(shares: list[float], scheme: EvaluationScheme) -> Line:
    label = "听课评分（平均得分率×100）"
    if not shares:
        return Line(
            "observation",
            label,
            0,
            scheme.observation_weight,
            "本学期没有听课评分记录，此项计 0 分",
        )
    average = round(100 * statistics.mean(shares), 2)
    return Line(
        "observation", label, average, scheme.observation_weight, f"共 {len(shares)} 次听课评分"
    )


def evaluate(semester: Semester, scheme: EvaluationScheme | None = None) -> list[Evaluation]:
    """Every active member with something to count, or in a talent pool, ranked by total.
    Equal totals share a rank (1, 1, 3)."""
    scheme = scheme or EvaluationScheme.of(semester)
    facts = gather(semester)
    ids = (
        set(facts.attended)
        | set(facts.lessons)
        | set(facts.achievements)
        | set(facts.reports)
        | set(facts.observations)
    )
    ids |= set(
        db.session.scalars(select(PoolMembership.staff_id).where(PoolMembership.until.is_(None)))
    )
    people = db.session.scalars(
        select(Staff).where(Staff.id.in_(ids), Staff.colleague).order_by(Staff.pinyin)
    ).all()
    results = [Evaluation(person, breakdown(person.id, facts, scheme)) for person in people]
    results.sort(key=lambda e: -e.total)
    for n, result in enumerate(results):
        same = n and results[n - 1].total == result.total
        result.rank = results[n - 1].rank if same else n + 1
    return results


def evaluation_of(staff, semester: Semester) -> Evaluation:
    """One member's score and breakdown (also when they have nothing yet: all lines at 0)."""
    for result in evaluate(semester):
        if result.staff.id == staff.id:
            return result
    return Evaluation(staff, breakdown(staff.id, gather(semester), EvaluationScheme.of(semester)))


def fill_sheet(sheet, results: list[Evaluation]) -> None:
    """The ranking with every line's points, for the export and the semester archive."""
    labels = [line.label for line in results[0].lines] if results else []
    headers = ["名次", "姓名", "学科", "政治面貌", *labels, "总分"]
    header_widths(sheet, headers, wide=8)  # the archive's sheet is write-only: widths come first
    append(sheet, headers)
    for result in results:
        person = result.staff
        append(
            sheet,
            [
                result.rank,
                person.name,
                person.subject or "",
                person.political_status_label,
                *(line.subtotal for line in result.lines),
                result.total,
            ],
        )


def export_workbook(semester: Semester, results: list[Evaluation]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "评估结果"
    fill_sheet(sheet, results)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    scheme_sheet = book.create_sheet("评估方案")
    scheme = EvaluationScheme.of(semester)
    append(scheme_sheet, ["项目", "分值"])
    for name, label, _default in SCHEME_FIELDS:
        append(scheme_sheet, [label, getattr(scheme, name)])
    fit_columns(sheet)
    fit_columns(scheme_sheet)
    return workbook_bytes(book)
