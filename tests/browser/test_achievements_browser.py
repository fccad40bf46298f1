"""Achievements, work reports and the scheme in a real browser: a certificate recorded and
verified, a report written, returned and published, a scheme value refused then saved."""

from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from intranet.clock import school_today
from intranet.extensions import db
from intranet.schedule.models import Semester
from tests.browser.conftest import PHONE, PHONE_390, login, screenshot

TODAY = school_today()


@pytest.fixture
def studio(app, make_staff):
    ids = {
        "manager": make_staff(role="manager", username="guanli", name="徐丽萍"),
        "teacher": make_staff(username="t1", name="王晓燕"),
    }
    with app.app_context():
        db.session.add(
            Semester(
                name="2026-2027学年第一学期",
                start=TODAY - timedelta(days=50),
                end=TODAY + timedelta(days=50),
                is_current=True,
            )
        )
        db.session.commit()
    return ids


def test_teacher_records_a_certificate_and_a_manager_verifies_it(new_page, studio, tmp_path):
    certificate = tmp_path / "证书.png"
    Image.new("RGB", (300, 200), "gold").save(certificate)
    teacher = new_page(viewport=PHONE)
    login(teacher, "t1")
    teacher.goto("/achievements")
    teacher.get_by_label("级别").select_option(label="区级")
    teacher.get_by_label("名称").fill("优质课评比一等奖")
    teacher.get_by_label("获得日期").fill(TODAY.isoformat())
    teacher.get_by_label("颁发单位").fill("六合区教育局")
    teacher.get_by_label("证书（图片或 PDF）").set_input_files(str(certificate))
    teacher.get_by_role("button", name="保存成果").click()
    row = teacher.locator("#achievement-list tr", has_text="优质课评比一等奖")
    expect(row).to_contain_text("待认定")

    manager = new_page()
    login(manager, "guanli")
    manager.goto("/achievements?view=pending")
    manager.get_by_role("button", name="认定 优质课评比一等奖").click()
    expect(manager.locator("#achievement-list")).to_contain_text("已认定")
    teacher.reload()
    expect(teacher.locator("#achievement-list tr", has_text="优质课评比一等奖")).to_contain_text(
        "已认定"
    )


def test_report_written_returned_then_published(new_page, studio):
    teacher = new_page()
    login(teacher, "t1")
    teacher.goto("/achievements/reports/mine")
    teacher.get_by_label("汇报内容").fill("本学期上汇报课一节，听课十二节。")
    teacher.get_by_role("button", name="提交汇报").click()
    expect(teacher.get_by_text("已提交", exact=True)).to_be_visible()

    manager = new_page()
    login(manager, "guanli")
    manager.goto("/achievements/reports")
    manager.get_by_role("row", name="王晓燕").get_by_role("link", name="阅读并审阅").click()
    manager.get_by_label("处理").select_option(label="退回修改")
    manager.get_by_role("button", name="保存").click()
    expect(manager.locator(".error").first).to_be_visible()
    manager.get_by_label("评语").fill("请补充读书情况。")
    manager.get_by_role("button", name="保存").click()
    expect(manager.locator("#messages")).to_contain_text("已退回修改")

    teacher.reload()
    expect(teacher.get_by_text("请补充读书情况。")).to_be_visible()
    teacher.get_by_label("汇报内容").fill("本学期上汇报课一节，听课十二节，读完一本专著。")
    teacher.get_by_role("button", name="提交汇报").click()
    expect(teacher.get_by_text("已提交", exact=True)).to_be_visible()

    manager.reload()
    manager.get_by_label("处理").select_option(label="审阅通过并公开")
    manager.get_by_role("button", name="保存").click()
    expect(manager.locator("#messages")).to_contain_text("已公开")
    screenshot(manager, "achievements-report-published")


def test_a_teacher_takes_a_wrong_file_out_of_a_draft_on_a_phone(new_page, studio, tmp_path):
    """A draft saved with two files, one of them the wrong one: on a phone the teacher deletes
    it (after confirming) while in the middle of typing; the text typed stays, the right file
    stays, and the report then saves."""
    wrong, right = tmp_path / "别的学期.png", tmp_path / "听课记录.png"
    Image.new("RGB", (80, 60), "gray").save(wrong)
    Image.new("RGB", (80, 60), "white").save(right)
    page = new_page(viewport=PHONE_390)
    login(page, "t1")
    page.goto("/achievements/reports/mine")
    page.get_by_label("汇报内容").fill("本学期上汇报课一节。")
    page.get_by_label("附件").set_input_files([str(wrong), str(right)])
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#messages")).to_contain_text("草稿已保存")
    page.get_by_label("汇报内容").fill("本学期上汇报课一节，听课十二节。")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="删除附件 别的学期.png").click()
    expect(page.locator("#messages")).to_contain_text("已删除附件 别的学期.png")
    files = page.locator("ul.files")
    expect(files).not_to_contain_text("别的学期.png")
    expect(files).to_contain_text("听课记录.png")
    expect(page.get_by_label("汇报内容")).to_have_value("本学期上汇报课一节，听课十二节。")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The first save's toast may still show: wait for this save's own answer before reloading.
    with page.expect_response(lambda r: r.request.method == "POST" and "/reports/mine" in r.url):
        page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#messages")).to_contain_text("草稿已保存")
    page.reload()
    expect(page.get_by_label("汇报内容")).to_have_value("本学期上汇报课一节，听课十二节。")
    expect(page.locator("ul.files")).not_to_contain_text("别的学期.png")


def test_a_bad_scheme_value_is_refused_and_everything_typed_kept(page, studio):
    login(page, "guanli")
    page.goto("/achievements/evaluation/scheme")
    page.get_by_label("每参加一次活动").fill("-3")
    page.get_by_label("按时提交工作汇报").fill("8")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_label("按时提交工作汇报")).to_have_value("8")
    expect(page.locator(".error").first).to_be_visible()
    page.get_by_label("每参加一次活动").fill("2")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#messages")).to_contain_text("保存")
    page.reload()
    expect(page.get_by_label("每参加一次活动")).to_have_value("2")
