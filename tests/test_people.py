"""The staff directory: search and filters, admin actions, roster import and export, the CLI."""

import io
import re

import pytest
from openpyxl import Workbook, load_workbook

from intranet.extensions import db
from intranet.people.models import Staff
from tests.conftest import PASSWORD, AuthActions, csrf_token, htmx, login_as


def names(response) -> list[str]:
    return re.findall(r'<a href="/people/\d+">([^<]+)</a>', response.get_data(as_text=True))


@pytest.fixture
def school(make_staff):
    make_staff(name="张晓明", username="t100", subject="数学", political_status="member")
    make_staff(name="李红梅", username="t101", subject="语文", campus="滁和")
    make_staff(name="王建国", username="w200", subject="数学", political_status="activist")
    make_staff(name="赵丽", username="t103", active=False)
    return make_staff(name="陈老师", username="viewer")


@pytest.mark.parametrize(
    "q, expected",
    [
        ("zxm", ["张晓明"]),  # pinyin initials
        ("zhangx", ["张晓明"]),  # full pinyin prefix
        ("红梅", ["李红梅"]),  # part of the name
        ("w2", ["王建国"]),  # 工号 prefix
        ("ZXM", ["张晓明"]),  # case does not matter
        ("%", []),  # LIKE wildcards are literal
        ("zhaoli", []),  # disabled staff are hidden
    ],
)
def test_search_finds_by_name_username_or_pinyin(app, client, school, q, expected):
    login_as(client, app, school)
    assert names(client.get("/people", query_string={"q": q}, headers=htmx())) == expected


def test_directory_is_sorted_by_pinyin(app, client, school):
    login_as(client, app, school)
    assert names(client.get("/people")) == ["陈老师", "李红梅", "王建国", "张晓明"]


def test_filters_combine(app, client, school):
    login_as(client, app, school)
    r = client.get("/people", query_string={"subject": "数学", "political_status": "member"})
    assert names(r) == ["张晓明"]
    assert "共 1 人" in r.get_data(as_text=True)


def test_filtered_url_reloads_as_a_whole_page(app, client, school):
    login_as(client, app, school)
    r = client.get("/people?q=zxm&subject=数学")
    body = r.get_data(as_text=True)
    assert "<html" in body and names(r) == ["张晓明"]
    assert 'value="zxm"' in body and '<option value="数学" selected>' in body


def test_admin_can_list_disabled_staff(app, client, school, make_staff):
    login_as(client, app, make_staff(role="admin"))
    assert "赵丽" in names(client.get("/people?inactive=1"))
    login_as(client, app, school)
    assert "赵丽" not in names(client.get("/people?inactive=1"))


def test_directory_query_count_does_not_grow_with_rows(app, client, make_staff, count_queries):
    viewer = make_staff()
    login_as(client, app, viewer)
    few = count_queries(client, "/people")
    for i in range(30):
        make_staff(name=f"教师{i}")
    assert count_queries(client, "/people") == few


# --- admin actions ---------------------------------------------------------------------


@pytest.fixture
def admin_client(app, client, make_staff):
    login_as(client, app, make_staff(role="admin", username="boss"))
    client.token = csrf_token(client, "/")
    return client


def send(client, method, url, data=None):
    return client.open(
        url, method=method, data=data or {}, headers=htmx(**{"X-CSRFToken": client.token})
    )


VALID = {"name": "新同事", "username": "n001", "political_status": "activist", "role": "teacher"}


def test_admin_creates_staff_with_a_one_time_password(app, admin_client):
    r = send(admin_client, "POST", "/people", {**VALID, "subject": "科学", "campus": "沿河"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    password = re.search(r'<code class="otp-code">([a-z0-9]+)</code>', body).group(1)
    assert 'hx-swap-oob="beforeend:#staff-tbody"' in body
    with app.app_context():
        staff = db.session.scalar(db.select(Staff).where(Staff.username == "n001"))
        assert (staff.subject, staff.campus, staff.must_change_password) == ("科学", "沿河", True)
    newcomer = app.test_client()
    assert AuthActions(newcomer).login("n001", password).headers["Location"] == "/password"


@pytest.mark.parametrize(
    "change, field_error",
    [
        ({"name": "   "}, "请填写姓名。"),
        ({"username": "boss"}, "这个工号已经有人使用。"),
        ({"username": "有 空格"}, "工号只能用"),
        ({"political_status": "党员吧"}, "不是有效的选择"),
        ({"role": "superuser"}, "不是有效的选择"),
        ({"name": "名" * 41}, "40"),
    ],
)
def test_bad_new_staff_gets_422_and_keeps_what_was_typed(app, admin_client, change, field_error):
    data = {**VALID, "subject": "科学", **change}
    r = send(admin_client, "POST", "/people", data)
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert field_error in body
    assert 'value="科学" selected' in body or '<option selected value="科学">' in body
    with app.app_context():
        assert db.session.scalar(db.select(Staff).where(Staff.username == "n001")) is None


def test_inline_edit_saves_the_row(app, admin_client, make_staff):
    target = make_staff(name="旧名", username="t5")
    edit = send(admin_client, "GET", f"/people/{target}/edit")
    assert 'name="version"' not in edit.get_data(as_text=True)  # staff rows have no version
    assert f'hx-put="/people/{target}"' in edit.get_data(as_text=True)
    r = send(admin_client, "PUT", f"/people/{target}", {**VALID, "username": "t5", "name": "新名"})
    assert r.status_code == 200 and "新名" in r.get_data(as_text=True)
    assert b"<html" not in r.data
    assert "toast" in r.headers["HX-Trigger"]


def test_invalid_inline_edit_keeps_the_typed_text(app, admin_client, make_staff):
    target = make_staff(name="旧名", username="t5")
    r = send(
        admin_client, "PUT", f"/people/{target}", {**VALID, "username": "boss", "name": "半路改名"}
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'value="半路改名"' in body and "这个工号已经有人使用。" in body
    with app.app_context():
        assert db.session.get(Staff, target).name == "旧名"


def test_last_admin_cannot_be_demoted_or_disabled(app, admin_client):
    with app.app_context():
        boss = db.session.scalar(db.select(Staff.id).where(Staff.username == "boss"))
    r = send(
        admin_client, "PUT", f"/people/{boss}", {**VALID, "username": "boss", "role": "teacher"}
    )
    assert r.status_code == 422 and "至少需要保留一位" in r.get_data(as_text=True)
    assert send(admin_client, "POST", f"/people/{boss}/disable").status_code == 403


def test_disable_and_enable(app, admin_client, make_staff):
    target = make_staff(username="t5")
    victim = app.test_client()
    login_as(victim, app, target)
    r = send(admin_client, "POST", f"/people/{target}/disable")
    assert r.status_code == 200 and "已停用" in r.get_data(as_text=True)
    assert victim.get("/").status_code == 302
    send(admin_client, "POST", f"/people/{target}/enable")
    with app.app_context():
        assert db.session.get(Staff, target).active is True


def test_reset_password_shows_it_once_and_forces_a_change(app, admin_client, make_staff):
    target = make_staff(username="t5")
    logged_in = app.test_client()
    login_as(logged_in, app, target)
    body = send(admin_client, "POST", f"/people/{target}/password").get_data(as_text=True)
    password = re.search(r"一次性密码：<code>([a-z0-9]+)</code>", body).group(1)
    assert logged_in.get("/").status_code == 302  # old sessions end with the old password
    fresh = app.test_client()
    assert AuthActions(fresh).login("t5", PASSWORD).status_code == 401
    assert AuthActions(fresh).login("t5", password).headers["Location"] == "/password"
    assert password not in send(admin_client, "GET", f"/people/{target}").get_data(as_text=True)


def test_admin_ends_someone_elses_sessions(app, admin_client, make_staff):
    target = make_staff(username="t5")
    phone = app.test_client()
    login_as(phone, app, target)
    assert send(admin_client, "POST", f"/people/{target}/sessions").status_code == 200
    assert phone.get("/").status_code == 302


def test_teacher_cannot_edit_and_nothing_changes(app, client, make_staff):
    target = make_staff(name="原名", username="t5")
    login_as(client, app, make_staff())
    client.token = csrf_token(client, "/")
    r = send(client, "PUT", f"/people/{target}", {**VALID, "username": "t5", "name": "篡改"})
    assert r.status_code == 403
    assert r.headers["HX-Retarget"] == "#messages"
    with app.app_context():
        assert db.session.get(Staff, target).name == "原名"


# --- roster ----------------------------------------------------------------------------

GOOD_CSV = "工号,姓名,性别,学科,政治面貌,原校区,角色\nr1,孙悟,男,数学,中共党员,滁和,教师\nr2,周芳,女,语文,九三学社,,\n"
BAD_CSV = (
    "工号,姓名,政治面貌,原校区,角色\n"
    "r1,孙悟,中共党员,滁和,教师\n"
    ",无工号,群众,,\n"
    "r3,,群众,,\n"
    "r1,重复者,群众,,\n"
    "boss,撞号,群众,,\n"
    "r6,乱填,共产主义者,,\n"
    "r7,错校区,群众,火星,\n"
    "r8,错角色,群众,,校长大人\n"
)


def upload(client, content: bytes, filename: str):
    token = csrf_token(client, "/people/import")
    return client.post(
        "/people/import",
        data={"csrf_token": token, "roster": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def confirm(client, preview):
    payload = re.search(r'name="payload" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    return client.post(
        "/people/import/confirm",
        data={"csrf_token": csrf_token(client, "/people/import"), "payload": payload},
    )


def usernames(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(db.select(Staff.username)))


def test_roster_takes_every_political_status_a_school_holds(app, admin_client):
    roster = (
        "工号,姓名,政治面貌\nq1,团员甲,共青团员\nq2,无党派乙,无党派人士\n"
        "q3,申请丙,入党申请人\nq4,团员丁,团员\n"
    )
    assert "未知的政治面貌" not in upload(admin_client, roster.encode(), "r.csv").get_data(
        as_text=True
    )
    with app.app_context():
        statuses = dict(
            db.session.execute(
                db.select(Staff.username, Staff.political_status).where(Staff.username.like("q%"))
            ).all()
        )
    assert statuses == {}, "nothing is stored before the admin confirms"
    preview = upload(admin_client, roster.encode(), "r.csv")
    assert confirm(admin_client, preview).status_code in (200, 303)
    with app.app_context():
        statuses = dict(
            db.session.execute(
                db.select(Staff.username, Staff.political_status).where(Staff.username.like("q%"))
            ).all()
        )
    assert statuses == {
        "q1": "league_member",
        "q2": "independent",
        "q3": "applicant",
        "q4": "league_member",
    }


def test_malformed_roster_lists_every_bad_row_and_imports_nothing(app, admin_client):
    before = usernames(app)
    r = upload(admin_client, BAD_CSV.encode(), "roster.csv")
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    for reason in [
        "缺少工号",
        "缺少姓名",
        "工号“r1”与第 2 行重复",
        "工号“boss”是",  # the admin's: a known 工号 under another name is refused
        "与名册中的姓名“撞号”不符",
        "未知的政治面貌“共产主义者”",
        "未知的原校区“火星”",
        "未知的角色“校长大人”",
    ]:
        assert reason in body, reason
    assert "1 行可以导入，7 行有问题" in body
    assert usernames(app) == before


def test_good_rows_land_in_one_go_after_confirmation(app, admin_client):
    preview = upload(admin_client, GOOD_CSV.encode(), "roster.csv")
    assert usernames(app) == {"boss"}
    r = confirm(admin_client, preview)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "已导入 2 人" in body
    assert len(re.findall(r"<code>[a-z0-9]{12}</code>", body)) == 2
    with app.app_context():
        zhou = db.session.scalar(db.select(Staff).where(Staff.username == "r2"))
        assert (zhou.name, zhou.political_status, zhou.gender) == (
            "周芳",
            "democratic_party",
            "female",
        )
        assert zhou.must_change_password


def test_gbk_csv_from_chinese_excel_is_read(app, admin_client):
    r = upload(admin_client, GOOD_CSV.encode("gb18030"), "名册.csv")
    assert "2 行可以导入，0 行有问题" in r.get_data(as_text=True)


def test_xlsx_roster_is_read(app, admin_client):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["工号", "姓名", "政治面貌"])
    sheet.append(["x1", "钱多多", "入党积极分子"])
    sheet.append([None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    r = upload(admin_client, buffer.getvalue(), "roster.xlsx")
    assert "1 行可以导入，0 行有问题" in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (b"<html>not a roster</html>", "roster.xlsx", "不是有效的 Excel"),
        (b"PK\x03\x04garbage", "roster.xlsx", "无法读取这个 Excel"),
        (b"name,age\nx,1\n", "roster.csv", "缺少表头：工号、姓名"),
        (b"", "roster.csv", "名册是空的"),
        (b"\xff\xfe\x00garbage\x81", "roster.csv", "无法识别文件编码"),
        (b"anything", "roster.pdf", "只支持 .xlsx 或 .csv"),
    ],
)
def test_unreadable_roster_gets_a_clear_message(app, admin_client, content, filename, message):
    r = upload(admin_client, content, filename)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)


def test_tampered_preview_is_refused(app, admin_client):
    preview = upload(admin_client, GOOD_CSV.encode(), "roster.csv")
    payload = re.search(r'name="payload" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    payload = payload.replace("r2", "r9") if "r2" in payload else payload[:-1] + "x"
    payload = payload[:-2] + ("AA" if not payload.endswith("AA") else "BB")
    r = admin_client.post(
        "/people/import/confirm",
        data={"csrf_token": csrf_token(admin_client, "/people/import"), "payload": payload},
    )
    assert r.status_code == 400
    assert usernames(app) == {"boss"}


def test_confirm_refuses_when_a_username_was_taken_meanwhile(app, admin_client, make_staff):
    preview = upload(admin_client, GOOD_CSV.encode(), "roster.csv")
    make_staff(username="r2")
    r = confirm(admin_client, preview)
    assert r.status_code == 409 and "重新上传" in r.get_data(as_text=True)
    assert "r1" not in usernames(app)


def test_export_round_trips_through_import(app, admin_client, make_staff):
    make_staff(
        name="张晓明", username="t100", subject="数学", political_status="member", gender="male"
    )
    r = admin_client.get("/people/export.xlsx")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("工号", "姓名", "性别")
    assert ("t100", "张晓明", "男", "数学") in [row[:4] for row in rows]
    with app.app_context():
        from intranet.people.roster import read_roster, validate_roster

        parsed = validate_roster(read_roster("x.xlsx", r.data))
    assert {row.kind for row in parsed} == {"unchanged"}  # recognised, all known, as they are


# --- CLI -------------------------------------------------------------------------------


def test_create_user_prints_a_one_time_password(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "chief",
            "--name",
            "首任管理员",
            "--role",
            "admin",
            "--political-status",
            "中共党员",
        ]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"一次性密码：[a-z0-9]{12}", result.output)
    with app.app_context():
        chief = db.session.scalar(db.select(Staff).where(Staff.username == "chief"))
        assert (chief.role, chief.political_status, chief.must_change_password) == (
            "admin",
            "member",
            True,
        )


def test_create_user_with_chosen_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "chief", "--name", "甲", "--password-stdin"], input="a long sentence\n"
    )
    assert result.exit_code == 0 and "一次性密码" not in result.output
    assert (
        AuthActions(app.test_client()).login("chief", "a long sentence").headers["Location"] == "/"
    )
    weak = runner.invoke(
        args=["create-user", "b", "--name", "乙", "--password-stdin"], input="123456\n"
    )
    assert weak.exit_code != 0 and "至少需要 8 个字符" in weak.output


def test_fresh_install_has_no_accounts(app):
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Staff.id))) == 0


def test_import_roster_cli_refuses_bad_rows_unless_told(app, tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text(BAD_CSV)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["import-roster", str(roster)])
    assert refused.exit_code != 0 and "未导入任何数据" in refused.output
    assert usernames(app) == set()
    done = runner.invoke(args=["import-roster", str(roster), "--skip-bad"])
    assert done.exit_code == 0 and "已导入 2 人" in done.output
    assert usernames(app) == {"r1", "boss"}


def test_the_directory_and_the_people_search_ignore_control_characters_in_the_address(
    app, client, make_staff
):
    """A NUL or an escape pasted into the address finds nobody instead of breaking the page
    (PostgreSQL refuses NUL in a string)."""
    teacher = make_staff(name="王晓燕")
    login_as(client, app, teacher)
    for url in (
        "/people?role=%00%01%1b[31m&q=%00",
        "/people?political_status=%00&subject=%7f",
        "/schedule/people?q=%00wxy",
    ):
        assert client.get(url).status_code == 200, url
    assert "王晓燕" in client.get("/people?q=%00%E7%8E%8B").get_data(as_text=True)
