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
from intranet.schedule import views as schedule_views
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


def test_a_long_procedure_travels_once_in_the_row_form(app, big_school):
    """The form remembers what the user saw as a digest per field: a 4,000-character 活动程序
    is in the textarea, not a second time in the base (a phone fetches this on every edit)."""
    manager = as_user(app, big_school["manager"])
    activity = big_school["activity"]
    with app.app_context():
        db.session.get(Activity, activity).procedure = "长" * 4000
        db.session.commit()
    edit = manager.get(f"/schedule/activities/{activity}/edit", headers=htmx())
    assert edit.status_code == 200
    assert edit.get_data(True).count("长") == 4000
    saved = send(manager, "PUT", f"/schedule/activities/{activity}", row_form(manager, activity))
    assert saved.status_code == 200


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


def link(page: str, text: str) -> str | None:
    """The href of the window link whose text starts with `text`, if the page has one."""
    found = re.search(rf'<a class="button" href="([^"]+)" hx-get="[^"]+"[^>]*>{text}', page)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.mark.parametrize("size", [100, 30])
def test_the_schedule_opens_at_this_month_with_earlier_and_more_around_it(
    app, big_school, monkeypatch, size
):
    """200 activities over four months: the page opens at this month's first row (what is
    coming up), a window of rows; 更多 brings the rest after them, 更早 the months before in
    whole months, each month with its head once, every row once and in date order; the count
    is the whole semester's; without JavaScript either link opens the page from its window.
    (A window of 30 takes several 更早 to reach the semester's start.)"""
    monkeypatch.setattr(schedule_views, "ROWS", size)
    manager = as_user(app, big_school["manager"])
    url = f"/schedule?semester={big_school['semester']}"
    with app.app_context():
        in_order = list(
            db.session.execute(
                db.select(Activity.id, Activity.date)
                .where(Activity.semester_id == big_school["semester"])
                .order_by(Activity.date, Activity.start_time, Activity.id)
            )
        )
    ids = [row.id for row in in_order]
    opening = next(n for n, row in enumerate(in_order) if row.date >= TODAY.replace(day=1))
    assert 30 < opening < 100  # the data has months before this one

    page = page_text(manager, url)
    assert "共 200 项活动" in page
    first = row_ids(page)
    assert first == ids[opening : opening + size]
    assert f"更早的活动（{opening} 条）" in page
    assert f"更多（还有 {200 - opening - size} 条）" in page

    after = manager.get(link(page, "更多"), headers=htmx()).get_data(True)
    assert "<html" not in after and "更早" not in after
    assert row_ids(after) == ids[opening + size : opening + 2 * size]

    earlier, end, starts, window = [], opening, [], page
    while end:
        window = manager.get(link(window, "更早"), headers=htmx()).get_data(True)
        rows = row_ids(window)
        assert rows and "更多" not in window and "<html" not in window
        start = end - len(rows)
        assert len(rows) >= min(size, end)  # about a window, in whole months
        assert rows == ids[start:end]
        assert start == 0 or in_order[start - 1].date < in_order[start].date.replace(day=1)
        heads = re.findall(r'<tr class="month-head"><th [^>]+>([^<]+)<', window)
        assert heads == sorted(
            {f"{row.date.year}年{row.date.month}月" for row in in_order[start:end]},
            key=lambda label: [int(n) for n in re.findall(r"\d+", label)],
        )
        assert ("更早的活动" in window) == (start > 0)
        earlier, end = rows + earlier, start
        starts.append(start)
    assert earlier + first == ids[: opening + size]
    assert len(starts) >= opening // size

    # Without JavaScript, each link opens the page at its window.
    assert row_ids(page_text(manager, link(page, "更多"))) == row_ids(after)
    assert row_ids(page_text(manager, link(page, "更早")))[0] == ids[starts[0]]


def test_a_semester_with_nothing_left_opens_at_its_last_months(app, big_school):
    """Nothing from this month on (the semester's last weeks are quiet): the page opens at the
    last months, not on an empty table."""
    manager = as_user(app, big_school["manager"])
    with app.app_context():
        db.session.execute(db.delete(Activity).where(Activity.date >= TODAY.replace(day=1)))
        db.session.commit()
        left = db.session.scalar(db.select(db.func.count()).select_from(Activity))
    page = page_text(manager, f"/schedule?semester={big_school['semester']}")
    assert f"共 {left} 项活动" in page and "这个学期还没有符合条件的活动" not in page
    assert row_ids(page) and "更多" not in page


def test_a_past_semester_opens_at_its_start(app, big_school):
    manager = as_user(app, big_school["manager"])
    with app.app_context():
        semester = db.session.get(Semester, big_school["semester"])
        semester.start, semester.end = TODAY - timedelta(days=400), TODAY - timedelta(days=1)
        db.session.commit()
    page = page_text(manager, f"/schedule?semester={big_school['semester']}")
    assert "更早" not in page and len(row_ids(page)) == 100 and "更多（还有 100 条）" in page


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
