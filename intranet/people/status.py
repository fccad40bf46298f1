"""政治面貌 over time: the one function that records a change (and keeps Staff.political_status,
the current value, in step), a person's history, and the leaders' yearly count of young teachers
who moved a step toward the Party next to their part in the studio (SECURITY D: sensitive)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, func, or_, select

from intranet.extensions import db
from intranet.people.models import PARTY_STEPS, PoliticalStatusChange, PoolMembership, Staff

YOUNG_BELOW = 35  # 青年教师: under 35 in the school year
RANK = {status: rank for rank, status in enumerate(PARTY_STEPS)}


def _order():
    # Undated lines (held before records began) come first, then by day, then as recorded.
    return (
        PoliticalStatusChange.since.is_not(None),
        PoliticalStatusChange.since,
        PoliticalStatusChange.id,
    )


def history(staff: Staff) -> list[PoliticalStatusChange]:
    """Oldest first; the last line is the current status."""
    return list(
        db.session.scalars(
            select(PoliticalStatusChange)
            .where(PoliticalStatusChange.staff_id == staff.id)
            .order_by(*_order())
        )
    )


def status_on(staff: Staff, day: date) -> str | None:
    """The status in effect on `day` by the history; the current one for an account made before
    histories were kept (None when its history starts later)."""
    if not _has_history(staff):
        return staff.political_status
    return db.session.scalar(
        select(PoliticalStatusChange.status)
        .where(
            PoliticalStatusChange.staff_id == staff.id,
            or_(PoliticalStatusChange.since.is_(None), PoliticalStatusChange.since <= day),
        )
        .order_by(*(column.desc() for column in _order()))
        .limit(1)
    )


def _has_history(staff: Staff) -> bool:
    stmt = select(PoliticalStatusChange.id).where(PoliticalStatusChange.staff_id == staff.id)
    return db.session.scalar(select(stmt.exists()))


def record_change(
    staff: Staff, status: str, since: date | None, by: Staff | None, source: str = "admin"
) -> PoliticalStatusChange:
    """Add a line to the history and set the current status to the latest line's: the only
    place either changes. A back-dated line leaves a later status current. The caller commits."""
    by_id = getattr(by, "id", None)
    if since is not None and not _has_history(staff):
        # An account made before its history was kept: what it held until now, undated.
        db.session.add(
            PoliticalStatusChange(
                staff_id=staff.id,
                status=staff.political_status,
                since=None,
                source=source,
                recorded_by_id=by_id,
            )
        )
    change = PoliticalStatusChange(
        staff_id=staff.id, status=status, since=since, source=source, recorded_by_id=by_id
    )
    db.session.add(change)
    db.session.flush()
    staff.political_status = history(staff)[-1].status
    return change


def record_new_staff(staff: Staff, by: Staff | None, source: str) -> None:
    """A new account's first line: its status, held since a day nobody told us (undated)."""
    db.session.flush()  # the account's id
    record_change(staff, staff.political_status, None, by, source)


# --- the leaders' yearly figures ---------------------------------------------------------


def school_year_of(day: date) -> int:
    """The school year 2025-2026 is 2025: it runs from September to August."""
    return day.year if day.month >= 9 else day.year - 1


def year_span(year: int) -> tuple[date, date]:
    return date(year, 9, 1), date(year + 1, 8, 31)


def steppers_by_year() -> dict[int, set[int]]:
    """Who moved at least one step toward the Party in each school year: a dated line whose
    status ranks above the line before it (共青团员, 民主党派, 无党派人士 rank as 群众 when they
    come before, and are no step when they come after). One query over the whole history."""
    rows = db.session.execute(
        select(
            PoliticalStatusChange.staff_id,
            PoliticalStatusChange.status,
            PoliticalStatusChange.since,
        ).order_by(PoliticalStatusChange.staff_id, *_order())
    )
    years: dict[int, set[int]] = {}
    previous: tuple[int, str] | None = None
    for staff_id, status, since in rows:
        if previous is not None and previous[0] == staff_id and since is not None:
            before, after = RANK.get(previous[1], 0), RANK.get(status)
            if after is not None and after > before:
                years.setdefault(school_year_of(since), set()).add(staff_id)
        previous = (staff_id, status)
    return years


@dataclass
class YearRow:
    year: int
    young: int  # 35 岁以下, birth year known
    young_steppers: int
    in_pool: int  # of the young steppers: in the reserve or mentor pool that year
    presented: int  # presented at an activity that year
    paired: int  # mentor or apprentice in a pairing that year
    unknown_age_steppers: int  # 年龄未填: moved a step, birth year not known

    @property
    def label(self) -> str:
        return f"{self.year}-{self.year + 1}学年"


def _young(year: int):
    return and_(Staff.birth_year.is_not(None), Staff.birth_year > year - YOUNG_BELOW)


def yearly_figures(today: date) -> list[YearRow]:
    """Newest year first, from the first year anyone took a dated step to this school year.
    Queries: one for the history, then two grouped counts per year (never one per person)."""
    from intranet.mentoring.models import Pairing
    from intranet.schedule.models import Activity, Semester, activity_presenter

    steppers = steppers_by_year()
    current = school_year_of(today)
    first = min(steppers, default=current)
    rows = []
    for year in range(current, first - 1, -1):
        start, end = year_span(year)
        ids = steppers.get(year, set())
        young, unknown = db.session.execute(
            select(
                func.count(Staff.id).filter(_young(year)),
                func.count(Staff.id).filter(Staff.birth_year.is_(None), Staff.id.in_(ids)),
            ).where(Staff.colleague | Staff.id.in_(ids))
        ).one()
        pool = exists().where(
            PoolMembership.staff_id == Staff.id,
            PoolMembership.since <= end,
            or_(PoolMembership.until.is_(None), PoolMembership.until >= start),
        )
        presented = exists().where(
            activity_presenter.c.staff_id == Staff.id,
            activity_presenter.c.activity_id == Activity.id,
            Activity.date.between(start, end),
            Activity.status != "cancelled",
        )
        first_semester, last_semester = db.aliased(Semester), db.aliased(Semester)
        paired = exists().where(
            or_(Pairing.mentor_id == Staff.id, Pairing.apprentice_id == Staff.id),
            Pairing.state != "draft",
            Pairing.start_semester_id == first_semester.id,
            Pairing.end_semester_id == last_semester.id,
            first_semester.start <= end,
            last_semester.end >= start,
        )
        counts = db.session.execute(
            select(
                func.count(Staff.id),
                func.count(Staff.id).filter(pool),
                func.count(Staff.id).filter(presented),
                func.count(Staff.id).filter(paired),
            ).where(Staff.id.in_(ids), _young(year))
        ).one()
        rows.append(YearRow(year, young, *counts, unknown))
    return rows
