"""Accessible to everyone, checked in a real browser on the demo school: axe-core (npm, pinned
in package.json) finds no WCAG 2 A/AA violation on any main page, for any role, on a phone or a
desktop; the schedule's inline editor and the dashboard's drill-down work with the keyboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DESKTOP,
    PAGES_BY_ROLE,
    PHONE_390,
    axe_violations,
    describe_violations,
    screenshot,
)

WIDTHS = {"phone": PHONE_390, "desktop": DESKTOP}


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", list(PAGES_BY_ROLE))
def test_main_pages_have_no_wcag_a_or_aa_violations(role, width, demo_page, demo_urls):
    page = demo_page(role, WIDTHS[width])
    found = []
    for name in PAGES_BY_ROLE[role]:
        page.goto(demo_urls[name])
        assert "/login" not in page.url, f"{role} was sent to log in at {name}"
        violations = axe_violations(page)
        if violations:
            found.append(f"{name} ({demo_urls[name]}):\n{describe_violations(violations)}")
        if width == "desktop":
            screenshot(page, f"desktop-1366-{role}-{name}")
    assert not found, f"axe, {role} at {WIDTHS[width]['width']} px:\n" + "\n".join(found)


def in_view(locator) -> bool:
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0; }"
    )


def tab_until(page, predicate: str, most: int = 80) -> None:
    """Press Tab until the focused element satisfies the JavaScript predicate (on `el`)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate}; }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def test_a_schedule_row_is_edited_and_saved_with_the_keyboard_alone_on_a_phone(
    demo_page, demo_urls
):
    page = demo_page("manager", PHONE_390)
    page.goto(demo_urls["schedule"])
    row = page.locator("tr[data-edit-url]").first
    row_id = row.get_attribute("id")
    # Start from the row's theme link, then the keyboard only: Tab to 编辑, Enter.
    row.locator("td.theme a").focus()
    tab_until(page, "el.textContent.trim() === '编辑'")
    assert page.evaluate("document.activeElement.closest('tr').id") == row_id
    page.keyboard.press("Enter")
    editor = page.locator(f"#{row_id}.editing")
    expect(editor).to_be_visible()
    tab_until(page, "el.labels && el.labels.length && el.labels[0].textContent.includes('主题')")
    theme = page.locator(f"#{row_id}-form").get_by_label("主题")
    box = theme.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_390["width"] + 1, box
    # One field per line, the whole width of the card: nothing to scroll sideways to.
    lefts = page.locator(f"#{row_id}-form .row-grid").evaluate(
        "grid => [...grid.querySelectorAll('input:not([type=hidden]), select, textarea')]"
        ".map(el => Math.round(el.getBoundingClientRect().left))"
    )
    assert len(set(lefts)) == 1, f"the editor's fields are side by side: {lefts}"
    assert box["width"] >= 0.75 * PHONE_390["width"], box
    screenshot(page, "phone-390-manager-schedule-editor")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("键盘编辑的主题")
    page.keyboard.press("Enter")
    saved = page.locator(f"tr#{row_id}:not(.editing)")
    expect(saved).to_contain_text("键盘编辑的主题")
    page.reload()
    expect(page.locator(f"tr#{row_id}")).to_contain_text("键盘编辑的主题")


def test_a_dashboard_bar_opens_its_detail_with_the_keyboard_and_the_detail_comes_into_view(
    demo_page, demo_urls
):
    page = demo_page("leader", PHONE_390)
    page.goto(demo_urls["dashboard"])
    page.evaluate("window.__sameDocument = true")
    tab_until(page, "el.closest('svg') !== null && el.tagName.toLowerCase() === 'a'")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Enter")
    heading = page.locator("#dashboard-detail h2")
    expect(heading).to_be_visible()
    expect(heading).to_be_focused()
    assert in_view(heading), "the detail loaded below the fold, out of sight"
    assert label.split(" ")[0] in heading.inner_text() or re.search(
        r"（\d+ 项）", heading.inner_text()
    )
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    screenshot(page, "phone-390-leader-dashboard-detail")
