"""The box's statistics kept as they change, instead of recounted over ten years of rows.

Every suggestion dated up to one day, `through` (TallyDate), is counted in two small tables,
merged ones left out: per (kind, status, category) (Tally), and per days waited for a leader's
first reply (WaitTally). A suggestion dated later is counted live off the date indexes: the
few days since `through`. Public suggestions are counted per kind whatever their date
(PublicTally): only leaders make one public. A page's figures are the tables plus that live
part (services.box_counts, services.stats_tallies, services.public_total).

The tables follow every change made through the session: a flush hook counts the suggestions a
flush touches before it and after it and adds the difference. `through` moves forward with the
leaders' own actions (advance()), and never past a day already released to them. So an
anonymous suggestion arriving, dated today and so after `through`, writes nothing here: no row,
counter or date changes when one arrives (SECURITY.md L). Rows written around the session
(`flask generate`'s bulk inserts) are counted by rebuild().
"""

from collections import Counter
from datetime import date

from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.orm import Session

from intranet.suggestions.models import (
    AnonymousSuggestion,
    PublicTally,
    Reply,
    Suggestion,
    Tally,
    TallyDate,
    WaitTally,
    random_key,
)

KINDS = (
    (Suggestion, "named", Reply.named_id),
    (AnonymousSuggestion, "anonymous", Reply.anonymous_id),
)
NOTHING_YET = date.min  # `through` of an instance that has not counted anything


def through_day():
    """`through` inside a statement: the day up to which the tables count."""
    return func.coalesce(
        select(TallyDate.through).where(TallyDate.id == 1).scalar_subquery(), NOTHING_YET
    )


def first_reply(model, column):
    """The day of a suggestion's first leader's reply (follow-ups are the author's), or NULL."""
    return (
        select(func.min(Reply.created_on))
        .where(column == model.id, Reply.is_follow_up.is_(False))
        .scalar_subquery()
    )


def _count(connection, *where_by_kind) -> tuple[Counter, Counter]:
    """(per (kind, status, category), per days waited) of the unmerged suggestions meeting each
    kind's conditions, as the database holds them now."""
    counts: Counter = Counter()
    waits: Counter = Counter()
    for (model, kind, column), where in zip(KINDS, where_by_kind, strict=True):
        if where is None:
            continue
        rows = connection.execute(
            select(
                model.status, model.category, model.created_on, first_reply(model, column)
            ).where(model.duplicate_of.is_(None), *where)
        )
        for status, category, created_on, replied in rows:
            counts[kind, status, category] += 1
            if replied is not None:
                waits[(replied - created_on).days] += 1
    return counts, waits


def _public(connection, touched: dict[str, set[str]] | None = None) -> Counter:
    """How many public unmerged suggestions there are per kind, among `touched` (all when
    None), as the database holds them now."""
    found: Counter = Counter()
    for model, kind, _ in KINDS:
        where = [model.is_public, model.duplicate_of.is_(None)]
        if touched is not None:
            if not touched[kind]:
                continue
            where.append(model.id.in_(touched[kind]))
        found[kind] = connection.scalar(select(func.count()).where(*where))
    return found


def _through(connection) -> date | None:
    return connection.scalar(select(TallyDate.through).where(TallyDate.id == 1))


def _add(connection, counts: Counter, waits: Counter, public: Counter | None = None) -> None:
    for table, found in (
        (Tally.__table__, counts),
        (WaitTally.__table__, waits),
        (PublicTally.__table__, public or Counter()),
    ):
        keys = [c.name for c in table.primary_key]
        for key, n in found.items():
            if not n:
                continue
            key = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
            changed = connection.execute(
                update(table)
                .where(*(table.c[name] == value for name, value in key.items()))
                .values(n=table.c.n + n)
            ).rowcount
            if not changed:
                connection.execute(insert(table).values(**key, n=n))


def advance(session: Session, to: date) -> None:
    """Count the suggestions dated after `through` up to `to` (a released day) into the tables,
    and move `through` there. The leaders' actions call it, so the live part stays a few days."""
    session.flush()
    connection = session.connection()
    start = _through(connection)
    if start is None:  # emptied with every table (the demo's reset): nothing is kept
        connection.execute(insert(TallyDate).values(id=1, through=NOTHING_YET))
        start = NOTHING_YET
    if to <= start:
        return
    _add(connection, *_count(connection, *_dated(start, to)))
    connection.execute(update(TallyDate).where(TallyDate.id == 1).values(through=to))


def rebuild(session: Session, to: date) -> None:
    """Count everything dated up to `to` (a released day) afresh."""
    session.flush()
    connection = session.connection()
    for model in (Tally, WaitTally, PublicTally, TallyDate):
        connection.execute(delete(model))
    _add(connection, *_count(connection, *_dated(NOTHING_YET, to)), _public(connection))
    connection.execute(insert(TallyDate).values(id=1, through=to))


def _dated(after: date, through: date) -> list:
    return [(model.created_on > after, model.created_on <= through) for model, _, _ in KINDS]


# --- the flush hook ---------------------------------------------------------------------


def _touched(session: Session) -> dict[str, set[str]]:
    """The suggestions whose figures a flush may change, by kind: those written or deleted and
    those whose replies are."""
    found: dict[str, set[str]] = {"named": set(), "anonymous": set()}
    for item in (*session.new, *session.dirty, *session.deleted):
        if isinstance(item, Suggestion | AnonymousSuggestion):
            if item.id is None:
                item.id = random_key()  # the column's default, given now to follow the row
            found[item.kind].add(item.id)
        elif isinstance(item, Reply):
            if item.named_id:
                found["named"].add(item.named_id)
            elif item.anonymous_id:
                found["anonymous"].add(item.anonymous_id)
    return found


def _of(touched: dict[str, set[str]], through: date) -> list:
    """Each kind's conditions for the touched suggestions the tables count."""
    where = []
    for model, kind, _ in KINDS:
        ids = touched[kind]
        where.append((model.id.in_(ids), model.created_on <= through) if ids else None)
    return where


def _before_flush(session: Session, _context, _instances) -> None:
    touched = _touched(session)
    if not any(touched.values()):
        return
    connection = session.connection()
    through = _through(connection)
    where = _of(touched, through) if through is not None else [None] * len(KINDS)
    session.info["suggestion_tally"] = (
        touched,
        where,
        _count(connection, *where),
        _public(connection, touched),
    )


def _after_flush(session: Session, _context) -> None:
    pending = session.info.pop("suggestion_tally", None)
    if pending is None:
        return
    touched, where, (counts, waits), public = pending
    connection = session.connection()
    now_counts, now_waits = _count(connection, *where)
    now_public = _public(connection, touched)
    for now, before in ((now_counts, counts), (now_waits, waits), (now_public, public)):
        now.subtract(before)
    _add(connection, now_counts, now_waits, now_public)


def listen() -> None:
    """Keep the tables with every session's flushes (create_app calls it; once is enough)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
