"""No edit lost in a conflict, in a real browser: two people edit one record; what only one of
them changed is merged without a question, and a field both changed is chosen side by side."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from intranet.clock import school_today
from intranet.extensions import db
from intranet.mentoring.models import Agreement, Pairing
from intranet.schedule.models import Activity, Semester
from tests.browser.conftest import PHONE, login, screenshot

TODAY = school_today()


@pytest.fixture
def records(app, make_staff):
    ids = {
        "manager": make_staff(role="manager", username="guanli", name="徐丽萍"),
        "manager2": make_staff(role="manager", username="guanli2", name="孙建华"),
        "mentor": make_staff(username="mentor", name="张晓明"),
        "apprentice": make_staff(username="apprentice", name="王晓燕"),
    }
    with app.app_context():
        semester = Semester(
            name="2026-2027学年第一学期",
            start=TODAY - timedelta(days=60),
            end=TODAY + timedelta(days=60),
            is_current=True,
        )
        activity = Activity(
            semester=semester,
            date=TODAY,
            theme="名师展示课：《秋天的雨》",
            place="录播教室",
            responsible_id=ids["manager"],
        )
        pairing = Pairing(
            mentor_id=ids["mentor"],
            apprentice_id=ids["apprentice"],
            start_semester=semester,
            end_semester=semester,
        )
        pairing.agreements.append(
            Agreement(mentor_duties="每学期上示范课 2 节", apprentice_goals="每学期上汇报课 1 节")
        )
        db.session.add_all([semester, activity, pairing])
        db.session.commit()
        ids |= {"activity": activity.id, "pairing": pairing.id}
    return ids


def stored_activity(app, activity_id) -> Activity:
    with app.app_context():
        return db.session.get(Activity, activity_id)


def edit_rows(new_page, records):
    pages = []
    for username in ("guanli", "guanli2"):
        page = new_page()
        login(page, username)
        page.goto("/schedule")
        pages.append(page)
    rows = [p.locator(f"#activity-{records['activity']}") for p in pages]
    for row in rows:
        row.get_by_role("button", name="编辑").click()
        expect(row.get_by_label("主题")).to_be_visible()
    return pages, rows


def test_a_place_saved_after_anothers_theme_keeps_both(new_page, app, records):
    pages, rows = edit_rows(new_page, records)
    rows[0].get_by_label("主题").fill("名师展示课：《秋天的雨》朗读指导")
    rows[0].get_by_role("button", name="保存").click()
    expect(rows[0]).to_contain_text("朗读指导")

    rows[1].get_by_label("地点").fill("三楼会议室")
    rows[1].get_by_role("button", name="保存").click()
    expect(rows[1].get_by_role("cell", name="三楼会议室")).to_be_visible()
    expect(rows[1]).to_contain_text("朗读指导")  # B's screen shows A's theme too
    expect(pages[1].locator("#messages")).to_contain_text("保留了别人对主题的修改")
    saved = stored_activity(app, records["activity"])
    assert (saved.theme, saved.place) == ("名师展示课：《秋天的雨》朗读指导", "三楼会议室")


def test_a_theme_both_changed_is_chosen_side_by_side(new_page, app, records):
    pages, rows = edit_rows(new_page, records)
    rows[0].get_by_label("主题").fill("甲老师的主题")
    rows[0].get_by_label("地点").fill("学术报告厅")
    rows[0].get_by_role("button", name="保存").click()
    expect(rows[0]).to_contain_text("学术报告厅")

    rows[1].get_by_label("主题").fill("乙老师的主题")
    rows[1].get_by_role("button", name="保存").click()
    notice = rows[1].locator(".conflict")
    expect(notice).to_contain_text("甲老师的主题")
    expect(notice).to_contain_text("乙老师的主题")
    expect(notice).not_to_contain_text("学术报告厅")  # only A changed the place: no question
    expect(rows[1].get_by_label("地点")).to_have_value("学术报告厅")
    screenshot(pages[1], "schedule-conflict-by-field")

    notice.get_by_role("radio", name="采用：甲老师的主题").check()
    rows[1].get_by_role("button", name="保存").click()
    expect(rows[1].locator(".conflict")).to_have_count(0)
    expect(rows[1]).to_contain_text("甲老师的主题")
    saved = stored_activity(app, records["activity"])
    assert (saved.theme, saved.place) == ("甲老师的主题", "学术报告厅")


def test_agreement_edited_by_mentor_and_apprentice_keeps_both_parts(new_page, app, records):
    """The same protocol on the agreement: the mentor edits duties, the apprentice on a phone
    edits goals from the same version; neither is reverted."""
    url = f"/mentoring/pairings/{records['pairing']}"
    mentor, apprentice = new_page(), new_page(viewport=PHONE)
    for page, username in ((mentor, "mentor"), (apprentice, "apprentice")):
        login(page, username)
        page.goto(url)
    mentor.get_by_label("导师工作责任").fill("每学期上示范课 3 节")
    mentor.get_by_role("button", name="保存协议内容").click()
    expect(mentor.locator("#messages")).to_contain_text("协议已保存")

    apprentice.get_by_label("徒弟发展目标").fill("三年内成为区级骨干教师")
    apprentice.get_by_role("button", name="保存协议内容").click()
    expect(apprentice.locator("#messages")).to_contain_text("保留了别人对导师工作责任的修改")
    expect(apprentice.get_by_label("导师工作责任")).to_have_value("每学期上示范课 3 节")
    with app.app_context():
        agreement = db.session.get(Pairing, records["pairing"]).agreement
        assert (agreement.mentor_duties, agreement.apprentice_goals) == (
            "每学期上示范课 3 节",
            "三年内成为区级骨干教师",
        )
