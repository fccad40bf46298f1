"""更多 in a real browser: each long list shows fifty rows; a person clicks 更多 and the next
rows appear in place, below the first ones, without the page reloading."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert

from intranet.achievements.models import Achievement
from intranet.clock import school_today
from intranet.extensions import db
from intranet.people.models import Staff
from tests.browser.conftest import login
from tests.test_windows import add_suggestions

TODAY = school_today()


@pytest.fixture
def school(app, make_staff):
    leader = make_staff(role="leader", username="principal", name="周校长")
    teacher = make_staff(username="t1", name="王老师")
    add_suggestions(app, teacher, named=60, anonymous=10, public=True)
    with app.app_context():
        db.session.execute(
            insert(Staff),
            [
                {
                    "username": f"x{i:03d}",
                    "name": f"教师{i}",
                    "pinyin": f"jiaoshi{i:03d}",
                    "pinyin_initials": "js",
                    "session_token": f"s{i}",
                    "ical_token": f"i{i}",
                }
                for i in range(60)
            ],
        )
        db.session.execute(
            insert(Achievement),
            [
                {
                    "staff_id": teacher,
                    "kind": "award",
                    "level": "school",
                    "title": f"成果{i:02d}",
                    "issuer": "",
                    "awarded_on": TODAY - timedelta(days=i),
                }
                for i in range(55)
            ],
        )
        db.session.commit()
    return {"leader": leader, "teacher": teacher}


LISTS = [
    # (who, page, the rows' selector, rows in all)
    ("principal", "/suggestions", "#box-results li[id^=box-]", 70),
    ("t1", "/suggestions/public", "section[id^=public-]", 70),
    ("t1", "/suggestions/mine", "section[id^=mine-]", 60),
    ("t1", "/people", "#staff-tbody tr[id^=staff-]", 62),
    ("t1", "/achievements", "#achievement-list tr[id^=achievement-]", 55),
]


@pytest.mark.parametrize(
    ("username", "path", "rows", "total"), LISTS, ids=[p for _, p, *_ in LISTS]
)
def test_more_brings_the_next_rows_in_place(page, school, username, path, rows, total):
    login(page, username)
    page.goto(path)
    page.evaluate("window.__sameDocument = true")
    listed = page.locator(rows)
    expect(listed).to_have_count(50)
    first = listed.first.get_attribute("id")
    more = page.get_by_role("link", name="更多")
    expect(more).to_have_text(f"更多（还有 {total - 50} 条）")
    more.click()
    expect(listed).to_have_count(total)
    expect(page.get_by_role("link", name="更多")).to_have_count(0)
    assert listed.first.get_attribute("id") == first, "the first rows stay where they were"
    ids = [element.get_attribute("id") for element in listed.all()]
    assert len(set(ids)) == total, "no row twice"
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
