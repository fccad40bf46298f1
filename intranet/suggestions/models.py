"""The suggestion box: named suggestions, anonymous ones, and what leaders do with both.

Anonymous suggestions keep the box's promise by their shape: their own table with no author
column, a random key in a table without rowid (so no insert order survives), the date but no
time, and the receipt only as digests: a plain one of its lookup part, to find the row, and a
slow one of its secret. Nothing in the receipt is part of the key leaders see. Replies, notes
and status changes point at either kind; an anonymous author's follow-up stores no author and
only a date, and takes its place in the conversation by a per-thread position, not by a global
counter.
"""

import secrets
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.people.models import Staff
from intranet.uploads import Attachment

CATEGORIES = {
    "teaching": "教学教研",
    "activities": "工作室活动",
    "training": "师资培养",
    "logistics": "后勤保障",
    "party": "党建工作",
    "other": "其他",
}
STATUSES = {
    "pending": "待处理",
    "in_progress": "处理中",
    "adopted": "已采纳",
    "declined": "暂不采纳",
    "done": "已落实",
}
# Where a suggestion may go from each status; 暂不采纳 always needs a reason.
TRANSITIONS = {
    "pending": ("in_progress", "adopted", "declined"),
    "in_progress": ("adopted", "declined"),
    "adopted": ("done", "in_progress"),
    "declined": ("in_progress",),
    "done": (),
}
OPEN_STATUSES = ("pending", "in_progress")


def random_key() -> str:
    return secrets.token_hex(8)


def public_only() -> dict:
    """The condition of the public suggestions' partial indexes, as each database spells what
    the public lists ask (services._public), so its planner uses them."""
    return {
        "sqlite_where": text("is_public = 1"),
        "postgresql_where": text("is_public"),
    }


class BoxItem:
    """What both kinds share, for templates and services."""

    id: str
    category: str
    title: str
    body: str
    status: str
    decline_reason: str | None
    is_public: bool
    duplicate_of: str | None

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return TRANSITIONS.get(self.status, ())

    @property
    def ref(self) -> str:
        """How URLs name it: 'n-<id>' or 'a-<key>'."""
        return f"{self.kind[0]}-{self.id}"


class Suggestion(BoxItem, db.Model):
    """A named (实名) suggestion."""

    __tablename__ = "suggestion"
    # The box lists newest day first: a window of it reads the index, not the whole table. Its
    # counts by status and category read the narrow tally index, not every row with its body.
    __table_args__ = (
        Index("ix_suggestion_created_on_id", "created_on", "id"),
        Index("ix_suggestion_tally", "duplicate_of", "status", "category", "created_on"),
        Index("ix_suggestion_public", "created_on", "id", "duplicate_of", **public_only()),
    )
    kind = "named"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=random_key)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decline_reason: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    duplicate_of: Mapped[str | None] = mapped_column(String(24))  # a ref: 'n-…' or 'a-…'
    created_on: Mapped[date] = mapped_column(Date, default=school_today)
    attachment_id: Mapped[str | None] = mapped_column(ForeignKey("attachment.id"))

    author: Mapped[Staff] = relationship(lazy="joined")
    attachment: Mapped[Attachment | None] = relationship(lazy="joined")


class AnonymousSuggestion(BoxItem, db.Model):
    """An anonymous (匿名) suggestion: no author, no time of day, no insert order."""

    __tablename__ = "anonymous_suggestion"
    __table_args__ = (
        Index("ix_anonymous_suggestion_created_on_id", "created_on", "id"),
        Index("ix_anonymous_suggestion_tally", "duplicate_of", "status", "category", "created_on"),
        # Partial: nothing arrives public, so no arrival writes to it.
        Index(
            "ix_anonymous_suggestion_public", "created_on", "id", "duplicate_of", **public_only()
        ),
        {"sqlite_with_rowid": False},
    )
    kind = "anonymous"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=random_key)
    # SHA-256 of the receipt's lookup part: every row has one (0009 gave rows from before it
    # the digest of their old key, and a new key). Nullable only as the column was added.
    receipt_lookup: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    receipt_hash: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decline_reason: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    duplicate_of: Mapped[str | None] = mapped_column(String(24))
    created_on: Mapped[date] = mapped_column(Date, default=school_today)
    attachment_id: Mapped[str | None] = mapped_column(ForeignKey("attachment.id"))

    attachment: Mapped[Attachment | None] = relationship(lazy="joined")

    author = None


class InThread:
    """Belongs to exactly one suggestion, of either kind."""

    named_id: Mapped[str | None] = mapped_column(
        ForeignKey("suggestion.id", ondelete="CASCADE"), index=True
    )
    anonymous_id: Mapped[str | None] = mapped_column(
        ForeignKey("anonymous_suggestion.id", ondelete="CASCADE"), index=True
    )

    @staticmethod
    def of(item: BoxItem) -> dict:
        """The column values that attach a row to this suggestion."""
        key = "named_id" if item.kind == "named" else "anonymous_id"
        return {key: item.id}


ONE_THREAD = "(named_id IS NULL) <> (anonymous_id IS NULL)"


class Reply(InThread, db.Model):
    """A message in a suggestion's conversation: a leader's reply or the author's follow-up."""

    __tablename__ = "suggestion_reply"
    __table_args__ = (CheckConstraint(ONE_THREAD, name="one_thread"), {"sqlite_with_rowid": False})

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=random_key)
    position: Mapped[int] = mapped_column(Integer)
    # A leader's reply names the leader; a follow-up by an anonymous author names nobody.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    is_follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    created_on: Mapped[date] = mapped_column(Date, default=school_today)

    author: Mapped[Staff | None] = relationship(lazy="joined")


class StatusChange(InThread, db.Model):
    """Who moved a suggestion to which status, and why: a leader's act, so it keeps its time."""

    __tablename__ = "suggestion_status_change"
    __table_args__ = (CheckConstraint(ONE_THREAD, name="one_thread"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    old_status: Mapped[str] = mapped_column(String(16))
    new_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    changed_by: Mapped[Staff] = relationship(lazy="joined")


class Note(InThread, db.Model):
    """A leaders' private note: never shown to the author or to other staff."""

    __tablename__ = "suggestion_note"
    __table_args__ = (CheckConstraint(ONE_THREAD, name="one_thread"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[Staff] = relationship(lazy="joined")


class Support(db.Model):
    """One +1 on a public suggestion. The supporter is a hash keyed by a secret that lives only
    in the running process (services.supporter_key): one person counts once while it runs, and
    the stored rows name nobody, not even to whoever holds the database and the secret key."""

    __tablename__ = "suggestion_support"
    __table_args__ = {"sqlite_with_rowid": False}

    thread: Mapped[str] = mapped_column(String(24), primary_key=True)  # a ref
    supporter: Mapped[str] = mapped_column(String(64), primary_key=True)


# --- the statistics, kept as they change (suggestions/tally.py) ---------------------------


class Tally(db.Model):
    """How many suggestions dated up to TallyDate.through, merged ones left out, are in each
    (kind, status, category): kept by leaders' changes, never by an arrival."""

    __tablename__ = "suggestion_tally"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    category: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class WaitTally(db.Model):
    """How many of those suggestions waited each number of days for a leader's first reply."""

    __tablename__ = "suggestion_wait_tally"

    days: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)


class TallyDate(db.Model):
    """The one row saying up to which day the tallies count: a day already released to leaders,
    so always before any anonymous suggestion still arriving."""

    __tablename__ = "suggestion_tally_date"

    id: Mapped[int] = mapped_column(primary_key=True)
    through: Mapped[date] = mapped_column(Date)


class PublicTally(db.Model):
    """How many public suggestions of each kind there are, merged ones left out: made public by
    leaders only, so no arrival changes it."""

    __tablename__ = "suggestion_public_tally"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
