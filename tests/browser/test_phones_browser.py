"""Phones, 390 px wide, on the demo school: no page is wider than the screen, no text is too
small to read, tables become cards, charts keep readable labels, and a drill-down brings its
detail into view. Every main page is also saved at both widths for a reviewer."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PAGES_BY_ROLE, PHONE_390, screenshot

MIN_FONT_PX = 11

# Every visible element that sticks out on the right, outside a container that scrolls on
# purpose; every visible text smaller than the minimum.
MEASURE = """(minFont) => {
  const width = document.documentElement.clientWidth;
  const scrollsOnPurpose = el => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (p.matches('.mainnav, [data-scrolls]') && (s.overflowX === 'auto' || s.overflowX === 'scroll')) return true;
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
    + ' "' + (el.textContent || '').trim().slice(0, 20) + '"';
  const visible = el => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const wide = [], small = [], squeezed = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (!visible(el) || el.closest('.sr-only')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && !scrollsOnPurpose(el)) wide.push(name(el) + ' right=' + Math.round(r.right));
    const ownText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (ownText) {
      const size = parseFloat(getComputedStyle(el).fontSize);
      // SVG text scales with its viewBox: measure what reaches the eye.
      const shown = el instanceof SVGElement ? r.height / 1.2 : size;
      const px = el instanceof SVGElement ? Math.min(size * (el.ownerSVGElement.getBoundingClientRect().width / el.ownerSVGElement.viewBox.baseVal.width), shown * 10) : size;
      if (px < minFont - 0.01) small.push(name(el) + ' ' + px.toFixed(1) + 'px');
      // Squeezed: Chinese text in a box narrower than two characters (one character a line).
      const text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join('');
      if (!(el instanceof SVGElement) && /[\u4e00-\u9fff].*[\u4e00-\u9fff]/s.test(text) && r.width < 1.9 * size && !scrollsOnPurpose(el))
        squeezed.push(name(el) + ' width=' + Math.round(r.width));
    }
  }
  return {scrollWidth: document.scrollingElement.scrollWidth, width, wide, small, squeezed};
}"""


def measure(page) -> dict:
    return page.evaluate(MEASURE, MIN_FONT_PX)


@pytest.mark.parametrize("role", list(PAGES_BY_ROLE))
def test_main_pages_fit_a_390px_phone_and_text_stays_readable(role, demo_page, demo_urls):
    page = demo_page(role, PHONE_390)
    problems = []
    for name in PAGES_BY_ROLE[role]:
        page.goto(demo_urls[name])
        assert "/login" not in page.url, f"{role} was sent to log in at {name}"
        found = measure(page)
        if found["scrollWidth"] > PHONE_390["width"]:
            problems.append(f"{name}: the page is {found['scrollWidth']} px wide")
        problems += [f"{name}: wider than the screen: {w}" for w in found["wide"][:10]]
        problems += [f"{name}: text too small: {s}" for s in found["small"][:10]]
        problems += [f"{name}: squeezed: {s}" for s in found["squeezed"][:10]]
        screenshot(page, f"phone-390-{role}-{name}")
    assert not problems, "\n".join(problems)


def in_view(locator) -> bool:
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0; }"
    )


def test_a_tapped_dashboard_bar_shows_its_detail_on_screen_with_links_to_the_records(
    demo_page, demo_urls
):
    page = demo_page("leader", PHONE_390)
    page.goto(demo_urls["dashboard"])
    page.get_by_role("group", name=re.compile("各级别、各形式的计划次数")).locator("a").first.tap()
    heading = page.locator("#dashboard-detail h2")
    expect(heading).to_contain_text("活动")
    assert in_view(heading), "the detail loaded out of sight"
    detail = page.locator("#dashboard-detail")
    first = detail.locator("tbody tr").first
    expect(first.locator("a[href^='/schedule/activities/']")).to_be_visible()
    # A card, not a squeezed row: the theme is labelled and as wide as the card allows.
    assert first.locator("td[data-label='主题']").count() == 1
    assert first.evaluate("tr => getComputedStyle(tr).display") == "block"


@pytest.mark.parametrize(
    "chart, link",
    [
        ("进展正常与进度滞后", "/mentoring/pairings/"),
        ("各群体的出勤率", "/people/"),
        ("各级别成果数", "/achievements/"),
    ],
)
def test_dashboard_details_link_to_the_records_they_list(chart, link, demo_page, demo_urls):
    page = demo_page("leader", DESKTOP)
    page.goto(demo_urls["dashboard"])
    bars = page.get_by_role("group", name=re.compile(chart)).locator("a")
    for i in range(bars.count()):  # the first bar with something behind it
        bars.nth(i).click()
        expect(page.locator("#dashboard-detail h2")).to_be_visible()
        if page.locator("#dashboard-detail tbody tr:not(.empty)").count():
            break
    expect(page.locator(f"#dashboard-detail tbody a[href^='{link}']").first).to_be_visible()


def test_a_leader_tapping_a_suggestion_on_a_phone_sees_it_without_scrolling(demo_page, demo_urls):
    page = demo_page("leader", PHONE_390)
    page.goto(demo_urls["suggestions"])
    hint = page.locator("#box-detail")
    expect(hint).not_to_contain_text("左边")  # there is no left column on a phone
    page.locator(".box-list li a").first.tap()
    heading = page.locator("#box-detail").locator("h1, h2, h3").first
    expect(heading).to_be_visible()
    expect(heading).to_be_focused()
    assert in_view(heading), "the suggestion opened out of sight, below the list"
    screenshot(page, "phone-390-leader-suggestion-detail")
