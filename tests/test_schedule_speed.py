"""The schedule at a real school's size (600 staff, 200 activities in a semester): the page and
the inline edit cost the same number of SQL statements however many rows there are, and the
row form is small because people are chosen with a search, not from 600-option lists."""

import re
import secrets
from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import event, insert

from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.people.models import ExternalMentor, Staff, to_pinyin
from intranet.schedule.models import (
    Activity,
    Attendance,
    PartnerSchool,
    Semester,
    activity_external_presenter,
    activity_presenter,
)
from tests.conftest import as_user, htmx, send

TODAY = school_today()
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高"
GIVEN = "晓明丽华建国秀英志强雅琴玉兰海燕文静春梅子涵"
EDITS = count()


def staff_rows(count: int, start: int = 0) -> list[dict]:
    rows = []
    for n in range(start, start + count):
        name = SURNAMES[n % 20] + GIVEN[n // 20 % 20] + GIVEN[n * 7 % 20]
        pinyin, initials = to_pinyin(name)
        rows.append(
            {
                "username": f"bulk{n}",
                "name": name,
                "pinyin": pinyin,
                "pinyin_initials": initials,
                "subject": "语文",
                "role": "teacher",
                "active": True,
                "political_status": "non_party",
                "must_change_password": False,
                "session_token": secrets.token_hex(16),
                "ical_token": secrets.token_hex(16),
                "created_at": utcnow(),
            }
        )
    return rows


def add_activities(semester_id: int, staff_ids: list[int], count: int, extras: dict) -> None:
    """`count` activities spread over the semester, half of them past and still 计划, each with
    two presenters and an expert; some past ones left a trace (someone present)."""
    first = db.session.scalar(db.select(db.func.coalesce(db.func.max(Activity.id), 0)))
    rows = [
        {
            "id": first + 1 + i,
            "semester_id": semester_id,
            "date": TODAY + timedelta(days=(i % 100) - 50),
            "theme": f"活动{first + i}",
            "place": "录播教室",
            "level": "cluster" if i % 3 == 0 else "school",
            "partner_school_id": extras["partner"] if i % 3 == 0 else None,
            "form": "demo_lesson",
            "responsible_id": staff_ids[i % len(staff_ids)],
            "status": "planned",
            "invite_groups": "studio",
            "checkin_token": secrets.token_hex(8),
            "version": 1,
            "procedure": "",
            "summary": "",
        }
        for i in range(count)
    ]
    db.session.execute(insert(Activity), rows)
    n = len(staff_ids)
    db.session.execute(
        insert(activity_presenter),
        [
            {"activity_id": row["id"], "staff_id": staff_ids[(i * 3 + k) % n]}
            for i, row in enumerate(rows)
            for k in (1, 2)
        ],
    )
    db.session.execute(
        insert(activity_external_presenter),
        [{"activity_id": row["id"], "external_mentor_id": extras["expert"]} for row in rows],
    )
    db.session.execute(
        insert(Attendance),
        [
            {"activity_id": row["id"], "staff_id": staff_ids[i % n], "status": "present"}
            for i, row in enumerate(rows)
            if i % 4 == 0 and row["date"] < TODAY
        ],
    )
    db.session.commit()


@pytest.fixture
def big_school(app, make_staff):
    """A current semester with 600 staff and 200 activities, built with bulk inserts."""
    manager = make_staff(role="manager", username="guanli", name="徐丽萍")
    with app.app_context():
        semester = Semester(
            name="2026-2027学年第一学期",
            start=TODAY - timedelta(days=60),
            end=TODAY + timedelta(days=60),
            is_current=True,
        )
        partner = PartnerSchool(name="程桥中心小学", cluster="程桥片")
        expert = ExternalMentor(name="沈国梁", organisation="六合区教育局教研室")
        db.session.add_all([semester, partner, expert])
        db.session.flush()
        db.session.execute(insert(Staff), staff_rows(600))
        db.session.commit()
        ids = list(db.session.scalars(db.select(Staff.id).where(Staff.username.like("bulk%"))))
        world = {
            "manager": manager,
            "semester": semester.id,
            "partner": partner.id,
            "expert": expert.id,
            "staff": ids,
        }
        add_activities(semester.id, ids, 200, world)
        first = db.session.scalar(db.select(db.func.min(Activity.id)))
    return world | {"activity": first}


def statements_of(client, method, url, **kwargs) -> tuple[int, object]:
    """How many SQL statements one request sends, and its response."""
    statements = []
    with client.application.app_context():
        engine = db.engine

    def listener(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = send(client, method, url, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements), response


def row_form(client, activity_id) -> dict:
    """What the browser posts back from a row's inline form, with a new theme."""
    from html.parser import HTMLParser

    page = client.get(f"/schedule/activities/{activity_id}/edit", headers=htmx()).get_data(True)
    data: dict[str, list[str]] = {}

    class Inputs(HTMLParser):
        select = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("name") and a.get("type") not in ("radio", "checkbox"):
                data.setdefault(a["name"], []).append(a.get("value") or "")
            elif tag == "select":
                self.select = a.get("name")
            elif tag == "option" and self.select and "selected" in a:
                data.setdefault(self.select, []).append(a.get("value") or "")
            elif tag == "textarea":
                data.setdefault(a["name"], []).append("")

    Inputs().feed(page)
    return data | {"theme": [f"改过的主题{next(EDITS)}"]}


def test_schedule_page_and_row_save_send_at_most_8_queries_at_any_size(app, big_school):
    manager = as_user(app, big_school["manager"])
    url = f"/schedule?semester={big_school['semester']}"
    activity = f"/schedule/activities/{big_school['activity']}"

    def measure():
        page, r = statements_of(manager, "GET", url)
        assert r.status_code == 200
        saved, r = statements_of(
            manager, "PUT", activity, data=row_form(manager, big_school["activity"])
        )
        assert r.status_code == 200, r.get_data(True)[:500]
        return page, saved

    small = measure()
    with app.app_context():
        add_activities(big_school["semester"], big_school["staff"], 400, big_school)
    assert measure() == small
    assert small[0] <= 8 and small[1] <= 8, small


def test_the_row_form_and_its_save_never_read_the_whole_staff(app, big_school):
    """People are chosen with the picker's search: the form carries and reads the row's own
    people only, so it neither grows nor slows with the staff (two 600-option selects made it
    69 KB; a list of every colleague was still read to check a save)."""
    manager = as_user(app, big_school["manager"])
    activity = big_school["activity"]
    with app.app_context():
        engine = db.engine
    read = []

    def listener(_connection, _cursor, statement, *_args):
        if re.search(r"FROM staff\b", statement):
            read.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        edit = manager.get(f"/schedule/activities/{activity}/edit", headers=htmx())
        saved = send(
            manager, "PUT", f"/schedule/activities/{activity}", row_form(manager, activity)
        )
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert edit.status_code == 200 and saved.status_code == 200
    assert len(edit.data) <= 8 * 1024
    one = re.compile(r"staff\.(id IN|id =|session_token =)")  # the row's people; the user
    whole = [s for s in read if not one.search(s)]
    assert not whole, whole


def page_text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(True)


def test_the_responsible_filter_searches_this_semesters_people_and_does_not_grow(app, big_school):
    """The 责任人 filter is a search over who runs an activity this semester: the page carries
    no list of them (1,700 options at ten years' size made half the page), the search offers
    only them, and a filter on someone who runs nothing here keeps them chosen."""
    manager = as_user(app, big_school["manager"])
    url = f"/schedule?semester={big_school['semester']}"
    with app.app_context():
        runners = set(
            db.session.scalars(
                db.select(Activity.responsible_id).where(
                    Activity.semester_id == big_school["semester"]
                )
            )
        )
        idle = next(i for i in big_school["staff"] if i not in runners)
        idle_name, idle_username = db.session.execute(
            db.select(Staff.name, Staff.username).where(Staff.id == idle)
        ).one()
        runner = db.session.get(Staff, min(runners)).username
    before = len(page_text(manager, url))
    with app.app_context():  # 200 more people, each responsible for an activity
        people = staff_rows(200, start=1000)
        db.session.execute(insert(Staff), people)
        newcomers = list(
            db.session.scalars(
                db.select(Staff.id).where(Staff.username.in_(p["username"] for p in people))
            )
        )
        add_activities(big_school["semester"], newcomers, 200, big_school)
        runners |= set(newcomers)
    page = page_text(manager, url)
    assert len(page) < before + 2 * 1024, "the page grew with the people"
    assert '<select name="responsible"' not in page
    search = f"/schedule/people?semester={big_school['semester']}&for=filter-responsible-listbox"

    def offered(q):
        return set(map(int, re.findall(r'data-id="(\d+)"', page_text(manager, f"{search}&q={q}"))))

    assert min(runners) in offered(runner) and idle not in offered(idle_username)
    assert offered("") <= runners
    page = page_text(manager, f"{url}&responsible={idle}")
    assert f'name="responsible" value="{idle}"><span>{idle_name}' in page
    assert "这个学期还没有符合条件的活动" in page


def row_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="activity-(\d+)" class="activity', html)]


def test_the_schedule_shows_a_window_of_rows_and_more_brings_the_next(app, big_school):
    """200 activities: the first 100 with the page, 更多 the other 100 in its place, in date order
    and each once; the count is the whole semester's; a month the window continues keeps one
    head; without JavaScript the link opens the page from that row."""
    manager = as_user(app, big_school["manager"])
    url = f"/schedule?semester={big_school['semester']}"
    page = page_text(manager, url)
    assert "共 200 项活动" in page
    first = row_ids(page)
    more = re.search(
        r'<a class="button" href="([^"]+)" hx-get="[^"]+"[^>]*>更多（还有 100 条）', page
    )
    assert len(first) == 100 and more
    link = more.group(1).replace("&amp;", "&")
    window = manager.get(link, headers=htmx()).get_data(True)
    second = row_ids(window)
    assert "<html" not in window and "更多" not in window and len(second) == 100
    with app.app_context():
        in_order = list(
            db.session.scalars(
                db.select(Activity.id)
                .where(Activity.semester_id == big_school["semester"])
                .order_by(Activity.date, Activity.start_time, Activity.id)
            )
        )
        last = db.session.get(Activity, first[-1]).date
        after = db.session.get(Activity, second[0]).date
    assert first + second == in_order
    heads = re.findall(r'<tr class="month-head"><th colspan="10" scope="rowgroup">([^<]+)<', window)
    assert (f"{after.year}年{after.month}月" in heads) == (
        (last.year, last.month) != (after.year, after.month)
    )
    assert row_ids(page_text(manager, link)) == second


def test_the_month_calendar_reads_its_month_only(app, big_school, count_queries):
    manager = as_user(app, big_school["manager"])
    url = f"/schedule?semester={big_school['semester']}&view=calendar&month={TODAY:%Y-%m}"
    page = page_text(manager, url)
    with app.app_context():
        in_month = db.session.scalar(
            db.select(db.func.count())
            .select_from(Activity)
            .where(
                Activity.semester_id == big_school["semester"],
                Activity.date >= TODAY.replace(day=1),
                Activity.date < (TODAY.replace(day=1) + timedelta(days=31)).replace(day=1),
            )
        )
    assert f"本月 {in_month} 项活动" in page
    assert page.count('class="cal-item') == in_month
    few = count_queries(manager, url)
    with app.app_context():
        add_activities(big_school["semester"], big_school["staff"], 400, big_school)
    assert count_queries(manager, url) == few
