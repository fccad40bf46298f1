"""A closed semester's attendance figures, kept once it has ended instead of worked out again
on every dashboard: the 12-month window reaches back into the semesters before the current one,
and at a large school those hold most of its rows.

The first dashboard that needs a closed semester's months works them out as before and keeps
them per (month, form) (MonthFigure); later ones read those rows in the dashboard's one tally
statement. Kept figures are the semester's finished figures: a change to one of its activities,
their attendance or named invitees, or to the semester itself, drops them (a flush hook) and the
next dashboard works them out again. Changes to people (who is active, pools, pairings) do not:
a finished semester's 应到 stays what it was when it was kept.

Each held activity's figures are kept too (ActivityFigure: present and 应到, in all and per
participation group), so the current semester costs what its changes cost, not what its rows
do. They go with every change that can move them: the activity's date or groups, its attendance
or named invitees (that activity's row), and people (a colleague's active state, political
status, role or name, pools, pairings, a semester's dates: every row, since 应到 follows them).
A theme edited changes nothing kept; presenters named keep the figures but forget the kept
presenters (the interest alert's), which are then read live.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import String, delete, event, literal, or_, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intranet.clock import school_today
from intranet.dashboard.models import ActivityFigure, FigureGeneration, MonthFigure
from intranet.extensions import db
from intranet.mentoring.models import Pairing
from intranet.people.models import PoolMembership, Staff
from intranet.schedule.models import Activity, ActivityInvitee, Attendance, Semester
from intranet.statements import built_once

KEPT = "kept"
GENERATION = "generation"  # the key of the kept row that brings FigureGeneration.n
MARKER = ""  # the month of the row that says a semester is kept


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


@built_once(lambda first_month: first_month)
def kept_tally(first_month: str) -> tuple:
    """(what, key, wait, n) rows for the dashboard's tally statement: each kept figure from the
    window's first month on (key "semester month form", wait present, n 应到), each kept
    semester's marker row, and the figures' generation (key GENERATION). The statement comes
    before the rows are read: figures worked out from them are kept only for that generation."""
    key = (
        sql_cast(MonthFigure.semester_id, String)
        + literal(" ")
        + MonthFigure.month
        + literal(" ")
        + MonthFigure.form
    )
    figures = select(
        literal(KEPT).label("what"),
        key.label("key"),
        MonthFigure.present.label("wait"),
        MonthFigure.expected.label("n"),
    ).where(or_(MonthFigure.month == MARKER, MonthFigure.month >= first_month))
    generation = select(literal(KEPT), literal(GENERATION), literal(0), FigureGeneration.n)
    return figures, generation


@dataclass
class Kept:
    """The kept figures the tally statement brought: which semesters, and per month and form."""

    semesters: set[int] = field(default_factory=set)
    # semester id -> (year, month) -> form -> [present, 应到]
    figures: dict = field(default_factory=lambda: defaultdict(dict))
    # the overview's other rows of the tallies (services.overview_tally), as what -> [(key,
    # wait, n)] (None: not read with them)
    counts: dict[str, list] | None = None
    generation: int | None = None  # FigureGeneration.n as the tallies read it

    @classmethod
    def of(cls, rows) -> "Kept":
        found = cls(counts=defaultdict(list))
        for what, key, present, expected in rows:
            if what != KEPT:
                found.counts[what].append((key, present, expected))
                continue
            if key == GENERATION:
                found.generation = expected
                continue
            semester, month, form = key.split(" ", 2)
            found.semesters.add(int(semester))
            if month != MARKER:
                year, number = map(int, month.split("-"))
                months = found.figures[int(semester)]
                months.setdefault((year, number), {})[form] = [present, expected]
        return found


def keep(
    figures: dict[int, dict[tuple[int, int], dict[str, list[int]]]],
    activities: list[dict] = (),
    generation: int | None = None,
) -> None:
    """Store closed semesters' figures (semester id -> month -> form -> [present, 应到]) and
    held activities' figures (ActivityFigure rows as dicts) and commit: a statement each, once
    per semester or activity. Only while FigureGeneration is still `generation`, the one read
    before the rows: a change committed since may have dropped figures these were worked out
    without, and they would stay wrong. Two dashboards keeping the same ones at once: the
    second one's rows are not needed, and its conflict is not an error."""
    rows = []
    for semester, months in figures.items():
        rows.append(
            {"semester_id": semester, "month": MARKER, "form": "", "present": 0, "expected": 0}
        )
        for (year, month), forms in months.items():
            for form, (present, expected) in forms.items():
                rows.append(
                    {
                        "semester_id": semester,
                        "month": month_key(year, month),
                        "form": form,
                        "present": present,
                        "expected": expected,
                    }
                )
    if not rows and not activities:
        return
    session = db.session()
    session.expire_on_commit = False  # the page is rendered; nothing it loaded has changed
    try:
        if generation is None:  # no generation row (the demo was reset): there is one now
            session.execute(FigureGeneration.__table__.insert().values(id=1, n=0))
            session.commit()
            return
        # Holds the row to the commit: a drop that comes later waits, then finds these rows.
        same = update(FigureGeneration).where(FigureGeneration.n == generation)
        if not session.execute(same.values(n=generation)).rowcount:
            session.rollback()
            return
        if rows:
            session.execute(MonthFigure.__table__.insert(), rows)
        if activities:
            session.execute(ActivityFigure.__table__.insert(), list(activities))
        session.commit()
    except IntegrityError:
        session.rollback()
    finally:
        session.expire_on_commit = True


# --- dropping figures whose semester changed ------------------------------------------------


def _touched(session: Session) -> tuple[set[int], set[int]]:
    """(semester ids, activity ids) whose kept figures a flush may change. An activity of a
    semester not yet ended, as the session already holds it, is left out: only ended semesters
    are kept, so saving this semester's rows and check-ins drops nothing and costs nothing."""
    semesters: set[int] = set()
    activities: set[int] = set()
    for item in (*session.new, *session.dirty, *session.deleted):
        if isinstance(item, Activity):
            history = db.inspect(item).attrs.semester_id.history
            for semester in (item.semester_id, *(history.deleted or ())):
                if not _running(session, semester):
                    semesters.add(semester)
        elif isinstance(item, Attendance | ActivityInvitee):
            activity = session.identity_map.get(
                db.inspect(Activity).identity_key_from_primary_key((item.activity_id,))
            )
            if activity is None or not _running(session, activity.semester_id):
                activities.add(item.activity_id)
        elif isinstance(item, Semester):
            semesters.add(item.id)  # its dates may have changed: never left out
    semesters.discard(None)
    activities.discard(None)
    return semesters, activities


def _running(session: Session, semester_id) -> bool:
    """Whether the session holds this semester, unchanged, and it has not ended."""
    key = db.inspect(Semester).identity_key_from_primary_key((semester_id,))
    semester = session.identity_map.get(key)
    if semester is None or semester in session.dirty:
        return False
    end = vars(semester).get("end")  # as loaded; an expired one would cost a query here
    return end is not None and end >= school_today()


# What moves an activity's kept figures (its 应到 is its groups on its date) and what moves
# everyone's (who is in a group on a day).
ACTIVITY_TERMS = ("date", "invite_groups", "invite_pairing_id")
PEOPLE_TERMS = {
    Staff: ("active", "political_status", "role", "name"),  # a name: in kept presenters
    Pairing: ("mentor_id", "apprentice_id", "state", "start_semester_id", "end_semester_id"),
    Semester: ("start", "end"),
}
EVERY = "every"


def _changed(item, names) -> bool:
    state = db.inspect(item)
    return any(state.attrs[name].history.has_changes() for name in names)


def _figures_touched(session: Session) -> tuple[set[int] | str, set[int]]:
    """The ids of the activities whose kept figures a flush may change (or EVERY), and of those
    whose presenters only changed (their figures stay)."""
    found: set[int] = set()
    presenters: set[int] = set()
    for item in (*session.new, *session.dirty, *session.deleted):
        if isinstance(item, PoolMembership):
            return EVERY, set()
        terms = PEOPLE_TERMS.get(type(item))
        if terms is not None:
            if item in session.dirty and not _changed(item, terms):
                continue
            if isinstance(item, Semester) and item in session.new:
                continue  # no pairing runs in it yet
            return EVERY, set()
        if isinstance(item, Activity):
            if item in session.dirty and not _changed(item, ACTIVITY_TERMS):
                if _changed(item, ("presenters",)):
                    presenters.add(item.id)
                continue  # a theme, a place, its status: none counts in its figures
            found.add(item.id)
        elif isinstance(item, Attendance | ActivityInvitee):
            found.add(item.activity_id)
    found.discard(None)
    return found, presenters


def _before_flush(session: Session, _context, _instances) -> None:
    semesters, activities = _touched(session)
    if semesters or activities:
        session.info["kept_figures"] = (semesters, activities)
    figures, presenters = _figures_touched(session)
    if figures:
        session.info["kept_activity_figures"] = figures
    if presenters:
        session.info.setdefault("kept_presenters", set()).update(presenters)


def _after_flush(session: Session, _context) -> None:
    drops = ("kept_presenters", "kept_activity_figures", "kept_figures")
    if any(session.info.get(name) for name in drops):
        # First: a dashboard keeping figures now holds the row until its commit, and the rows
        # it stores are then dropped below; one that keeps later sees another generation.
        session.connection().execute(update(FigureGeneration).values(n=FigureGeneration.n + 1))
    presenters = session.info.pop("kept_presenters", None)
    if presenters:  # the figures stay; the presenters are read live from now on
        session.connection().execute(
            update(ActivityFigure)
            .where(ActivityFigure.activity_id.in_(presenters))
            .values(presented=None)
        )
    figures = session.info.pop("kept_activity_figures", None)
    if figures == EVERY:
        session.connection().execute(delete(ActivityFigure))
    elif figures:
        session.connection().execute(
            delete(ActivityFigure).where(ActivityFigure.activity_id.in_(figures))
        )
    touched = session.info.pop("kept_figures", None)
    if touched is None:
        return
    semesters, activities = touched
    of_activities = select(Activity.semester_id).where(Activity.id.in_(activities))
    session.connection().execute(
        delete(MonthFigure).where(
            or_(MonthFigure.semester_id.in_(semesters), MonthFigure.semester_id.in_(of_activities))
        )
    )


def listen() -> None:
    """Drop kept figures with every session's flushes (create_app calls it)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
