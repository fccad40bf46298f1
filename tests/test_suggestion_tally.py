"""The box's kept statistics (suggestions/tally.py): after every kind of change they equal a
recount of the rows, an anonymous arrival still writes nothing but itself, an upgrading school
keeps its figures, and the box's pages read the date indexes rather than ten years of rows."""

import sqlite3
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select, union_all

from intranet.extensions import db
from intranet.people.models import Staff
from intranet.suggestions import services, tally
from intranet.suggestions.models import (
    AnonymousSuggestion,
    InThread,
    PublicTally,
    Reply,
    Suggestion,
    Tally,
    TallyDate,
    WaitTally,
)
from tests.conftest import START, csrf_token, htmx, login_as
from tests.test_suggestions import BEIJING, NEXT_MORNING, dump, submit

TODAY = START.date()  # 18 November; leaders see anonymous suggestions up to the 17th
KEPT_THROUGH = date(2026, 11, 10)


def day(n: int) -> date:
    return date(2026, 11, n)


def recount(through: date | None = None) -> tuple[Counter, Counter]:
    """What the statistics counted before they were kept, row by row: per (kind, status,
    category) and per days waited for a first leader's reply, of what leaders may see now
    (dated up to `through` when given), merged ones left out."""
    counts: Counter = Counter()
    waits: Counter = Counter()
    released = services.released_through()
    for model, kind, column in tally.KINDS:
        for item in db.session.scalars(select(model)).unique():
            if item.duplicate_of or (kind == "anonymous" and item.created_on > released):
                continue
            if through is not None and item.created_on > through:
                continue
            counts[kind, item.status, item.category] += 1
            replied = [
                reply.created_on
                for reply in db.session.scalars(
                    select(Reply).where(column == item.id, Reply.is_follow_up.is_(False))
                ).unique()
            ]
            if replied:
                waits[(min(replied) - item.created_on).days] += 1
    return counts, waits


def kept() -> tuple[Counter, Counter]:
    counts = Counter(
        {(t.kind, t.status, t.category): t.n for t in db.session.scalars(select(Tally))}
    )
    waits = Counter({w.days: w.n for w in db.session.scalars(select(WaitTally))})
    return +counts, +waits


def shown() -> tuple[Counter, Counter]:
    """What the box and the dashboard show: box_counts() and stats_tallies()' histogram."""
    waits: Counter = Counter()
    for what, _, wait, n in db.session.execute(union_all(*services.stats_tallies())):
        if what == "wait":
            waits[wait] += n
    return +Counter(services.box_counts()), +waits


def public_recount() -> Counter:
    counts: Counter = Counter()
    for model, kind, _ in tally.KINDS:
        for item in db.session.scalars(select(model)).unique():
            counts[kind] += bool(item.is_public and not item.duplicate_of)
    return +counts


def public_kept() -> Counter:
    return +Counter({t.kind: t.n for t in db.session.scalars(select(PublicTally))})


def through() -> date:
    return db.session.get(TallyDate, 1).through


def assert_figures_equal_a_recount():
    db.session.commit()
    assert kept() == recount(through())
    assert shown() == recount()
    assert public_kept() == public_recount()
    assert db.session.scalar(select(services.public_total())) == public_recount().total()


@pytest.fixture
def box(app, make_staff, travel):
    """Suggestions of both kinds over November, some answered, the tallies kept up to the 10th
    (so both the kept part and the live days hold some); yields the app context."""
    travel(START)
    leader, teacher = make_staff(role="leader"), make_staff()
    with app.app_context():
        items = {}
        for name, model, created, status, category, replied in (
            ("n1", Suggestion, day(1), "adopted", "teaching", day(3)),
            ("n2", Suggestion, day(8), "in_progress", "other", day(8)),
            ("n3", Suggestion, day(9), "pending", "teaching", None),
            ("n4", Suggestion, day(14), "declined", "logistics", day(16)),
            ("n5", Suggestion, day(18), "pending", "other", None),
            ("a1", AnonymousSuggestion, day(2), "done", "party", day(9)),
            ("a2", AnonymousSuggestion, day(10), "pending", "teaching", None),
            ("a3", AnonymousSuggestion, day(12), "in_progress", "teaching", day(13)),
            ("a4", AnonymousSuggestion, day(17), "pending", "other", None),
            ("a5", AnonymousSuggestion, day(18), "pending", "other", None),  # held back
        ):
            extra = {"author_id": teacher} if model is Suggestion else {"receipt_hash": "x"}
            item = model(
                title=name, body="……", category=category, status=status, created_on=created, **extra
            )
            db.session.add(item)
            db.session.flush()
            if replied:
                db.session.add(
                    Reply(
                        **InThread.of(item),
                        position=1,
                        author_id=leader,
                        body="收到",
                        created_on=replied,
                    )
                )
            items[name] = item.ref
        db.session.commit()
        tally.rebuild(db.session, KEPT_THROUGH)
        db.session.commit()
        assert_figures_equal_a_recount()
        yield {"leader": leader, "teacher": teacher, **items}


def reply(ref, leader, follow_up=False):
    author = db.session.get(Staff, leader) if leader else None
    services.add_reply(services.find(ref), "好的", author=author, follow_up=follow_up)


CHANGES = {
    "a first reply to a kept item": lambda b: reply(b["n3"], b["leader"]),
    "a first reply to a live item": lambda b: reply(b["n5"], b["leader"]),
    "a second reply": lambda b: reply(b["n1"], b["leader"]),
    "an anonymous author's follow-up": lambda b: reply(b["a2"], None, follow_up=True),
    "a status change": lambda b: services.change_status(
        services.find(b["a1"]), "in_progress", db.session.get(Staff, b["leader"]), None
    ),
    "a merge": lambda b: services.mark_duplicate(services.find(b["n1"]), services.find(b["n2"])),
    "a merge of a live item": lambda b: services.mark_duplicate(
        services.find(b["a4"]), services.find(b["a3"])
    ),
    "made public": lambda b: setattr(services.find(b["a2"]), "is_public", True),
    "a public one merged": lambda b: [
        setattr(services.find(b["n4"]), "is_public", True),
        db.session.flush(),
        services.mark_duplicate(services.find(b["n4"]), services.find(b["n2"])),
    ],
    "a category corrected": lambda b: setattr(services.find(b["a2"]), "category", "other"),
    "a deleted suggestion": lambda b: db.session.delete(services.find(b["a1"])),
    "a deleted reply": lambda b: db.session.delete(
        db.session.scalar(select(Reply).where(Reply.named_id == services.find(b["n1"]).id))
    ),
    "a suggestion imported with an old date": lambda b: db.session.add(
        Suggestion(
            author_id=b["teacher"],
            title="旧",
            body="……",
            category="other",
            status="adopted",
            created_on=day(4),
        )
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_kept_figures_equal_a_recount_after_each_change(box, change):
    CHANGES[change](box)
    assert_figures_equal_a_recount()


def test_the_morning_release_moves_the_kept_day_with_the_next_leaders_action(box, travel):
    travel(NEXT_MORNING)
    services.change_status(
        services.find(box["n3"]), "in_progress", db.session.get(Staff, box["leader"]), None
    )
    assert_figures_equal_a_recount()
    assert through() == TODAY  # the 18th is released now, the 19th is not
    assert ("anonymous", "pending", "other") in kept()[0]  # a4 and a5 are kept


def test_a_reply_counts_its_wait_once_whatever_follows(box):
    leader = box["leader"]
    reply(box["n3"], leader)
    reply(box["n3"], leader)
    services.change_status(services.find(box["n3"]), "adopted", db.session.get(Staff, leader), None)
    assert_figures_equal_a_recount()
    assert services.stats()["median_days_to_reply"] == recount_median()


def recount_median():
    waits = sorted(recount()[1].elements())
    middle = len(waits) // 2
    return waits[middle] if len(waits) % 2 else (waits[middle - 1] + waits[middle]) / 2


# --- anonymity: an arrival writes nothing but itself, even once figures are kept --------------


@pytest.mark.sqlite_only
def test_an_anonymous_arrival_after_leaders_acted_writes_only_its_row_L(app, make_staff, travel):
    leader, teacher = make_staff(role="leader"), make_staff(username="canary-user")
    with app.app_context():
        db.session.add(
            Suggestion(
                author_id=teacher, title="旧", body="……", category="other", created_on=day(2)
            )
        )
        db.session.commit()
        ref = db.session.scalar(select(Suggestion)).ref
    leader_client = app.test_client()
    login_as(leader_client, app, leader)
    token = csrf_token(leader_client, "/suggestions")
    r = leader_client.post(
        f"/suggestions/{ref}/replies",
        data={"reply-body": "好"},
        headers=htmx(**{"X-CSRFToken": token}),
    )
    assert r.status_code == 200
    with app.app_context():
        assert through() == TODAY - timedelta(days=1)  # the leader's reply moved the kept day
        assert kept()[1] == Counter({16: 1})
    client = app.test_client()
    login_as(client, app, teacher)
    client.token = csrf_token(client, "/suggestions/new")
    database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    before = dump(database)
    assert submit(client).status_code == 200
    after = dump(database)
    changed = [t for t in after if after[t] != before.get(t)]
    assert changed == ["anonymous_suggestion"]


# --- upgrading keeps the figures ---------------------------------------------------------------


def test_upgrading_fills_the_kept_figures_from_the_rows_a_school_has(tmp_path, travel):
    from flask_migrate import upgrade

    from intranet import create_app
    from tests.conftest import make_config

    travel(datetime.combine(day(20), time(9), tzinfo=BEIJING))
    app = create_app(make_config(tmp_path))
    with app.app_context():
        upgrade(revision="0020")
        with sqlite3.connect(tmp_path / "studio.db") as raw:
            raw.executemany(
                "INSERT INTO suggestion (id, author_id, category, title, body, status, is_public,"
                " created_on) VALUES (?, 1, ?, 't', 'b', ?, 0, ?)",
                [
                    ("s1", "teaching", "adopted", "2026-11-01"),
                    ("s4", "teaching", "adopted", "2026-11-02"),
                    ("s2", "other", "pending", "2026-11-15"),
                    ("s3", "other", "declined", "2026-11-18"),
                ],
            )
            raw.executemany(
                "INSERT INTO anonymous_suggestion (id, receipt_lookup, receipt_hash, category,"
                " title, body, status, is_public, created_on) VALUES (?, ?, 'h', ?, 't', 'b', ?,"
                " 0, ?)",
                [
                    ("k1", "l1", "party", "done", "2026-11-03"),
                    ("k2", "l2", "party", "pending", "2026-11-19"),
                ],
            )
            raw.execute("UPDATE suggestion SET is_public = 1 WHERE id = 's4'")
            raw.executemany(
                "INSERT INTO suggestion_reply (id, position, author_id, is_follow_up, body,"
                " created_on, named_id, anonymous_id) VALUES (?, 1, 1, ?, 'r', ?, ?, ?)",
                [
                    ("r1", 0, "2026-11-05", "s1", None),
                    ("r2", 0, "2026-11-07", "s1", None),
                    ("r3", 0, "2026-11-10", None, "k1"),
                    ("r4", 1, "2026-11-04", None, "k1"),
                ],
            )
        upgrade()
        assert through() == day(17)  # two days before the newest suggestion
        assert kept() == recount(day(17))
        assert kept()[1] == Counter({4: 1, 7: 1})
        assert shown() == recount()
        assert public_kept() == public_recount() == Counter({"named": 1})
        db.engine.dispose()


# --- the pages read the date indexes, not every row ---------------------------------------------


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "role, url",
    [("leader", "/suggestions"), ("teacher", "/suggestions/public")],
)
def test_box_pages_read_no_suggestion_or_reply_table_whole(app, make_staff, role, url):
    """The plans SQLite makes for the box's statements: no scan of a suggestion table or of the
    replies, no tally index walked for `duplicate_of IS NULL` and its rows sorted (all cost in
    proportion to the years the box has run). Walking a date index in order, for a window, is
    what they should do."""
    client = app.test_client()
    login_as(client, app, make_staff(role=role))
    statements = []
    with app.app_context():
        engine = db.engine

    def listener(_connection, _cursor, statement, parameters, *_args):
        if "suggestion" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements
    with app.app_context():
        for statement, parameters in statements:
            plan = "\n".join(
                row[-1]
                for row in db.session.connection().exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, parameters
                )
            )
            lines = plan.splitlines()
            for table in ("suggestion", "anonymous_suggestion"):
                assert f"SCAN {table}" not in lines, plan  # every row with its body
            assert not [line for line in lines if "SCAN suggestion_reply" in line], plan
            assert "_tally (duplicate_of=?)" not in plan, plan


def test_after_every_table_was_emptied_the_next_leaders_action_keeps_figures_again(box):
    for model in (Tally, WaitTally, TallyDate):
        db.session.execute(db.delete(model))
    db.session.commit()
    assert shown() == recount()  # all counted live meanwhile
    reply(box["n3"], box["leader"])
    assert_figures_equal_a_recount()
    assert through() == TODAY - timedelta(days=1)
