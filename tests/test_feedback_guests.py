"""外校来宾 answer 收获 once, right after checking in on the same page (no account): stored like a
colleague's answer (no guest, no time) but in a pool of its own, as anyone may check in under
any name; a second answer is refused politely; the answer holds nothing of the guest; a second
scan with the same name neither answers for that guest nor tells whether they answered."""

import logging
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import MetaData, func, select

from intranet.auth.permissions import FEEDBACK_DAYS
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.feedback import services
from intranet.feedback.models import Answered, Feedback
from intranet.schedule.models import Activity, Attendance, Guest
from tests import test_guests
from tests.conftest import START, as_user, htmx
from tests.test_guests import add_activity, guest_post

# the guests' tests' school (a partner school, a manager, a teacher) and fresh rate limits
school = test_guests.school
fresh_rate_limits = test_guests.fresh_rate_limits

CLOSED = datetime.combine(
    START.date() + timedelta(days=FEEDBACK_DAYS + 1), time(9), tzinfo=ZoneInfo("Asia/Shanghai")
)
PASS = re.compile(r'name="guest" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def check_in(app, activity_id, name="李明", where="程桥中心小学"):
    """A guest checks in: their client (its session holds the CSRF token) and the response."""
    client = app.test_client()
    r = guest_post(app, activity_id, client=client, name=name, school=where)
    assert r.status_code == 200, r.get_data(as_text=True)
    return client, r.get_data(as_text=True)


def answer(app, client, page, activity_id, **fields):
    with app.app_context():
        token = db.session.get(Activity, activity_id).checkin_token
    data = {"gain": "4", "useful": "", "improve": "", **fields}
    if (found := PASS.search(page)) is not None:
        data.setdefault("guest", found.group(1))
    data.setdefault("csrf_token", CSRF.search(page).group(1))
    return client.post(f"/feedback/guest/{token}", data=data, headers=htmx())


def stored(app):
    with app.app_context():
        return db.session.execute(
            select(Feedback.activity_id, Feedback.gain, Feedback.useful)
        ).all()


def test_after_checking_in_a_guest_is_offered_the_question_and_answers_once(app, school):
    activity_id = add_activity(app, school)
    client, page = check_in(app, activity_id)
    assert "签到成功" in page and "这次活动，您的收获？" in page
    r = answer(app, client, page, activity_id, gain="3", useful="分层作业的例子很实用")
    assert r.status_code == 200 and "您已反馈，谢谢！" in r.get_data(as_text=True)
    assert stored(app) == [(activity_id, 3, "分层作业的例子很实用")]
    again = answer(app, client, page, activity_id, gain="1")
    assert again.status_code == 409
    assert "每位来宾只能反馈一次" in again.get_data(as_text=True)
    assert stored(app) == [(activity_id, 3, "分层作业的例子很实用")]
    # scanning again (anyone can type that name): told they checked in, nothing of feedback
    _, rescanned = check_in(app, activity_id)
    assert "已经签到过了" in rescanned and "您已反馈" not in rescanned
    assert "您的收获？" not in rescanned and not PASS.search(rescanned)


def test_a_second_scan_under_a_guests_name_cannot_answer_for_them(app, school):
    """The review's attack: with the day's code, check in under the name of a guest who has
    not answered yet; the page offers no question and no pass, so nobody answers in their
    place, and the guest still answers from their own page."""
    activity_id = add_activity(app, school)
    guest, page = check_in(app, activity_id)
    _, copied = check_in(app, activity_id)
    assert "已经签到过了" in copied and not PASS.search(copied) and "您的收获？" not in copied
    assert answer(app, guest, page, activity_id, gain="2").status_code == 200
    assert stored(app) == [(activity_id, 2, "")]


def test_a_missing_gain_says_why_and_keeps_the_typed_line(app, school):
    activity_id = add_activity(app, school)
    client, page = check_in(app, activity_id)
    r = answer(app, client, page, activity_id, gain="", useful="希望多些课例")
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "请选择这次活动的收获" in body and "希望多些课例" in body
    assert stored(app) == []


@pytest.mark.parametrize("forged", ["", "1", "W1sxLDJdXQ.bad"])
def test_without_a_valid_pass_nothing_is_stored(app, school, forged):
    activity_id = add_activity(app, school)
    client, page = check_in(app, activity_id)
    r = answer(app, client, page, activity_id, guest=forged)
    assert r.status_code == 422 and "请重新扫码签到" in r.get_data(as_text=True)
    assert stored(app) == []


def test_a_pass_works_only_at_its_own_activity_and_with_csrf(app, school):
    first = add_activity(app, school)
    second = add_activity(app, school, theme="另一场片区活动")
    client, page = check_in(app, first)
    assert answer(app, client, page, second).status_code == 422
    assert answer(app, client, page, first, csrf_token="nope").status_code == 400
    assert stored(app) == []


def test_a_deleted_guest_can_no_longer_answer(app, school):
    activity_id = add_activity(app, school)
    client, page = check_in(app, activity_id)
    with app.app_context():
        db.session.execute(db.delete(Guest))
        db.session.commit()
    assert answer(app, client, page, activity_id).status_code == 422
    assert stored(app) == []


def test_guests_answers_are_a_pool_of_their_own(app, school, travel):
    """The review's attack: a reader holding the day's code checks in four made-up guests who
    answer, so that one colleague's answer would make five. Guests' answers never count
    towards the school's own: the colleague's answer stays hidden; the guests' pool shows on
    the activity's page under its own threshold, and nowhere else."""
    activity_id = add_activity(app, school, status="done")
    with app.app_context():
        db.session.add(
            Attendance(activity_id=activity_id, staff_id=school["teacher"], checked_in_at=utcnow())
        )
        db.session.commit()
    teacher = as_user(app, school["teacher"], f"/schedule/activities/{activity_id}")
    r = teacher.post(
        f"/feedback/activities/{activity_id}",
        data={"gain": "1", "improve": "讲座太空洞"},
        headers=htmx(**{"X-CSRFToken": teacher.token}),
    )
    assert r.status_code == 200
    for n, gain in enumerate(("4", "4", "3", "4", "2")):
        client, page = check_in(app, activity_id, name=f"来宾{n}")
        assert answer(app, client, page, activity_id, gain=gain).status_code == 200
    travel(CLOSED)
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        ours, theirs = services.summary(activity), services.summary(activity, by_guest=True)
        assert (ours.total, ours.shown, ours.counts) == (1, False, {})
        assert theirs.shown and theirs.counts == {4: 3, 3: 1, 2: 1, 1: 0}
        gains = services.gains([school["semester"]])
        assert gains.per_level(school["semester"])["cluster"].released == 0
    manager = as_user(app, school["manager"], f"/schedule/activities/{activity_id}")
    page = manager.get(f"/schedule/activities/{activity_id}").get_data(as_text=True)
    staff_pool = page.split('data-pool="staff"')[1].split('data-pool="guest"')[0]
    assert "1 人反馈，不足 5 人" in staff_pool and "讲座太空洞" not in page
    assert "5</strong> 人反馈" in page.split('data-pool="guest"')[1]


def snapshot() -> dict[str, set]:
    """Every table's rows, on SQLite or PostgreSQL."""
    tables = MetaData()
    tables.reflect(db.engine)
    with db.engine.connect() as connection:
        return {
            name: set(map(tuple, connection.execute(table.select()).all()))
            for name, table in tables.tables.items()
        }


def test_a_guests_answer_holds_nothing_of_the_guest(app, school, caplog):
    other = add_activity(app, school, theme="早些的片区活动")
    with app.app_context():  # guests before, so the guest's id is like no other value stored
        db.session.add_all(
            Guest(activity_id=other, name=f"先到{n}", school="马集小学", checked_in_at=utcnow())
            for n in range(40)
        )
        db.session.commit()
    activity_id = add_activity(app, school)
    client, page = check_in(app, activity_id, name="金丝雀", where="雄州第二小学")
    with app.app_context():
        guest_id = db.session.scalar(select(Guest.id).where(Guest.name == "金丝雀"))
        before = snapshot()
    with caplog.at_level(logging.DEBUG):
        r = answer(app, client, page, activity_id, gain="4", useful="很受启发")
    assert r.status_code == 200
    with app.app_context():
        after = snapshot()
    changed = {t: after[t] - before[t] for t in after if after[t] != before.get(t)}
    assert sorted(changed) == ["activity_feedback", "activity_feedback_answered"]
    assert all(before[t] <= after[t] for t in changed)  # only added
    values = [v for rows in changed.values() for row in rows for v in row]
    assert guest_id not in values and str(guest_id) not in values
    text = repr(changed)
    for canary in ("金丝雀", "雄州第二小学", "程桥"):
        assert canary not in text
        assert canary not in caplog.text
    assert not re.search(r"\d{2}:\d{2}", text), "a time of day was stored"
    # the mark is keyed (not a hash anyone can recompute) and the answer names no mark
    with app.app_context():
        mark = db.session.scalar(select(Answered.answerer))
        key = db.session.scalar(select(Feedback.id))
        assert db.session.scalar(select(func.count()).select_from(Answered)) == 1
    body = r.get_data(as_text=True)
    assert mark not in body and key not in body and r.headers["Cache-Control"] == "no-store"
    assert 'name="guest"' not in body  # the pass is not handed out again
    with client.session_transaction() as session:
        assert "_flashes" not in session


def test_without_javascript_the_answer_lands_on_a_page_of_its_own(app, school):
    activity_id = add_activity(app, school)
    client, page = check_in(app, activity_id)
    with app.app_context():
        token = db.session.get(Activity, activity_id).checkin_token
    r = client.post(
        f"/feedback/guest/{token}",
        data={
            "gain": "4",
            "guest": PASS.search(page).group(1),
            "csrf_token": CSRF.search(page).group(1),
        },
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" in body and "您已反馈，谢谢！" in body
