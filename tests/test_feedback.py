"""活动反馈: those present answer 收获 once after an activity; the answers name nobody; the
responsible person and managers read the summary only from five answers, lines in random order."""

import hashlib
import logging
import re
import sqlite3
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from intranet.auth.permissions import FEEDBACK_DAYS
from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.feedback import services
from intranet.feedback.models import Answered, Feedback
from intranet.people.models import Staff
from intranet.schedule.models import Activity, Attendance, Semester
from tests.conftest import START, as_user, htmx
from tests.test_suggestions import CANARY_IP, CANARY_UA, dump

BEIJING = ZoneInfo("Asia/Shanghai")
TOMORROW = datetime.combine(START.date() + timedelta(days=1), time(9), tzinfo=BEIJING)
# The held activity was yesterday: answers are taken until FEEDBACK_DAYS after it.
CLOSED = TOMORROW + timedelta(days=FEEDBACK_DAYS - 1)


@pytest.fixture
def school(app, make_staff):
    people = {
        "responsible": make_staff(name="负责老师"),
        "manager": make_staff(role="manager", name="管理组"),
        "leader": make_staff(role="leader", name="校长"),
        "absent": make_staff(name="缺席老师"),
        "attendees": [make_staff(username=f"canary-{n}", name=f"金丝雀{n}") for n in range(8)],
    }
    with app.app_context():
        today = school_today()
        semester = Semester(
            name="测试学期", start=today - timedelta(days=60), end=today + timedelta(days=60)
        )
        held = Activity(
            semester=semester,
            date=today - timedelta(days=1),
            theme="读书交流会",
            responsible_id=people["responsible"],
        )
        coming = Activity(semester=semester, date=today + timedelta(days=2), theme="明天的课")
        db.session.add_all([semester, held, coming])
        db.session.flush()
        for activity in (held, coming):
            for staff_id in people["attendees"]:
                db.session.add(
                    Attendance(activity_id=activity.id, staff_id=staff_id, checked_in_at=utcnow())
                )
        db.session.add(Attendance(activity_id=held.id, staff_id=people["absent"], status="absent"))
        db.session.commit()
        people["held"], people["coming"] = held.id, coming.id
        people["checkin"] = held.checkin_token
    return people


def url(activity_id):
    return f"/feedback/activities/{activity_id}"


def answer(client, activity_id, **fields):
    data = {"gain": "3", "useful": "", "improve": "", **fields}
    return client.post(url(activity_id), data=data, headers=htmx(**{"X-CSRFToken": client.token}))


def client_of(app, staff_id, activity_id):
    return as_user(app, staff_id, f"/schedule/activities/{activity_id}")


def answers(app, activity_id):
    with app.app_context():
        return db.session.scalars(select_feedback(activity_id)).all()


def select_feedback(activity_id):
    return db.select(Feedback).where(Feedback.activity_id == activity_id)


# --- answering -----------------------------------------------------------------------------


def test_a_person_present_answers_once_and_a_second_answer_is_refused_politely(app, school):
    client = client_of(app, school["attendees"][0], school["held"])
    page = client.get(f"/schedule/activities/{school['held']}").get_data(as_text=True)
    assert "这次活动，你的收获？" in page and "很有收获" in page and "收获不大" in page
    r = answer(client, school["held"], gain="4", useful="分层作业的设计")
    assert r.status_code == 200 and "你已反馈，谢谢" in r.get_data(as_text=True)
    again = answer(client, school["held"], gain="1", useful="第二次")
    assert again.status_code == 409
    assert "每人只能反馈一次" in again.get_data(as_text=True)
    stored = answers(app, school["held"])
    assert [(f.gain, f.useful) for f in stored] == [(4, "分层作业的设计")]
    page = client.get(f"/schedule/activities/{school['held']}").get_data(as_text=True)
    assert "你已反馈，谢谢" in page and "这次活动，你的收获？" not in page


def test_without_javascript_the_answer_lands_on_the_thanks(app, school):
    client = client_of(app, school["attendees"][0], school["held"])
    r = client.post(url(school["held"]), data={"gain": "2", "csrf_token": client.token})
    assert r.status_code == 303 and r.headers["Location"].endswith(url(school["held"]))
    page = client.get(url(school["held"]))
    assert page.status_code == 200 and "你已反馈，谢谢" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_the_check_in_page_offers_the_question_once_the_activity_is_over(app, school):
    client = client_of(app, school["attendees"][0], school["held"])
    page = client.get(f"/schedule/checkin/{school['checkin']}").get_data(as_text=True)
    assert "您已签到" in page and "这次活动，你的收获？" in page
    answer(client, school["held"])
    page = client.get(f"/schedule/checkin/{school['checkin']}").get_data(as_text=True)
    assert "你已反馈，谢谢" in page


def test_only_people_present_answer_and_only_after_the_activity(app, school):
    for who in ("absent", "manager", "responsible"):
        client = client_of(app, school[who], school["held"])
        assert answer(client, school["held"]).status_code == 403
        page = client.get(f"/schedule/activities/{school['held']}").get_data(as_text=True)
        assert "这次活动，你的收获？" not in page
    early = client_of(app, school["attendees"][0], school["coming"])
    r = answer(early, school["coming"])
    assert r.status_code == 422 and "活动结束后才能反馈" in r.get_data(as_text=True)
    page = early.get(f"/schedule/activities/{school['coming']}").get_data(as_text=True)
    assert "这次活动，你的收获？" not in page
    assert answers(app, school["held"]) == [] and answers(app, school["coming"]) == []


def test_a_missing_or_too_long_answer_says_why_and_keeps_what_was_typed(app, school):
    client = client_of(app, school["attendees"][0], school["held"])
    r = answer(client, school["held"], gain="", useful="板书设计很清楚")
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "请选择这次活动的收获。" in body
    assert 'value="板书设计很清楚"' in body
    r = answer(client, school["held"], gain="9", improve="多一些时间")
    assert r.status_code == 422 and 'value="多一些时间"' in r.get_data(as_text=True)
    long = "长" * 101
    r = answer(client, school["held"], gain="3", improve=long)
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "“希望改进”最多 100 个字。" in body and long in body
    assert answers(app, school["held"]) == []
    # Without the CSRF token the answer is refused.
    bare = client.post(url(school["held"]), data={"gain": "3"})
    assert bare.status_code == 400 and answers(app, school["held"]) == []


# --- the summary ---------------------------------------------------------------------------


def give(app, school, n, **fields):
    for i in range(n):
        client = client_of(app, school["attendees"][i], school["held"])
        r = answer(client, school["held"], **{k: v.format(i=i) for k, v in fields.items()})
        assert r.status_code == 200


def summary_of(app, staff_id, activity_id):
    client = client_of(app, staff_id, activity_id)
    return client.get(f"/schedule/activities/{activity_id}").get_data(as_text=True)


def test_below_five_answers_readers_see_only_the_count_once_closed(app, school, travel):
    give(app, school, 4, gain="4", useful="有用{i}")
    page = summary_of(app, school["responsible"], school["held"])
    assert "反馈收集中" in page and "4 人反馈" not in page
    travel(CLOSED)
    page = summary_of(app, school["responsible"], school["held"])
    assert "4 人反馈，不足 5 人，不显示结果" in page
    assert "有用0" not in page and "很有收获" not in page and "平均" not in page


def test_from_five_answers_readers_see_the_figures_and_lines_once_answering_closed(
    app, school, travel
):
    give(app, school, 3, gain="4", useful="有用{i}", improve="改进{i}")
    give_more = [school["attendees"][3], school["attendees"][4]]
    for staff_id, gain in zip(give_more, ("3", "1"), strict=True):
        answer(client_of(app, staff_id, school["held"]), school["held"], gain=gain)
    # While answers are taken nothing shows, not even how many: nobody learns which one came.
    page = summary_of(app, school["manager"], school["held"])
    assert "反馈收集中" in page and "5 人反馈" not in page and "有用0" not in page
    travel(CLOSED - timedelta(days=1))  # the last day answers are taken
    assert "反馈收集中" in summary_of(app, school["manager"], school["held"])
    travel(CLOSED)
    for reader in ("manager", "responsible"):
        page = summary_of(app, school[reader], school["held"])
        assert "5</strong> 人反馈" in page
        assert "有收获及以上 <strong>80%</strong>" in page
        assert "平均 <strong>3.2</strong>" in page  # (4+4+4+3+1)/5
        assert all(f"<li>有用{i}</li>" in page for i in range(3))
        assert all(f"<li>改进{i}</li>" in page for i in range(3))
    for other in ("leader", "absent", "attendees"):
        staff_id = school[other][0] if other == "attendees" else school[other]
        page = summary_of(app, staff_id, school["held"])
        assert "有用0" not in page and "人反馈" not in page


def test_a_reader_polling_while_answers_are_taken_sees_nothing_move(app, school, travel):
    """The review's attack: read the page, wait for one more answer, read again. While
    answers are taken the summary is the same before and after every answer, past the fifth
    too; after closing, answering is refused, so the figures never move by one answer."""
    give(app, school, 6, gain="4")
    manager = client_of(app, school["manager"], school["held"])

    def summary_section():
        page = manager.get(f"/schedule/activities/{school['held']}").get_data(as_text=True)
        return page.split('id="feedback-summary"')[1].split("</section>")[0]

    before = summary_section()
    last = client_of(app, school["attendees"][6], school["held"])
    assert answer(last, school["held"], gain="1", improve="主讲人照本宣科").status_code == 200
    assert summary_section() == before
    travel(CLOSED)
    closed = summary_section()
    assert "7</strong> 人反馈" in closed and "主讲人照本宣科" in closed
    late = client_of(app, school["attendees"][7], school["held"])
    assert answer(late, school["held"], gain="1").status_code == 422
    assert summary_section().count("<li>") == closed.count("<li>")


@pytest.mark.sqlite_only
def test_the_rows_in_the_file_are_not_in_the_order_the_answers_came(app, school):
    """SQLite writes a page's rows downward in the order they are inserted: the byte offsets
    in the file (and in a backup) would give the order of arrival, and the login log's times
    would name it. Each answer writes the day's answers again in a random order."""
    order = []
    for n in range(8):
        line = f"CANARY{n}X"
        give_one = client_of(app, school["attendees"][n], school["held"])
        assert answer(give_one, school["held"], useful=line).status_code == 200
        order.append(line)
    database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    with app.app_context():
        db.engine.dispose()
    raw = database.read_bytes()
    offsets = [raw.find(line.encode()) for line in order]
    assert all(offset > 0 for offset in offsets) and len(set(offsets)) == len(order)
    by_place = [line for _, line in sorted(zip(offsets, order, strict=True))]
    # the order of arrival, either way up, has a chance of 2 in 8! (1 in 20,160)
    assert by_place not in (order, order[::-1])
    assert len(answers(app, school["held"])) == 8


def test_lines_come_in_random_order_not_in_the_order_given(app, school, travel):
    give(app, school, 8, useful="第{i}条")
    travel(CLOSED)
    orders = set()
    for _ in range(3):
        page = summary_of(app, school["manager"], school["held"])
        orders.add(tuple(re.findall(r"<li>第(\d)条</li>", page)))
    assert all(sorted(order) == list("01234567") for order in orders)
    assert len(orders) > 1  # a new order at each reading (8! orders: no chance of flaking)


def test_the_rule_for_reading_lives_in_permissions(app, school):
    from intranet.auth.permissions import can_read_feedback

    with app.app_context():
        activity = db.session.get(Activity, school["held"])
        people = {k: db.session.get(Staff, school[k]) for k in ("responsible", "manager")}
        assert can_read_feedback(people["responsible"], activity)
        assert can_read_feedback(people["manager"], activity)
        assert not can_read_feedback(db.session.get(Staff, school["leader"]), activity)


# --- anonymity (SECURITY.md L), as the suggestion box's ------------------------------------


@pytest.mark.sqlite_only
def test_an_answer_writes_two_rows_that_name_nobody_and_hold_no_time(app, school):
    author = school["attendees"][0]
    client = client_of(app, author, school["held"])
    with app.app_context():
        token = db.session.get(Staff, author).session_token
    database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    before = dump(database)
    r = client.post(
        url(school["held"]),
        data={"gain": "4", "useful": "很实用", "improve": "时间再长些"},
        headers=htmx(**{"X-CSRFToken": client.token, "User-Agent": CANARY_UA}),
        environ_base={"REMOTE_ADDR": CANARY_IP},
    )
    assert r.status_code == 200
    after = dump(database)
    changed = {t: after[t] - before.get(t, set()) for t in after if after[t] != before.get(t)}
    assert sorted(changed) == ["activity_feedback", "activity_feedback_answered"]
    assert all(before[t] <= after[t] for t in changed)  # only added, nothing else touched
    text = repr(changed)
    for canary in ("canary-0", "金丝雀0", token, CANARY_IP, CANARY_UA, f"'{author}'"):
        assert canary not in text
    ((mark,),) = [changed["activity_feedback_answered"]]
    unkeyed = hashlib.sha256(f"feedback:{author}:{school['held']}".encode()).hexdigest()
    assert len(mark[1]) == 64 and mark[1] != unkeyed  # not a hash anyone can recompute
    assert not re.search(r"\d{2}:\d{2}", text), "a time of day was stored"
    with sqlite3.connect(database) as connection:
        for table in changed:
            columns = [c[1] for c in connection.execute(f"PRAGMA table_info({table})")]
            identifying = {"author", "staff", "user", "ip", "agent", "time", "at", "created"}
            assert not [c for c in columns if identifying & set(c.split("_"))]
            with pytest.raises(sqlite3.OperationalError):
                connection.execute(f"SELECT rowid FROM {table}")
    # The marks cannot be recomputed from what is stored: a new process has a new key.
    with app.app_context():
        assert services.has_answered(school["held"], author)
        app.extensions.pop("feedback_pepper")
        assert not services.has_answered(school["held"], author)


def test_an_answer_logs_nothing_that_names_its_author(app, school, caplog):
    client = client_of(app, school["attendees"][0], school["held"])
    with caplog.at_level(logging.DEBUG):
        r = client.post(
            url(school["held"]),
            data={"gain": "4", "csrf_token": client.token},
            headers={"User-Agent": CANARY_UA},
            environ_base={"REMOTE_ADDR": CANARY_IP},
        )
        assert r.status_code == 303
        client.get(url(school["held"]))
    for canary in ("canary-0", "金丝雀0", CANARY_IP, CANARY_UA):
        assert canary not in caplog.text


def test_the_answer_sets_no_flash_and_its_response_names_no_answer(app, school):
    client = client_of(app, school["attendees"][0], school["held"])
    r = answer(client, school["held"])
    with app.app_context():
        key = db.session.scalar(db.select(Feedback.id))
        mark = db.session.scalar(db.select(Answered.answerer))
    body = r.get_data(as_text=True)
    assert key not in body and mark not in body
    assert not any(key in v or mark in v for v in r.headers.values())
    assert r.headers["Cache-Control"] == "no-store"
    with client.session_transaction() as session:
        assert "_flashes" not in session


# --- 待办 -----------------------------------------------------------------------------------


def test_the_todo_list_holds_the_question_for_three_days(app, school, travel):
    client = client_of(app, school["attendees"][0], school["held"])
    home = client.get("/").get_data(as_text=True)
    assert "读书交流会：这次活动收获如何？" in home and url(school["held"]) in home
    assert "明天的课：这次活动收获如何？" not in home  # not over yet
    absent = client_of(app, school["absent"], school["held"]).get("/").get_data(as_text=True)
    assert "读书交流会：这次活动收获如何？" not in absent
    answer(client, school["held"])
    assert "读书交流会：这次活动收获如何？" not in client.get("/").get_data(as_text=True)
    other = client_of(app, school["attendees"][1], school["held"])
    travel(START + timedelta(days=2))
    assert "读书交流会：这次活动收获如何？" in other.get("/").get_data(as_text=True)
    travel(START + timedelta(days=3))
    assert "读书交流会：这次活动收获如何？" not in other.get("/").get_data(as_text=True)


def test_an_activity_someone_answered_keeps_its_date(app, school, travel):
    """The review's attack: moving the date back reopens answering, one more answer comes, the
    date moves forward again and the figures move by that one answer. Once anyone answered,
    the date stays; the rest of the row still saves."""
    give(app, school, 1, gain="4")
    manager = client_of(app, school["manager"], school["held"])
    with app.app_context():
        activity = db.session.get(Activity, school["held"])
        version, day = activity.version, activity.date
    values = {
        "date": (day - timedelta(days=10)).isoformat(),
        "level": "school",
        "kind": activity.form,
        "theme": "读书交流会",
        "status": "done",
        "responsible_id": str(school["responsible"]),
        "version": str(version),
    }
    headers = htmx(**{"X-CSRFToken": manager.token})
    r = manager.put(f"/schedule/activities/{school['held']}", data=values, headers=headers)
    assert r.status_code == 422 and "已有人反馈，日期不能再改" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Activity, school["held"]).date == day
    values |= {"date": day.isoformat(), "theme": "读书交流会（改名）"}
    r = manager.put(f"/schedule/activities/{school['held']}", data=values, headers=headers)
    assert r.status_code == 200


def test_the_answer_page_asks_once_whether_its_reader_was_present(app, school):
    """The view's refusal is the panel's: one presence question per request, not one each."""
    client = client_of(app, school["attendees"][0], school["held"])
    with app.app_context():
        engine = db.engine
    asked = []

    def listener(_connection, _cursor, statement, *_args):
        if "FROM attendance" in statement and "attendance.staff_id" in statement:
            asked.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url(school["held"])).status_code == 200
        assert len(asked) == 1
        assert answer(client, school["held"], useful="").status_code == 200
        assert len(asked) == 2
    finally:
        event.remove(engine, "before_cursor_execute", listener)
