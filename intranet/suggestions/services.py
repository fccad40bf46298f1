"""The suggestion box's rules: submitting, receipts, the leaders' work, support and statistics."""

import hashlib
import hmac
import secrets
import statistics
from datetime import date

from flask import current_app
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from intranet.extensions import db
from intranet.suggestions.models import (
    OPEN_STATUSES,
    AnonymousSuggestion,
    BoxItem,
    InThread,
    Note,
    Reply,
    StatusChange,
    Suggestion,
    Support,
)

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I/1, O/0: copied by hand
KEY_LENGTH = 10  # the anonymous suggestion's row key, the first two groups of the receipt
SECRET_LENGTH = 15  # the part only the author has; ~75 bits
RECEIPT_HASH = "scrypt:32768:8:1"


def _random(length: int) -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(length))


def format_receipt(raw: str) -> str:
    return "-".join(raw[i : i + 5] for i in range(0, len(raw), 5))


def normalise_receipt(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch in RECEIPT_ALPHABET)


def submit_named(author, values: dict, attachment=None) -> Suggestion:
    suggestion = Suggestion(author_id=author.id, attachment=attachment, **values)
    db.session.add(suggestion)
    return suggestion


def submit_anonymous(values: dict, attachment=None) -> str:
    """Store an anonymous suggestion and return its receipt, which exists nowhere else."""
    key, secret = _random(KEY_LENGTH), _random(SECRET_LENGTH)
    db.session.add(
        AnonymousSuggestion(
            id=key,
            receipt_hash=generate_password_hash(secret, RECEIPT_HASH),
            attachment=attachment,
            **values,
        )
    )
    return format_receipt(key + secret)


def find_by_receipt(text: str) -> AnonymousSuggestion | None:
    raw = normalise_receipt(text)
    if len(raw) != KEY_LENGTH + SECRET_LENGTH:
        return None
    item = db.session.get(AnonymousSuggestion, raw[:KEY_LENGTH])
    if item is None or not check_password_hash(item.receipt_hash, raw[KEY_LENGTH:]):
        return None
    return item


def find(ref: str) -> BoxItem | None:
    """A suggestion of either kind by its ref ('n-…' or 'a-…')."""
    kind, _, key = ref.partition("-")
    model = {"n": Suggestion, "a": AnonymousSuggestion}.get(kind)
    return db.session.get(model, key) if model and key else None


def thread(item: BoxItem, model):
    column = model.named_id if item.kind == "named" else model.anonymous_id
    return select(model).where(column == item.id)


def replies(item: BoxItem) -> list[Reply]:
    return db.session.scalars(thread(item, Reply).order_by(Reply.position)).all()


def replies_of(items: list[BoxItem]) -> dict[str, list[Reply]]:
    """`replies` of many suggestions by ref, in one query (a list page, not one per row)."""
    found = {item.ref: [] for item in items}
    if not found:
        return found
    named = [item.id for item in items if item.kind == "named"]
    anonymous = [item.id for item in items if item.kind == "anonymous"]
    for reply in db.session.scalars(
        select(Reply)
        .where(or_(Reply.named_id.in_(named), Reply.anonymous_id.in_(anonymous)))
        .order_by(Reply.position)
    ):
        found[f"n-{reply.named_id}" if reply.named_id else f"a-{reply.anonymous_id}"].append(reply)
    return found


def add_reply(item: BoxItem, body: str, author=None, follow_up: bool = False) -> Reply:
    count = db.session.scalar(select(func.count()).select_from(thread(item, Reply).subquery()))
    reply = Reply(
        **InThread.of(item),
        position=count + 1,
        author_id=author.id if author else None,
        is_follow_up=follow_up,
        body=body,
    )
    db.session.add(reply)
    if not follow_up and item.status == "pending":
        change_status(item, "in_progress", author, None)
    return reply


def change_status(item: BoxItem, new_status: str, leader, reason: str | None) -> None:
    db.session.add(
        StatusChange(
            **InThread.of(item),
            old_status=item.status,
            new_status=new_status,
            reason=reason,
            changed_by_id=leader.id,
        )
    )
    item.status = new_status
    item.decline_reason = reason if new_status == "declined" else None


def add_note(item: BoxItem, leader, body: str) -> None:
    db.session.add(Note(**InThread.of(item), author_id=leader.id, body=body))


def notes(item: BoxItem) -> list[Note]:
    return db.session.scalars(thread(item, Note).order_by(Note.created_at)).all()


def history(item: BoxItem) -> list[StatusChange]:
    return db.session.scalars(thread(item, StatusChange).order_by(StatusChange.changed_at)).all()


def box(status: str = "", category: str = "", kind: str = "", merged: bool = False):
    """The leaders' list: both kinds, newest day first, and within a day in random-key order,
    so nothing shows the order in which suggestions arrived."""
    items: list[BoxItem] = []
    for model, name in ((Suggestion, "named"), (AnonymousSuggestion, "anonymous")):
        if kind and kind != name:
            continue
        stmt = select(model)
        if status:
            stmt = stmt.where(model.status == status)
        if category:
            stmt = stmt.where(model.category == category)
        if not merged:
            stmt = stmt.where(model.duplicate_of.is_(None))
        items += db.session.scalars(stmt).unique().all()
    return sorted(items, key=lambda item: (-item.created_on.toordinal(), item.id))


def public_items():
    items = []
    for model in (Suggestion, AnonymousSuggestion):
        stmt = select(model).where(model.is_public, model.duplicate_of.is_(None))
        items += db.session.scalars(stmt).unique().all()
    return sorted(items, key=lambda item: (-item.created_on.toordinal(), item.id))


def mark_duplicate(item: BoxItem, original: BoxItem) -> None:
    item.duplicate_of = original.ref


def duplicates_of(original: BoxItem) -> int:
    return sum(
        db.session.scalar(select(func.count()).where(model.duplicate_of == original.ref))
        for model in (Suggestion, AnonymousSuggestion)
    )


# --- support ----------------------------------------------------------------------------


def supporter_key(staff_id: int, item: BoxItem) -> str:
    """A keyed hash of who supports what: the same person counts once, nobody can read who."""
    message = f"{staff_id}:{item.ref}".encode()
    return hmac.new(current_app.secret_key.encode(), message, hashlib.sha256).hexdigest()


def support(item: BoxItem, staff_id: int) -> bool:
    """Add one +1; False when this person already supported it."""
    key = supporter_key(staff_id, item)
    if db.session.get(Support, (item.ref, key)) is not None:
        return False
    db.session.add(Support(thread=item.ref, supporter=key))
    return True


def has_supported(item: BoxItem, staff_id: int) -> bool:
    return db.session.get(Support, (item.ref, supporter_key(staff_id, item))) is not None


def support_counts(items: list[BoxItem]) -> dict[str, int]:
    refs = [item.ref for item in items]
    if not refs:
        return {}
    rows = db.session.execute(
        select(Support.thread, func.count())
        .where(Support.thread.in_(refs))
        .group_by(Support.thread)
    )
    return dict(rows.all())


def supported_refs(items: list[BoxItem], staff_id: int) -> set[str]:
    keys = {supporter_key(staff_id, item): item.ref for item in items}
    if not keys:
        return set()
    rows = db.session.scalars(select(Support.supporter).where(Support.supporter.in_(keys)))
    return {keys[key] for key in rows}


# --- statistics -------------------------------------------------------------------------


def stats(today: date | None = None) -> dict:
    """How fast the leaders answer: open count, median days to first reply, adopted share."""
    items = box(merged=False)
    open_count = sum(item.status in OPEN_STATUSES for item in items)
    decided = [item for item in items if item.status in ("adopted", "done", "declined")]
    adopted = sum(item.status in ("adopted", "done") for item in decided)
    first = {}
    rows = db.session.execute(
        select(Reply.named_id, Reply.anonymous_id, func.min(Reply.created_on))
        .where(Reply.is_follow_up.is_(False))
        .group_by(Reply.named_id, Reply.anonymous_id)
    )
    for named_id, anonymous_id, day in rows:
        first[f"n-{named_id}" if named_id else f"a-{anonymous_id}"] = day
    waits = [(first[i.ref] - i.created_on).days for i in items if i.ref in first]
    return {
        "total": len(items),
        "open": open_count,
        "median_days_to_reply": statistics.median(waits) if waits else None,
        "adopted_share": adopted / len(decided) if decided else None,
        "unanswered": sum(1 for i in items if i.ref not in first),
    }
