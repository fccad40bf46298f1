"""活动反馈: answering once without being named, and the summary readers see from five answers."""

import hashlib
import hmac
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import Select, String, func, literal, select
from sqlalchemy import cast as sql_cast

from intranet.arrival import rewrite
from intranet.auth.permissions import FEEDBACK_DAYS, feedback_closes_on, feedback_window_refusal
from intranet.clock import school_today
from intranet.extensions import db
from intranet.feedback.models import GAINS, Answered, Feedback
from intranet.people.models import ExternalMentor, Staff
from intranet.schedule.models import (
    Activity,
    Semester,
    activity_external_presenter,
    activity_presenter,
)

THRESHOLD = 5  # fewer answers than this, and readers see only how many there are
GOOD = 3  # 有收获 or better
_shuffle = secrets.SystemRandom().shuffle


def _answerer_pepper() -> bytes:
    """This process's key for the answered marks: random at start, held in memory, never
    written anywhere (as the suggestion box's supporters, suggestions.services._support_pepper).
    A key derived from SECRET_KEY would let whoever holds the secret key and the database
    recompute every mark and list who answered; this one cannot be recomputed by anybody. The
    price: after a restart the app no longer recognises earlier answers, so a person could
    answer once more within the FEEDBACK_DAYS window (one waitress process, README)."""
    return current_app.extensions.setdefault("feedback_pepper", secrets.token_bytes(32))


def answerer_key(staff_id: int, activity_id: int) -> str:
    message = f"feedback:{staff_id}:{activity_id}".encode()
    return hmac.new(_answerer_pepper(), message, hashlib.sha256).hexdigest()


def guest_key(guest_id: int, activity_id: int) -> str:
    """A guest's mark: keyed on their guest row (外校来宾 have no account), under the same
    in-memory key, so it says no more of the guest than a colleague's says of them."""
    message = f"feedback-guest:{guest_id}:{activity_id}".encode()
    return hmac.new(_answerer_pepper(), message, hashlib.sha256).hexdigest()


def _marked(activity_id: int, key: str) -> bool:
    return db.session.get(Answered, (activity_id, key)) is not None


def has_answered(activity_id: int, staff_id: int) -> bool:
    return _marked(activity_id, answerer_key(staff_id, activity_id))


def guest_has_answered(guest) -> bool:
    return _marked(guest.activity_id, guest_key(guest.id, guest.activity_id))


class AlreadyAnswered(Exception):
    pass


def answer(activity_id: int, staff_id: int, gain: int, useful: str, improve: str) -> None:
    """Store one answer and the mark that this person gave it, in the caller's transaction; the
    two rows share only the activity. AlreadyAnswered when the mark exists."""
    _store(activity_id, answerer_key(staff_id, activity_id), gain, useful, improve, False)


def answer_as_guest(guest, gain: int, useful: str, improve: str) -> None:
    """A guest's answer, stored as a colleague's (no guest, no time) in the guests' pool; the
    mark is keyed on the guest row. AlreadyAnswered when the mark exists."""
    key = guest_key(guest.id, guest.activity_id)
    _store(guest.activity_id, key, gain, useful, improve, True)


def guest_refusal(activity) -> str | None:
    """Why a guest who checked in may not answer now: as for colleagues, not for a cancelled
    activity and not once answering closed; but right away, on the check-in page, as a guest
    has no account to come back with."""
    return feedback_window_refusal(activity, school_today())


def _store(activity_id: int, key: str, gain: int, useful: str, improve: str, by_guest) -> None:
    """The answer and its mark; then the activity's answers (a room's at most) are written
    again in a random order, so not even the file's byte order tells the order they came
    (arrival.py)."""
    if _marked(activity_id, key):
        raise AlreadyAnswered
    db.session.add(Answered(activity_id=activity_id, answerer=key))
    db.session.add(
        Feedback(
            activity_id=activity_id,
            gain=gain,
            useful=useful.strip(),
            improve=improve.strip(),
            by_guest=by_guest,
        )
    )
    db.session.flush()
    rewrite(Feedback.__table__, Feedback.activity_id == activity_id)


DATE_FIXED = (
    "这次活动已有人反馈，日期不能再改：反馈按活动日期收集、截止后一次汇总。"
    "日期确实有误，请删除这次活动后重新安排。"
)


def has_answers(activity_id: int) -> bool:
    """Whether anyone answered: the activity's date then stays as it is, as moving it would
    open answering again after its figures were read (one more answer, then close again)."""
    return (
        db.session.scalar(select(Feedback.id).where(Feedback.activity_id == activity_id).limit(1))
        is not None
    )


def _closed_before(today: date):
    """Activities whose answering closed before today (feedback_closes_on, in SQL): their
    answers are read as one batch."""
    return Activity.date < today - timedelta(days=FEEDBACK_DAYS)


def shown_activities(by_guest: bool = False):
    """Activities with at least THRESHOLD answers in a pool: only those count anywhere. A
    figure over several activities is then made of whole batches of five or more, so no figure
    less another gives away fewer than five answers."""
    return (
        select(Feedback.activity_id)
        .where(Feedback.by_guest.is_(by_guest))
        .group_by(Feedback.activity_id)
        .having(func.count() >= THRESHOLD)
    )


@dataclass
class Summary:
    """What readers see of one pool of an activity's answers (colleagues', or guests'): nothing
    while answers are taken; then, once, how many, and the figures and lines if THRESHOLD or
    more."""

    closes_on: date  # the last day answers are taken
    closed: bool = False
    total: int = 0  # counted once closed
    counts: dict[int, int] = field(default_factory=dict)  # gain -> how many, every value of GAINS
    mean: float = 0.0
    good_share: int = 0  # percent that answered 有收获 or 很有收获
    useful: list[str] = field(default_factory=list)  # in random order
    improve: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.closed and self.total >= THRESHOLD


def summary(activity, by_guest: bool = False) -> Summary:
    """The figures and the lines of one pool, read as one batch once answering closed, and
    only from THRESHOLD answers.

    Nothing shows while answers are taken, not even how many: a reader who looked after each
    answer could otherwise tell which figure, which line, had just arrived (SECURITY.md L).
    The lines come in a new random order at every reading."""
    closes = feedback_closes_on(activity)
    result = Summary(closes_on=closes, closed=closes < school_today())
    if not result.closed:
        return result
    answers = db.session.execute(
        select(Feedback.gain, Feedback.useful, Feedback.improve).where(
            Feedback.activity_id == activity.id, Feedback.by_guest.is_(by_guest)
        )
    ).all()
    result.total = len(answers)
    if not result.shown:
        return result
    result.counts = dict.fromkeys(GAINS, 0)
    for gain, useful, improve in answers:
        result.counts[gain] = result.counts.get(gain, 0) + 1
        if useful:
            result.useful.append(useful)
        if improve:
            result.improve.append(improve)
    _shuffle(result.useful)
    _shuffle(result.improve)
    result.mean = sum(gain for gain, _, _ in answers) / len(answers)
    result.good_share = round(100 * sum(1 for gain, _, _ in answers if gain >= GOOD) / len(answers))
    return result


# --- 收获 across activities: per form, per level, per semester ----------------------------


@dataclass
class Gain:
    """Released answers of a group of activities and how many said 有收获 or better: whole
    activities whose answering closed with THRESHOLD answers or more (_released)."""

    released: int = 0
    good: int = 0

    @property
    def shown(self) -> bool:
        return self.released >= THRESHOLD

    @property
    def share(self) -> float | None:
        """The share (0..1) answering 有收获 or 很有收获; None while fewer than THRESHOLD."""
        return self.good / self.released if self.shown else None

    def __iadd__(self, other: "Gain") -> "Gain":
        self.released += other.released
        self.good += other.good
        return self


def gain_tally(semester_ids, with_presenters: bool = False) -> list[Select]:
    """The released answers of the live activities of those semesters, counted per semester,
    level, form and scale value in one grouped statement, as rows of the dashboard's tallies'
    shape (what, key, wait, n) so it can be sent in one statement with them:
    what = "gain" + the value, key = "level form", wait = the semester's id.
    With presenters, two more of that shape: the answers per presenter (colleagues, then the
    导师团), what = "gainp" + the value, key = "s" or "e", the presenter's id, a space, the
    name (presenter_tally)."""
    ids = list(semester_ids)
    per_form = (
        select(
            (literal("gain") + sql_cast(Feedback.gain, String)).label("what"),
            (Activity.level + literal(" ") + Activity.form).label("key"),
            Activity.semester_id.label("wait"),
            func.count().label("n"),
        )
        .join(Activity, Activity.id == Feedback.activity_id)
        .where(*_released(), Activity.semester_id.in_(ids))
        .group_by(Activity.semester_id, Activity.level, Activity.form, Feedback.gain)
    )
    if not with_presenters:
        return [per_form]
    return [per_form, presenter_tally(Staff, ids), presenter_tally(ExternalMentor, ids)]


def _released() -> tuple:
    """The school's own answers of live activities whose answering closed with THRESHOLD or
    more of them (guests' answers are read on the activity's page only)."""
    return (
        _closed_before(school_today()),
        Activity.deleted_at.is_(None),
        Feedback.by_guest.is_(False),
        Feedback.activity_id.in_(shown_activities()),
    )


PRESENTED = {Staff: activity_presenter, ExternalMentor: activity_external_presenter}


def presenter_tally(who, semester_ids=None, person_id: int | None = None) -> Select:
    """Released answers per presenter (`who`: Staff or ExternalMentor), semester and scale
    value, in the tallies' shape (gain_tally). An answer counts for each presenter of its
    activity. Of those semesters (all when None), of one person (person_id) or everyone."""
    presented = PRESENTED[who]
    presenter = next(column for column in presented.c if column.name != "activity_id")
    kind = "e" if who is ExternalMentor else "s"
    stmt = (
        select(
            (literal("gainp") + sql_cast(Feedback.gain, String)).label("what"),
            (literal(kind) + sql_cast(who.id, String) + literal(" ") + who.name).label("key"),
            Activity.semester_id.label("wait"),
            func.count().label("n"),
        )
        .select_from(Feedback)
        .join(Activity, Activity.id == Feedback.activity_id)
        .join(presented, presented.c.activity_id == Activity.id)
        .join(who, who.id == presenter)
        .where(*_released())
        .group_by(who.id, who.name, Activity.semester_id, Feedback.gain)
    )
    if semester_ids is not None:
        stmt = stmt.where(Activity.semester_id.in_(list(semester_ids)))
    if person_id is not None:
        stmt = stmt.where(who.id == person_id)
    return stmt


def is_gain_row(what: str) -> bool:
    return what.startswith("gain")


class Gains:
    """The rows of gain_tally() summed the ways readers see them; thresholds apply to each sum,
    so a form shows once its activities together have THRESHOLD released answers."""

    def __init__(self, rows):
        self.rows = []
        self.presenter_rows = []  # (semester id, "s" or "e", id, name, Gain): presenter_tally
        for what, key, semester_id, n in rows:
            if what.startswith("gainp"):
                good = n if int(what.removeprefix("gainp")) >= GOOD else 0
                ident, name = key.split(" ", 1)
                self.presenter_rows.append((semester_id, ident[0], ident[1:], name, Gain(n, good)))
                continue
            level, form = key.split(" ", 1)
            good = n if int(what.removeprefix("gain")) >= GOOD else 0
            self.rows.append((semester_id, level, form, Gain(n, good)))

    def _by(self, semester_id, key) -> dict[str, Gain]:
        found: dict[str, Gain] = defaultdict(Gain)
        for semester, level, form, gain in self.rows:
            if semester == semester_id:
                found[key(level, form)] += gain
        return found

    def per_form(self, semester_id: int) -> dict[str, Gain]:
        return self._by(semester_id, lambda level, form: form)

    def per_level(self, semester_id: int) -> dict[str, Gain]:
        return self._by(semester_id, lambda level, form: level)

    def of_semester(self, semester_id: int) -> Gain:
        return self._by(semester_id, lambda level, form: "")[""]

    def per_presenter(self) -> list["PresenterGains"]:
        """Each presenter's Gain per semester: colleagues first, most answers first."""
        found: dict[tuple[str, str], PresenterGains] = {}
        for semester_id, kind, ident, name, gain in self.presenter_rows:
            person = found.setdefault((kind, ident), PresenterGains(name, kind == "e"))
            person.semesters.setdefault(semester_id, Gain())
            person.semesters[semester_id] += gain
        return sorted(found.values(), key=lambda p: (p.external, -p.total.released, p.name))


def gains(semester_ids) -> Gains:
    """gain_tally() of those semesters, read: one query."""
    return Gains(db.session.execute(gain_tally(semester_ids)[0]).all())


# --- 收获 per presenter, across semesters ---------------------------------------------------


@dataclass
class PresenterGains:
    """One presenter's 收获: the answers to the activities they presented, per semester. An
    answer counts for each presenter of its activity."""

    name: str
    external: bool  # 导师团 (ExternalMentor), not a colleague
    semesters: dict[int, Gain] = field(default_factory=dict)  # semester id -> its Gain

    def of(self, semester_id: int) -> Gain:
        return self.semesters.get(semester_id, Gain())

    @property
    def total(self) -> Gain:
        """Across the semesters: whole activities, as each semester's figure is, so the total
        less the semesters gives nothing away."""
        found = Gain()
        for gain in self.semesters.values():
            found += gain
        return found


def own_gains(staff: Staff) -> tuple[list[PresenterGains], list[tuple[int, str]]]:
    """收获 of the activities a colleague presented, every semester, in one statement: their
    PresenterGains (none before any answer) and the semesters with answers (id, name), oldest
    first."""
    tally = presenter_tally(Staff, person_id=staff.id).subquery()
    rows = db.session.execute(
        select(tally, Semester.name, Semester.start).join(Semester, Semester.id == tally.c.wait)
    ).all()
    semesters = sorted({(start, wait, name) for _, _, wait, _, name, start in rows})
    found = Gains([row[:4] for row in rows])
    return found.per_presenter(), [(semester_id, name) for _, semester_id, name in semesters]
