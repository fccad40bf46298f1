"""政治面貌 over time: admins record dated changes (never the person), the current status follows
the history, teachers read only their own, and leaders count young teachers' steps per year."""

import sqlite3
from datetime import date

import pytest
from flask_migrate import upgrade

from intranet import create_app
from intranet.extensions import db
from intranet.mentoring.models import Pairing
from intranet.people.models import PoliticalStatusChange, PoolMembership, Staff
from intranet.schedule.models import Activity, Semester
from tests.conftest import as_user, htmx, make_config, send


def _history(app, staff_id):
    with app.app_context():
        rows = db.session.scalars(
            db.select(PoliticalStatusChange)
            .where(PoliticalStatusChange.staff_id == staff_id)
            .order_by(PoliticalStatusChange.id)
        )
        return [(row.status, row.since) for row in rows]


def _status(app, staff_id):
    with app.app_context():
        return db.session.get(Staff, staff_id).political_status


def test_admin_records_a_dated_change_and_the_current_status_follows(app, make_staff):
    admin = as_user(app, make_staff(role="admin"))
    teacher = make_staff(political_status="applicant")
    response = send(
        admin, "POST", f"/people/{teacher}/political", {"status": "activist", "since": "2026-05-20"}
    )
    assert response.status_code == 200
    assert "入党积极分子" in response.text and "2026-05-20" in response.text
    assert _status(app, teacher) == "activist"
    # What they held before is kept, undated: nobody told us since when.
    assert _history(app, teacher) == [("applicant", None), ("activist", date(2026, 5, 20))]
    # A back-dated line joins the history without displacing the later, current status.
    send(
        admin,
        "POST",
        f"/people/{teacher}/political",
        {"status": "non_party", "since": "2024-01-02"},
    )
    assert _status(app, teacher) == "activist"


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ("", "请填写生效日期。"),
        ("2026-13-40", "请按“年-月-日”填写日期。"),
        ("2027-01-01", "生效日期不能晚于今天。"),
    ],
)
def test_a_bad_date_is_refused_in_chinese_with_the_choice_kept(app, make_staff, since, message):
    admin = as_user(app, make_staff(role="admin"))
    teacher = make_staff(political_status="applicant")
    response = send(
        admin,
        "POST",
        f"/people/{teacher}/political",
        {"status": "development_target", "since": since},
    )
    assert response.status_code == 422
    assert message in response.text
    assert 'selected value="development_target"' in response.text
    assert _status(app, teacher) == "applicant" and _history(app, teacher) == []


def test_recording_the_status_already_held_is_refused(app, make_staff):
    admin = as_user(app, make_staff(role="admin"))
    teacher = make_staff(political_status="activist")
    response = send(
        admin, "POST", f"/people/{teacher}/political", {"status": "activist", "since": "2026-03-01"}
    )
    assert response.status_code == 422 and "无需登记" in response.text


def test_nobody_but_an_admin_changes_a_status_and_never_their_own(app, make_staff):
    admin_id = make_staff(role="admin")
    teacher = make_staff()
    data = {"status": "applicant", "since": "2026-03-01"}
    for who, whom in [
        (teacher, teacher),
        (make_staff(role="leader"), teacher),
        (admin_id, admin_id),
    ]:
        response = send(as_user(app, who), "POST", f"/people/{whom}/political", data)
        assert response.status_code == 403
    assert _status(app, teacher) == "non_party" and _history(app, teacher) == []


def test_the_change_needs_the_csrf_token(app, make_staff):
    admin = as_user(app, make_staff(role="admin"))
    teacher = make_staff()
    response = admin.post(
        f"/people/{teacher}/political",
        data={"status": "applicant", "since": "2026-03-01"},
        headers=htmx(),
    )
    assert response.status_code == 400
    assert _status(app, teacher) == "non_party"


def test_a_teacher_reads_only_their_own_history(app, make_staff):
    teacher, other = make_staff(), make_staff()
    client = as_user(app, teacher)
    own = client.get(f"/people/{teacher}")
    assert "政治面貌记录" in own.text and "登记变化" not in own.text
    assert client.get(f"/people/{teacher}/political").status_code == 200
    assert "政治面貌记录" not in client.get(f"/people/{other}").text
    assert client.get(f"/people/{other}/political").status_code == 403
    leader = as_user(app, make_staff(role="leader"))
    assert "政治面貌记录" in leader.get(f"/people/{other}").text
    assert "登记变化" in as_user(app, make_staff(role="admin")).get(f"/people/{other}").text


def test_the_inline_edit_records_a_change_dated_today(app, make_staff):
    admin_id = make_staff(role="admin")
    admin = as_user(app, admin_id, page="/people")
    teacher = make_staff(username="t9", name="李老师", political_status="activist")
    data = {"username": "t9", "name": "李老师", "political_status": "development_target"}
    data["role"] = "teacher"
    assert send(admin, "PUT", f"/people/{teacher}", data).status_code == 200
    assert _history(app, teacher)[-1] == ("development_target", date(2026, 11, 18))
    own = {
        "username": "admin1",
        "name": "测试admin1",
        "political_status": "member",
        "role": "admin",
    }
    with app.app_context():
        own["username"], own["name"] = db.session.get(Staff, admin_id).username, "管理员"
    response = send(admin, "PUT", f"/people/{admin_id}", own)
    assert response.status_code == 422 and "其他管理员" in response.text
    assert _status(app, admin_id) == "non_party"


def test_import_records_the_first_line_and_the_birth_year(app, make_staff):
    admin = as_user(app, make_staff(role="admin"), page="/people/import")
    csv = "工号,姓名,政治面貌,出生年份\nn1,新老师,入党申请人,1998\nn2,错年份,群众,98\n".encode()
    preview = admin.post(
        "/people/import",
        data={"csrf_token": admin.token, "roster": (__import__("io").BytesIO(csv), "r.csv")},
        content_type="multipart/form-data",
    )
    assert "出生年份“98”不对" in preview.text
    payload = preview.text.split('name="payload" value="')[1].split('"')[0]
    admin.post("/people/import/confirm", data={"csrf_token": admin.token, "payload": payload})
    with app.app_context():
        person = db.session.scalar(db.select(Staff).where(Staff.username == "n1"))
        assert person.birth_year == 1998
        person_id = person.id
    assert _history(app, person_id) == [("applicant", None)]


def test_no_export_carries_the_history_or_the_birth_year(app, make_staff):
    teacher = make_staff(birth_year=1995)
    with app.app_context():
        db.session.add(
            PoliticalStatusChange(staff_id=teacher, status="activist", since=date(2026, 3, 1))
        )
        db.session.commit()
    response = as_user(app, make_staff(role="leader")).get("/people/export.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(__import__("io").BytesIO(response.data)).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row}
    assert "出生年份" not in cells and "1995" not in cells and "2026-03-01" not in cells


# --- the leaders' yearly figures ------------------------------------------------------------


@pytest.fixture
def school(app, make_staff):
    """Young and older teachers with steps in 2025-2026 and 2026-2027 (the clock: 2026-11-18)."""
    with app.app_context():
        semester = Semester(
            name="2025-2026学年第一学期", start=date(2025, 9, 1), end=date(2026, 1, 20)
        )
        db.session.add(semester)
        db.session.commit()
        ids = {"semester": semester.id}
    ids["young"] = make_staff(birth_year=1995)  # 30: applicant -> activist in 2025-2026
    ids["pooled"] = make_staff(birth_year=1996)  # in the reserve pool, presents, is paired
    ids["league"] = make_staff(birth_year=1997)  # -> 共青团员: recorded, not a step
    ids["older"] = make_staff(birth_year=1980)  # 45: a step, but not young
    ids["unknown"] = make_staff()  # no birth year: counted apart
    ids["mentor"] = make_staff(birth_year=1975)
    ids["admin"] = make_staff(role="admin")
    ids["leader"] = make_staff(role="leader")
    admin = as_user(app, ids["admin"])

    def change(who, status, since):
        response = send(
            admin, "POST", f"/people/{ids[who]}/political", {"status": status, "since": since}
        )
        assert response.status_code == 200, response.text

    change("young", "applicant", "2025-10-01")
    change("young", "activist", "2026-10-01")
    change("pooled", "activist", "2025-12-01")
    change("league", "league_member", "2025-11-01")
    change("older", "applicant", "2025-11-01")
    change("unknown", "applicant", "2025-11-01")
    with app.app_context():
        db.session.add(
            PoolMembership(staff_id=ids["pooled"], pool="reserve", since=date(2025, 9, 10))
        )
        activity = Activity(semester_id=semester.id, date=date(2025, 10, 20), theme="汇报课")
        activity.presenters = [db.session.get(Staff, ids["pooled"])]
        db.session.add(activity)
        db.session.add(
            Pairing(
                mentor_id=ids["mentor"],
                apprentice_id=ids["pooled"],
                start_semester_id=semester.id,
                end_semester_id=semester.id,
                state="active",
            )
        )
        db.session.commit()
    return ids


def _year(page: str, year: int) -> list[str]:
    row = page.split(f'data-year="{year}"')[1].split("</tr>")[0]
    return [cell.split(">")[-1] for cell in row.split("</td>")[:-1]]


def test_leaders_see_young_steppers_per_year_next_to_their_studio_part(app, school):
    page = as_user(app, school["leader"]).get("/people/political").text
    # young, stepped, in a pool, presented, paired, 年龄未填 stepped
    assert _year(page, 2025) == ["3", "2", "1", "1", "1", "1"]
    assert _year(page, 2026) == ["3", "1", "0", "0", "0", "0"]


def test_the_yearly_page_costs_the_same_queries_with_more_people(
    app, school, make_staff, count_queries
):
    leader = as_user(app, school["leader"])
    before = count_queries(leader, "/people/political")
    admin = as_user(app, school["admin"])
    for _ in range(5):
        person = make_staff(birth_year=1999)
        send(
            admin,
            "POST",
            f"/people/{person}/political",
            {"status": "applicant", "since": "2025-12-01"},
        )
    assert count_queries(leader, "/people/political") == before
    assert _year(leader.get("/people/political").text, 2025)[1] == "7"


def test_the_directory_links_the_yearly_page_for_leaders_only(app, school, make_staff):
    assert "/people/political" in as_user(app, school["leader"]).get("/people").text
    assert "/people/political" not in as_user(app, make_staff(role="manager")).get("/people").text


# --- upgrading ------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_the_migration_gives_everyone_one_undated_line_of_their_status(tmp_path):
    app = create_app(make_config(tmp_path))
    with app.app_context():
        upgrade(revision="0019")
        raw = sqlite3.connect(tmp_path / "studio.db")
        with raw:
            for i, status in enumerate(["member", "activist", "non_party"]):
                raw.execute(
                    "INSERT INTO staff (username, name, pinyin, pinyin_initials, political_status,"
                    " role, active, must_change_password, session_token, ical_token, created_at)"
                    " VALUES (?, ?, '', '', ?, 'teacher', 1, 0, ?, ?, '2025-09-01 08:00:00')",
                    (f"u{i}", f"老师{i}", status, f"s{i}", f"i{i}"),
                )
        raw.close()
        upgrade(revision="0020")
        rows = db.session.execute(
            db.select(PoliticalStatusChange.status, PoliticalStatusChange.since).order_by(
                PoliticalStatusChange.staff_id
            )
        ).all()
        assert rows == [("member", None), ("activist", None), ("non_party", None)]
        db.engine.dispose()


def test_the_demo_school_has_young_teachers_stepping_in_two_years(app):
    from intranet import demo

    with app.app_context():
        demo.seed()
        leader = db.session.scalar(db.select(Staff.id).where(Staff.username == "xiaozhang"))
        lines = db.session.scalar(db.select(db.func.count(PoliticalStatusChange.id)))
        staff = db.session.scalar(db.select(db.func.count(Staff.id)))
    assert lines > staff  # everyone's line, and dated steps for some
    page = as_user(app, leader).get("/people/political").text
    assert int(_year(page, 2026)[1]) > 0 and int(_year(page, 2025)[1]) > 0
