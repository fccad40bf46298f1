"""The suggestion box in a real browser: anonymous submit and tracking, a leader answering,
a colleague supporting a public suggestion."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from intranet.extensions import db
from intranet.suggestions import services
from intranet.suggestions.models import AnonymousSuggestion
from tests.browser.conftest import PHONE, login, screenshot


def test_anonymous_suggestion_and_tracking_by_receipt(new_page, make_staff):
    make_staff(username="t1", name="非党员老师", political_status="non_party")
    page = new_page(viewport=PHONE)
    login(page, "t1")
    page.goto("/suggestions/new")
    expect(page.get_by_text("不记录是谁提交的")).to_be_visible()
    page.get_by_label("类别").select_option(label="后勤保障")
    page.get_by_label("标题").fill("办公室饮水机")
    page.get_by_label("建议内容").fill("三楼办公室的饮水机坏了一周，希望尽快修理。")
    page.get_by_role("radio", name="匿名提交").check()
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="提交建议").click()
    receipt = page.locator("#receipt-code")
    expect(receipt).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True, "submitting reloaded the page"
    code = receipt.inner_text()
    assert re.fullmatch(r"([A-Z2-9]{5}-){4}[A-Z2-9]{5}", code)
    screenshot(page, "suggestion-receipt-phone")

    page.get_by_role("link", name="凭回执码查询").first.click()
    page.get_by_label("回执码").fill(code.lower())
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="办公室饮水机")).to_be_visible()
    expect(page.get_by_text("待处理").first).to_be_visible()
    page.get_by_label("补充说明").fill("补充：热水那一侧漏水。")
    page.get_by_role("button", name="发送补充").click()
    expect(page.get_by_text("补充：热水那一侧漏水。")).to_be_visible()
    expect(page.get_by_text("作者补充")).to_be_visible()


def test_leader_replies_and_changes_status_inline(page, app, make_staff):
    author = make_staff(username="t1", name="王老师")
    make_staff(role="leader", username="principal", name="周校长")
    with app.app_context():
        from intranet.people.models import Staff

        services.submit_named(
            db.session.get(Staff, author),
            {"category": "teaching", "title": "增加读书交流", "body": "每月一次读书交流。"},
        )
        services.submit_anonymous({"category": "other", "title": "食堂", "body": "菜太咸"})
        db.session.flush()
        for item in db.session.scalars(db.select(AnonymousSuggestion)):
            item.created_on -= timedelta(days=1)  # yesterday's: released this morning
        db.session.commit()
    login(page, "principal")
    page.goto("/suggestions")
    expect(page.get_by_text("待处理和处理中")).to_be_visible()
    page.get_by_role("link", name=re.compile("增加读书交流")).click()
    detail = page.locator("#box-detail")
    detail.get_by_label("内容").first.fill("好主意，下个月开始。")
    detail.get_by_role("button", name="发送回复").click()
    expect(detail.get_by_text("好主意，下个月开始。")).to_be_visible()
    expect(detail.locator(".status").first).to_have_text("处理中")

    detail.get_by_label("改为").select_option(label="暂不采纳")
    detail.get_by_role("button", name="更新状态").click()
    expect(detail.get_by_text("需要写明原因")).to_be_visible()
    detail.get_by_label("改为").select_option(label="已采纳")
    detail.get_by_role("button", name="更新状态").click()
    expect(detail.locator(".status").first).to_have_text("已采纳")
    expect(page.locator("#messages")).to_contain_text("状态已改为")
    screenshot(page, "suggestions-leader")

    page.get_by_role("link", name=re.compile("食堂")).click()
    expect(detail.get_by_role("heading", name="食堂")).to_be_visible()
    expect(detail).to_contain_text("匿名")


def test_teacher_reads_a_public_suggestion_and_supports_it_once(page, app, make_staff):
    author = make_staff(username="t1", name="王老师")
    make_staff(username="t2", name="李老师")
    with app.app_context():
        from intranet.people.models import Staff

        item = services.submit_named(
            db.session.get(Staff, author),
            {"category": "activities", "title": "展示课换成同课异构", "body": "更有比较。"},
        )
        item.is_public = True
        db.session.commit()
    login(page, "t2")
    page.goto("/suggestions/public")
    card = page.locator("section.suggestion").filter(has_text="展示课换成同课异构")
    expect(card.get_by_text("0 人支持")).to_be_visible()
    card.get_by_role("button", name="支持").click()
    expect(card.get_by_text("1 人支持")).to_be_visible()
    expect(card.get_by_role("button", name="支持")).to_have_count(0)
    page.reload()
    expect(card.get_by_text("已支持")).to_be_visible()
    expect(card.get_by_text("1 人支持")).to_be_visible()
    screenshot(page, "suggestions-public")
