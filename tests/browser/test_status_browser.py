"""政治面貌 history in a real browser: an admin records a young teacher's step on their page, a
leader finds it counted on the per-year page (desktop), and the teacher reads their own history
on a 390 px phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE_390, axe_violations, describe_violations, login


@pytest.fixture
def people(make_staff):
    return {
        "teacher": make_staff(
            username="t100", name="王晓燕", birth_year=1996, political_status="applicant"
        ),
        "admin": make_staff(username="admin", role="admin", name="陆志远"),
        "leader": make_staff(username="shuji", role="leader", name="陈秀英"),
    }


def test_a_step_recorded_by_an_admin_is_counted_for_leaders_and_seen_by_the_teacher(
    new_page, people
):
    admin = new_page()
    login(admin, "admin")
    admin.goto(f"/people/{people['teacher']}")
    section = admin.locator("#status-history")
    section.get_by_label("新的政治面貌").select_option(label="入党积极分子")
    section.get_by_label("生效日期").fill("2027-01-05")
    section.get_by_role("button", name="登记变化").click()
    expect(admin.locator("#status-history")).to_contain_text("生效日期不能晚于今天。")
    expect(admin.get_by_label("新的政治面貌")).to_have_value("activist")  # kept
    admin.get_by_label("生效日期").fill("2026-10-08")
    admin.locator("#status-history").get_by_role("button", name="登记变化").click()
    expect(admin.get_by_role("status").first).to_contain_text("已登记")
    expect(admin.locator("#status-history tbody tr").first).to_contain_text("2026-10-08")
    expect(admin.locator("#status-history tbody tr").first).to_contain_text("入党积极分子")

    leader = new_page()
    login(leader, "shuji")
    leader.goto("/people")
    leader.get_by_role("link", name="青年教师向党组织靠拢").click()
    row = leader.locator('tr[data-year="2026"]')
    expect(row.locator(".steppers")).to_have_text("1")
    assert axe_violations(leader) == [], describe_violations(axe_violations(leader))

    phone = new_page(viewport=PHONE_390)
    login(phone, "t100")
    phone.goto(f"/people/{people['teacher']}")
    history = phone.locator("#status-history")
    expect(history).to_contain_text("入党积极分子")
    expect(history).to_contain_text("2026-10-08")
    expect(history.get_by_role("button", name="登记变化")).to_have_count(0)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(phone) == [], describe_violations(axe_violations(phone))
