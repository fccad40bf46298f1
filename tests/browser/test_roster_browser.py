"""The roster re-import as the admin does it at the office desk: upload next year's sheet, read
the preview of who is new, who changes and which row is refused and why, then confirm."""

import re

from playwright.sync_api import expect

from intranet.extensions import db
from intranet.people.models import Staff
from tests.browser.conftest import axe_violations, login, screenshot

ROSTER = (
    "工号,姓名,学科,职称,政治面貌,角色\n"
    "t100,张晓明,数学,一级教师,发展对象,\n"  # changes
    "t101,李红梅,数学,,,\n"  # as she is
    "t102,王建国民,科学,,,\n"  # a name that is not t102's
    "t200,钱多多,英语,,共青团员,教师\n"  # new
)


def test_admin_previews_next_years_roster_and_confirms_it(page, make_staff, app, tmp_path):
    make_staff(role="admin", username="boss")
    zhang = make_staff(
        username="t100",
        name="张晓明",
        subject="语文",
        title="二级教师",
        political_status="activist",
    )
    make_staff(username="t101", name="李红梅", subject="数学")
    make_staff(username="t102", name="王建国", subject="科学")
    sheet = tmp_path / "名册.csv"
    sheet.write_text(ROSTER, encoding="utf-8")
    login(page, "boss")
    page.goto("/people/import")
    page.get_by_label("名册文件").set_input_files(str(sheet))
    page.get_by_role("button", name="上传并预览").click()

    preview = page.get_by_role("table", name="名册每一行将如何导入")
    expect(page.get_by_text("新增 1 人，更新 1 人，无变化 1 人，不能导入 1 行")).to_be_visible()
    changed = preview.get_by_role("row").filter(has_text="t100")
    expect(changed).to_contain_text("更新")
    expect(changed).to_contain_text("学科：语文 → 数学")
    expect(changed).to_contain_text("政治面貌：入党积极分子 → 发展对象")
    refused = preview.get_by_role("row").filter(has_text="t102")
    expect(refused).to_contain_text("不能导入")
    expect(refused).to_contain_text("与名册中的姓名“王建国民”不符")
    expect(preview.get_by_role("row").filter(has_text="t200")).to_contain_text("新增")
    assert axe_violations(page) == []
    screenshot(page, "roster-reimport-preview")

    page.get_by_role("button", name=re.compile("确认导入：新增 1 人，更新 1 人")).click()
    expect(page.get_by_role("heading", name="已导入 1 人，更新 1 人")).to_be_visible()
    expect(page.get_by_role("table", name="导入时更新了资料的人")).to_contain_text("张晓明")
    expect(page.locator("code")).to_have_count(1)  # one one-time password: the new account's
    screenshot(page, "roster-reimport-done")
    with app.app_context():
        person = db.session.get(Staff, zhang)
        assert (person.subject, person.political_status) == ("数学", "development_target")
