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

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy import cast as sql_cast

from intranet.achievements.models import LEVELS as ACHIEVEMENT_LEVELS
from intranet.achievements.models import Achievement
from intranet.auth.permissions import MANAGEMENT_GROUP
from intranet.dashboard.kept import KEPT, Kept, kept_tally, month_key
from intranet.dashboard.models import ActivityFigure
from intranet.extensions import db
from intranet.feedback.services import Gain, Gains, gain_tally, is_gain_row
from intranet.mentoring.models import PairingTask
from intranet.mentoring.services import reasons_behind
from intranet.people.models import PoolMembership, Staff, of_school
from intranet.schedule.invitees import LIVE_PAIRINGS, PARTY, Directory, pairing_terms
from intranet.schedule.models import (
    FORMS,
    LEVELS,
    Activity,
    ActivityInvitee,
    Attendance,
    Guest,
    PartnerSchool,
    Semester,
    activity_presenter,
)
from intranet.statements import built_once
from intranet.suggestions.services import stats_tallies as suggestion_tallies

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


class Invitations:
    """Directory.invites (intranet/schedule/invitees.py) answered with set algebra: an
    activity's invitees are the union of its groups' members on its date, then its named people
    added or taken out. Group members are worked out once per date and an activity's invitees
    once per (date, groups, pairing), so the cost follows the distinct days and the staff, not
    activities × staff calls of invites() (a test keeps the two rules equal)."""

    STUDIO_POOLS = ("mentor", "reserve")

    def __init__(self, directory: Directory):
        self.directory = directory
        self.active = frozenset(directory.staff)
        self.party = frozenset(p for p, (_, pol) in directory.staff.items() if pol in PARTY)
        self.managers = frozenset(
            p for p, (role, _) in directory.staff.items() if role in MANAGEMENT_GROUP
        )
        self._pools: dict[date, dict[str, set[int]]] = {}
        self._groups: dict[tuple, frozenset[int]] = {}

    def pools_on(self, day: date) -> dict[str, set[int]]:
        found = self._pools.get(day)
        if found is None:
            found = defaultdict(set)
            for person, stays in self.directory.pools.items():
                for pool, since, until in stays:
                    if since <= day and (until is None or day < until):
                        found[pool].add(person)
            self._pools[day] = found
        return found

    def paired_on(self, day: date) -> set[int]:
        return {
            person
            for pair, state, start, end in self.directory.pairings.values()
            if state in LIVE_PAIRINGS and start <= day <= end
            for person in pair
        }

    def of_groups(self, day: date, invite_groups: str | None, pairing_id) -> frozenset[int]:
        key = (day, invite_groups, pairing_id)
        found = self._groups.get(key)
        if found is not None:
            return found
        groups = set((invite_groups or "").split())
        if "staff" in groups:
            found = self.active
        else:
            members: set[int] = set()
            if "party" in groups:
                members |= self.party
            if groups - {"staff", "party", "pairing", "visitors"}:  # pools, studio
                pools = self.pools_on(day)
                for pool in groups & set(pools):
                    members |= pools[pool]
                if "studio" in groups:
                    for pool in self.STUDIO_POOLS:
                        members |= pools.get(pool, set())
                    members |= self.managers | self.paired_on(day)
            if "pairing" in groups:
                members.update(self.directory.pairings.get(pairing_id, ((),))[0])
            found = frozenset(members & self.active)
        self._groups[key] = found
        return found

    def invited(self, activity) -> tuple[frozenset[int] | set[int], bool]:
        """The activity's invitees, and whether that set is shared: with no named people it is
        its groups' set itself, the same object for every activity with those groups that day
        (so never to be changed)."""
        found = self.of_groups(activity.date, activity.invite_groups, activity.invite_pairing_id)
        named = self.directory.named.get(activity.id)
        if not named:
            return found, True
        found = set(found)
        for person, invited in named.items():
            if invited and person in self.active:
                found.add(person)
            else:
                found.discard(person)
        return found, False

    def invitees(self, activity) -> set[int]:
        """The same set as Directory.invitees(activity)."""
        return set(self.invited(activity)[0])


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
    if not rows:
        return []
    invitations = Invitations(Directory.load([row.id for row in rows]))
    result = {
        row.id: Turnout(row.id, row.date, row.form, row.theme, invitations.invitees(row), set())
        for row in rows
    }
    for activity_id, staff_id, status in db.session.execute(
        select(Attendance.activity_id, Attendance.staff_id, Attendance.status).where(
            Attendance.activity_id.in_(list(result)), of_school(Attendance.staff_id)
        )
    ):
        # 应到 also counts anyone marked though not invited, so a rate is never above 100%.
        result[activity_id].expected.add(staff_id)
        if status == "present":
            result[activity_id].present.add(staff_id)
    return list(result.values())


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


def window_start(until: date) -> str:
    """The first month of the dashboard's window ending in until's month, as "2026-03"."""
    return month_key(*shift(until.year, until.month, -(WINDOW_MONTHS - 1)))


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


def falling_attendance(months: list[Month], rates=None) -> Alert | None:
    """An alert when the latest month with attendance is clearly below the mean of the (up to
    three) months with attendance before it, with the forms that still draw people then."""
    measured = [m for m in months if m.rate is not None]
    if len(measured) < 2:
        return None
    latest, before = measured[-1], measured[-1 - COMPARE_MONTHS : -1]
    mean = statistics.mean(m.rate for m in before)
    if mean - latest.rate < ALERT_DROP:
        return None
    return Alert(latest, mean, drawing_forms(latest, rates(latest) if rates else None))


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


def drawing_forms(month: Month, by_form: dict | None = None) -> list[tuple[str, float]]:
    """Forms that drew better than the month as a whole: what to do more of."""
    by_form = form_rates(month.year, month.month) if by_form is None else by_form
    rates = [
        (FORMS.get(form, form), present / total)
        for form, (present, total) in by_form.items()
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


GROUP_OF = {status: key for key, (_, values) in GROUPS.items() for status in values}


def participation(semester: Semester) -> list[Group]:
    groups = {key: Group(key, label) for key, (label, _) in GROUPS.items()}
    for status, n in db.session.execute(
        select(Staff.political_status, func.count())
        .where(Staff.colleague)
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
        select(Staff).where(Staff.colleague, Staff.political_status.in_(statuses))
    ).all()
    rows = [(person, *counts.get(person.id, (0, 0))) for person in people]
    return sorted(rows, key=lambda row: (-row[1], row[0].pinyin))


# --- the dashboard's figures, in a fixed few queries -------------------------------------


@dataclass
class PairingState:
    """A signed or active pairing and whether it is behind (mentoring's reasons_behind)."""

    pairing_id: int
    reasons: list[str]

    @property
    def behind(self) -> bool:
        return bool(self.reasons)


@dataclass
class Overview:
    months: list[Month]
    alert: Alert | None
    groups: list[Group]
    health: list[PairingState]
    # closed semesters' figures and activities' figures worked out for this page, for
    # kept.keep() once it is rendered
    to_keep: dict = field(default_factory=dict)
    worked_out: list[dict] = field(default_factory=list)


def held_where(semester: Semester, first: date, after: date, kept=frozenset(), fill=frozenset()):
    """The overview's held activities: those of the semester, of the closed semesters `fill`
    (whole, to be kept), and those dated in [first, after) of semesters not `kept`."""
    return _held(
        or_(
            Activity.semester_id == semester.id,
            Activity.semester_id.in_(fill),
            and_(Activity.date >= first, Activity.date < after, Activity.semester_id.not_in(kept)),
        )
    )


# How _held_facts writes the presenters of held activities (read by the interest alert): per
# activity, its present and 应到 and its presenters' tokens; a token is the presenter's id, ":",
# "p" (a colleague in the Party), "n" (another colleague) or "x" (not a colleague), and the name.
ACTIVITY_SEP, FIELD_SEP, TOKEN_SEP = "\x1e", "\x1d", "\x1f"


def _presenter_tokens():
    """The presenters of the outer statement's activity, as TOKEN_SEP-separated tokens (NULL
    when none). Kept with its figures (ActivityFigure.presented), so read from here only for
    activities not kept yet or whose presenters changed since."""
    presenter = activity_presenter.c
    flag = case(
        (and_(Staff.colleague, Staff.political_status.in_(GROUPS["party"][1])), literal("p")),
        (Staff.colleague, literal("n")),
        else_=literal("x"),
    )
    token = sql_cast(presenter.staff_id, String) + literal(":") + flag + Staff.name
    return (
        select(func.aggregate_strings(token, TOKEN_SEP))
        .select_from(activity_presenter)
        .join(Staff, Staff.id == presenter.staff_id)
        .where(presenter.activity_id == Activity.id)
        .scalar_subquery()
    )


def _held_facts(where, until: date):
    """One statement over the held activities `where` (held_where): the sums of their kept
    figures (ActivityFigure, columns kept_*) per semester, month, form and whether dated after
    `until`, one row each (id None); and one row for each activity without kept figures, with
    its people as comma-separated lists of staff ids that the database builds from the indexes
    (attendance from its tally index): present, marked otherwise, named people added and taken
    out. Each row's `presented`: its activities' presenters (ACTIVITY_SEP-separated "present
    FIELD_SEP 应到 FIELD_SEP tokens", or for an activity not kept its tokens alone), for the
    interest alert. Once kept, a semester's activities cost a few dozen rows."""
    no_id, no_text = sql_cast(null(), Integer), sql_cast(null(), String)
    year = sql_cast(func.extract("year", Activity.date), Integer)
    month = sql_cast(func.extract("month", Activity.date), Integer)
    late = case((Activity.date > until, 1), else_=0)

    def ids(column, *where):
        return (
            select(func.aggregate_strings(sql_cast(column, String), ","))
            .where(*where)
            .scalar_subquery()
        )

    attended = (Attendance.activity_id == Activity.id, of_school(Attendance.staff_id))
    named = (ActivityInvitee.activity_id == Activity.id,)
    grouped = (
        select(
            no_id.label("id"),
            Activity.semester_id,
            year.label("year"),
            month.label("month"),
            Activity.form,
            late.label("late"),
            func.min(Activity.date).label("date"),
            func.min(Activity.id).label("first_id"),
            no_text.label("invite_groups"),
            no_id.label("invite_pairing_id"),
            *(no_text.label(name) for name in LISTS),
            func.aggregate_strings(
                sql_cast(ActivityFigure.present, String)
                + literal(FIELD_SEP)
                + sql_cast(ActivityFigure.expected, String)
                + literal(FIELD_SEP)
                + func.coalesce(ActivityFigure.presented, _presenter_tokens()),
                ACTIVITY_SEP,
            ).label("presented"),
            *(func.sum(getattr(ActivityFigure, n)).label(f"kept_{n}") for n in FIGURE_COUNTS),
        )
        .join(ActivityFigure, ActivityFigure.activity_id == Activity.id)
        .where(*where)
        .group_by(Activity.semester_id, year, month, Activity.form, late)
    )
    missing = (
        select(
            Activity.id,
            Activity.semester_id,
            year,
            month,
            Activity.form,
            late,
            Activity.date,
            Activity.id,
            Activity.invite_groups,
            Activity.invite_pairing_id,
            ids(Attendance.staff_id, *attended, Attendance.status == "present"),
            ids(Attendance.staff_id, *attended, Attendance.status != "present"),
            ids(ActivityInvitee.staff_id, *named, ActivityInvitee.invited),
            ids(ActivityInvitee.staff_id, *named, ~ActivityInvitee.invited),
            func.coalesce(_presenter_tokens(), literal("")),
            *(no_id for _ in FIGURE_COUNTS),
        )
        .outerjoin(ActivityFigure, ActivityFigure.activity_id == Activity.id)
        .where(*where, ActivityFigure.activity_id.is_(None))
    )
    both = union_all(grouped, missing).subquery()
    # forms drawing equally are listed in the order of their first activity
    return db.session.execute(select(both).order_by(both.c.date, both.c.first_id)).all()


LISTS = ("present", "marked", "named_in", "named_out")


FIGURE_COUNTS = (
    "present",
    "expected",
    *(
        f"{key}_{count}"
        for key in ("party", "activist", "non_party")
        for count in ("present", "expected")
    ),
)


TOOK_PART, PEOPLE, PRESENTED, PAIRING = "took_part", "people", "presented", "pairing"
OVERVIEW_WHATS = (TOOK_PART, PEOPLE, PRESENTED, PAIRING)


@built_once(lambda semester: semester.id)
def overview_tally(semester: Semester) -> list:
    """(what, key, wait, n) statements for the tallies, the overview's counts that are not sums
    of activities' figures, each an aggregate over an index:
    - took_part: per political status, the school's staff present at least once at the
      semester's held activities (参与面);
    - people: per political status, the colleagues (active staff of the school);
    - presented: per political status of the school's staff, how many times they presented a
      held activity of the semester;
    - pairing: each signed or active pairing (wait its id), the first day a task of it not
      done was due (key, None when none) and whether its apprentice gave a report lesson (汇报课)
      held this semester (n)."""
    held = _held(Activity.semester_id == semester.id)
    no_wait = sql_cast(null(), Integer)

    def row(what, key, wait, n):
        return (literal(what).label("what"), key.label("key"), wait.label("wait"), n.label("n"))

    came = (
        select(Attendance.staff_id)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(*held, Attendance.status == "present")
    )
    took_part = (
        select(*row(TOOK_PART, Staff.political_status, no_wait, func.count()))
        .where(Staff.of_school, Staff.id.in_(came))
        .group_by(Staff.political_status)
    )
    people = (
        select(*row(PEOPLE, Staff.political_status, no_wait, func.count()))
        .where(Staff.colleague)
        .group_by(Staff.political_status)
    )
    presented = (
        select(*row(PRESENTED, Staff.political_status, no_wait, func.count()))
        .select_from(activity_presenter)
        .join(Activity, Activity.id == activity_presenter.c.activity_id)
        .join(Staff, Staff.id == activity_presenter.c.staff_id)
        .where(*held, Staff.of_school)
        .group_by(Staff.political_status)
    )
    terms = pairing_terms().subquery()
    due = (
        select(func.min(PairingTask.due))
        .where(PairingTask.pairing_id == terms.c.id, PairingTask.done_at.is_(None))
        .scalar_subquery()
    )
    reported = (
        select(activity_presenter.c.activity_id)
        .join(Activity, Activity.id == activity_presenter.c.activity_id)
        .where(
            *held,
            Activity.form == "report_lesson",
            activity_presenter.c.staff_id == terms.c.apprentice_id,
        )
        .exists()
    )
    pairings = select(
        *row(PAIRING, sql_cast(due, String), terms.c.id, case((reported, 1), else_=0))
    ).where(terms.c.state.in_(("signed", "active")))
    return [took_part, people, presented, pairings]


def _staff_ids(text: str | None) -> set[int]:
    """The ids of a list the database joined with commas (None when there were none)."""
    return set(map(int, text.split(","))) if text else set()


def _directory() -> tuple[Directory, dict[str, frozenset]]:
    """The invitees' Directory (without named people) in one statement: the staff with their
    pools, then the pairings' terms; and everyone's participation group, as a set of staff ids
    per group (those no longer active too: they may have been marked). Only activities without
    kept figures need it."""
    terms = pairing_terms().subquery()
    no_id, no_text = sql_cast(null(), Integer), sql_cast(null(), String)
    staff = (
        select(
            literal("staff").label("kind"),
            Staff.id,
            Staff.active,
            Staff.role,
            Staff.political_status,
            PoolMembership.pool,
            PoolMembership.since,
            PoolMembership.until,
            no_id.label("mentor"),
            no_id.label("apprentice"),
        )
        .outerjoin(
            PoolMembership, and_(PoolMembership.staff_id == Staff.id, Staff.active.is_(True))
        )
        .where(Staff.of_school)
    )
    pairing = select(
        literal("pairing"),
        terms.c.id,
        literal(True),
        terms.c.state,
        no_text,
        no_text,
        terms.c.start,
        terms.c.end,
        terms.c.mentor_id,
        terms.c.apprentice_id,
    )
    found = Directory()
    members: dict[str, set[int]] = {key: set() for key in GROUPS}
    for row in db.session.execute(union_all(staff, pairing)):
        kind, person, active, role, political, pool, since, until, mentor, apprentice = row
        if kind == "pairing":
            pair = tuple(p for p in (mentor, apprentice) if p is not None)
            found.pairings[person] = (pair, role, since, until)
            continue
        if key := GROUP_OF.get(political):
            members[key].add(person)
        if not active:
            continue
        found.staff[person] = (role, political)
        if pool is not None:
            found.pools.setdefault(person, []).append((pool, since, until))
    return found, {key: frozenset(ids) for key, ids in members.items()}


def overview(
    semester: Semester,
    today: date,
    until: date,
    kept: Kept | None = None,
    semesters: list[Semester] | None = None,
) -> Overview:
    """Attendance by month, the alert, participation by group and pairings behind: the same
    figures as attendance_by_month(), falling_attendance(), participation() and mentoring's
    pairing_health(), from a fixed few statements however many years the school has.

    Held activities with kept figures (ActivityFigure) come summed per semester, month and
    form (_held_facts); the others are worked out with set operations and kept: an activity's
    应到 is its invitees (shared between activities with the same groups on the same day, never
    copied) and those marked though not invited; a group's share of it is the group's share of
    the invitees (counted once per shared set) plus its share of the others. The counts that are
    not sums of activities' figures (overview_tally) come with the tallies.

    Semesters that ended before `until` come from `kept` (tallies() read them) when they are
    kept; those of `semesters` in the window that are not yet are worked out whole and kept
    (dashboard/kept.py)."""
    first = shift(until.year, until.month, -(WINDOW_MONTHS - 1))
    after = month_start(*shift(until.year, until.month, 1))  # all of until's month, for the alert
    kept = kept or Kept()
    ended = {s.id: s for s in semesters or () if s.end < today and s.id != semester.id}
    usable = {i for i in kept.semesters if i in ended and ended[i].end <= until}
    fill = {
        i
        for i, s in ended.items()
        if i not in kept.semesters and s.end <= until and s.end >= month_start(*first)
    }
    where = held_where(semester, month_start(*first), after, usable, fill)
    rows = _held_facts(where, until)
    invitations, members = None, {}
    if any(row.id is not None for row in rows):  # some not kept yet: work them out
        directory, members = _directory()
        for row in rows:
            if row.named_in or row.named_out:
                named = directory.named[row.id] = dict.fromkeys(_staff_ids(row.named_in), True)
                named.update(dict.fromkeys(_staff_ids(row.named_out), False))
        invitations = Invitations(directory)
    tally = kept.counts
    if tally is None:  # not read with the tallies
        tally = defaultdict(list)
        for what, key, wait, n in db.session.execute(union_all(*overview_tally(semester))):
            tally[what].append((key, wait, n))
    groups = {key: Group(key, label) for key, (label, _) in GROUPS.items()}
    for what, name in ((PEOPLE, "people"), (TOOK_PART, "took_part"), (PRESENTED, "presented")):
        for status, _, n in tally.get(what, ()):
            if key := GROUP_OF.get(status):
                setattr(groups[key], name, getattr(groups[key], name) + n)
    in_group: dict[int, dict[str, int]] = {}  # id of a shared invitee set -> its group counts
    by_key = {}
    for n in range(WINDOW_MONTHS):
        y, m = shift(*first, n)
        by_key[y, m] = Month(y, m)
    by_form: dict[tuple[int, int], dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    to_keep: dict[int, dict] = {i: {} for i in fill}
    worked_out = []  # figures of activities not kept yet, to keep
    held = []  # (row, present, 应到) of each, for the interest alert (interest.py)
    for semester_id in usable:
        for month, forms in kept.figures.get(semester_id, {}).items():
            for form, (present, expected) in forms.items():
                _count_month(by_key, by_form, month, form, present, expected)
    for a in rows:
        if a.id is None:
            figure = {name: getattr(a, f"kept_{name}") for name in FIGURE_COUNTS}
        else:
            figure = _figure(a, invitations, members, in_group)
            worked_out.append({"activity_id": a.id, "presented": a.presented, **figure})
        present, expected = figure["present"], figure["expected"]
        held.append((a, present, expected))
        month = (a.year, a.month)
        if a.semester_id in to_keep:
            counts = to_keep[a.semester_id].setdefault(month, {}).setdefault(a.form, [0, 0])
            counts[0] += present
            counts[1] += expected
        if not a.late:
            _count_month(by_key, by_form, month, a.form, present, expected)
        else:  # the rest of until's month still counts for the alert's forms
            rates = by_form[month][a.form]
            rates[0] += present
            rates[1] += expected
        if a.semester_id == semester.id:
            for key, group in groups.items():
                group.total += figure[f"{key}_expected"]
                group.present += figure[f"{key}_present"]
    db.session.info["dashboard_held"] = held  # the interest alert's (interest.py)
    months = list(by_key.values())

    def month_rates(month: Month) -> dict:
        rates = by_form.get((month.year, month.month), {})
        return {form: (present, total) for form, (present, total) in rates.items()}

    health = [
        PairingState(
            pairing,
            reasons_behind(
                semester, today, due is not None and date.fromisoformat(due) < today, bool(n)
            ),
        )
        for due, pairing, n in sorted(tally.get(PAIRING, ()), key=lambda r: r[1])
    ]
    return Overview(
        months,
        falling_attendance(months, month_rates),
        list(groups.values()),
        health,
        to_keep,
        worked_out,
    )


def _figure(a, invitations: Invitations, members: dict[str, frozenset], in_group: dict) -> dict:
    """An activity's figures (FIGURE_COUNTS) from its row of _held_facts: present and 应到, in
    all and per group. A group's share of 应到 is its share of the invitees (counted once per
    shared set, in `in_group`) plus its share of those marked though not invited."""
    invited, shared = invitations.invited(a)
    present = _staff_ids(a.present)
    others = (present | _staff_ids(a.marked)) - invited  # marked though not invited
    figure = {"present": len(present), "expected": len(invited) + len(others)}
    counts = in_group.get(id(invited)) if shared else None
    if counts is None:
        counts = {key: len(invited & people) for key, people in members.items()}
        if shared:
            in_group[id(invited)] = counts
    for key, people in members.items():
        figure[f"{key}_present"] = len(present & people)
        figure[f"{key}_expected"] = counts[key] + len(others & people)
    return figure


def _count_month(by_key, by_form, month, form, present: int, expected: int) -> None:
    """Add an activity's (or a kept figure's) present and 应到 to its month and form."""
    found = by_key.get(month)
    if found:
        found.total += expected
        found.present += present
    rates = by_form[month][form]
    rates[0] += present
    rates[1] += expected


# --- pairings on track or behind -----------------------------------------------------------


# --- achievements by level -----------------------------------------------------------------


@built_once(lambda semester: (semester.start, semester.end))
def achievement_tally(semester: Semester):
    """(what, key, wait, n) rows, the shape of the box's stats_tallies(): achievements dated in
    the semester per level, what = "verified" or "pending"."""
    verified = case((Achievement.verified_at.is_not(None), literal("verified")), else_="pending")
    return (
        select(
            verified.label("what"),
            Achievement.level.label("key"),
            sql_cast(null(), Integer).label("wait"),
            func.count().label("n"),
        )
        .where(Achievement.awarded_on >= semester.start, Achievement.awarded_on <= semester.end)
        .group_by(verified, Achievement.level)
    )


@built_once(lambda semester_ids: semester_ids)
def _gains_of(semester_ids: tuple[int, ...]) -> list:
    return gain_tally(semester_ids, with_presenters=True)


def tallies(
    semester: Semester,
    with_box: bool,
    gain_semesters: list[Semester] | None = None,
    with_reach: bool = False,
    kept_from: str | None = None,
    extra: tuple = (),
    extra_whats: frozenset = frozenset(),
) -> tuple[dict[str, Counter], list, Gains, "Reach", Kept, list]:
    """achievements_by_level(), for those who read the box the rows of the box's statistics,
    收获 of `gain_semesters` (feedback's gain_tally), with_reach, the semester's reach
    beyond the school (reach_tally), from month `kept_from` ("2026-03") the closed semesters'
    kept attendance figures (kept.py), and `extra` statements of the same shape (the interest
    alert's, interest.parts): their 收获 rows join the 收获, those whose `what` is one of
    `extra_whats` come back apart. One statement."""
    stmt = achievement_tally(semester)
    parts = list(extra)
    if gain_semesters:
        parts.extend(_gains_of(tuple(s.id for s in gain_semesters)))
    if with_reach:
        parts.extend(reach_tally(semester))
    if with_box:
        parts.extend(suggestion_tallies())
    if kept_from is not None:
        parts.extend((*kept_tally(kept_from), *overview_tally(semester)))
    if parts:
        stmt = union_all(stmt, *parts)
    counts = {"verified": Counter(), "pending": Counter()}
    box, gain_rows, reach_rows, kept_rows, extra_rows = [], [], [], [], []
    for row in db.session.execute(stmt):
        if row.what in extra_whats:
            extra_rows.append(tuple(row))
        elif row.what == KEPT or row.what in OVERVIEW_WHATS:
            kept_rows.append(tuple(row))
        elif row.what in counts:
            counts[row.what][row.key] += row.n
        elif is_gain_row(row.what):
            gain_rows.append(tuple(row))
        elif row.what.startswith(REACH):
            reach_rows.append(tuple(row))
        else:
            box.append(tuple(row))
    kept = Kept.of(kept_rows) if kept_from is not None else Kept()
    return counts, box, Gains(gain_rows), Reach.of(reach_rows), kept, extra_rows


def achievements_by_level(semester: Semester) -> dict[str, Counter]:
    """{"verified": Counter(level -> n), "pending": ...} for achievements dated in the semester."""
    return tallies(semester, with_box=False)[0]


def achievement_levels() -> dict[str, str]:
    return ACHIEVEMENT_LEVELS


# --- reach beyond the school: guests, 送教, lectures by non-Party teachers --------------------

REACH = "reach_"
OTHER_SCHOOLS = "其他学校"
DISTRICT = "区教育局"
# A typed school (not on the partner list) naming one of these is the district's, not a school's.
DISTRICT_WORDS = ("教育局", "教体局", "教研室", "教研中心", "教师发展中心", "进修学校")
GUEST_LEVELS = ("cluster", "district")  # guests check in to 片区 and 全区 activities only


def school_group(partner: str | None, typed: str) -> str:
    """Where a guest's school counts: the partner school by name; a typed school is 区教育局
    when its name says so, else 其他学校."""
    if partner:
        return partner
    return DISTRICT if any(word in typed for word in DISTRICT_WORDS) else OTHER_SCHOOLS


def _row(what: str, key, n, wait=None):
    """A select list in the tallies' shape (what, key, wait, n)."""
    key = literal(key) if isinstance(key, str) else key
    wait = sql_cast(null(), Integer) if wait is None else wait
    return (literal(REACH + what).label("what"), key.label("key"), wait.label("wait"), n.label("n"))


@built_once(lambda semester: (semester.id, semester.start, semester.end))
def reach_tally(semester: Semester) -> list:
    """The semester's reach as statements of the tallies' shape, sent in tallies()' one union:
    - guest: guests at its live 片区 and 全区 activities per level and school (key "level
      partner-name|typed-name"; grouped by the columns, named in Python by school_group);
    - outreach: held 送教 activities, those present at them and their guests;
    - lecturer: held 专题讲座 given per non-Party presenter (key name, wait id), and lectures:
      how many held lectures had at least one non-Party presenter."""
    in_semester = (Activity.semester_id == semester.id, Activity.deleted_at.is_(None))
    guests = (
        select(
            *_row(
                "guest",
                Activity.level
                + literal(" ")
                + func.coalesce(literal("p") + PartnerSchool.name, literal("t") + Guest.school),
                func.count(),
            )
        )
        .select_from(Guest)
        .join(Activity, Activity.id == Guest.activity_id)
        .outerjoin(PartnerSchool, PartnerSchool.id == Guest.partner_school_id)
        .where(*in_semester, Activity.level.in_(GUEST_LEVELS))
        .group_by(Activity.level, PartnerSchool.name, Guest.school)
    )
    outreach = _held(Activity.semester_id == semester.id, Activity.form == "outreach")
    held_outreach = select(*_row("outreach", "activities", func.count())).where(*outreach)
    audience = (
        select(*_row("outreach", "staff", func.count()))
        .select_from(Attendance)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(*outreach, Attendance.status == "present", of_school(Attendance.staff_id))
    )
    outreach_guests = (
        select(*_row("outreach", "guests", func.count()))
        .select_from(Guest)
        .join(Activity, Activity.id == Guest.activity_id)
        .where(*outreach)
    )
    lecture = _held(Activity.semester_id == semester.id, Activity.form == "lecture")
    non_party = Staff.political_status.not_in(GROUPS["party"][1])
    lecturers = (
        select(*_row("lecturer", Staff.name, func.count(), wait=Staff.id))
        .select_from(activity_presenter)
        .join(Activity, Activity.id == activity_presenter.c.activity_id)
        .join(Staff, Staff.id == activity_presenter.c.staff_id)
        .where(*lecture, non_party)
        .group_by(Staff.id, Staff.name)
    )
    by_non_party = (
        select(activity_presenter.c.activity_id)
        .join(Staff, Staff.id == activity_presenter.c.staff_id)
        .where(activity_presenter.c.activity_id == Activity.id, non_party)
    )
    lectures = select(*_row("lectures", "", func.count())).where(*lecture, by_non_party.exists())
    return [guests, held_outreach, audience, outreach_guests, lecturers, lectures]


@dataclass
class Reach:
    """The semester's reach beyond the school, read from reach_tally()'s rows."""

    # (school or group, guests at 片区 activities, at 全区 activities): partner schools by
    # name, then 其他学校 and 区教育局
    schools: list[tuple[str, int, int]] = field(default_factory=list)
    outreach: int = 0  # held 送教 activities
    outreach_staff: int = 0  # colleagues present at them
    outreach_guests: int = 0  # guests at them
    lectures: int = 0  # held 专题讲座 with a non-Party presenter
    lecturers: list[tuple[str, int]] = field(default_factory=list)  # (name, lectures), most first

    @property
    def guests(self) -> int:
        return sum(cluster + district for _, cluster, district in self.schools)

    @property
    def outreach_audience(self) -> int:
        return self.outreach_staff + self.outreach_guests

    @classmethod
    def of(cls, rows) -> "Reach":
        found = cls()
        by_school: dict[tuple[int, str], list[int]] = {}
        lecturers = []
        for what, key, wait, n in rows:
            what = what.removeprefix(REACH)
            if what == "guest":
                level, school = key.split(" ", 1)
                name = school_group(school[1:] if school[0] == "p" else None, school[1:])
                rank = 0 if school[0] == "p" else 1 + (name == DISTRICT)
                counts = by_school.setdefault((rank, name), [0, 0])
                counts[GUEST_LEVELS.index(level)] += n
            elif what == "outreach":
                name = {"activities": "outreach", "staff": "outreach_staff"}.get(key)
                setattr(found, name or "outreach_guests", n)
            elif what == "lecturer":
                lecturers.append((key, n, wait))
            elif what == "lectures":
                found.lectures = n
        found.schools = [(name, *counts) for (_, name), counts in sorted(by_school.items())]
        found.lecturers = [
            (name, n) for name, n, _ in sorted(lecturers, key=lambda r: (-r[1], r[2]))
        ]
        return found


# --- 收获: how activities landed, from the released feedback ---------------------------------

TREND_SEMESTERS = 4


@dataclass
class GainFigures:
    per_form: list[tuple[str, Gain]]  # (form label, its Gain), forms with answers, as FORMS
    per_level: list[tuple[str, Gain]]  # (level label, its Gain), as LEVELS
    trend: list[tuple[str, Gain]]  # (semester name, the studio's Gain), oldest first


def gain_semesters(semester: Semester, semesters: list[Semester]) -> list[Semester]:
    """The last TREND_SEMESTERS semesters up to the chosen one, oldest first (`semesters`
    newest first, as all_semesters())."""
    at = next((n for n, s in enumerate(semesters) if s.id == semester.id), 0)
    return list(reversed(semesters[at : at + TREND_SEMESTERS])) or [semester]


def gain_figures(semester: Semester, recent: list[Semester], found: Gains) -> GainFigures:
    """收获 per form and per level of the chosen semester and the studio's over `recent`
    (gain_semesters()), from the rows tallies() fetched. Each figure shows from THRESHOLD
    released answers (feedback.services)."""
    per_form, per_level = found.per_form(semester.id), found.per_level(semester.id)
    return GainFigures(
        [(label, per_form[key]) for key, label in FORMS.items() if key in per_form],
        [(label, per_level.get(key, Gain())) for key, label in LEVELS.items()],
        [(s.name, found.of_semester(s.id)) for s in recent],
    )
