"""The leaders' overview: what the studio did this semester, who came, whether interest is
falling, how pairings go, what was achieved and what the staff ask for.

出勤率＝出席人数÷应到人数, over held activities: 应到 are the activity's invitees (参加对象, as
resolved on its date by intranet/schedule/invitees.py) plus anyone marked who was not invited,
so someone invited who never got a record counts as not present.

Every figure is one grouped query (or a fixed few), so the dashboard's query count stays the
same whether the school has one semester of data or ten years of it.
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from intranet.achievements.models import LEVELS as ACHIEVEMENT_LEVELS
from intranet.achievements.models import Achievement
from intranet.extensions import db
from intranet.people.models import Staff
from intranet.schedule.invitees import expected_by_activity
from intranet.schedule.models import FORMS, Activity, Attendance, Semester, activity_presenter

# Participation groups of the seed: Party members, those applying to join, everyone else.
GROUPS = {
    "party": ("党员", ("member", "probationary")),
    "activist": ("积极分子", ("activist", "development_target")),
    "non_party": ("非党员", ("democratic_party", "non_party")),
}
ALERT_DROP = 0.15  # a month this far below the months before it is "clearly lower"
COMPARE_MONTHS = 3
WINDOW_MONTHS = 12


def _held(*conditions):
    return (Activity.deleted_at.is_(None), Activity.status == "done", *conditions)


@dataclass
class Turnout:
    """One held activity: who was expected (应到) and who was present."""

    activity_id: int
    date: date
    form: str
    theme: str
    expected: set[int]
    present: set[int]


def turnout(*conditions) -> list[Turnout]:
    """Held activities meeting `conditions`, with their invitees: a fixed few queries."""
    rows = db.session.execute(
        select(
            Activity.id,
            Activity.date,
            Activity.form,
            Activity.theme,
            Activity.invite_groups,
            Activity.invite_pairing_id,
        )
        .where(*_held(*conditions))
        .order_by(Activity.date)
    ).all()
    expected = expected_by_activity(rows)
    present: dict[int, set[int]] = defaultdict(set)
    if rows:
        for activity_id, staff_id in db.session.execute(
            select(Attendance.activity_id, Attendance.staff_id).where(
                Attendance.activity_id.in_([row.id for row in rows]),
                Attendance.status == "present",
            )
        ):
            present[activity_id].add(staff_id)
    return [
        Turnout(row.id, row.date, row.form, row.theme, expected[row.id], present[row.id])
        for row in rows
    ]


# --- attendance by month, and the alert ------------------------------------------------------


@dataclass
class Month:
    year: int
    month: int
    present: int = 0
    total: int = 0

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.month}月"

    @property
    def rate(self) -> float | None:
        return self.present / self.total if self.total else None


def month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def attendance_by_month(until: date, months: int = WINDOW_MONTHS) -> list[Month]:
    """Attendance of held activities in the `months` months up to `until`, oldest first:
    present ÷ invited (应到) of the month."""
    first = shift(until.year, until.month, -(months - 1))
    by_key = {}
    for n in range(months):
        y, m = shift(*first, n)
        by_key[y, m] = Month(y, m)
    for held in turnout(Activity.date >= month_start(*first), Activity.date <= until):
        found = by_key.get((held.date.year, held.date.month))
        if found:
            found.total += len(held.expected)
            found.present += len(held.present)
    return list(by_key.values())


@dataclass
class Alert:
    month: Month
    before: float  # mean rate of the months compared with
    drawing: list[tuple[str, float]] = field(default_factory=list)  # (form label, rate)


def falling_attendance(months: list[Month]) -> Alert | None:
    """An alert when the latest month with attendance is clearly below the mean of the (up to
    three) months with attendance before it, with the forms that still draw people then."""
    measured = [m for m in months if m.rate is not None]
    if len(measured) < 2:
        return None
    latest, before = measured[-1], measured[-1 - COMPARE_MONTHS : -1]
    mean = statistics.mean(m.rate for m in before)
    if mean - latest.rate < ALERT_DROP:
        return None
    return Alert(latest, mean, drawing_forms(latest))


def month_turnout(year: int, month: int) -> list[Turnout]:
    """The activities held in one month, with who was expected and who came."""
    start = month_start(year, month)
    end = month_start(*shift(year, month, 1))
    return turnout(Activity.date >= start, Activity.date < end)


def form_rates(year: int, month: int, held: list[Turnout] | None = None) -> dict:
    """(present, invited) per activity form in one month."""
    rates: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for activity in held if held is not None else month_turnout(year, month):
        rates[activity.form][0] += len(activity.present)
        rates[activity.form][1] += len(activity.expected)
    return {form: (present, total) for form, (present, total) in rates.items()}


def drawing_forms(month: Month) -> list[tuple[str, float]]:
    """Forms that drew better than the month as a whole: what to do more of."""
    rates = [
        (FORMS.get(form, form), present / total)
        for form, (present, total) in form_rates(month.year, month.month).items()
        if total
    ]
    better = [pair for pair in rates if pair[1] >= month.rate]
    return sorted(better, key=lambda pair: -pair[1])[:3]


# --- participation by political status ------------------------------------------------------


@dataclass
class Group:
    key: str
    label: str
    people: int = 0  # active staff in the group
    took_part: int = 0  # of them, present at least once this semester
    present: int = 0
    total: int = 0
    presented: int = 0  # activities they presented

    @property
    def rate(self) -> float:
        return self.present / self.total if self.total else 0.0

    @property
    def reach(self) -> float:
        return self.took_part / self.people if self.people else 0.0


def group_of(political_status: str) -> str:
    return next((key for key, (_, values) in GROUPS.items() if political_status in values), "")


def participation(semester: Semester) -> list[Group]:
    groups = {key: Group(key, label) for key, (label, _) in GROUPS.items()}
    for status, n in db.session.execute(
        select(Staff.political_status, func.count())
        .where(Staff.active)
        .group_by(Staff.political_status)
    ):
        if key := group_of(status):
            groups[key].people += n
    status_of = dict(db.session.execute(select(Staff.id, Staff.political_status)).all())
    took_part: dict[str, set[int]] = defaultdict(set)
    for held in turnout(Activity.semester_id == semester.id):
        for person in held.expected:
            if key := group_of(status_of.get(person, "")):
                groups[key].total += 1
                if person in held.present:
                    groups[key].present += 1
                    took_part[key].add(person)
    for key, people in took_part.items():
        groups[key].took_part = len(people)
    for status, n in db.session.execute(
        select(Staff.political_status, func.count())
        .join(activity_presenter, activity_presenter.c.staff_id == Staff.id)
        .join(Activity, activity_presenter.c.activity_id == Activity.id)
        .where(*_held(Activity.semester_id == semester.id))
        .group_by(Staff.political_status)
    ):
        if key := group_of(status):
            groups[key].presented += n
    return list(groups.values())


def group_members(semester: Semester, key: str) -> list[tuple[Staff, int, int]]:
    """(person, times present, times invited) for a group's active staff, most present first."""
    statuses = GROUPS[key][1]
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for held in turnout(Activity.semester_id == semester.id):
        for person in held.expected:
            counts[person][1] += 1
            counts[person][0] += person in held.present
    people = db.session.scalars(
        select(Staff).where(Staff.active, Staff.political_status.in_(statuses))
    ).all()
    rows = [(person, *counts.get(person.id, (0, 0))) for person in people]
    return sorted(rows, key=lambda row: (-row[1], row[0].pinyin))


# --- pairings on track or behind -----------------------------------------------------------


# --- achievements by level -----------------------------------------------------------------


def achievements_by_level(semester: Semester) -> dict[str, Counter]:
    """{"verified": Counter(level -> n), "pending": ...} for achievements dated in the semester."""
    counts = {"verified": Counter(), "pending": Counter()}
    for level, verified, n in db.session.execute(
        select(Achievement.level, Achievement.verified_at.is_not(None), func.count())
        .where(Achievement.awarded_on >= semester.start, Achievement.awarded_on <= semester.end)
        .group_by(Achievement.level, Achievement.verified_at.is_not(None))
    ):
        counts["verified" if verified else "pending"][level] += n
    return counts


def achievement_levels() -> dict[str, str]:
    return ACHIEVEMENT_LEVELS
