"""A school's first day, in a real browser: a fresh install with only the first admin reaches a
working schedule, a pairing and a suggestion through the pages alone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot
from tests.conftest import PASSWORD

FIRST_PASSWORD = "one-time-from-the-cli"


@pytest.fixture
def fresh_install(make_staff):
    """What `flask create-user … --role admin` leaves: one admin who must change the password."""
    return make_staff(
        role="admin",
        username="admin",
        name="系统管理员",
        password=FIRST_PASSWORD,
        must_change_password=True,
    )


def create_staff(page, name: str, username: str, status: str) -> None:
    page.goto("/people")
    page.get_by_text("新增教职工").click()
    form = page.locator("#new-staff-form")
    form.get_by_label("姓名").fill(name)
    form.get_by_label("工号").fill(username)
    form.get_by_label("政治面貌").select_option(label=status)
    form.get_by_role("button", name="创建账号").click()
    expect(page.locator("#new-staff-form")).to_contain_text(f"已创建 {name}")


def test_first_admin_reaches_a_schedule_a_pairing_and_a_suggestion(page, fresh_install):
    login(page, "admin", FIRST_PASSWORD)
    page.get_by_label("当前密码").fill(FIRST_PASSWORD)
    page.get_by_label("新密码", exact=True).fill(PASSWORD)
    page.get_by_label("再输入一次新密码").fill(PASSWORD)
    page.get_by_role("button", name="保存新密码").click()
    expect(page).not_to_have_url(re.compile(r"/password"))

    # The home page says what comes first; the roster could be imported, two people are typed.
    page.goto("/")
    expect(page.get_by_role("heading", name="第一步：导入教职工名册")).to_be_visible()
    create_staff(page, "张晓明", "t001", "中共党员")
    create_staff(page, "王晓燕", "t002", "共青团员")

    # No semester yet: the schedule offers to create this one, with name and dates proposed.
    page.goto("/schedule")
    expect(page.get_by_role("heading", name="还没有学期")).to_be_visible()
    expect(page.get_by_label("学期名称")).to_have_value("2026-2027学年第一学期")
    screenshot(page, "first-day-semester")
    page.get_by_role("button", name="建立学期").click()
    expect(page).to_have_url(re.compile(r"/schedule$"))
    page.get_by_role("button", name="＋ 新增一行").click()
    row = page.locator("#new-activities tr.editing")
    row.get_by_label("主题").fill("开学第一次集体备课")
    row.get_by_label("主题").press("Enter")
    expect(page.get_by_role("link", name="开学第一次集体备课")).to_be_visible()

    # A pairing: the mentor joins the mentor pool, then the agreement starts from its template.
    page.goto("/mentoring")
    expect(page.get_by_text("还没有师徒结对。开始第一对")).to_be_visible()
    page.goto("/mentoring/talent")
    page.get_by_text("加入人才库").click()
    pool = page.locator("form[action$='/talent/pools']")
    pool.get_by_label("教师", exact=True).select_option(label="张晓明")
    pool.get_by_label("人才库").select_option(label="名特优党员教师导师库")
    pool.get_by_role("button", name="确定").click()
    expect(page.locator("#messages")).to_contain_text("已加入名特优党员教师导师库")
    page.goto("/mentoring")
    page.get_by_role("link", name="新建结对").click()
    page.get_by_label("导师", exact=True).select_option(label="张晓明（导师库）")
    page.get_by_label("徒弟", exact=True).select_option(label="王晓燕")
    page.get_by_role("button", name="建立结对").click()
    expect(page.get_by_text("草拟中")).to_be_visible()

    # And the suggestion box works for the first person in it.
    page.goto("/suggestions/new")
    page.get_by_label("标题").fill("希望开学前发放备课本")
    page.get_by_label("建议内容").fill("新学期的备课本请在开学前一周发到各组。")
    page.get_by_role("button", name="提交建议").click()
    expect(page.get_by_text("建议已收到")).to_be_visible()
