"""参加对象 in a real browser, on a phone (390 px) and a desktop (1366 px): a manager sets who an
activity is for and sees the count, the invited teacher finds it on the home page, a manager
calls the roll with 全部出席 and one 请假, and a past activity is offered as 已完成."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.people.models import PoolMembership
from intranet.schedule.models import Activity, Attendance, Semester
from tests.browser.conftest import DESKTOP, PHONE_390, login, screenshot

TODAY = school_today()
SIZES = pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["390", "1366"])


@pytest.fixture
def world(app, make_staff):
    ids = {
        "manager": make_staff(role="manager", username="guanli", name="徐丽萍"),
        "mentor": make_staff(username="t1", name="王晓燕", political_status="member"),
        "party": make_staff(username="t2", name="赵建国", political_status="probationary"),
        "member": make_staff(username="t026", name="李春梅"),
    }
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=TODAY - timedelta(days=60),
            end=TODAY + timedelta(days=60),
            is_current=True,
        )
        coming = Activity(
            semester=semester,
            date=TODAY + timedelta(days=4),
            form="training",
            theme="全校信息技术培训",
            invite_groups="mentor",
        )
        today = Activity(
            semester=semester,
            date=TODAY,
            theme="主题党日研讨",
            form="theme_seminar",
            invite_groups="party",
        )
        held = Activity(
            semester=semester,
            date=TODAY - timedelta(days=2),
            theme="徒弟汇报课",
            responsible_id=ids["mentor"],
            summary="研讨了识字教学。",
        )
        db.session.add_all([semester, coming, today, held])
        db.session.add(PoolMembership(staff_id=ids["mentor"], pool="mentor", since=semester.start))
        db.session.flush()
        # A colleague scanned its code: proof it took place that the teacher did not make alone.
        db.session.add(
            Attendance(activity_id=held.id, staff_id=ids["member"], checked_in_at=utcnow())
        )
        db.session.commit()
        ids |= {"coming": coming.id, "today": today.id, "held": held.id}
    return ids


@SIZES
def test_manager_sets_invitees_by_group_and_the_invited_teacher_sees_it_at_home(
    new_page, world, viewport
):
    manager = new_page(viewport)
    login(manager, "guanli")
    manager.goto(f"/schedule/activities/{world['coming']}")
    card = manager.locator(f"#invitees-{world['coming']}")
    expect(card.locator(".invited-count")).to_have_text("1")
    card.get_by_text("修改参加对象").click()
    card.get_by_label("导师库").uncheck()
    card.get_by_label("全体教师").check()
    card.get_by_role("button", name="保存参加对象").click()
    expect(card.locator(".invited-count")).to_have_text("4")
    expect(card).to_contain_text("全体教师")
    screenshot(manager, f"invitees-set-{viewport['width']}")

    teacher = new_page(viewport)
    login(teacher, "t026")
    teacher.goto("/")
    expect(teacher.get_by_role("link", name="全校信息技术培训")).to_be_visible()


@SIZES
def test_manager_calls_the_roll_with_all_present_and_one_leave(app, new_page, world, viewport):
    page = new_page(viewport)
    login(page, "guanli")
    page.goto(f"/schedule/activities/{world['today']}")
    roll = page.locator(f"#attendance-{world['today']}")
    expect(roll).to_contain_text("应到 2 人")
    row = roll.locator("li", has_text="赵建国")
    row.get_by_label("请假", exact=True).check()
    row.get_by_label("赵建国的请假原因").fill("外出培训")
    roll.get_by_role("button", name="全部出席").click()
    expect(page.locator("#messages")).to_contain_text("点名已保存")
    expect(roll).to_contain_text("出席 1 人")
    expect(roll).to_contain_text("请假 1 人")
    expect(roll.locator("li", has_text="王晓燕").get_by_label("出席", exact=True)).to_be_checked()
    screenshot(page, f"roll-call-{viewport['width']}")
    with app.app_context():
        stored = {
            (row.staff.name, row.status, row.reason)
            for row in db.session.scalars(
                db.select(Attendance).where(Attendance.activity_id == world["today"])
            )
        }
    assert stored == {("王晓燕", "present", ""), ("赵建国", "excused", "外出培训")}


@SIZES
def test_a_past_activity_is_offered_as_done_to_its_responsible_teacher(new_page, world, viewport):
    page = new_page(viewport)
    login(page, "t1")
    page.goto(f"/schedule/activities/{world['held']}")
    page.get_by_role("button", name="标记为已完成").click()
    expect(page.locator(".facts .status")).to_have_text("已完成")
    expect(page.get_by_role("button", name="标记为已完成")).to_have_count(0)
