"""外聘导师: a 导师团 expert given an account by a manager sees their own pairings, signs the
agreement themselves (paper stays possible), scores a lesson a manager marked them present at,
and reaches nothing else."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from intranet.clock import school_today
from intranet.extensions import db
from intranet.mentoring.models import Agreement, Observation, Pairing, RubricItem
from intranet.people.models import ExternalMentor, Staff
from intranet.schedule.models import Activity, Semester
from tests.conftest import as_user, csrf_token, send

TODAY = school_today()
OTP = re.compile(r'<code class="otp-code">([^<]+)</code>')
NEW_PASSWORD = "Xingguang#2025mentor"


@pytest.fixture
def team(app, make_staff):
    ids = {
        "manager": make_staff(role="manager", username="guanli", name="徐丽萍"),
        "apprentice": make_staff(username="apprentice", name="王晓燕"),
        "other_apprentice": make_staff(username="other", name="李静"),
        "colleague_mentor": make_staff(username="mentor", name="张晓明"),
    }
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=TODAY - timedelta(days=50),
            end=TODAY + timedelta(days=50),
            is_current=True,
        )
        expert = ExternalMentor(name="姜慧芬", organisation="六合区教师进修学校")
        stranger = ExternalMentor(name="周明", organisation="区教育局")
        db.session.add_all([semester, expert, stranger])
        db.session.flush()
        mine = Pairing(
            external_mentor_id=expert.id,
            apprentice_id=ids["apprentice"],
            start_semester_id=semester.id,
            end_semester_id=semester.id,
        )
        theirs = Pairing(
            mentor_id=ids["colleague_mentor"],
            apprentice_id=ids["other_apprentice"],
            start_semester_id=semester.id,
            end_semester_id=semester.id,
        )
        for pairing in (mine, theirs):
            pairing.agreements.append(
                Agreement(mentor_duties="每学期听课 4 节", apprentice_goals="汇报课 1 节")
            )
        db.session.add_all([mine, theirs])
        db.session.commit()
        ids |= {
            "semester": semester.id,
            "expert": expert.id,
            "stranger": stranger.id,
            "mine": mine.id,
            "theirs": theirs.id,
        }
    return ids


def issue_account(app, team, mentor="expert"):
    manager = as_user(app, team["manager"], "/mentoring/talent")
    r = manager.post(
        f"/mentoring/talent/team/{team[mentor]}/account", data={"csrf_token": manager.token}
    )
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    with app.app_context():
        account = db.session.get(ExternalMentor, team[mentor]).account
        return account.id, account.username, OTP.search(body).group(1)


def mentor_client(app, team) -> tuple:
    account_id, _, _ = issue_account(app, team)
    with app.app_context():
        db.session.get(Staff, account_id).must_change_password = False
        db.session.commit()
    return account_id, as_user(app, account_id)


def test_a_manager_opens_an_account_and_the_first_login_forces_a_new_password(app, team, auth):
    account_id, username, password = issue_account(app, team)
    with app.app_context():
        account = db.session.get(Staff, account_id)
        assert (account.role, account.name, account.must_change_password) == (
            "mentor_guest",
            "姜慧芬",
            True,
        )
    # The password shows once: the talent page does not show it again.
    page = as_user(app, team["manager"]).get("/mentoring/talent").get_data(as_text=True)
    assert password not in page and f"账号 {username}" in page

    r = auth.login(username, password)
    assert r.status_code == 302 and r.headers["Location"].endswith("/password")
    assert auth.client.get(f"/mentoring/pairings/{team['mine']}").status_code == 302
    token = csrf_token(auth.client, "/password")
    r = auth.client.post(
        "/password",
        data={
            "current": password,
            "new": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    home = auth.client.get("/").get_data(as_text=True)
    assert "外聘导师" in home and "王晓燕" in home and "等您签字" in home


def test_a_second_issue_resets_the_password_and_a_teacher_may_not_issue(app, team, make_staff):
    account_id, username, first = issue_account(app, team)
    again_id, again_name, second = issue_account(app, team)
    assert (again_id, again_name) == (account_id, username) and second != first
    teacher = as_user(app, make_staff(), "/mentoring/talent")
    url = f"/mentoring/talent/team/{team['stranger']}/account"
    assert teacher.post(url, data={"csrf_token": teacher.token}).status_code == 403
    with app.app_context():
        assert db.session.get(ExternalMentor, team["stranger"]).staff_id is None


def test_leaving_the_team_disables_the_account(app, team, auth):
    _, username, password = issue_account(app, team)
    manager = as_user(app, team["manager"], "/mentoring/talent")
    manager.post(
        f"/mentoring/talent/team/{team['expert']}/active", data={"csrf_token": manager.token}
    )
    assert auth.login(username, password).status_code == 403


def test_the_mentor_sees_only_their_own_pairings_and_nothing_else(app, team):
    _, client = mentor_client(app, team)
    listing = client.get("/mentoring").get_data(as_text=True)
    assert "王晓燕" in listing and "李静" not in listing
    assert client.get(f"/mentoring/pairings/{team['mine']}").status_code == 200
    for url in (
        f"/mentoring/pairings/{team['theirs']}",
        f"/mentoring/pairings/{team['theirs']}/print",
        "/people",
        f"/people/{team['apprentice']}",
        "/schedule",
        "/schedule/activities/new",
        "/suggestions",
        "/dashboard",
        "/mentoring/talent",
        f"/mentoring/plans/{team['apprentice']}",
        f"/mentoring/growth/{team['apprentice']}",
    ):
        assert client.get(url).status_code == 403, url
    r = send(client, "POST", f"/mentoring/pairings/{team['theirs']}/sign", {"version": "1"})
    assert r.status_code == 403
    # The navigation and the pairing page offer only what they may open.
    page = client.get(f"/mentoring/pairings/{team['mine']}").get_data(as_text=True)
    nav = page.split("</nav>")[0]
    assert "师徒结对" in nav and "首页" in nav
    for label in ("活动安排", "教职工", "驾驶舱", "建议箱", "成果"):
        assert label not in nav, label
    assert "徒弟的发展规划" not in page and "人才库与分工" not in page


def test_the_mentor_signs_and_the_agreement_shows_it(app, team):
    _, client = mentor_client(app, team)
    page = client.get(f"/mentoring/pairings/{team['mine']}").get_data(as_text=True)
    assert "我已阅读协议，确认签字" in page and "登记导师已在纸质协议上签字" not in page
    r = send(client, "POST", f"/mentoring/pairings/{team['mine']}/sign", {"version": "1"})
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "✓ 已确认" in body and "导师本人登录签字" in body and "纸质" not in body
    with app.app_context():
        agreement = db.session.get(Pairing, team["mine"]).agreement
        assert agreement.mentor_signed_at is not None and agreement.apprentice_signed_at is None
    printed = client.get(f"/mentoring/pairings/{team['mine']}/print").get_data(as_text=True)
    assert "导师本人登录签字" in printed
    home = client.get("/").get_data(as_text=True)
    assert "等您签字" not in home


def test_a_manager_still_records_a_paper_signature_for_a_mentor_with_an_account(app, team):
    mentor_client(app, team)
    manager = as_user(app, team["manager"])
    r = send(manager, "POST", f"/mentoring/pairings/{team['mine']}/sign", {"version": "1"})
    assert r.status_code == 200
    assert "纸质协议上签字，由 徐丽萍 登记" in r.get_data(as_text=True)


def scores(app) -> dict:
    with app.app_context():
        items = db.session.scalars(select(RubricItem).where(RubricItem.active)).all()
        return {f"score-{i.id}": str(i.max_score - 1) for i in items}


def test_the_mentor_scores_a_lesson_a_manager_marked_them_present_at(app, team):
    account_id, client = mentor_client(app, team)
    with app.app_context():
        activity = Activity(
            semester_id=team["semester"],
            date=TODAY,
            theme="《圆的认识》",
            form="report_lesson",
            status="done",
            presenters=[db.session.get(Staff, team["apprentice"])],
        )
        db.session.add(activity)
        db.session.commit()
        activity_id = activity.id
    url = f"/mentoring/observations/{activity_id}"
    values = {"teacher_id": str(team["apprentice"]), "strengths": "板书清楚", **scores(app)}
    assert send(client, "POST", url, values).status_code == 403  # not present: no scoring
    assert "《圆的认识》" not in client.get("/").get_data(as_text=True)

    manager = as_user(app, team["manager"], f"/schedule/activities/{activity_id}")
    r = send(
        manager,
        "POST",
        f"/schedule/activities/{activity_id}/attendance",
        {"staff_id": str(account_id), "status": "present"},
    )
    assert r.status_code == 200, r.get_data(as_text=True)

    home = client.get("/").get_data(as_text=True)
    assert "《圆的认识》" in home and "待评的课" in home
    assert client.get(f"/mentoring/observations/new/{activity_id}").status_code == 200
    assert send(client, "POST", url, values).status_code == 200
    with app.app_context():
        observation = db.session.scalar(select(Observation))
        assert (observation.observer_id, observation.teacher_id) == (account_id, team["apprentice"])
    assert "《圆的认识》" not in client.get("/").get_data(as_text=True)
