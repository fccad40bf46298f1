"""活动反馈: answering once without being named, and the summary readers see from five answers."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from intranet.clock import school_today
from intranet.extensions import db
from intranet.feedback.models import GAINS, Answered, Feedback

THRESHOLD = 5  # fewer answers than this, and readers see only how many there are
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


def has_answered(activity_id: int, staff_id: int) -> bool:
    key = answerer_key(staff_id, activity_id)
    return db.session.get(Answered, (activity_id, key)) is not None


class AlreadyAnswered(Exception):
    pass


def answer(activity_id: int, staff_id: int, gain: int, useful: str, improve: str) -> None:
    """Store one answer and the mark that this person gave it, in the caller's transaction; the
    two rows share only the activity. AlreadyAnswered when the mark exists."""
    if has_answered(activity_id, staff_id):
        raise AlreadyAnswered
    db.session.add(Answered(activity_id=activity_id, answerer=answerer_key(staff_id, activity_id)))
    db.session.add(
        Feedback(
            activity_id=activity_id,
            gain=gain,
            useful=useful.strip(),
            improve=improve.strip(),
            answered_on=school_today(),
        )
    )


@dataclass
class Summary:
    """What readers see. Until THRESHOLD answers were released, only `total`."""

    total: int  # every answer, today's included
    released: int = 0  # answers from before today: the ones the figures and lines are made of
    counts: dict[int, int] = field(default_factory=dict)  # gain -> how many, every value of GAINS
    mean: float = 0.0
    good_share: int = 0  # percent that answered 有收获 or 很有收获
    useful: list[str] = field(default_factory=list)  # in random order
    improve: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.released >= THRESHOLD

    @property
    def waiting(self) -> int:
        """Today's answers: they join the figures tomorrow."""
        return self.total - self.released


def summary(activity_id: int) -> Summary:
    """The figures and the lines, only when at least THRESHOLD answers arrived before today.

    Answers join the summary the day after they were given (the box's daily batch, SECURITY.md
    L): a reader who opens the page after each check-out cannot tell which answer, which line,
    is the one that just arrived. The lines come in a new random order at every reading."""
    today = school_today()
    total, released = db.session.execute(
        select(func.count(), func.count().filter(Feedback.answered_on < today)).where(
            Feedback.activity_id == activity_id
        )
    ).one()
    result = Summary(total=total, released=released)
    if released < THRESHOLD:
        return result
    answers = db.session.execute(
        select(Feedback.gain, Feedback.useful, Feedback.improve).where(
            Feedback.activity_id == activity_id, Feedback.answered_on < today
        )
    ).all()
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
    result.good_share = round(100 * sum(1 for gain, _, _ in answers if gain >= 3) / len(answers))
    return result
