"""Reach beyond the school in a real browser, on a 390 px phone: a guest checks in to a 片区
activity and answers 收获 on the same page, once; a leader reads the reach on the dashboard."""

import pytest
from playwright.sync_api import expect

from intranet.extensions import db
from intranet.feedback.models import Feedback
from tests.browser.conftest import PHONE_390, axe_violations, describe_violations, login


@pytest.fixture
def seminar(make_staff, cluster_seminar):
    make_staff(username="leader", role="leader", name="周校长")
    return cluster_seminar


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_guest_checks_in_and_answers_once_on_a_phone(app, new_page, seminar):
    page = new_page(viewport=PHONE_390)
    page.goto(seminar["link"])
    page.get_by_label("姓名").fill("赵老师")
    page.get_by_label("学校").fill("竹镇中心小学")
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.get_by_text("签到成功")).to_be_visible()
    question = page.locator("#feedback-answer")
    expect(question.get_by_role("group", name="这次活动，您的收获？")).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    assert fits(page)
    question.get_by_role("button", name="提交反馈").click()
    expect(page.get_by_text("请选择这次活动的收获。")).to_be_visible()
    page.get_by_label("最有用的一点（可选）").fill("整本书阅读的任务单很实用")
    page.get_by_label("很有收获").check()
    expect(page.get_by_label("最有用的一点（可选）")).to_have_value("整本书阅读的任务单很实用")
    page.get_by_role("button", name="提交反馈").click()
    expect(page.get_by_text("您已反馈，谢谢！")).to_be_visible()
    expect(page.get_by_text("签到成功")).to_be_visible()  # still on the check-in page
    assert fits(page)
    with app.app_context():
        assert [(f.gain, f.useful) for f in db.session.scalars(db.select(Feedback))] == [
            (4, "整本书阅读的任务单很实用")
        ]

    # scanning again later (anyone can type that name): recognised, not asked, nor told
    # whether 赵老师 answered
    page.goto(seminar["link"])
    page.get_by_label("姓名").fill("赵老师")
    page.get_by_label("学校").fill("竹镇中心小学")
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.get_by_text("已经签到过了")).to_be_visible()
    expect(page.get_by_text("您已反馈，谢谢！")).to_have_count(0)
    expect(page.get_by_role("button", name="提交反馈")).to_have_count(0)

    # the leader reads the reach on the dashboard, on the same phone
    login(page, "leader")
    page.goto("/dashboard")
    reach = page.locator("#dashboard-reach")
    expect(reach.get_by_role("cell", name="竹镇中心小学")).to_be_visible()
    expect(reach.get_by_role("img", name="各学校来宾在片区、全区活动中的人次")).to_be_visible()
    assert fits(page)
