"""外校来宾 in a real browser, on a phone: a teacher from a partner school, with no account, opens
the check-in link of a 片区 activity, is told what is missing, fills the form and is welcomed;
the manager then finds them on the activity's page."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from intranet.clock import school_today
from intranet.extensions import db
from intranet.schedule import services
from intranet.schedule.models import Activity, PartnerSchool, Semester
from tests.browser.conftest import PHONE_390, axe_violations, describe_violations, login


@pytest.fixture
def seminar(app, make_staff):
    make_staff(username="manager", role="manager", name="李管理")
    today = school_today()
    with app.app_context():
        semester = Semester(
            name="2026-2027学年第一学期",
            start=today - timedelta(days=60),
            end=today + timedelta(days=60),
            is_current=True,
        )
        school = PartnerSchool(name="竹镇中心小学", cluster="竹镇片")
        activity = Activity(
            semester=semester,
            date=today,
            theme="片区主题研讨：整本书阅读",
            level="cluster",
            form="theme_seminar",
            partner_school=school,
        )
        db.session.add_all([semester, school, activity])
        db.session.commit()
        link = f"/schedule/checkin/{activity.checkin_token}?code={services.checkin_code(activity)}"
        return {"id": activity.id, "link": link}


def test_a_guest_checks_in_on_a_phone_without_an_account(new_page, seminar):
    page = new_page(viewport=PHONE_390)
    page.goto(seminar["link"])
    expect(page.get_by_role("heading", name="外校老师签到")).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    page.get_by_label("任教学科").fill("语文")
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.get_by_text("请填写姓名。")).to_be_visible()
    expect(page.get_by_label("任教学科")).to_have_value("语文")  # kept
    page.get_by_label("姓名").fill("赵老师")
    page.get_by_label("学校").fill("竹镇中心小学")
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("签到成功")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    login(page, "manager")
    page.goto(f"/schedule/activities/{seminar['id']}")
    guests = page.locator(f"#guests-{seminar['id']}")
    expect(guests).to_contain_text("1 人")
    expect(guests.get_by_role("cell", name="赵老师")).to_be_visible()
