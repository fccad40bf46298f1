"""活动反馈 in a real browser, on a phone: a teacher who was there answers from the check-in page
and sees the thanks; the manager sees nothing while answers are taken, and the summary once
answering closed."""

import logging
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from intranet.auth.permissions import FEEDBACK_DAYS
from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.feedback.models import Feedback
from intranet.schedule.models import Activity, Attendance, Semester
from tests.browser.conftest import PHONE_390, axe_violations, describe_violations, login


@pytest.fixture
def held(app, make_staff):
    teacher = make_staff(username="teacher", name="王晓燕")
    make_staff(username="manager", role="manager", name="李管理")
    today = school_today()
    with app.app_context():
        semester = Semester(
            name="2026-2027学年第一学期",
            start=today - timedelta(days=60),
            end=today + timedelta(days=60),
            is_current=True,
        )
        activity = Activity(semester=semester, date=today - timedelta(days=1), theme="读书交流会")
        db.session.add_all([semester, activity])
        db.session.flush()
        db.session.add(
            Attendance(activity_id=activity.id, staff_id=teacher, checked_in_at=utcnow())
        )
        # Five colleagues answered yesterday (their marks play no part in what readers see).
        for gain, line in (
            (4, "书目选得好"),
            (4, "讨论深入"),
            (3, ""),
            (3, "案例贴近课堂"),
            (2, ""),
        ):
            db.session.add(
                Feedback(
                    activity_id=activity.id,
                    gain=gain,
                    useful=line,
                )
            )
        db.session.commit()
        return {"id": activity.id, "token": activity.checkin_token}


def test_a_teacher_answers_on_the_phone_and_the_manager_reads_the_summary(
    new_page, held, caplog, travel
):
    page = new_page(viewport=PHONE_390)
    login(page, "teacher")
    page.goto(f"/schedule/checkin/{held['token']}")
    answer = page.locator("#feedback-answer")
    expect(answer.get_by_text("这次活动，你的收获？")).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    # Nothing chosen: told why, and the line typed stays.
    answer.get_by_label("最有用的一点（可选）").fill("共读的方法可以用在班上")
    answer.get_by_role("button", name="提交反馈").click()
    expect(answer.get_by_text("请选择这次活动的收获。")).to_be_visible()
    expect(answer.get_by_label("最有用的一点（可选）")).to_have_value("共读的方法可以用在班上")
    caplog.clear()  # the login's own line names the teacher, as it should
    with caplog.at_level(logging.DEBUG):
        answer.get_by_label("有收获", exact=True).check()
        answer.get_by_role("button", name="提交反馈").click()
        expect(page.get_by_text("你已反馈，谢谢！")).to_be_visible()
    assert "POST /feedback/activities/" in caplog.text  # the live server's access log, seen
    assert "teacher" not in caplog.text and "王晓燕" not in caplog.text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(f"/schedule/activities/{held['id']}")
    expect(page.get_by_text("你已反馈，谢谢！")).to_be_visible()
    expect(page.locator("#feedback-summary")).to_have_count(0)

    manager = new_page(viewport=PHONE_390)
    login(manager, "manager")
    manager.goto(f"/schedule/activities/{held['id']}")
    summary = manager.locator("#feedback-summary")
    expect(summary).to_contain_text("反馈收集中")
    expect(summary).not_to_contain_text("人反馈")
    # held yesterday: answers are taken until FEEDBACK_DAYS after it, read the day after
    closed = school_today() + timedelta(days=FEEDBACK_DAYS)
    travel(datetime.combine(closed, time(9), tzinfo=ZoneInfo("Asia/Shanghai")))
    manager.reload()
    expect(summary).to_contain_text("6 人反馈")
    expect(summary).to_contain_text("有收获及以上 83%")
    expect(summary.get_by_role("listitem")).to_have_count(4)
    expect(summary.get_by_text("共读的方法可以用在班上")).to_have_count(1)
    expect(summary.get_by_role("row", name=re.compile("很有收获"))).to_contain_text("2")
    assert axe_violations(manager) == [], describe_violations(axe_violations(manager))
    assert manager.evaluate("document.documentElement.scrollWidth") <= 390
