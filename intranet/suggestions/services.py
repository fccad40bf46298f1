"""The suggestion box's rules: submitting, receipts, the leaders' work, support and statistics."""

import functools
import hashlib
import hmac
import secrets
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import (
    Integer,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from werkzeug.security import check_password_hash, generate_password_hash

from intranet.arrival import rewrite, rewritten
from intranet.clock import school_now, school_today
from intranet.extensions import db
from intranet.people.models import Staff
from intranet.suggestions import tally
from intranet.suggestions.models import (
    CATEGORIES,
    OPEN_STATUSES,
    STATUSES,
    AnonymousSuggestion,
    BoxItem,
    InThread,
    Note,
    PublicTally,
    Reply,
    StatusChange,
    Suggestion,
    Support,
    Tally,
    WaitTally,
)
from intranet.uploads import Attachment
from intranet.windows import PAGE

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I/1, O/0: copied by hand
# A receipt is a lookup part (the first two groups) and a secret (the last three). The lookup
# part finds the row through its SHA-256 digest and is shared with nothing a leader sees: the
# row's own key, the one in leaders' URLs, is random and separate (SECURITY.md L).
LOOKUP_LENGTH = 10
SECRET_LENGTH = 15  # the part only the author has; ~75 bits, stored only as a slow hash
RECEIPT_HASH = "scrypt:32768:8:1"  # config RECEIPT_HASH_METHOD may change it (tests do)


def _receipt_method() -> str:
    return current_app.config.get("RECEIPT_HASH_METHOD", RECEIPT_HASH)


@functools.cache
def miss_hash(method: str) -> str:
    """What a lookup part that finds no row is checked against, so a miss costs what a hit
    does: a hash, by the receipts' method, of a random value nobody kept."""
    return generate_password_hash(secrets.token_urlsafe(), method)


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


def lookup_digest(lookup: str) -> str:
    return hashlib.sha256(lookup.encode()).hexdigest()


def submit_anonymous(values: dict, attachment=None) -> str:
    """Store an anonymous suggestion and return its receipt, which exists nowhere else."""
    lookup, secret = _random(LOOKUP_LENGTH), _random(SECRET_LENGTH)
    db.session.add(
        AnonymousSuggestion(
            receipt_lookup=lookup_digest(lookup),
            receipt_hash=generate_password_hash(secret, _receipt_method()),
            attachment=attachment,
            **values,
        )
    )
    db.session.flush()
    _hide_arrival_order()
    return format_receipt(lookup + secret)


# Pictures are rewritten with their suggestions up to this many a day: each costs the whole
# picture again, so a flood of them (held back by the per-person limit on POST /suggestions)
# keeps its pictures in place rather than hold the database for seconds per suggestion.
IMAGES_REWRITTEN = 20


def _hide_arrival_order() -> None:
    """Today's anonymous suggestions and their images, and today's anonymous follow-ups, are
    written again in a random order (arrival.py). A suggestion that already has a thread (a
    follow-up) keeps its place: rewriting it would take its replies with it."""
    today = school_today()
    alone = (
        AnonymousSuggestion.created_on == today,
        ~exists().where(Reply.anonymous_id == AnonymousSuggestion.id),
        ~exists().where(StatusChange.anonymous_id == AnonymousSuggestion.id),
    )
    images = db.session.scalars(
        select(AnonymousSuggestion.attachment_id).where(
            *alone, AnonymousSuggestion.attachment_id.is_not(None)
        )
    ).all()
    with rewritten(AnonymousSuggestion.__table__, *alone):
        if len(images) <= IMAGES_REWRITTEN:
            rewrite(Attachment.__table__, Attachment.id.in_(images))
    rewrite(
        Reply.__table__,
        Reply.anonymous_id.is_not(None),
        Reply.is_follow_up.is_(True),
        Reply.created_on == today,
    )


def find_by_receipt(text: str) -> AnonymousSuggestion | None:
    """The suggestion a receipt opens. Every receipt, from before 0009 or after, is a lookup
    part and a secret; every row holds the digest of its lookup part (0009 gave the old rows
    the digest of their old key). A lookup part that finds nothing costs the same slow hash as
    one that does, so the time taken does not tell whether it exists."""
    raw = normalise_receipt(text)
    if len(raw) != LOOKUP_LENGTH + SECRET_LENGTH:
        return None
    lookup, secret = raw[:LOOKUP_LENGTH], raw[LOOKUP_LENGTH:]
    item = db.session.scalar(
        select(AnonymousSuggestion).where(
            AnonymousSuggestion.receipt_lookup == lookup_digest(lookup)
        )
    )
    stored = item.receipt_hash if item is not None else miss_hash(_receipt_method())
    if not check_password_hash(stored, secret) or item is None:
        return None
    return item


# --- what leaders may see, and from when -------------------------------------------------


def released_through() -> date:
    """The newest date whose anonymous items leaders may see now. Anonymous suggestions and
    follow-ups reach them in daily batches, each day's at BOX_RELEASE_HOUR the next morning, so
    reloading the box cannot tell when one arrived. Named ones are not held back."""
    hour = current_app.config["BOX_RELEASE_HOUR"]
    return (school_now() - timedelta(hours=hour)).date() - timedelta(days=1)


def released(model):
    """The condition on `model`'s rows that leaders may see now: the one rule for the box's
    list, its counts and statistics, the dashboard, and each leader's page."""
    if model is AnonymousSuggestion:
        return AnonymousSuggestion.created_on <= released_through()
    if model is Reply:
        anonymous_follow_up = and_(Reply.anonymous_id.is_not(None), Reply.is_follow_up)
        return or_(~anonymous_follow_up, Reply.created_on <= released_through())
    return true()


def find_released(ref: str) -> BoxItem | None:
    """A suggestion leaders may see now, by its ref."""
    item = find(ref)
    if isinstance(item, AnonymousSuggestion) and item.created_on > released_through():
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


def _anonymous_follow_up():
    return and_(Reply.is_follow_up, Reply.author_id.is_(None))


def conversation_order():
    """A thread by day, a day's anonymous follow-ups after that day's replies: where a follow-up
    fell between two replies of a day would tell leaders the hour it was sent."""
    return (Reply.created_on, _anonymous_follow_up(), Reply.position)


def replies(item: BoxItem, for_leaders: bool = False) -> list[Reply]:
    stmt = thread(item, Reply).order_by(*conversation_order())
    if for_leaders:
        stmt = stmt.where(released(Reply))
    return db.session.scalars(stmt).all()


def add_reply(item: BoxItem, body: str, author=None, follow_up: bool = False) -> Reply:
    """A reply or follow-up at the end of its thread. An anonymous follow-up is numbered among
    anonymous follow-ups only, and the rest among the rest: a position counting both would tell
    between which two of the leaders' replies (whose status changes keep their time) it came."""
    anonymous = _anonymous_follow_up()
    same_kind = anonymous if follow_up and author is None else ~anonymous
    count = db.session.scalar(
        select(func.count()).select_from(thread(item, Reply).where(same_kind).subquery())
    )
    reply = Reply(
        **InThread.of(item),
        position=count + 1,
        author_id=author.id if author else None,
        is_follow_up=follow_up,
        body=body,
    )
    db.session.add(reply)
    if follow_up and item.kind == "anonymous":
        db.session.flush()
        _hide_arrival_order()
    if not follow_up:
        tally.advance(db.session, released_through())
    if not follow_up and item.status == "pending":
        change_status(item, "in_progress", author, None)
    return reply


def change_status(item: BoxItem, new_status: str, leader, reason: str | None) -> None:
    tally.advance(db.session, released_through())
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
        stmt = _box_filters(select(model), model, status, category, merged)
        items += db.session.scalars(stmt).unique().all()
    return sorted(items, key=lambda item: (-item.created_on.toordinal(), item.id))


def public_items():
    items = []
    for model in (Suggestion, AnonymousSuggestion):
        stmt = select(model).where(model.is_public, model.duplicate_of.is_(None))
        items += db.session.scalars(stmt).unique().all()
    return sorted(items, key=lambda item: (-item.created_on.toordinal(), item.id))


class Row:
    """One line of a list, built from a tuple: what the list shows and nothing else."""

    __slots__ = ("author", "category", "created_on", "id", "is_public", "kind", "status", "title")

    def __init__(self, kind, id, title, status, category, created_on, is_public, author):
        self.kind, self.id, self.title, self.status = kind, id, title, status
        self.category, self.created_on, self.is_public, self.author = (
            category,
            created_on,
            is_public,
            author,
        )

    @property
    def ref(self) -> str:
        return f"{self.kind[0]}-{self.id}"

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)


def _box_select(model, name: str, status: str, category: str, merged: bool):
    author = Staff.name if model is Suggestion else null()
    stmt = select(
        literal(name).label("kind"),
        model.id,
        model.title,
        model.status,
        model.category,
        model.created_on,
        model.is_public,
        author.label("author"),
    )
    if model is Suggestion:
        stmt = stmt.join(Staff, Staff.id == Suggestion.author_id)
    return _box_filters(stmt, model, status, category, merged)


def unmerged(model):
    """`duplicate_of IS NULL`, written so that SQLite's planner, which has no statistics, does
    not take the tally index for it (its first column matches it by equality) and then sort
    ten years of rows: the date indexes answer the box's windows and its live counts."""
    return func.coalesce(model.duplicate_of, "") == ""


def _box_filters(stmt, model, status: str, category: str, merged: bool):
    """What leaders may see now (released()), narrowed by the box's filters."""
    stmt = stmt.where(released(model))
    if status:
        stmt = stmt.where(model.status == status)
    if category:
        stmt = stmt.where(model.category == category)
    if not merged:
        stmt = stmt.where(unmerged(model))
    return stmt


def _live(model):
    """The rows counted live rather than kept in the tallies (tally.py): what leaders may see
    now, merged ones left out, dated after the tallies' day."""
    return (released(model), unmerged(model), model.created_on > tally.through_day())


def box_counts() -> dict[tuple[str, str, str], int]:
    """How many suggestions leaders may see now (released(), merged ones left out), by (kind,
    status, category): one statement that gives the list's count under any filter and the
    statistics' status counts. The kept tally (tally.py) plus the few days since it, grouped
    off the date indexes: the cost is the same in the box's first year and its tenth."""
    rows = db.session.execute(
        union_all(
            select(Tally.kind, Tally.status, Tally.category, Tally.n),
            *(
                select(literal(name), model.status, model.category, func.count())
                .where(*_live(model))
                .group_by(model.status, model.category)
                for model, name, _ in tally.KINDS
            ),
        )
    )
    counts: dict[tuple[str, str, str], int] = {}
    for kind, status, category, n in rows:
        counts[kind, status, category] = counts.get((kind, status, category), 0) + n
    return {key: n for key, n in counts.items() if n}


def box_window(
    status: str = "",
    category: str = "",
    kind: str = "",
    offset: int = 0,
    limit: int | None = PAGE,
    counts: dict | None = None,
) -> tuple[list[Row], int]:
    """One window of the leaders' list, in box()'s order (newest day first, then key), and how
    many rows the whole list has. Each kind reads its first offset + limit rows off its date
    index and the two are merged here: the cost follows the window, not the box."""
    rows: list[Row] = []
    for model, name in ((Suggestion, "named"), (AnonymousSuggestion, "anonymous")):
        if kind and kind != name:
            continue
        stmt = _box_select(model, name, status, category, merged=False).order_by(
            model.created_on.desc(), model.id
        )
        if limit is not None:
            stmt = stmt.limit(offset + limit)
        rows += [Row(*row) for row in db.session.execute(stmt)]
    rows.sort(key=lambda row: (-row.created_on.toordinal(), row.id))
    counts = box_counts() if counts is None else counts
    total = sum(
        n
        for (k, s, c), n in counts.items()
        if (not kind or k == kind)
        and (not status or s == status)
        and (not category or c == category)
    )
    return rows[offset : None if limit is None else offset + limit], total


PUBLIC = ((Suggestion, "n"), (AnonymousSuggestion, "a"))


def _public(model):
    """A public suggestion, not merged, read off the partial index ix_<table>_public (of the
    public ones, which no arrival touches: nothing arrives public)."""
    return (model.is_public, unmerged(model))


def public_window(offset: int = 0, limit: int = PAGE) -> tuple[list[BoxItem], int]:
    """One window of the public suggestions, newest day first, and how many there are. Each kind
    reads its first offset + limit keys off its partial index of public suggestions, and the
    count of both rides along on every row: the cost follows the window, not the years."""
    offset = max(offset, 0)
    keys = union_all(
        *(
            select(
                select(literal(name).label("kind"), model.id, model.created_on)
                .where(*_public(model))
                .order_by(model.created_on.desc(), model.id)
                .limit(offset + limit)
                .subquery()
            )
            for model, name in PUBLIC
        )
    ).subquery()
    window = db.session.execute(
        select(keys.c.kind, keys.c.id, public_total())
        .order_by(keys.c.created_on.desc(), keys.c.id)
        .offset(offset)
        .limit(limit)
    ).all()
    total = window[0][2] if window else 0
    if not window and offset:  # past the end: still say how many there are
        total = db.session.scalar(select(public_total()))
    found: dict[str, BoxItem] = {}
    for model, name in PUBLIC:
        ids = [key for kind, key, _ in window if kind == name]
        if ids:
            for item in db.session.scalars(select(model).where(model.id.in_(ids))).unique():
                found[f"{name}-{item.id}"] = item
    return [found[f"{kind}-{key}"] for kind, key, _ in window], total


def public_total():
    """How many public suggestions there are, in SQL: the kept count (tally.py)."""
    return select(func.coalesce(func.sum(PublicTally.n), 0)).scalar_subquery()


def support_summary(items: list[BoxItem], staff_id: int) -> tuple[dict[str, int], set[str]]:
    """support_counts() and supported_refs() in one query: each item's count of supports, and
    the items this person supported."""
    keys = {supporter_key(staff_id, item): item.ref for item in items}
    if not keys:
        return {}, set()
    mine = Support.supporter.in_(keys)
    rows = db.session.execute(
        select(Support.thread, func.count(), func.sum(cast(mine, Integer)))
        .where(Support.thread.in_([item.ref for item in items]))
        .group_by(Support.thread)
    )
    counts, supported = {}, set()
    for thread, n, own in rows:
        counts[thread] = n
        if own:
            supported.add(thread)
    return counts, supported


def thread_replies(items: list[BoxItem], public_only: bool = False) -> dict[str, list[Reply]]:
    """The conversations of several suggestions in one query, by ref."""
    result: dict[str, list[Reply]] = {item.ref: [] for item in items}
    named = [item.id for item in items if item.kind == "named"]
    anonymous = [item.id for item in items if item.kind == "anonymous"]
    if not items:
        return result
    stmt = (
        select(Reply)
        .where(or_(Reply.named_id.in_(named), Reply.anonymous_id.in_(anonymous)))
        .order_by(*conversation_order())
    )
    if public_only:
        stmt = stmt.where(Reply.is_follow_up.is_(False))
    for reply in db.session.scalars(stmt).unique():
        ref = f"n-{reply.named_id}" if reply.named_id else f"a-{reply.anonymous_id}"
        result[ref].append(reply)
    return result


def mark_duplicate(item: BoxItem, original: BoxItem) -> None:
    tally.advance(db.session, released_through())
    item.duplicate_of = original.ref


def duplicates_of(original: BoxItem) -> int:
    return sum(
        db.session.scalar(select(func.count()).where(model.duplicate_of == original.ref))
        for model in (Suggestion, AnonymousSuggestion)
    )


# --- support ----------------------------------------------------------------------------


def _support_pepper() -> bytes:
    """This process's key for support rows: random at start, held in memory, never written
    anywhere. Neither the database nor the secret key can name a supporter; the price is that
    after a restart the app no longer recognises earlier supports, so a person may add one
    more then (README, "The suggestion box")."""
    return current_app.extensions.setdefault("support_pepper", secrets.token_bytes(32))


def supporter_key(staff_id: int, item: BoxItem) -> str:
    """Who supports what, under this process's key: the same person counts once while the app
    runs, and nobody holding the database and the secret key can recompute it."""
    message = f"{staff_id}:{item.ref}".encode()
    return hmac.new(_support_pepper(), message, hashlib.sha256).hexdigest()


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


def _days_between(later, earlier):
    """Whole days from one date column to another, in SQL (SQLite stores dates as text)."""
    if db.engine.dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return later - earlier


def _status_tally() -> list:
    """(what, key, wait, n) selects: how many items leaders may see now are in each status, the
    kept tally's rows and the live days' per kind (rows of one status add up)."""
    return [
        select(
            literal("status").label("what"),
            Tally.status.label("key"),
            cast(null(), Integer).label("wait"),
            Tally.n.label("n"),
        ),
        *(
            select(literal("status"), model.status, cast(null(), Integer), func.count())
            .where(*_live(model))
            .group_by(model.status)
            for model, _, _ in tally.KINDS
        ),
    ]


def _wait_tally() -> list:
    """(what, key, wait, n) selects: how many items waited each number of days for their first
    leader's reply, the kept tally's rows and the live days' (rows of one wait add up)."""

    def live(model, column):
        first = tally.first_reply(model, column)
        waits = (
            select(_days_between(first, model.created_on).label("wait"))
            .where(*_live(model), first.is_not(None))
            .subquery()
        )
        return select(literal("wait"), cast(null(), String), waits.c.wait, func.count()).group_by(
            waits.c.wait
        )

    return [
        select(
            literal("wait").label("what"),
            cast(null(), String).label("key"),
            WaitTally.days.label("wait"),
            WaitTally.n.label("n"),
        ),
        *(live(model, column) for model, _, column in tally.KINDS),
    ]


def stats_tallies() -> list:
    """The statistics' grouped counts as selects of one shape, (what, key, wait, n), so a page
    may send them in one statement with its own counts (the dashboard does)."""
    return [*_status_tally(), *_wait_tally()]


def stats(today: date | None = None, counts: dict | None = None, tallies=None) -> dict:
    """How fast the leaders answer: open count, median days to first reply, adopted share.
    Counted in SQL over what leaders may see now (released()), merged items left out: items per
    status (from box_counts() when the page has them) and the histogram of days waited for a
    first reply, in one statement. `tallies`: the rows of stats_tallies() already fetched."""
    if tallies is None:
        if counts is None:
            tallies = db.session.execute(union_all(*stats_tallies())).all()
        else:
            tallies = db.session.execute(union_all(*_wait_tally())).all()
    by_status: dict[str, int] = {}
    if counts is not None:
        for (_, status, _), n in counts.items():
            by_status[status] = by_status.get(status, 0) + n
    histogram = []
    for what, key, wait, n in tallies:
        if what == "status" and counts is None:
            by_status[key] = by_status.get(key, 0) + n
        elif what == "wait":
            histogram.append((wait, n))
    histogram.sort()
    answered = sum(n for _, n in histogram)
    total = sum(by_status.values())
    decided = sum(by_status.get(s, 0) for s in ("adopted", "done", "declined"))
    adopted = sum(by_status.get(s, 0) for s in ("adopted", "done"))
    return {
        "total": total,
        "open": sum(by_status.get(s, 0) for s in OPEN_STATUSES),
        "median_days_to_reply": _median(histogram, answered) if answered else None,
        "adopted_share": adopted / decided if decided else None,
        "unanswered": total - answered,
    }


def _median(histogram: list[tuple[int, int]], size: int):
    """statistics.median of the values a sorted (value, how many) histogram holds."""

    def nth(index: int) -> int:
        seen = 0
        for value, n in histogram:
            seen += n
            if index < seen:
                return value
        raise IndexError(index)

    if size % 2:
        return nth(size // 2)
    return (nth(size // 2 - 1) + nth(size // 2)) / 2
