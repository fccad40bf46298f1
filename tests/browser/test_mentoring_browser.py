"""Mentoring in a real browser: a pairing from the template signed by both sides, an
observation on a phone, and plan progress that follows the schedule."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.mentoring.models import DevelopmentPlan, PlanItem
from intranet.people.models import PoolMembership, Staff
from intranet.schedule.models import Activity, Attendance, Semester
from tests.browser.conftest import PHONE, login, screenshot

TODAY = school_today()


@pytest.fixture
def studio(app, make_staff):
    ids = {
        "manager": make_staff(role="manager", username="guanli", name="徐丽萍"),
        "mentor": make_staff(username="mentor", name="张晓明", political_status="member"),
        "apprentice": make_staff(username="apprentice", name="王晓燕"),
        "observer": make_staff(username="observer", name="李静"),
    }
    with app.app_context():
        semester = Semester(
            name="2026-2027学年第一学期",
            start=TODAY - timedelta(days=50),
            end=TODAY + timedelta(days=50),
            is_current=True,
        )
        apprentice = db.session.get(Staff, ids["apprentice"])
        lesson = Activity(
            semester=semester,
            date=TODAY,
            theme="徒弟汇报课：《圆的认识》",
            form="report_lesson",
            responsible_id=ids["manager"],
            presenters=[apprentice],
        )
        db.session.add_all([semester, lesson])
        db.session.flush()
        # the observer came to the lesson: only those who attended score it
        db.session.add(
            Attendance(activity_id=lesson.id, staff_id=ids["observer"], checked_in_at=utcnow())
        )  # scanned in: may score the lesson
        db.session.add(PoolMembership(staff_id=ids["mentor"], pool="mentor", since=TODAY))
        db.session.commit()
        ids |= {"semester": semester.id, "lesson": lesson.id}
    return ids


def test_pairing_from_the_template_signed_by_both_sides(new_page, studio):
    manager = new_page()
    login(manager, "guanli")
    manager.goto("/mentoring")
    manager.get_by_role("link", name="新建结对").click()
    expect(manager.get_by_label("导师工作责任")).to_contain_text("每学期为徒弟上示范课不少于 2 节")
    manager.get_by_label("导师", exact=True).select_option(label="张晓明（导师库）")
    manager.get_by_label("徒弟", exact=True).select_option(label="王晓燕")
    manager.get_by_label("徒弟发展目标").fill("每学期上汇报课 1 节。\n三年内成为区级骨干教师。")
    manager.get_by_role("button", name="建立结对").click()
    expect(manager.get_by_text("草拟中")).to_be_visible()
    pairing_url = manager.url

    for username in ("mentor", "apprentice"):
        page = new_page()
        login(page, username)
        page.goto(pairing_url)
        page.get_by_role("button", name="我已阅读协议，确认签字").click()
        expect(page.get_by_role("button", name="我已阅读协议，确认签字")).to_have_count(0)
    expect(page.get_by_text("已签订，内容已锁定")).to_be_visible()
    expect(page.get_by_text("三年内成为区级骨干教师。")).to_be_visible()
    screenshot(page, "mentoring-agreement-signed")
    page.get_by_role("link", name="打印协议").click()
    expect(page.get_by_role("heading", name="师徒结对协议书")).to_be_visible()
    expect(page.get_by_text("已于")).to_have_count(2)


def test_observation_form_filled_on_a_phone(new_page, studio):
    page = new_page(viewport=PHONE)
    login(page, "observer")
    page.goto(f"/schedule/activities/{studio['lesson']}")
    page.get_by_role("link", name="听课评课").click()
    for label, score in (
        ("教学目标", "18"),
        ("教学过程", "22"),
        ("教学效果", "17"),
        ("教师素养", "13"),
    ):
        page.get_by_label(label).fill(score)
    page.get_by_label("优点与亮点").fill("提问有层次")
    page.get_by_role("button", name="提交评课").click()
    expect(page.get_by_text("请给“学生参与”打分。")).to_be_visible()
    expect(page.get_by_label("优点与亮点")).to_have_value("提问有层次")
    expect(page.get_by_label("教学过程")).to_have_value("22")
    page.get_by_label("学生参与").fill("30")  # the phone itself refuses more than the maximum
    assert page.get_by_label("学生参与").evaluate("input => input.validity.rangeOverflow")
    page.get_by_label("学生参与").fill("16")
    page.get_by_role("button", name="提交评课").click()
    expect(page.get_by_text("您给 王晓燕 的评分：86 分")).to_be_visible()
    screenshot(page, "mentoring-observation-phone")


def test_apprentice_sees_plan_progress_after_the_lesson_is_marked_held(new_page, app, studio):
    with app.app_context():
        plan = DevelopmentPlan(
            staff_id=studio["apprentice"],
            start_year=TODAY.year - 1,
            end_year=TODAY.year + 1,
            goals="站稳课堂",
        )
        plan.items.append(PlanItem(semester_id=studio["semester"], kind="report_lesson", target=1))
        db.session.add(plan)
        db.session.commit()
    apprentice = new_page()
    login(apprentice, "apprentice")
    apprentice.goto(f"/mentoring/plans/{studio['apprentice']}")
    item = apprentice.locator(".plan-item").first
    expect(item).to_contain_text("0 / 1")

    manager = new_page()
    login(manager, "guanli")
    manager.goto("/schedule")
    row = manager.locator(f"#activity-{studio['lesson']}")
    row.get_by_role("button", name="编辑").click()
    row.get_by_label("状态").select_option(label="已完成")
    row.get_by_role("button", name="保存").click()
    expect(row.get_by_text("已完成")).to_be_visible()

    apprentice.reload()
    expect(item).to_contain_text("1 / 1")
    expect(item).to_contain_text("已完成")
    screenshot(apprentice, "mentoring-plan-progress")


def test_tasks_feedback_and_the_plan_kept_in_place(new_page, app, studio):
    from intranet.mentoring.models import Agreement, Pairing

    with app.app_context():
        pairing = Pairing(
            mentor_id=studio["mentor"],
            apprentice_id=studio["apprentice"],
            start_semester_id=studio["semester"],
            end_semester_id=studio["semester"],
            state="active",
        )
        pairing.agreements.append(Agreement(mentor_duties="导师责任", apprentice_goals="徒弟目标"))
        db.session.add(pairing)
        db.session.commit()
        pairing_id = pairing.id
    mentor = new_page()
    login(mentor, "mentor")
    mentor.goto(f"/mentoring/pairings/{pairing_id}")
    agreement = mentor.locator(f"#agreement-{pairing_id}")
    agreement.get_by_label("导师工作责任").fill("每学期上示范课 3 节")
    agreement.get_by_role("button", name="保存协议内容").click()
    expect(mentor.locator("#messages")).to_contain_text("协议已保存")
    tasks = mentor.locator(f"#tasks-{pairing_id}")
    tasks.get_by_label("任务").fill("准备汇报课教案")
    tasks.get_by_role("button", name="添加任务").click()
    expect(tasks).to_contain_text("准备汇报课教案")

    apprentice = new_page(viewport=PHONE)
    login(apprentice, "apprentice")
    apprentice.goto(f"/mentoring/pairings/{pairing_id}")
    expect(apprentice.get_by_text("每学期上示范课 3 节")).to_be_visible()
    apprentice.get_by_role("button", name="标记为完成：准备汇报课教案").click()
    expect(apprentice.get_by_role("button", name="标记为未完成：准备汇报课教案")).to_be_visible()
    apprentice.get_by_role("radio", name="非常满意").check()
    apprentice.get_by_label("意见和建议").fill("每周都来听课，指导很具体。")
    apprentice.get_by_role("button", name="提交评价").click()
    expect(apprentice.get_by_text("的评价，谢谢。")).to_be_visible()

    apprentice.goto(f"/mentoring/plans/{studio['apprentice']}")
    apprentice.get_by_label("发展目标").fill("三年内成为区级骨干教师。")
    apprentice.get_by_role("button", name="保存规划").click()
    expect(apprentice.get_by_role("button", name="添加学期目标")).to_be_visible()
    apprentice.get_by_label("学期", exact=True).select_option(label="2026-2027学年第一学期")
    apprentice.get_by_label("类别").select_option(label="听课")
    apprentice.get_by_label("目标数量").fill("6")
    apprentice.get_by_role("button", name="添加学期目标").click()
    expect(apprentice.locator(".plan-item")).to_contain_text("0 / 6")
    apprentice.get_by_role("button", name="删除目标 听课").click()
    expect(apprentice.locator(".plan-item")).to_have_count(0)
