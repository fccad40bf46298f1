"""The semester plan on a 390 px phone, with its 收获 column, on the demo school: nothing wider
than the screen, no text too small, each form's figure readable under its label."""

from sqlalchemy import select

from intranet.extensions import db
from intranet.schedule.models import Semester
from tests.browser.conftest import PHONE_390, screenshot
from tests.browser.test_phones_browser import measure


def test_the_plan_with_its_gain_column_fits_a_390px_phone(demo_page, demo_app):
    with demo_app.app_context():
        semester = db.session.scalar(select(Semester.id).where(Semester.is_current))
    page = demo_page("manager", PHONE_390)
    page.goto(f"/schedule/semesters/{semester}/plan")
    found = measure(page)
    screenshot(page, "phone-390-manager-plan")
    assert found["scrollWidth"] <= PHONE_390["width"], found
    assert not found["wide"] and not found["small"] and not found["squeezed"], found
    gain = page.locator("td.plan-gain").first
    assert gain.is_visible() and gain.bounding_box()["width"] > 200
    assert page.locator("td.plan-gain strong").count() >= 3  # the demo's forms with figures
