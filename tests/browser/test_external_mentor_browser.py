"""外聘导师 in a real browser: a manager opens an account for a 导师团 expert and reads the
one-time password once; the expert, on a 390 px phone, logs in, must change the password,
finds the pairing on the home page, opens it and signs the agreement."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from intranet.clock import school_today
from intranet.extensions import db
from intranet.mentoring.models import Agreement, Pairing
from intranet.people.models import ExternalMentor
from intranet.schedule.models import Semester
from tests.browser.conftest import PHONE_390, axe_violations, describe_violations, login

NEW_PASSWORD = "Xingguang#2025mentor"


@pytest.fixture
def pairing(app, make_staff):
    make_staff(username="manager", role="manager", name="徐丽萍")
    apprentice = make_staff(username="apprentice", name="王晓燕")
    today = school_today()
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=today - timedelta(days=50),
            end=today + timedelta(days=50),
            is_current=True,
        )
        expert = ExternalMentor(name="姜慧芬", organisation="六合区教师进修学校")
        db.session.add_all([semester, expert])
        db.session.flush()
        pairing = Pairing(
            external_mentor_id=expert.id,
            apprentice_id=apprentice,
            start_semester_id=semester.id,
            end_semester_id=semester.id,
        )
        pairing.agreements.append(
            Agreement(mentor_duties="每学期听徒弟的课 4 节", apprentice_goals="汇报课 1 节")
        )
        db.session.add(pairing)
        db.session.commit()
        return pairing.id


def test_an_external_mentor_signs_on_a_phone(new_page, pairing):
    manager = new_page()
    login(manager, "manager")
    manager.goto("/mentoring/talent")
    manager.get_by_role("button", name="开通账号").click()
    notice = manager.get_by_role("status").filter(has_text="一次性密码")
    expect(notice).to_be_visible()
    username = notice.locator("strong").inner_text()
    password = notice.locator(".otp-code").inner_text()

    page = new_page(viewport=PHONE_390)
    login(page, username, password)
    page.wait_for_url("**/password")
    page.get_by_label("当前密码").fill(password)
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("再输入一次新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="保存新密码").click()

    expect(page.get_by_role("heading", name="姜慧芬，您好")).to_be_visible()
    expect(page.locator("#todos")).to_contain_text("等您签字")
    nav = page.locator("nav").first
    expect(nav).not_to_contain_text("活动安排")
    expect(nav).not_to_contain_text("教职工")
    page.locator("#my-pairings").get_by_role("link", name="王晓燕").click()
    expect(page.get_by_role("heading", name=re.compile("姜慧芬"))).to_be_visible()
    page.wait_for_load_state("load")  # measured with the stylesheet in, as a person sees it
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("button", name="我已阅读协议，确认签字").click()
    agreement = page.locator(f"#agreement-{pairing}")
    expect(agreement).to_contain_text("✓ 已确认")
    expect(agreement).to_contain_text("导师本人登录签字")
    expect(page.get_by_role("button", name="我已阅读协议，确认签字")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
