"""待办 in a real browser, on a phone: an apprentice sees the agreement waiting for them, signs
it, and comes home to a shorter list and a smaller count on 首页."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from intranet.clock import school_today
from intranet.extensions import db
from intranet.mentoring.models import Agreement, Pairing, PairingTask
from intranet.schedule.models import Semester
from tests.browser.conftest import (
    PHONE_390,
    axe_violations,
    describe_violations,
    login,
    screenshot,
)


@pytest.fixture
def pairing(app, make_staff):
    mentor = make_staff(username="mentor", name="张晓明")
    apprentice = make_staff(username="apprentice", name="王晓燕")
    today = school_today()
    with app.app_context():
        semester = Semester(
            name="2026-2027学年第一学期",
            start=today - timedelta(days=60),
            end=today + timedelta(days=60),
            is_current=True,
        )
        db.session.add(semester)
        db.session.flush()
        pairing = Pairing(
            mentor_id=mentor,
            apprentice_id=apprentice,
            state="draft",
            start_semester_id=semester.id,
            end_semester_id=semester.id,
        )
        pairing.agreements.append(
            Agreement(number=1, mentor_duties="每周听课一节", apprentice_goals="站稳课堂")
        )
        pairing.tasks.append(PairingTask(text="写一篇教学反思", due=today + timedelta(days=2)))
        db.session.add(pairing)
        db.session.commit()


def home_link(page):
    return page.get_by_role("navigation", name="主导航").get_by_role(
        "link", name=re.compile("^首页")
    )


def test_apprentice_signs_from_the_todo_list_and_the_count_drops(new_page, pairing):
    page = new_page(viewport=PHONE_390)
    login(page, "apprentice")
    page.goto("/")
    todos = page.locator("#todos")
    expect(todos.get_by_text("待签协议")).to_be_visible()
    expect(todos.get_by_text("写一篇教学反思")).to_be_visible()
    expect(home_link(page)).to_have_accessible_name(re.compile("2 项待办"))
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    screenshot(page, "todo-home-phone")

    todos.get_by_role("link", name=re.compile("师徒协议")).click()
    expect(page).to_have_url(re.compile(r"/mentoring/pairings/\d+"))
    # Other pages fetch the count after they are shown.
    expect(home_link(page)).to_have_accessible_name(re.compile("2 项待办"))
    page.get_by_role("button", name="我已阅读协议，确认签字").click()
    expect(page.get_by_role("button", name="我已阅读协议，确认签字")).to_have_count(0)

    home_link(page).click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(todos.get_by_text("待签协议")).to_have_count(0)
    expect(todos.get_by_text("写一篇教学反思")).to_be_visible()
    expect(home_link(page)).to_have_accessible_name(re.compile("1 项待办"))
