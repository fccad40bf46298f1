"""Screens that stay true after an action, in a real browser (issue 12 §7), and the smaller
fixes of §8 a person sees: copy buttons, a receipt on a phone, no CSP errors from htmx."""

import re

from playwright.sync_api import expect

from intranet.extensions import db
from intranet.suggestions import services
from tests.browser.conftest import PHONE_390, login, screenshot


def csp_errors(page) -> list[str]:
    """Collect the console's Content-Security-Policy complaints from now on."""
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    return seen


def test_htmx_swaps_raise_no_content_security_policy_errors(demo_page):
    page = demo_page("leader")
    errors = csp_errors(page)
    page.goto("/suggestions")
    page.get_by_label("状态").select_option(label="待处理")
    page.wait_for_load_state("networkidle")
    page.get_by_label("状态").select_option("")
    page.wait_for_load_state("networkidle")
    page.locator("#box-results a").first.click()
    expect(page.locator("#box-detail h2")).to_be_visible()
    # A textarea the user dragged bigger carries an inline size; the swap of its form must not
    # write that style back as an attribute (CSP has no 'unsafe-inline').
    reply = page.locator("#box-detail textarea").first
    reply.evaluate("el => { el.style.height = '12rem'; }")
    reply.fill("")
    page.locator("#box-detail").get_by_role("button", name="发送回复").click()
    expect(page.locator("#box-detail .error").first).to_be_visible()
    page.goto("/dashboard")
    page.wait_for_load_state("networkidle")
    page.locator("#main a[hx-get], a[hx-get]").first.click()
    page.wait_for_load_state("networkidle")
    manager = demo_page("manager")
    errors += csp_errors(manager)
    manager.goto("/schedule")
    manager.locator("tr[data-edit-url] td").first.click()
    expect(manager.locator("tr [name=theme]").first).to_be_visible()
    manager.keyboard.press("Escape")
    manager.wait_for_load_state("networkidle")
    manager.goto("/achievements")
    manager.wait_for_load_state("networkidle")
    assert errors == [], "\n".join(errors)


def test_the_box_list_and_counts_follow_a_reply_and_a_status_change(page, app, make_staff):
    author = make_staff(username="t1", name="王老师")
    make_staff(role="leader", username="principal", name="周校长")
    with app.app_context():
        from intranet.people.models import Staff

        services.submit_named(
            db.session.get(Staff, author),
            {"category": "teaching", "title": "增加读书交流", "body": "每月一次读书交流。"},
        )
        db.session.commit()
    login(page, "principal")
    page.goto("/suggestions")
    row = page.locator("#box-results li").filter(has_text="增加读书交流")
    unanswered = page.locator("#box-stats .stat").filter(has_text="尚未回复").locator(".stat-value")
    expect(row.locator(".status")).to_have_text("待处理")
    expect(unanswered).to_have_text("1")
    row.get_by_role("link").click()
    detail = page.locator("#box-detail")
    detail.get_by_label("内容").first.fill("好主意，下个月开始。")
    detail.get_by_role("button", name="发送回复").click()
    expect(row.locator(".status")).to_have_text("处理中")
    expect(unanswered).to_have_text("0")
    detail.get_by_label("改为").select_option(label="已采纳")
    detail.get_by_role("button", name="更新状态").click()
    expect(row.locator(".status")).to_have_text("已采纳")
    adopted = page.locator("#box-stats .stat").filter(has_text="采纳的比例").locator(".stat-value")
    expect(adopted).to_have_text("100%")


def test_publishing_a_report_changes_its_header(page, app, make_staff):
    from intranet.achievements.models import WorkReport
    from intranet.clock import utcnow
    from intranet.schedule.models import Semester
    from tests.conftest import START

    teacher = make_staff(username="t1", name="王晓燕")
    make_staff(role="manager", username="guanli", name="徐丽萍")
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=START.date().replace(day=1),
            end=START.date().replace(month=12, day=31),
            is_current=True,
        )
        report = WorkReport(
            staff_id=teacher,
            semester=semester,
            body="我的汇报",
            state="submitted",
            submitted_at=utcnow(),
        )
        db.session.add(report)
        db.session.commit()
        report_id = report.id
    login(page, "guanli")
    page.goto(f"/achievements/reports/{report_id}")
    head = page.locator(f"#report-head-{report_id} .status")
    expect(head).to_have_text("已提交")
    page.get_by_label("评语").fill("写得很实在。")
    page.get_by_label("处理").select_option(label="审阅通过并公开")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#messages")).to_contain_text("已公开")
    expect(head).to_have_text("已公开")


def test_the_projector_counts_check_ins_without_a_reload(page, app, make_staff):
    from intranet.schedule.models import Activity, Attendance, Semester
    from tests.conftest import START

    manager = make_staff(role="manager", username="guanli", name="徐丽萍")
    teacher = make_staff(username="t1", name="王晓燕")
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=START.date().replace(day=1),
            end=START.date().replace(month=12, day=31),
            is_current=True,
        )
        activity = Activity(
            semester=semester,
            date=START.date(),
            theme="展示课",
            level="school",
            form="demo_lesson",
            responsible_id=manager,
        )
        db.session.add(activity)
        db.session.commit()
        activity_id = activity.id
    login(page, "guanli")
    page.goto(f"/schedule/activities/{activity_id}/checkin-code")
    count = page.locator(f"#checkin-count-{activity_id}")
    expect(count).to_have_text("0")
    page.evaluate("window.__sameDocument = true")
    with app.app_context():
        db.session.add(Attendance(activity_id=activity_id, staff_id=teacher, status="present"))
        db.session.commit()
    expect(count).to_have_text("1", timeout=8000)
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"


def test_the_receipt_copies_and_keeps_its_groups_whole_on_a_phone(new_page, make_staff):
    make_staff(username="t1", name="王晓燕")
    page = new_page(viewport=PHONE_390)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "t1")
    page.goto("/suggestions/new")
    page.get_by_label("标题").fill("办公室饮水机")
    page.get_by_label("建议内容").fill("三楼办公室的饮水机坏了一周。")
    page.get_by_role("radio", name="匿名提交").check()
    page.get_by_role("button", name="提交建议").click()
    receipt = page.locator("#receipt-code")
    expect(receipt).to_be_visible()
    code = receipt.inner_text()
    assert re.fullmatch(r"([A-Z2-9]{5}-){4}[A-Z2-9]{5}", code), code
    # Every group is on one line: as tall as one line of the code, and inside the screen.
    groups = page.locator(".receipt-group")
    line = groups.first.bounding_box()["height"]
    for n in range(groups.count()):
        box = groups.nth(n).bounding_box()
        assert box["height"] < line * 1.5 and box["x"] + box["width"] <= 390, n
    screenshot(page, "receipt-390")
    page.get_by_role("button", name="复制回执码").click()
    expect(page.locator("#messages")).to_contain_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == code


def test_the_calendar_address_copies(page, make_staff):
    make_staff(username="t1", name="王晓燕")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "t1")
    page.goto("/")
    address = page.locator("#calendar-feed-url").inner_text()
    page.get_by_role("button", name="复制地址").click()
    expect(page.locator("#messages")).to_contain_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == address
