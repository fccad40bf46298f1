"""The interest alert (兴趣预警) on the dashboard: when attendance against invitees falls, or the
studio's 收获 falls over the recent semesters, or a form is worn out, it says so, names the forms
and presenters that still draw people, and suggests what to try: a form rested for a year that
people valued, a presenter people valued who has not presented this school year, a lecture by a
non-Party teacher when there was none this school year.

Attendance is the overview's (services.overview: 应到 = invitees on the day and anyone marked,
the same held activities, handed over in the request's session); 收获 is feedback's: of the
recent semesters (per presenter too) as the dashboard's tallies read it. The presenters of the
held activities, with their names, come with the overview's rows (kept with each activity's
figures). What else it needs travels in those tallies' one statement (parts): the 收获 of the
semesters before those, the forms' use per semester (renewal.usage_tally) and who of the recent
presenters is no longer a colleague (gone_tally)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_login import current_user
from sqlalchemy import Select, String, literal, null, select
from sqlalchemy import cast as sql_cast

from intranet.auth.permissions import can
from intranet.clock import school_today
from intranet.dashboard.services import (
    ACTIVITY_SEP,
    FIELD_SEP,
    TOKEN_SEP,
    Alert,
    Overview,
    gain_semesters,
)
from intranet.extensions import db
from intranet.feedback.services import Gain, Gains, PresenterGains, gain_tally
from intranet.people.models import Staff
from intranet.people.status import school_year_of, year_span
from intranet.schedule.models import FORMS, Activity, Semester, activity_presenter
from intranet.schedule.renewal import (
    GOOD_SHARE,
    USED,
    Proposal,
    falling,
    read_usage,
    review,
    usage_tally,
)
from intranet.statements import built_once

HELD_KEY = "dashboard_held"  # where services.overview leaves its held activities for us
SHOWN = 3  # forms and presenters named
LOOKED_AT = 8  # semesters (four school years): a form rested longer than that is not proposed
GAIN_DROP = 0.1  # the studio's 收获 this far down over the recent semesters raises the alert


@dataclass
class Drawing:
    """A form or presenter whose activities drew at least the studio's rate."""

    label: str
    present: int
    expected: int
    gain: Gain = field(default_factory=Gain)

    @property
    def rate(self) -> float:
        return self.present / self.expected


@dataclass
class Interest:
    alert: Alert | None  # attendance clearly fell (services.falling_attendance)
    trend: list[tuple[str, Gain]]  # the studio's 收获 over the recent semesters, oldest first
    gain_falling: bool
    worn: list[str]  # labels of forms flagged on the plan (four semesters, falling 收获)
    rate: float | None  # attendance of the held activities looked at
    forms: list[Drawing]
    presenters: list[Drawing]
    try_form: Proposal | None = None
    try_presenter: tuple[str, Gain] | None = None
    try_non_party: bool = False  # no lecture by a non-Party teacher this school year

    @property
    def raised(self) -> bool:
        return bool(self.alert or self.gain_falling or self.worn)


GONE = "gone"
WHATS = frozenset({USED, GONE})  # the rows of parts() that tallies() hands back apart


def presenter_names(since: date, ids) -> Select:
    """(id, name, whether they presented a live activity since `since`) of the colleagues
    `ids`: only the few the alert may name, asked once it is raised."""
    presented = (
        select(activity_presenter.c.staff_id)
        .join(Activity, Activity.id == activity_presenter.c.activity_id)
        .where(
            activity_presenter.c.staff_id == Staff.id,
            Activity.date >= since,
            Activity.deleted_at.is_(None),
        )
        .exists()
    )
    return select(Staff.id, Staff.name, presented).where(Staff.id.in_(ids))


@dataclass
class Presenters:
    """The presenters of the overview's held activities, as the alert reads them."""

    figures: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    seen: set[int] = field(default_factory=set)  # presented a held activity since `since`
    this_year: set[int] = field(default_factory=set)  # ... this school year
    names: dict[int, str] = field(default_factory=dict)
    non_party_lecture: bool = False  # a colleague not in the Party gave one this school year


def held_presenters(held, since: date, start: date) -> Presenters:
    """The presenters of the overview's held activities, from their rows' `presented`
    (services._held_facts: per activity its figures and presenters' tokens; an activity not
    kept has its figures in `held`). `since` and `start` are first days of months, so a row
    of a month's activities is before or after them whole."""
    found = Presenters()
    for a, present, expected in held:
        if not a.presented:
            continue
        chunks = a.presented.split(ACTIVITY_SEP)
        if a.id is not None:  # one activity not kept yet, its figures worked out
            chunks = [f"{present}{FIELD_SEP}{expected}{FIELD_SEP}{a.presented}"]
        month = (a.year, a.month)
        seen = month >= (since.year, since.month)
        this_year = month >= (start.year, start.month)
        for chunk in chunks:
            p, e, tokens = chunk.split(FIELD_SEP, 2)
            for token in tokens.split(TOKEN_SEP) if tokens else ():
                ident, flag_name = token.split(":", 1)
                person = int(ident)
                counts = found.figures[person]
                counts[0] += int(p)
                counts[1] += int(e)
                found.names[person] = flag_name[1:]
                if seen:
                    found.seen.add(person)
                if this_year:
                    found.this_year.add(person)
                    if a.form == "lecture" and flag_name[0] == "n":
                        found.non_party_lecture = True
    return found


def gone_tally(semester_ids) -> Select:
    """(what, key, wait, n) rows for the tallies: each of the staff who presented an activity
    of `semester_ids` and is no longer a colleague (has left, or is not the school's): the
    presenters with 收获 of those semesters who are not, so those the alert may propose are."""
    presented = (
        select(activity_presenter.c.staff_id)
        .join(Activity, Activity.id == activity_presenter.c.activity_id)
        .where(activity_presenter.c.staff_id == Staff.id, Activity.semester_id.in_(semester_ids))
        .exists()
    )
    return select(
        literal(GONE).label("what"),
        sql_cast(null(), String).label("key"),
        Staff.id.label("wait"),
        literal(1).label("n"),
    ).where(~Staff.colleague, presented)


def _looked_at(semester: Semester, semesters: list[Semester]) -> list[Semester]:
    """The LOOKED_AT semesters up to the chosen one, newest first (as `semesters`)."""
    return [s for s in semesters if s.start <= semester.start][:LOOKED_AT]


@built_once(
    lambda semester, semesters, since: (
        semester.id,
        tuple((s.id, s.start, s.end) for s in semesters),
        since,
    )
)
def parts(semester: Semester, semesters: list[Semester], since: date) -> list[Select]:
    """What the alert reads, as statements of the dashboard's tallies (sent in their one
    statement), of the LOOKED_AT semesters up to the chosen one: the 收获 per form of those
    before the recent ones (to bring back a form rested for a year), each form's use; and
    the presenters with 收获 of the recent ones who are no longer colleagues (gone_tally). Ten
    years of semesters cost what four do."""
    upto = _looked_at(semester, semesters)
    recent = {s.id for s in gain_semesters(semester, semesters)}
    older = [s.id for s in upto if s.id not in recent]
    return [*gain_tally(older), usage_tally([s.id for s in upto]), gone_tally(sorted(recent))]


def alert(
    semester: Semester,
    semesters: list[Semester],
    figures: Overview,
    shown: Gains,
    rows,
    since: date,
):
    """The alert for the dashboard's semester: `semesters` newest first (all_semesters()),
    `figures` the overview, `shown` the 收获 its tallies read (the recent semesters per form
    and per presenter, and parts()' older ones per form), `rows` parts()' other rows and
    `since` the first day of the overview's window (as parts()). A presenter's 收获 is
    personal: only those who may see it (feedback.presenters) get it here; others see who
    draws people by attendance alone."""
    recent = gain_semesters(semester, semesters)
    today = school_today()
    stash = db.session.info.pop(HELD_KEY, None)
    used_rows = [row for row in rows if row[0] == USED]
    found = Gains([])
    found.rows = shown.rows
    if can(current_user, "feedback.presenters"):
        found.presenter_rows = shown.presenter_rows
    oldest_first = sorted(_looked_at(semester, semesters), key=lambda s: s.start)
    renewal = review(oldest_first, semester, read_usage(used_rows), found, today)
    trend = [(s.name, found.of_semester(s.id)) for s in recent]
    result = Interest(
        alert=figures.alert,
        trend=trend,
        gain_falling=falling([g.share for _, g in trend if g.share is not None], GAIN_DROP),
        worn=[r.label for r in renewal.flagged],
        rate=None,
        forms=[],
        presenters=[],
        try_form=next(iter(renewal.proposed), None),
    )
    if not result.raised:  # what draws and what to try are shown with an alert only
        return result
    people = _presenters(found)
    if stash is None:  # no overview on this request: nothing known of who presented
        result.try_non_party = True
        return result
    start, _ = year_span(school_year_of(today))
    presenters = held_presenters(stash, since, start)
    gone = {row[2] for row in rows if row[0] == GONE}
    _attendance(result, stash, presenters, found, recent, people, since)
    _suggest(result, people, presenters, gone)
    return result


def _presenters(found: Gains) -> dict[int, PresenterGains]:
    """Colleagues with 收获 as presenters, by id: their names and their 收获 per recent
    semester (withheld totals as feedback.PresenterGains has them)."""
    people: dict[int, PresenterGains] = {}
    for semester_id, kind, ident, name, gain in found.presenter_rows:
        if kind == "s":
            person = people.setdefault(int(ident), PresenterGains(name, False))
            person.semesters.setdefault(semester_id, Gain())
            person.semesters[semester_id] += gain
    return people


def _attendance(result, rows, presenters: Presenters, found, recent, people, since) -> None:
    by_form: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for a, present, expected in rows:
        counts = by_form[a.form]
        counts[0] += present
        counts[1] += expected
    total = [sum(c[0] for c in by_form.values()), sum(c[1] for c in by_form.values())]
    if not total[1]:
        return
    result.rate = total[0] / total[1]
    form_gains: dict[str, Gain] = defaultdict(Gain)
    for s in recent:
        for key, gain in found.per_form(s.id).items():
            form_gains[key] += gain
    forms = [
        Drawing(FORMS.get(key, key), p, e, form_gains.get(key, Gain()))
        for key, (p, e) in by_form.items()
        if e
    ]
    result.forms = _best(forms, result.rate)
    result.presenters = _drawing_presenters(
        presenters.figures, people, presenters.seen, presenters.names, result.rate, since
    )


def _drawing_presenters(by_presenter, people, seen, known, rate, since) -> list[Drawing]:
    """The presenters who drew best (_best), named: a presenter is named when they have 收获
    (by its rows) or presented a live activity since `since` (as the alert always did). Those
    of a held activity since then are named from `known` (the overview's rows); only the
    few that can be among the best and are neither ask a statement, e.g. one who presented
    only before the window, in a semester the overview worked out whole."""
    drawing = []
    for key, (p, e) in by_presenter.items():
        gain = people[key].total if key in people else Gain()
        if e and p / e >= rate and (gain.share is None or gain.share >= GOOD_SHARE):
            drawing.append((p / e, key, p, e, gain))
    drawing.sort(key=lambda d: -d[0])
    # The best rates, whole, until SHOWN of them surely have a name: who else is left is below.
    chosen, sure = [], 0
    for at, d in enumerate(drawing):
        if sure >= SHOWN and d[0] < drawing[at - 1][0]:
            break
        chosen.append(d)
        sure += d[1] in people or d[1] in seen
    names = {key: people[key].name for _, key, *_ in chosen if key in people}
    for _, key, *_ in chosen:
        if key not in names and key in seen and key in known:
            names[key] = known[key]
    asked = [key for _, key, *_ in chosen if key not in names]
    if asked:
        for key, name, presented in db.session.execute(presenter_names(since, asked)):
            if key in seen or presented:
                names[key] = name
    found = [Drawing(names[key], p, e, gain) for _, key, p, e, gain in chosen if key in names]
    return _best(found, rate)


def _best(found: list[Drawing], rate: float) -> list[Drawing]:
    """Those that drew at least the studio's rate, and whose 收获 (when shown) is good."""
    drawing = [
        d for d in found if d.rate >= rate and (d.gain.share is None or d.gain.share >= GOOD_SHARE)
    ]
    return sorted(drawing, key=lambda d: (-d.rate, d.label))[:SHOWN]


def _suggest(result, people, presenters: Presenters, gone: set[int]) -> None:
    valued = [
        (total.share, person.name, total)
        for staff_id, person in people.items()
        if staff_id not in gone
        and staff_id not in presenters.this_year
        and (total := person.total).share is not None
        and total.share >= GOOD_SHARE
    ]
    if valued:
        _, name, gain = max(valued, key=lambda v: (v[0], v[1]))
        result.try_presenter = (name, gain)
    result.try_non_party = not presenters.non_party_lecture
