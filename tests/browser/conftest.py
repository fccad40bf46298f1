"""Browser tests: the app served on loopback, driven by Debian's Chromium through Playwright."""

import functools
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from intranet.clock import school_today
from intranet.extensions import db
from intranet.schedule import services
from intranet.schedule.models import Activity, PartnerSchool, Semester
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PHONE = {"width": 375, "height": 740}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def server(app):
    """The test's app on a free loopback port, in a thread of this process."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def new_page(browser, server):
    """Open pages in fresh browser contexts (separate cookies), desktop or phone-sized."""
    contexts = []

    def open_page(viewport=None):
        context = browser.new_context(
            base_url=server,
            locale="zh-CN",
            viewport=viewport or {"width": 1280, "height": 860},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def login(page, username, password=PASSWORD):
    page.goto("/login")
    page.get_by_label("工号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def screenshot(page, name: str) -> None:
    """Keep a picture of the page for a reviewer (artifacts/ is git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# --- the demo school, once per run, and what every page must pass --------------------------------

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@functools.cache
def axe_source() -> str:
    assert AXE.exists(), "axe-core is missing: run `npm ci` (scripts/test does)"
    return AXE.read_text(encoding="utf-8")


# One account per role in the demo school (intranet/people/demo.py).
DEMO_ACCOUNTS = {"admin": "admin", "leader": "xiaozhang", "manager": "guanli", "teacher": "t001"}
PHONE_390 = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory, databases):
    """The demo school (intranet.demo.seed), built once for every browser test that reads it."""
    from intranet import create_app
    from intranet.demo import seed
    from intranet.extensions import db
    from tests.conftest import make_config

    instance = tmp_path_factory.mktemp("demo")
    url = databases.new(instance)
    app = create_app(make_config(instance, url))
    with app.app_context():
        app.demo_password = seed()["password"]  # random per install, like a real one
    yield app
    with app.app_context():
        db.engine.dispose()
    databases.drop(url)


@pytest.fixture(scope="session")
def demo_server(demo_app):
    httpd = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def demo_sessions(browser, demo_app, demo_server):
    """Each role logged in once; `demo_page(role, viewport)` opens a page with its cookies."""
    states = {}
    for role, username in DEMO_ACCOUNTS.items():
        context = browser.new_context(base_url=demo_server, locale="zh-CN")
        page = context.new_page()
        login(page, username, demo_app.demo_password)
        page.wait_for_url(lambda url: "/login" not in url)
        states[role] = context.storage_state()
        context.close()
    return states


@pytest.fixture
def demo_page(browser, demo_server, demo_sessions):
    contexts = []

    def open_page(role, viewport=DESKTOP):
        context = browser.new_context(
            base_url=demo_server,
            locale="zh-CN",
            viewport=viewport,
            storage_state=demo_sessions[role],
            # A phone: touch, and the page laid out at the device's width (meta viewport).
            has_touch=viewport["width"] < 640,
            is_mobile=viewport["width"] < 640,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


# The main pages, each as every role that may open it.
EVERYONE = [
    "home",
    "schedule",
    "calendar",
    "activity",
    "mentoring",
    "pairing",
    "achievements",
    "reports",
    "suggestions_new",
    "people",
]
PAGES_BY_ROLE = {
    "admin": [*EVERYONE, "suggestions", "dashboard", "archive"],
    "leader": [*EVERYONE, "suggestions", "dashboard", "archive"],
    "manager": [*EVERYONE, "dashboard", "archive"],
    "teacher": EVERYONE,
}


@pytest.fixture(scope="session")
def demo_urls(demo_app):
    """Where the main pages are in the demo school; the pairing and the activity are the demo
    teacher's own, so every role may open them."""
    from sqlalchemy import or_, select

    from intranet.extensions import db
    from intranet.mentoring.models import Pairing
    from intranet.people.models import Staff
    from intranet.schedule.models import Activity

    with demo_app.app_context():
        teacher = db.session.scalar(select(Staff.id).where(Staff.username == "t001"))
        activity = db.session.scalar(
            select(Activity.id).where(Activity.status == "done").order_by(Activity.date.desc())
        )
        pairing = db.session.scalar(
            select(Pairing.id)
            .where(or_(Pairing.apprentice_id == teacher, Pairing.mentor_id == teacher))
            .order_by(Pairing.id)
        )
    assert activity and pairing, "the demo school has changed: pick another activity/pairing"
    return {
        "home": "/",
        "schedule": "/schedule",
        "calendar": "/schedule?view=calendar",
        "activity": f"/schedule/activities/{activity}",
        "mentoring": "/mentoring",
        "pairing": f"/mentoring/pairings/{pairing}",
        "achievements": "/achievements",
        "reports": "/achievements/reports",
        "suggestions": "/suggestions",
        "suggestions_new": "/suggestions/new",
        "dashboard": "/dashboard",
        "people": "/people",
        "archive": "/archive",
    }


def axe_violations(page, tags=("wcag2a", "wcag2aa")) -> list[dict]:
    """Run axe-core (npm, pinned in package.json) on the page; its WCAG 2 A/AA violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Not add_script_tag: the app's CSP (no inline scripts) refuses a script element with
        # the code inline, rightly. Evaluated through the DevTools protocol, CSP does not apply.
        page.evaluate(axe_source())
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, help: v.help,"
        " targets: v.nodes.map(n => n.target.join(' '))})))",
        list(tags),
    )


def describe_violations(violations: list[dict]) -> str:
    return "\n".join(
        f"  {v['id']} ({v['help']}): {', '.join(v['targets'][:8])}" for v in violations
    )


@pytest.fixture
def cluster_seminar(app):
    """A 片区 seminar today at a partner school, and its check-in link (the QR code's)."""
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
