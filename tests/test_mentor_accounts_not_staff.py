"""A 外聘导师's account is a login, not a colleague (Staff.colleague): opening one for a 导师团
expert, even one a manager marked present at lessons, changes no list, picker, invitation,
count or export of the school's staff, and no people admin page can give it another role;
the expert still logs in, sees their pairing and signs it."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from intranet.achievements import services as achievements
from intranet.archive.services import report_context
from intranet.clock import school_today
from intranet.dashboard import services as dashboard
from intranet.extensions import db
from intranet.mentoring.models import Agreement, Pairing
from intranet.people import status
from intranet.people.models import ExternalMentor, Staff
from intranet.schedule import invitees
from intranet.schedule.models import Activity, Semester
from tests.conftest import as_user, send

TODAY = school_today()
EXPERT = "姜慧芬"  # pinyin jianghuifen, initials jhf
OTP = re.compile(r'<code class="otp-code">([^<]+)</code>')
CSRF = re.compile(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")  # a signed token, new per session


@pytest.fixture
def school(app, make_staff):
    ids = {
        "admin": make_staff(role="admin", username="admin", name="陈校长"),
        "leader": make_staff(role="leader", username="leader", name="周文华"),
        "manager": make_staff(role="manager", username="guanli", name="徐丽萍"),
        "member": make_staff(username="t1", name="王晓燕", political_status="member"),
        "apprentice": make_staff(username="t2", name="顾雅琴"),
    }
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=TODAY - timedelta(days=60),
            end=TODAY + timedelta(days=60),
            is_current=True,
        )
        expert = ExternalMentor(name=EXPERT, organisation="六合区教师进修学校")
        db.session.add_all([semester, expert])
        db.session.flush()
        pairing = Pairing(
            external_mentor_id=expert.id,
            apprentice_id=ids["apprentice"],
            start_semester_id=semester.id,
            end_semester_id=semester.id,
        )
        pairing.agreements.append(
            Agreement(mentor_duties="每学期听课 4 节", apprentice_goals="汇报课")
        )
        presenter = db.session.get(Staff, ids["apprentice"])
        lessons = [
            Activity(
                semester_id=semester.id,
                date=TODAY - timedelta(days=days),
                theme=theme,
                form=form,
                status="done",
                invite_groups=groups,
                presenters=[presenter],
            )
            for days, theme, form, groups in [
                (20, "《圆的认识》", "report_lesson", "staff"),
                (10, "送教到彤华", "outreach", "party"),
                (0, "党员示范课", "demo_lesson", "party studio"),
            ]
        ]
        db.session.add_all([pairing, *lessons])
        db.session.commit()
        ids |= {
            "semester": semester.id,
            "expert": expert.id,
            "pairing": pairing.id,
            "lessons": [lesson.id for lesson in lessons],
        }
    return ids


def open_account(app, school) -> tuple[int, str, str]:
    """A manager opens the expert's account (the one-time password shows once)."""
    manager = as_user(app, school["manager"], "/mentoring/talent")
    r = manager.post(
        f"/mentoring/talent/team/{school['expert']}/account", data={"csrf_token": manager.token}
    )
    assert r.status_code == 200
    with app.app_context():
        account = db.session.get(ExternalMentor, school["expert"]).account
        # Whatever the roster would say of a colleague: a Party member, so a leak shows.
        account.political_status = "member"
        db.session.commit()
        return account.id, account.username, OTP.search(r.get_data(as_text=True)).group(1)


def mark_present(app, school, account_id: int) -> None:
    manager = as_user(app, school["manager"])
    for lesson in school["lessons"]:
        r = send(
            manager,
            "POST",
            f"/schedule/activities/{lesson}/attendance",
            {"staff_id": str(account_id), "status": "present"},
        )
        assert r.status_code == 200, r.get_data(as_text=True)


def figures(app, school) -> dict:
    """Every count of the school's people, read from the services the pages use."""
    with app.app_context():
        semester = db.session.get(Semester, school["semester"])
        lessons = [db.session.get(Activity, i) for i in school["lessons"]]
        overview = dashboard.overview(semester, TODAY, TODAY)
        return {
            "invitees": [invitees.invitees_of(lesson) for lesson in lessons],
            "months": overview.months,
            "groups": overview.groups,
            "participation": dashboard.participation(semester),
            "party members": [
                (person.id, *counts)
                for person, *counts in dashboard.group_members(semester, "party")
            ],
            "attendance by month": dashboard.attendance_by_month(TODAY),
            "reach": sorted(map(tuple, db.session.execute(dashboard.reach_tally(semester)[2]))),
            "status figures": status.yearly_figures(TODAY),
            "evaluation": [(e.staff.id, e.total) for e in achievements.evaluate(semester)],
            "reports": [
                (person.id, report) for person, report in achievements.report_roll(semester)
            ],
            "archive turnout": report_context(semester)["turnout"],
        }


def pages(app, school) -> dict[str, str]:
    """The leaders' pages that count or list the staff, as a leader reads them."""
    leader = as_user(app, school["leader"])
    urls = [
        "/dashboard",
        f"/dashboard/attendance?month={TODAY:%Y-%m}",
        "/dashboard/participation?group=party",
        "/people/political",
        "/achievements/evaluation",
    ]
    found = {}
    for url in urls:
        r = leader.get(url)
        assert r.status_code == 200, url
        found[url] = CSRF.sub("csrf", r.get_data(as_text=True))
    return found


def test_an_expert_marked_present_changes_no_count_of_the_school(app, school):
    before, pages_before = figures(app, school), pages(app, school)
    account_id, _, _ = open_account(app, school)
    mark_present(app, school, account_id)
    after = figures(app, school)
    for name, value in before.items():
        assert after[name] == value, name
    assert all(account_id not in invited for invited in after["invitees"])
    assert pages(app, school) == pages_before


def test_the_sql_rule_of_invitations_agrees_it_invites_no_expert(app, school):
    account_id, _, _ = open_account(app, school)
    with app.app_context():
        lessons = db.session.scalars(
            select(Activity.id).where(invitees.invites_clause(account_id))
        ).all()
        member = db.session.scalars(
            select(Activity.id).where(invitees.invites_clause(school["member"]))
        ).all()
    assert lessons == [] and len(member) == 3
    home = as_user(app, school["member"]).get("/").get_data(as_text=True)
    assert "党员示范课" in home  # the rule still invites colleagues


def select_options(page: str, name: str) -> str:
    found = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S)
    assert found, name
    return found.group(0)


def test_no_directory_search_picker_or_export_offers_the_expert(app, school):
    account_id, _, _ = open_account(app, school)
    admin, manager = as_user(app, school["admin"]), as_user(app, school["manager"])
    for client, url in [
        (admin, "/people"),
        (admin, "/people?inactive=1"),
        (admin, "/people?q=jhf"),
        (admin, "/people?q=姜"),
        (admin, "/people?role=mentor_guest"),
        (manager, "/schedule/people?q=jhf"),
        (manager, f"/schedule/people?q=jhf&semester={school['semester']}"),
    ]:
        r = client.get(url)
        assert r.status_code == 200 and EXPERT not in r.get_data(as_text=True), url
    assert "顾雅琴" in admin.get("/people?q=gyq").get_data(as_text=True)  # colleagues still are

    book = load_workbook(io.BytesIO(manager.get("/people/export.xlsx").data))
    assert EXPERT not in {cell.value for row in book.active.iter_rows() for cell in row}

    talent = manager.get("/mentoring/talent").get_data(as_text=True)
    new_pairing = manager.get("/mentoring/pairings/new").get_data(as_text=True)
    lesson = manager.get(f"/schedule/activities/{school['lessons'][0]}").get_data(as_text=True)
    for page, field in [
        (talent, "staff_id"),  # the pools' picker (and the duties' below it)
        (new_pairing, "apprentice_id"),
        (lesson, "added_ids"),  # invite someone by name
        (lesson, "removed_ids"),
    ]:
        assert f'value="{account_id}"' not in select_options(page, field), field
    # Marking attendance may name the expert who came, said as such (they may then score it).
    assert f"{EXPERT}（外聘导师）" in select_options(lesson, "staff_id")


@pytest.mark.parametrize(
    ("field", "message"),
    [("responsible_id", "责任人要从在职教师中选择"), ("presenter_ids", "主讲人要从在职教师中选择")],
)
def test_an_expert_is_never_responsible_or_presenter(app, school, field, message):
    account_id, _, _ = open_account(app, school)
    manager = as_user(app, school["manager"])
    row = {
        "date": f"{TODAY}",
        "start_time": "09:00",
        "end_time": "09:40",
        "level": "school",
        "kind": "demo_lesson",
        "theme": "党员示范课",
        "responsible_id": str(school["member"]),
        "status": "done",
        "version": "1",
        field: str(account_id),
    }
    r = send(manager, "PUT", f"/schedule/activities/{school['lessons'][2]}", row)
    assert r.status_code == 422 and message in r.get_data(as_text=True)


def test_an_expert_is_never_invited_by_name(app, school):
    account_id, _, _ = open_account(app, school)
    manager = as_user(app, school["manager"])
    lesson = school["lessons"][0]
    r = send(
        manager,
        "POST",
        f"/schedule/activities/{lesson}/invitees",
        {"invite_groups": "staff", "added_ids": str(account_id)},
    )
    assert r.status_code == 422
    with app.app_context():
        assert account_id not in invitees.invitees_of(db.session.get(Activity, lesson))


def test_the_archive_lists_no_expert_as_staff(app, school):
    account_id, _, _ = open_account(app, school)
    mark_present(app, school, account_id)
    leader = as_user(app, school["leader"])
    archive = zipfile.ZipFile(io.BytesIO(leader.get(f"/archive/{school['semester']}.zip").data))
    workbook = next(name for name in archive.namelist() if name.endswith(".xlsx"))
    book = load_workbook(io.BytesIO(archive.read(workbook)))
    named = {
        sheet.title
        for sheet in book
        for row in sheet.iter_rows(values_only=True)
        if EXPERT in row or f"{EXPERT}（外聘导师）" in row
    }
    assert named == {"师徒结对与协议"}  # as the pairing's mentor; in no list of the staff
    assert book["出勤"].max_row == 1  # the header: the expert was the only one marked


def test_the_people_admin_pages_never_open_an_experts_account(app, school):
    """The account is opened, reset and closed under 人才库与分工: as a staff row an admin could
    have made it a 校领导."""
    account_id, _, _ = open_account(app, school)
    admin = as_user(app, school["admin"], "/people")
    assert admin.get(f"/people/{account_id}").status_code == 404
    assert send(admin, "GET", f"/people/{account_id}/edit").status_code == 404
    values = {"username": "dst001", "name": EXPERT, "role": "leader", "political_status": "member"}
    assert send(admin, "PUT", f"/people/{account_id}", values).status_code == 404
    for action in ("password", "enable", "disable", "sessions"):
        assert send(admin, "POST", f"/people/{account_id}/{action}").status_code == 404, action
    history = f"/people/{account_id}/political"
    assert admin.get(history).status_code == 403
    r = send(admin, "POST", history, {"status": "probationary", "since": f"{TODAY}"})
    assert r.status_code == 403
    with app.app_context():
        account = db.session.get(Staff, account_id)
        assert (account.role, account.active, account.political_status) == (
            "mentor_guest",
            True,
            "member",
        )


def test_a_roster_naming_an_experts_account_is_refused_row_by_row(app, school):
    """Next year's roster with the expert's 工号 and name (as 校领导): the preview refuses that
    row with its reason, so a sheet cannot turn the narrow account into a staff one."""
    from tests.test_people import upload

    account_id, username, _ = open_account(app, school)
    admin = as_user(app, school["admin"], "/people/import")
    sheet = f"工号,姓名,角色\n{username},{EXPERT},校领导\nt9,新老师,教师\n"
    preview = upload(admin, sheet.encode(), "名册.csv").get_data(as_text=True)
    assert "外聘导师的账号，不能通过名册导入修改" in preview
    with app.app_context():
        assert db.session.get(Staff, account_id).role == "mentor_guest"


def test_the_expert_still_logs_in_sees_their_pairing_and_signs(app, school, auth):
    account_id, username, password = open_account(app, school)
    with app.app_context():
        db.session.get(Staff, account_id).must_change_password = False
        db.session.commit()
    r = auth.login(username, password)
    assert r.status_code == 302 and not r.headers["Location"].endswith("/password")
    assert "顾雅琴" in auth.client.get("/mentoring").get_data(as_text=True)
    auth.client.token = auth.token(f"/mentoring/pairings/{school['pairing']}")
    r = send(auth.client, "POST", f"/mentoring/pairings/{school['pairing']}/sign", {"version": "1"})
    assert r.status_code == 200 and "导师本人登录签字" in r.get_data(as_text=True)
