"""The dashboard and the archive in a real browser: a principal clicks a bar and reads its
detail without leaving the page; a manager downloads the semester archive and it opens."""

import io
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from intranet.clock import school_today
from intranet.extensions import db
from intranet.schedule.models import Activity, Attendance, PlanTarget, Semester
from tests.browser.conftest import login, screenshot

TODAY = school_today()


@pytest.fixture
def studio(app, make_staff):
    ids = {
        "leader": make_staff(role="leader", username="xiaozhang", name="周文华"),
        "teacher": make_staff(username="t1", name="王晓燕", political_status="member"),
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
            date=TODAY - timedelta(days=3),
            status="done",
            theme="名师展示课：《秋天的雨》",
            form="demo_lesson",
        )
        db.session.add_all([semester, activity])
        db.session.flush()
        db.session.add(
            PlanTarget(semester_id=semester.id, level="school", form="demo_lesson", count=3)
        )
        db.session.add(Attendance(activity_id=activity.id, staff_id=ids["teacher"]))
        db.session.commit()
        ids["semester"] = semester.id
    return ids


def test_principal_clicks_a_bar_and_sees_its_activities(page, studio):
    login(page, "xiaozhang")
    page.goto("/dashboard")
    page.evaluate("window.__sameDocument = true")
    chart = page.get_by_role("group", name="各级别、各形式的计划次数与已开展次数（点柱子看明细）")
    chart.locator("a").first.click()
    detail = page.locator("#dashboard-detail")
    expect(detail).to_contain_text("校内展示课活动")
    expect(detail.get_by_role("link", name="名师展示课：《秋天的雨》")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    screenshot(page, "dashboard")


def test_leader_downloads_the_archive_and_it_opens(page, studio):
    login(page, "xiaozhang")
    page.goto("/archive")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载资料附录（.zip）").click()
    data = info.value.path().read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    workbook = next(n for n in archive.namelist() if n.endswith(".xlsx"))
    book = load_workbook(io.BytesIO(archive.read(workbook)))
    assert {"活动安排与记录", "出勤", "成果", "评估"} <= set(book.sheetnames)
    assert book["活动安排与记录"]["F2"].value == "名师展示课：《秋天的雨》"
