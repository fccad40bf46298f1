"""Renewing the forms of activity (活动形式库 on the plan): how many semesters in a row each form
has been used, its 收获 over them, a flag on a form worn out (used four semesters running while
its 收获 fell), and the forms worth bringing back (not used for a year, good 收获 before).

`review()` works on what `usage()` and feedback's `gains()` read (two statements), so the rules
are tested on hand-made figures without a database."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

from sqlalchemy import String, func, literal, select
from sqlalchemy import cast as sql_cast

from intranet.extensions import db
from intranet.feedback.services import Gain, Gains, gains
from intranet.schedule.models import FORMS, Activity, Semester, form_library

RUNNING = 4  # semesters in a row after which falling 收获 flags a form
TREND = 4  # semesters of 收获 shown per form
RESTED = timedelta(days=365)  # a form not used this long may be proposed again
GOOD_SHARE = 0.7  # past 收获 at least this share of 有收获 or better is "good"


@dataclass
class Use:
    """A form's activities in one semester (not cancelled, not deleted)."""

    count: int
    last: date


@dataclass
class FormReview:
    key: str
    label: str
    streak: int  # semesters in a row it was used, up to the plan's semester
    trend: list[tuple[str, Gain]] = field(
        default_factory=list
    )  # (semester name, 收获), oldest first
    flagged: bool = False  # used RUNNING semesters running with falling 收获


@dataclass
class Proposal:
    key: str
    label: str
    gain: Gain  # its 收获 over every semester before
    last: date  # the last time it was used


@dataclass
class Review:
    forms: dict[str, FormReview]
    proposed: list[Proposal]
    found: Gains  # the 收获 it was made of, per semester, level and form

    @property
    def flagged(self) -> list[FormReview]:
        return [row for row in self.forms.values() if row.flagged]


USED = "used"


def form_uses():
    """The activities that count as a use of their form: live, and not cancelled (a cancelled
    activity did not use it). The library's page and the plan's runs both count these."""
    return Activity.live().where(Activity.status != "cancelled")


def usage_tally(semester_ids=None):
    """Each form's activities per semester (live, not cancelled), in the shape of the
    dashboard's tallies (what, key, wait, n) so it can travel in one statement with them:
    what = "used", key = "form latest-date", wait = the semester's id, n = how many. Of those
    semesters only, when given."""
    latest = sql_cast(func.max(Activity.date), String)  # ISO on SQLite and PostgreSQL
    stmt = (
        form_uses()
        .with_only_columns(
            literal(USED).label("what"),
            (Activity.form + literal(" ") + latest).label("key"),
            Activity.semester_id.label("wait"),
            func.count().label("n"),
        )
        .group_by(Activity.semester_id, Activity.form)
    )
    return stmt if semester_ids is None else stmt.where(Activity.semester_id.in_(semester_ids))


def read_usage(rows) -> dict[tuple[int, str], Use]:
    """usage_tally()'s rows as (semester id, form) -> Use."""
    found = {}
    for _, key, semester_id, n in rows:
        form, last = key.rsplit(" ", 1)
        found[semester_id, form] = Use(n, date.fromisoformat(last[:10]))
    return found


def usage() -> dict[tuple[int, str], Use]:
    """(semester id, form) -> its activities' count and latest date: one grouped statement."""
    return read_usage(db.session.execute(usage_tally()))


def last_used(used: dict[tuple[int, str], Use]) -> dict[str, date]:
    """Each form's latest activity, across semesters."""
    found: dict[str, date] = {}
    for (_, form), use in used.items():
        if form not in found or use.last > found[form]:
            found[form] = use.last
    return found


def falling(shares: list[float], by: float = 0.0) -> bool:
    """收获 fell: at least two figures, none above the one before, the last more than `by`
    below the first."""
    return (
        len(shares) >= 2
        and all(b <= a for a, b in pairwise(shares))
        and shares[0] - shares[-1] > by
    )


def review(
    semesters: list[Semester],
    plan: Semester,
    used: dict[tuple[int, str], Use],
    found: Gains,
    today: date,
    labels: dict[str, str] | None = None,
    open_keys=None,
) -> Review:
    """The plan's view of every form. `semesters` oldest first; the run is counted back from
    the plan's semester or, while the plan has no activity of the form yet, from the one
    before it. 收获 figures count only from THRESHOLD answers (Gain.share)."""
    labels = FORMS if labels is None else labels
    open_keys = form_library().active if open_keys is None else open_keys
    upto = [s for s in semesters if s.start <= plan.start]
    per_semester = {s.id: found.per_form(s.id) for s in upto}
    forms = {}
    for key, label in labels.items():
        run = list(reversed(upto))
        if run and (run[0].id, key) not in used:
            run = run[1:]
        streak = []
        for semester in run:
            if (semester.id, key) not in used:
                break
            streak.append(semester)
        streak.reverse()
        trend = [(s.name, per_semester[s.id].get(key, Gain())) for s in streak[-TREND:]]
        shares = [gain.share for _, gain in trend[-RUNNING:] if gain.share is not None]
        forms[key] = FormReview(
            key, label, len(streak), trend, len(streak) >= RUNNING and falling(shares)
        )
    latest = last_used(used)
    proposed = []
    for key in open_keys:
        last = latest.get(key)
        if last is None or today - last < RESTED:
            continue
        past = Gain()
        for gains_of in per_semester.values():
            past += gains_of.get(key, Gain())
        if past.share is not None and past.share >= GOOD_SHARE:
            proposed.append(Proposal(key, labels.get(key, key), past, last))
    proposed.sort(key=lambda p: -p.gain.share)
    return Review(forms, proposed, found)


def plan_review(plan: Semester, today: date, semesters: list[Semester] | None = None) -> Review:
    """review() of the plan's semester from the database: two statements (and the semesters,
    unless given, newest first as all_semesters())."""
    if semesters is None:
        semesters = db.session.scalars(select(Semester).order_by(Semester.start.desc())).all()
    oldest_first = sorted(semesters, key=lambda s: s.start)
    upto = [s.id for s in oldest_first if s.start <= plan.start]
    return review(oldest_first, plan, usage(), gains(upto), today)
