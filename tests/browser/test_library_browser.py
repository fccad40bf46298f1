"""活动形式库 on a 390 px phone: a manager adopts a suggested form and finds it among the new
row's 形式; the plan flags a form used four semesters running while its 收获 fell."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from intranet.clock import school_today
from intranet.extensions import db
from intranet.feedback.models import Feedback
from intranet.schedule.models import Activity, Semester
from tests.browser.conftest import PHONE_390, axe_violations, login, screenshot
from tests.browser.test_phones_browser import measure

TODAY = school_today()


@pytest.fixture
def worn(app, make_staff):
    """Five semesters half a year apart; 专题讲座 in the last four, its 收获 falling."""
    make_staff(role="manager", username="guanli", name="徐丽萍")
    with app.app_context():
        terms = []
        for n in range(5):
            start = TODAY - timedelta(days=182 * (4 - n) + 30)
            terms.append(
                Semester(
                    name=f"学期{n}",
                    start=start,
                    end=start + timedelta(days=150),
                    is_current=n == 4,
                )
            )
        db.session.add_all(terms)
        db.session.flush()
        for term, good in zip(terms[1:], (9, 7, 6, 4), strict=True):
            lecture = Activity(
                semester_id=term.id,
                date=term.start + timedelta(days=5),
                theme="专题讲座",
                form="lecture",
            )
            db.session.add(lecture)
            db.session.flush()
            db.session.add_all(
                Feedback(
                    activity_id=lecture.id,
                    gain=4 if n < good else 1,
                )
                for n in range(10)
            )
        db.session.commit()
        return terms[-1].id


def test_manager_adopts_a_form_and_the_plan_flags_a_worn_one_on_a_phone(new_page, worn):
    page = new_page(PHONE_390)
    login(page, "guanli")
    page.goto("/schedule/forms")
    page.get_by_role("button", name="采用同课异构").click()
    expect(page.get_by_role("heading", name="同课异构")).to_be_visible()
    found = measure(page)
    screenshot(page, "phone-390-form-library")
    assert found["scrollWidth"] <= PHONE_390["width"], found
    assert not found["wide"] and not found["small"], found
    assert axe_violations(page) == []

    page.goto("/schedule")
    page.get_by_role("button", name="＋ 新增一行").click()
    new_row = page.locator("#new-activities tr.editing")
    new_row.get_by_label("形式").select_option(label="同课异构")
    new_row.get_by_label("主题").fill("同课异构：《秋天的雨》")
    new_row.get_by_label("主题").press("Enter")
    expect(page.get_by_role("link", name="同课异构：《秋天的雨》")).to_be_visible()

    page.goto(f"/schedule/semesters/{worn}/plan")
    expect(page.get_by_text("收获连续下降，建议换形式")).to_be_visible()
    found = measure(page)
    screenshot(page, "phone-390-plan-worn-form")
    assert found["scrollWidth"] <= PHONE_390["width"], found
    assert axe_violations(page) == []
