"""Accounts in a real browser: the first login with a one-time password, the phone-sized home."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import PHONE, login, screenshot
from tests.conftest import PASSWORD


def test_first_login_forces_a_new_password_then_opens_the_app(page, make_staff):
    make_staff(username="newbie", name="新来的老师", must_change_password=True)
    page.goto("/people")
    expect(page).to_have_url(re.compile(r"/login\?next=/people"))
    screenshot(page, "login")
    login(page, "newbie")
    expect(page).to_have_url(re.compile(r"/password$"))
    expect(page.get_by_text("一次性密码")).to_be_visible()
    page.goto("/people")  # cannot skip the change
    expect(page).to_have_url(re.compile(r"/password$"))

    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("12345678")
    page.get_by_label("再输入一次新密码").fill("12345678")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_text("这个密码太常见")).to_be_visible()

    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("春天的第一节汇报课")
    page.get_by_label("再输入一次新密码").fill("春天的第一节汇报课")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_role("heading", name="新来的老师，您好")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="密码已修改")).to_be_visible()

    page.get_by_role("button", name="退出").click()
    login(page, "newbie", "春天的第一节汇报课")
    expect(page.get_by_role("heading", name="新来的老师，您好")).to_be_visible()


def test_wrong_password_says_so_in_chinese(page, make_staff):
    make_staff(username="t1")
    login(page, "t1", "not the password")
    expect(page.get_by_text("工号或密码不正确。")).to_be_visible()
    expect(page.get_by_label("工号")).to_have_value("t1")


def test_home_page_fits_a_phone(new_page, make_staff):
    make_staff(role="manager", username="m1", name="徐丽萍")
    page = new_page(viewport=PHONE)
    login(page, "m1")
    expect(page.get_by_role("heading", name="徐丽萍，您好")).to_be_visible()
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="教职工")).to_be_visible()
    # Measured once the stylesheet is in: a heading shows before it on a loaded machine, and
    # the unstyled page (the calendar address unwrapped) is wider than any phone.
    page.wait_for_load_state("load")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the phone"
    screenshot(page, "home-phone")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="教职工").click()
    expect(page.get_by_role("heading", name="教职工名录")).to_be_visible()
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(page, "people-phone")


def test_admin_creates_an_account_and_sees_its_password_once(page, make_staff):
    make_staff(role="admin", username="boss")
    login(page, "boss")
    page.goto("/people")
    page.get_by_text("新增教职工").click()
    form = page.locator("#new-staff-form")
    form.get_by_label("姓名").fill("钱多多")
    form.get_by_label("工号").fill("q001")
    form.get_by_label("政治面貌").select_option(label="民主党派")
    form.get_by_role("button", name="创建账号").click()
    expect(page.locator("#new-staff-form")).to_contain_text("一次性密码")
    new_row = page.locator("#staff-tbody tr").filter(has_text="钱多多")
    expect(new_row).to_contain_text("教师")  # the safe default role, not the first in the list
    expect(page.locator("#new-staff-form").get_by_label("姓名")).to_have_value("")
    screenshot(page, "people-created")
