"""The staff directory as a person uses it: search as you type, edit a row in place."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot


def test_live_search_narrows_directory_without_page_load(page, make_staff):
    make_staff(role="admin", username="boss")
    make_staff(name="张晓明", username="t100")
    make_staff(name="李红梅", username="t101")
    make_staff(name="王建国", username="t102")
    login(page, "boss")
    page.goto("/people")
    rows = page.locator("#staff-tbody tr")
    expect(rows).to_have_count(4)
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("searchbox", name="搜索教职工").fill("zxm")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("张晓明")
    assert page.evaluate("window.__sameDocument") is True, "the search reloaded the page"
    expect(page).to_have_url(re.compile(r"/people\?q=zxm"))
    screenshot(page, "people-search")


def test_admin_edits_staff_row_inline_and_saves_with_enter(page, make_staff, app):
    make_staff(role="admin", username="boss")
    target = make_staff(name="张晓明", username="t100", subject="数学")
    login(page, "boss")
    page.goto("/people")
    row = page.locator(f"#staff-{target}")
    row.get_by_role("button", name="编辑").click()
    name = row.get_by_label("姓名")
    expect(name).to_be_focused()
    row.get_by_label("学科").select_option("科学")
    name.fill("张晓明明")
    name.press("Enter")
    expect(row).not_to_have_class(re.compile("editing"))
    expect(row).to_contain_text("张晓明明")
    expect(row).to_contain_text("科学")
    expect(page.locator("#messages")).to_contain_text("已保存")
    screenshot(page, "people-inline-edit")
