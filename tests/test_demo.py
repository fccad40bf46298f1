"""A demo that cannot become a back door (SECURITY.md M): a random password per install, a
banner on every page while it is loaded, and one step for an admin to clear it."""

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from intranet import create_app, demo
from intranet.extensions import db
from intranet.mentoring.models import Pairing, RubricItem
from intranet.people.models import Staff
from intranet.schedule.models import Activity
from intranet.settings import AppSetting
from intranet.suggestions.models import Suggestion
from intranet.uploads import Attachment
from tests.conftest import PASSWORD, as_user, csrf_token, login_as, make_config

ROOT = Path(__file__).resolve().parents[1]
BANNER = "演示数据：本系统当前装有演示学校的数据，仅供试用。"
CLEAR_LINK = "清除演示数据，开始正式使用"


@pytest.fixture
def demo_app(app):
    with app.app_context():
        demo.seed()
    return app


def staff_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Staff.id).where(Staff.username == username))


def count(app, model) -> int:
    with app.app_context():
        return db.session.query(model).count()


def run_flask(instance: Path, *args) -> subprocess.CompletedProcess:
    env = {
        "INTRANET_INSTANCE": str(instance),
        "INTRANET_SECRET_KEY": "k" * 40,
        "FLASK_APP": "wsgi",
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.sqlite_only
def test_M_two_demo_installs_print_different_passwords_kept_only_as_hashes(tmp_path):
    passwords = []
    for name in ("school-a", "school-b"):
        instance = tmp_path / name
        assert run_flask(instance, "db", "upgrade").returncode == 0
        result = run_flask(instance, "demo")
        assert result.returncode == 0, result.stderr
        printed = re.search(r"演示账号的密码都是：(\S+)", result.stdout).group(1)
        assert printed != "xingguang2025"
        raw = (instance / "studio.db").read_bytes()
        assert printed.encode() not in raw
        passwords.append(printed)
    assert passwords[0] != passwords[1]
    # The printed password is the one that opens the demo admin's account.
    app = create_app(make_config(tmp_path / "school-b"))
    client = app.test_client()
    token = csrf_token(client)
    r = client.post(
        "/login", data={"username": "admin", "password": passwords[1], "csrf_token": token}
    )
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_M_every_page_shows_the_demo_banner_and_only_admins_the_way_out(demo_app):
    assert BANNER in demo_app.test_client().get("/login").get_data(as_text=True)
    teacher = as_user(demo_app, staff_id(demo_app, "t001"))
    page = teacher.get("/schedule").get_data(as_text=True)
    assert BANNER in page and CLEAR_LINK not in page
    admin = as_user(demo_app, staff_id(demo_app, "admin"))
    page = admin.get("/").get_data(as_text=True)
    assert BANNER in page and CLEAR_LINK in page


def test_M_no_banner_on_a_real_install(app, client, make_staff):
    login_as(client, app, make_staff(role="admin"))
    assert BANNER not in client.get("/").get_data(as_text=True)
    assert client.get("/people/demo").status_code == 404


def test_M_the_admin_sees_what_clearing_removes_in_chinese(demo_app):
    admin = as_user(demo_app, staff_id(demo_app, "admin"))
    page = admin.get("/people/demo").get_data(as_text=True)
    assert "无法恢复" in page and "确认清除演示数据" in page
    assert "59 个账号" in page


def test_M_clearing_needs_an_admin_and_a_csrf_token(demo_app):
    teacher = as_user(demo_app, staff_id(demo_app, "guanli"))
    assert teacher.post("/people/demo", data={"csrf_token": teacher.token}).status_code == 403
    admin = as_user(demo_app, staff_id(demo_app, "admin"))
    assert admin.post("/people/demo").status_code == 400
    assert count(demo_app, Staff) == 60


def test_M_clearing_the_demo_leaves_only_the_admin_and_no_demo_row_or_file(demo_app):
    uploads = Path(demo_app.config["UPLOAD_FOLDER"])
    assert any(uploads.iterdir()) and count(demo_app, Attachment) > 0
    assert count(demo_app, Activity) > 0 and count(demo_app, Pairing) > 0
    assert count(demo_app, Suggestion) > 0
    rubric = count(demo_app, RubricItem)
    admin_id = staff_id(demo_app, "admin")
    other_copy = as_user(demo_app, admin_id)  # someone else who logged in as the demo admin
    teacher = as_user(demo_app, staff_id(demo_app, "t001"))
    admin = as_user(demo_app, admin_id)

    r = admin.post("/people/demo", data={"csrf_token": admin.token})

    assert r.status_code == 302 and r.headers["Location"] == "/password"
    with demo_app.app_context():
        assert db.session.scalars(db.select(Staff.username)).all() == ["admin"]
        assert db.session.get(Staff, admin_id).must_change_password
        assert db.session.get(AppSetting, demo.MARKER) is None
        for table in db.metadata.sorted_tables:
            if table.name not in ("staff", "rubric_item", "app_setting"):
                rows = db.session.execute(db.select(db.func.count()).select_from(table))
                assert rows.scalar() == 0, table.name
    assert count(demo_app, RubricItem) == rubric  # the migration's default rubric stays
    assert not any(uploads.iterdir())
    # The admin goes on in this browser, to choose a new password; nobody else is logged in.
    page = admin.get("/password").get_data(as_text=True)
    assert "请先为您的账号设置新密码" in page and BANNER not in page
    assert other_copy.get("/").status_code == 302
    assert teacher.get("/").status_code == 302
    assert admin.get("/people/demo").status_code == 302  # must change the password first


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "admin_password, is_demo", [("xingguang2025", True), (PASSWORD, False)], ids=["demo", "real"]
)
def test_M_an_install_with_the_old_published_demo_password_is_marked_as_demo(
    tmp_path, admin_password, is_demo
):
    app = create_app(make_config(tmp_path))
    with app.app_context():
        upgrade(revision="0008")
        raw = sqlite3.connect(tmp_path / "studio.db")
        with raw:
            raw.execute(
                "INSERT INTO staff (username, name, pinyin, pinyin_initials, political_status,"
                " role, active, must_change_password, session_token, ical_token, password_hash,"
                " created_at) VALUES ('admin', '陆志远', '', '', 'member', 'admin', 1, 0, 's',"
                " 'i', ?, '2025-09-01 08:00:00')",
                (generate_password_hash(admin_password, "scrypt:1024:8:1"),),
            )
        raw.close()
        upgrade()
        assert (db.session.get(AppSetting, demo.MARKER) is not None) is is_demo
        db.engine.dispose()


def test_the_demo_has_two_school_years_of_feedback_that_the_plan_and_dashboard_show(demo_app):
    from intranet.feedback.models import Answered, Feedback
    from intranet.feedback.services import THRESHOLD
    from intranet.schedule.models import Semester

    with demo_app.app_context():
        semesters = db.session.scalars(db.select(Semester).order_by(Semester.start)).all()
        years = {s.start.year if s.start.month >= 8 else s.start.year - 1 for s in semesters}
        per_activity = db.session.execute(
            db.select(Activity.semester_id, Activity.status, db.func.count())
            .join(Feedback, Feedback.activity_id == Activity.id)
            .group_by(Activity.id, Activity.semester_id, Activity.status)
        ).all()
        gains = set(db.session.scalars(db.select(Feedback.gain).distinct()))
        lines = db.session.scalars(db.select(Feedback.useful).where(Feedback.useful != "")).all()
        improve = db.session.scalar(
            db.select(db.func.count()).select_from(Feedback).where(Feedback.improve != "")
        )
        assert count(demo_app, Answered) == 0  # answers of no one: no marks
    assert len(years) == 2
    assert {semester for semester, _, _ in per_activity} == {s.id for s in semesters}
    assert {status for _, status, _ in per_activity} == {"done"}  # held activities only
    assert sum(n >= THRESHOLD for _, _, n in per_activity) >= 10
    assert gains == {1, 2, 3, 4} and improve > 0
    assert len(set(lines)) >= 10 and all(re.search(r"[\u4e00-\u9fff]", line) for line in lines)
    # the manager's plan and the leader's dashboard show figures, not only 反馈不足
    manager = as_user(demo_app, staff_id(demo_app, "guanli"))
    plan = manager.get(f"/schedule/semesters/{semesters[-1].id}/plan").get_data(as_text=True)
    assert re.search(r'class="plan-gain"[^>]*><strong>\d+%</strong>', plan)
    leader = as_user(demo_app, staff_id(demo_app, "xiaozhang"))
    page = leader.get("/dashboard").get_data(as_text=True)
    trend = page.split("（全工作室）")[1].split("</table>")[0]
    assert len(re.findall(r"<strong>\d+%</strong>", trend)) == len(semesters)


def _reach_total(page: str) -> int:
    card = page.split('id="dashboard-reach"')[1]
    return int(re.search(r'stat-value">(\d+)</span><span class="stat-label">外校来宾', card)[1])


def test_the_demo_has_guests_whose_reach_grows_and_the_managers_guest_list_shows(demo_app):
    from intranet.schedule.models import Guest, Semester

    with demo_app.app_context():
        semesters = db.session.scalars(db.select(Semester).order_by(Semester.start)).all()
        levels = set(db.session.scalars(db.select(Activity.level).join(Guest.activity).distinct()))
        one = db.session.scalars(
            db.select(Guest).join(Guest.activity).where(Activity.semester_id == semesters[0].id)
        ).first()
        name, school = one.name, one.school
    assert levels == {"cluster", "district"}  # guests come to 片区 and 全区 activities only
    leader = as_user(demo_app, staff_id(demo_app, "xiaozhang"))
    totals = []
    for semester in semesters:
        page = leader.get(f"/dashboard?semester={semester.id}").get_data(as_text=True)
        card = page.split('id="dashboard-reach"')[1].split("</section>")[0]
        for where in ("程桥中心小学", "竹镇中心小学", "马集镇中心小学", "区教育局"):
            assert f'<td data-label="学校">{where}</td>' in card
        assert "本学期还没有外校来宾签到" not in card
        totals.append(_reach_total(page))
    assert totals[0] < totals[1]  # reach grows (the current semester is only partly held)
    manager = as_user(demo_app, staff_id(demo_app, "guanli"))
    page = manager.get(f"/schedule/guests?semester={semesters[0].id}").get_data(as_text=True)
    assert name in page and school in page
