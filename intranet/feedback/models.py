"""活动反馈: how an activity landed, answered once by each person present and stored without them.

Two tables that share nothing but the activity (SECURITY.md L, §6):
- `activity_feedback`: the answers (scale value, two optional lines, and whether a guest gave
  it). No author, no day or time, a random key and WITHOUT ROWID, so neither a column nor the
  insert order tells who answered or when; and each answer rewrites its activity's answers in
  a random order (services._store, arrival.py), so the order of the rows in the file's pages
  does not either.
- `activity_feedback_answered`: one mark per answer, "someone with this key answered this
  activity", so a person answers once. The key is an HMAC under a secret held only in memory
  (services.answerer_key); and as the marks carry nothing of the answer and no order either,
  even someone who could recompute a key would learn only who answered, never what.
"""

import secrets

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from intranet.extensions import db

# The four-point scale, best first: value -> what people read.
GAINS = {4: "很有收获", 3: "有收获", 2: "一般", 1: "收获不大"}
LINE_MAX = 100  # 最有用的一点 and 希望改进: one line each


def random_key() -> str:
    return secrets.token_hex(8)


class Feedback(db.Model):
    """One answer: the activity, 收获 (a key of GAINS), two optional lines; no day, no time."""

    __tablename__ = "activity_feedback"
    __table_args__ = (
        Index("ix_activity_feedback_activity_id", "activity_id"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=random_key)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    gain: Mapped[int] = mapped_column(Integer)
    useful: Mapped[str] = mapped_column(String(LINE_MAX), default="")
    improve: Mapped[str] = mapped_column(String(LINE_MAX), default="")
    # Guests' answers are a pool of their own (anyone may check in under any name): they never
    # count towards the threshold of the school's own answers (services.summary).
    by_guest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def gain_label(self) -> str:
        return GAINS.get(self.gain, "")


class Answered(db.Model):
    """That someone answered an activity: the answerer is a keyed hash, never an id."""

    __tablename__ = "activity_feedback_answered"
    __table_args__ = {"sqlite_with_rowid": False}

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True
    )
    answerer: Mapped[str] = mapped_column(String(64), primary_key=True)
