"""A roster re-imported the next year updates the people it already holds: matched by 工号 (the
same name required), only the cells filled in and different change, political status changes go
into the history with the import as their source, usernames and passwords never change; the
preview lists new, changed, unchanged and refused rows (with a Chinese reason) before the admin
confirms, and a person edited by someone else since the preview is not overwritten."""

import re

import pytest

from intranet.clock import school_today
from intranet.extensions import db
from intranet.people.models import PoliticalStatusChange, Staff
from tests.conftest import csrf_token, login_as
from tests.test_people import confirm, send, upload

HEADER = "工号,姓名,性别,学科,年级组,职称,政治面貌,原校区,角色,出生年份\n"


@pytest.fixture
def school(app, client, make_staff):
    ids = {
        "admin": make_staff(role="admin", username="boss", name="陆志远"),
        "zhang": make_staff(
            username="t100",
            name="张晓明",
            subject="语文",
            title="二级教师",
            political_status="activist",
            birth_year=1996,
        ),
        "li": make_staff(username="t101", name="李红梅", subject="数学", campus="滁和"),
        "wang": make_staff(username="t102", name="王建国", subject="科学", birth_year=1980),
        "gone": make_staff(username="t103", name="赵丽", active=False),
    }
    login_as(client, app, ids["admin"])
    return ids


def person(app, staff_id) -> Staff:
    with app.app_context():
        found = db.session.get(Staff, staff_id)
        db.session.expunge(found)
        return found


def preview_rows(response) -> dict[str, tuple[str, str]]:
    """工号 -> (结果, 内容或原因) as the preview's table shows them."""
    table = response.get_data(as_text=True).split('id="roster-preview"')[1].split("</table>")[0]
    found = {}
    for row in re.findall(r"<tr class=\"roster-.*?</tr>", table, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        found[cells[1]] = (cells[3], cells[4])
    return found


NEXT_YEAR = (
    HEADER
    # 张晓明 teaches 数学 now, one title up, and became a development target
    + "t100,张晓明,,数学,,一级教师,发展对象,,,1996\n"
    # 李红梅: blank cells keep what she has; her subject is the same
    + "t101,李红梅,,数学,,,,,,\n"
    # 王建国: a leader now; his birth year was wrong
    + "t102,王建国,,科学,,,,,校领导,1981\n"
    # new this year
    + "t200,钱多多,女,英语,三年级组,未定级,共青团员,,教师,2001\n"
)


def test_the_preview_lists_new_changed_and_unchanged_people_before_anything_changes(
    app, client, school
):
    r = upload(client, NEXT_YEAR.encode(), "名册.csv")
    assert r.status_code == 200
    rows = preview_rows(r)
    assert rows["t100"] == (
        "更新",
        "学科：语文 → 数学；职称：二级教师 → 一级教师；政治面貌：入党积极分子 → 发展对象",
    )
    assert rows["t101"] == ("无变化", "✓")
    assert rows["t102"] == ("更新", "角色：教师 → 校领导；出生年份：1980 → 1981")
    assert rows["t200"][0] == "新增"
    body = r.get_data(as_text=True)
    assert "新增 1 人，更新 2 人，无变化 1 人，不能导入 0 行" in body
    assert "确认导入：新增 1 人，更新 2 人" in body
    assert person(app, school["zhang"]).subject == "语文"  # nothing until the admin confirms


def test_confirming_updates_people_records_status_steps_and_keeps_logins(app, client, school):
    before = person(app, school["zhang"])
    r = confirm(client, upload(client, NEXT_YEAR.encode(), "名册.csv"))
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "已导入 1 人，更新 2 人" in body
    assert len(re.findall(r"<code>[a-z0-9]{12}</code>", body)) == 1  # the new account only
    assert "学科：语文 → 数学" in body
    zhang, li, wang = (person(app, school[k]) for k in ("zhang", "li", "wang"))
    assert (zhang.subject, zhang.title, zhang.political_status) == (
        "数学",
        "一级教师",
        "development_target",
    )
    assert (zhang.username, zhang.password_hash, zhang.must_change_password) == (
        before.username,
        before.password_hash,
        before.must_change_password,
    )
    assert zhang.session_token == before.session_token  # still logged in where they were
    assert (li.subject, li.campus) == ("数学", "滁和")  # blank cells kept what she had
    assert (wang.role, wang.birth_year) == ("leader", 1981)
    with app.app_context():
        lines = db.session.execute(
            db.select(
                PoliticalStatusChange.status,
                PoliticalStatusChange.since,
                PoliticalStatusChange.source,
                PoliticalStatusChange.recorded_by_id,
            )
            .where(PoliticalStatusChange.staff_id == school["zhang"])
            .order_by(PoliticalStatusChange.id)
        ).all()
    assert lines[-1] == ("development_target", school_today(), "import", school["admin"])
    assert lines[0][:2] == ("activist", None)  # what he held before, undated


@pytest.mark.parametrize(
    "line, reason",
    [
        ("t100,张小明,,数学,,,,,,", "工号“t100”是张晓明的，与名册中的姓名“张小明”不符"),
        (
            "t900,王建国,,科学,,,,,,1980",
            "姓名和出生年份与现有的王建国（工号“t102”）相同，工号却不同",
        ),
        ("t103,赵丽,,数学,,,,,,", "工号“t103”的账号已停用，请先在名录中启用再导入"),
        ("boss,陆志远,,,,,中共党员,,,", "自己的政治面貌请由其他管理员登记"),
        ("boss,陆志远,,,,,,,教师,", "不能通过导入修改自己的角色"),
        ("t100,张晓明,,数学,,,,,,1880", "出生年份“1880”不对"),
    ],
    ids=["other-name", "same-person-other-username", "disabled", "own-status", "own-role", "year"],
)
def test_rows_that_would_change_the_wrong_person_are_refused_with_a_reason(
    app, client, school, line, reason
):
    r = upload(client, (HEADER + line + "\n").encode(), "名册.csv")
    ((result, why),) = preview_rows(r).values()
    assert result == "不能导入" and reason in why
    assert 'name="payload"' not in r.get_data(as_text=True)


def test_a_username_in_another_case_is_the_same_person_and_keeps_its_spelling(app, client, school):
    confirm(client, upload(client, (HEADER + "T100,张晓明,,美术,,,,,,\n").encode(), "r.csv"))
    zhang = person(app, school["zhang"])
    assert (zhang.username, zhang.subject) == ("t100", "美术")


def test_a_roster_never_demotes_the_last_admin(app, school, tmp_path):
    # From the app, the admin importing cannot change their own role, so one always stays;
    # from the command line a roster could demote every admin: the last one is kept.
    make = app.test_cli_runner()
    roster = tmp_path / "r.csv"
    roster.write_text(HEADER + "boss,陆志远,,,,,,,教师,\n")
    result = make.invoke(args=["import-roster", str(roster)])
    assert result.exit_code != 0 and "系统至少需要保留一位在用的管理员" in result.output
    assert person(app, school["admin"]).role == "admin"


def test_a_person_edited_since_the_preview_is_not_overwritten(app, client, make_staff, school):
    preview = upload(client, NEXT_YEAR.encode(), "名册.csv")
    # another admin changes 张晓明's subject in the directory meanwhile
    other = app.test_client()
    login_as(other, app, make_staff(role="admin", username="a2", name="副管理员"))
    other.token = csrf_token(other, "/")
    edit = {"username": "t100", "name": "张晓明", "subject": "音乐", "title": "二级教师"}
    edit |= {"political_status": "activist", "role": "teacher"}
    assert send(other, "PUT", f"/people/{school['zhang']}", edit).status_code == 200
    r = confirm(client, preview)
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "预览之后有人修改了此人的学科，这一行没有更新" in body
    zhang = person(app, school["zhang"])
    assert (zhang.subject, zhang.title, zhang.political_status) == ("音乐", "二级教师", "activist")
    assert person(app, school["wang"]).role == "leader"  # the other rows went ahead


def test_a_tampered_or_foreign_payload_is_refused(app, client, school):
    token = csrf_token(client, "/people/import")
    r = client.post("/people/import/confirm", data={"csrf_token": token, "payload": "x.y"})
    assert r.status_code == 400


def test_the_cli_updates_known_people_too(app, school, tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text(NEXT_YEAR)
    result = app.test_cli_runner().invoke(args=["import-roster", str(roster)])
    assert result.exit_code == 0, result.output
    assert "已更新 t100 张晓明：学科：语文 → 数学" in result.output
    assert "已导入 1 人" in result.output
    with app.app_context():
        source = db.session.scalar(
            db.select(PoliticalStatusChange.source)
            .where(PoliticalStatusChange.staff_id == school["zhang"])
            .order_by(PoliticalStatusChange.id.desc())
            .limit(1)
        )
    assert person(app, school["zhang"]).political_status == "development_target"
    assert source == "import"
