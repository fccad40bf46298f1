"""外校来宾 in a real browser, on a phone: a teacher from a partner school, with no account, opens
the check-in link of a 片区 activity, is told what is missing, fills the form and is welcomed;
the manager then finds them on the activity's page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE_390, axe_violations, describe_violations, login


@pytest.fixture
def seminar(make_staff, cluster_seminar):
    make_staff(username="manager", role="manager", name="李管理")
    return cluster_seminar


def test_a_guest_checks_in_on_a_phone_without_an_account(new_page, seminar):
    page = new_page(viewport=PHONE_390)
    page.goto(seminar["link"])
    expect(page.get_by_role("heading", name="外校老师签到")).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    page.get_by_label("任教学科").fill("语文")
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.get_by_text("请填写姓名。")).to_be_visible()
    expect(page.get_by_label("任教学科")).to_have_value("语文")  # kept
    page.get_by_label("姓名").fill("赵老师")
    page.get_by_label("学校").fill("竹镇中心小学")
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("签到成功")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    login(page, "manager")
    page.goto(f"/schedule/activities/{seminar['id']}")
    guests = page.locator(f"#guests-{seminar['id']}")
    expect(guests).to_contain_text("1 人")
    expect(guests.get_by_role("cell", name="赵老师")).to_be_visible()
