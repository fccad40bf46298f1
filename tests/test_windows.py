"""Long lists come fifty rows at a time with 更多; their counts and the box's statistics come
from SQL, so a page costs the same number of queries at ten years of data as at one week."""

from datetime import timedelta

import pytest
from sqlalchemy import insert

from intranet.achievements.models import Achievement
from intranet.clock import school_today
from intranet.extensions import db
from intranet.people.models import Staff
from intranet.schedule.models import Semester
from intranet.suggestions import tally
from intranet.suggestions.models import AnonymousSuggestion, Reply, Suggestion
from intranet.suggestions.services import miss_hash, released_through, stats
from tests.conftest import FAST_HASH, htmx, login_as

TODAY = school_today()


def add_suggestions(app, author_id: int, named: int, anonymous: int = 0, public=False, days=1):
    """Named and anonymous suggestions dated `days` ago and earlier, one day apart."""
    with app.app_context():
        n = db.session.query(Suggestion).count() + db.session.query(AnonymousSuggestion).count()
        rows = [
            {
                "id": f"n{n + i:06d}",
                "author_id": author_id,
                "category": "other",
                "title": f"实名建议{n + i:04d}",
                "body": "内容",
                "status": "pending",
                "is_public": public,
                "created_on": TODAY - timedelta(days=days + i),
            }
            for i in range(named)
        ]
        if rows:
            db.session.execute(insert(Suggestion), rows)
        rows = [
            {
                "id": f"a{n + i:06d}",
                "category": "other",
                "title": f"匿名建议{n + i:04d}",
                "body": "内容",
                "status": "pending",
                "is_public": public,
                "created_on": TODAY - timedelta(days=days + i),
                "receipt_hash": miss_hash(FAST_HASH),
                "receipt_lookup": f"lookup{n + i:06d}",
            }
            for i in range(anonymous)
        ]
        if rows:
            db.session.execute(insert(AnonymousSuggestion), rows)
        # bulk inserts go around the session's flush hook, as `flask generate`'s do
        tally.rebuild(db.session, released_through())
        db.session.commit()


@pytest.fixture
def leader(app, client, make_staff):
    staff_id = make_staff(role="leader")
    login_as(client, app, staff_id)
    return staff_id


def test_leaders_box_shows_fifty_and_more_brings_the_next_in_order(app, client, leader):
    add_suggestions(app, leader, named=40, anonymous=30)
    page = client.get("/suggestions").get_data(as_text=True)
    assert "共 70 条" in page
    assert page.count('<li id="box-') == 50
    assert "更多（还有 20 条）" in page
    more = client.get("/suggestions?offset=50", headers=htmx()).get_data(as_text=True)
    assert more.count('<li id="box-') == 20
    assert "更多" not in more and "<html" not in more
    # Together the windows hold each suggestion once.
    titles = [part.split("</strong>")[0] for part in (page + more).split("<strong>")[1:]]
    assert len(titles) == len(set(titles)) == 70


def test_box_filters_count_in_sql_and_keep_the_filter_in_more(app, client, leader):
    add_suggestions(app, leader, named=60, anonymous=5)
    page = client.get("/suggestions?kind=named").get_data(as_text=True)
    assert "共 60 条" in page
    assert "kind=named&amp;offset=50" in page


def test_L_an_anonymous_suggestion_of_today_is_neither_listed_nor_counted(app, client, leader):
    add_suggestions(app, leader, named=1, anonymous=1, days=0)  # both sent today
    page = client.get("/suggestions").get_data(as_text=True)
    assert "共 1 条" in page and "匿名建议0" not in page
    with app.app_context():
        assert stats()["total"] == 1


def test_box_statistics_match_the_rows_leaders_see(app, leader):
    add_suggestions(app, leader, named=3, anonymous=2)
    with app.app_context():
        replied = db.session.get(Suggestion, "n000000")
        replied.status = "adopted"
        db.session.add(  # through the session, as the app writes it: the box's tally sees it
            Reply(
                id="r1",
                position=1,
                named_id=replied.id,
                author_id=leader,
                is_follow_up=False,
                body="好",
                created_on=replied.created_on + timedelta(2),
            )
        )
        db.session.commit()
        assert stats() == {
            "total": 5,
            "open": 4,
            "median_days_to_reply": 2,
            "adopted_share": 1.0,
            "unanswered": 4,
        }


def test_box_and_dashboard_cost_the_same_queries_at_any_size(app, client, leader, count_queries):
    add_suggestions(app, leader, named=2, anonymous=2, public=True)
    few = {path: count_queries(client, path) for path in ("/suggestions", "/suggestions/public")}
    add_suggestions(app, leader, named=150, anonymous=150, public=True)
    for path, count in few.items():
        assert count_queries(client, path) == count, path
    assert count_queries(client, "/suggestions") <= 8


def test_public_box_and_mine_come_in_windows(app, client, leader):
    add_suggestions(app, leader, named=55, public=True)
    public = client.get("/suggestions/public").get_data(as_text=True)
    assert public.count('id="public-') == 50 and "更多（还有 5 条）" in public
    more = client.get("/suggestions/public?offset=50", headers=htmx()).get_data(as_text=True)
    assert more.count('id="public-') == 5
    mine = client.get("/suggestions/mine").get_data(as_text=True)
    assert mine.count('id="mine-') == 50 and "更多（还有 5 条）" in mine
    more = client.get("/suggestions/mine?offset=50", headers=htmx()).get_data(as_text=True)
    assert more.count('id="mine-') == 5


def test_directory_counts_everyone_and_sends_fifty(app, client, make_staff, count_queries):
    viewer = make_staff()
    with app.app_context():
        db.session.execute(
            insert(Staff),
            [
                {
                    "username": f"x{i:03d}",
                    "name": f"教师{i}",
                    "pinyin": f"jiaoshi{i:03d}",
                    "pinyin_initials": "js",
                    "session_token": f"s{i}",
                    "ical_token": f"i{i}",
                }
                for i in range(79)
            ],
        )
        db.session.commit()
    login_as(client, app, viewer)
    few = count_queries(client, "/people")
    page = client.get("/people").get_data(as_text=True)
    assert "共 80 人" in page and page.count('<tr id="staff-') == 50
    more = client.get("/people?offset=50", headers=htmx()).get_data(as_text=True)
    assert more.count('<tr id="staff-') == 30 and "更多" not in more
    assert count_queries(client, "/people?offset=50") == few


def test_achievements_list_sends_fifty_and_more(app, client, make_staff):
    teacher = make_staff()
    with app.app_context():
        db.session.execute(
            insert(Achievement),
            [
                {
                    "staff_id": teacher,
                    "kind": "award",
                    "level": "school",
                    "title": f"成果{i}",
                    "issuer": "",
                    "awarded_on": TODAY - timedelta(days=i),
                }
                for i in range(60)
            ],
        )
        db.session.commit()
    login_as(client, app, teacher)
    page = client.get("/achievements").get_data(as_text=True)
    assert page.count('<tr id="achievement-') == 50 and "更多（还有 10 条）" in page
    more = client.get("/achievements?view=mine&offset=50", headers=htmx()).get_data(as_text=True)
    assert more.count('<tr id="achievement-') == 10


def test_a_bad_offset_means_the_start(app, client, leader):
    """Not a 500 for digits int() refuses ("²".isdigit() is true): every windowed list."""
    add_suggestions(app, leader, named=3)
    with app.app_context():
        db.session.add(
            Semester(name="本学期", start=TODAY, end=TODAY + timedelta(days=90), is_current=True)
        )
        db.session.commit()
    lists = ("/suggestions", "/suggestions/public", "/people", "/achievements", "/schedule")
    for offset in ("abc", "-5", "99999999999999999999", "²", "①", "٣"):
        for url in lists:
            assert client.get(f"{url}?offset={offset}").status_code == 200, (url, offset)
