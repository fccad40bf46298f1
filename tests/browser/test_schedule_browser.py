"""The schedule in a real browser: editing like a spreadsheet, errors in the row, a new row,
delete and undo, two managers in conflict, and checking in from a phone."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from intranet.clock import school_today
from intranet.extensions import db
from intranet.schedule import services
from intranet.schedule.models import Activity, Semester
from tests.browser.conftest import (
    PHONE,
    PHONE_390,
    axe_violations,
    describe_violations,
    login,
    screenshot,
)

TODAY = school_today()


@pytest.fixture
def schedule(app, make_staff):
    ids = {
        "manager": make_staff(role="manager", username="guanli", name="徐丽萍"),
        "manager2": make_staff(role="manager", username="guanli2", name="孙建华"),
        "teacher": make_staff(username="t1", name="王晓燕"),
        "responsible": make_staff(username="t2", name="顾雅琴"),
    }
    with app.app_context():
        semester = Semester(
            name="2026-2027学年第一学期",
            start=TODAY - timedelta(days=60),
            end=TODAY + timedelta(days=60),
            is_current=True,
        )
        activity = Activity(
            semester=semester,
            date=TODAY,
            theme="名师展示课：《秋天的雨》",
            place="录播教室",
            responsible_id=ids["manager"],
        )
        db.session.add_all([semester, activity])
        db.session.commit()
        # the link the projector page shows: the token and a code for the activity's date
        link = f"/schedule/checkin/{activity.checkin_token}?code={services.checkin_code(activity)}"
        ids |= {"activity": activity.id, "checkin_link": link}
    return ids


def open_schedule(page, username="guanli"):
    login(page, username)
    page.goto("/schedule")
    page.evaluate("window.__sameDocument = true")


def assert_no_page_load(page):
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"


def test_manager_edits_a_row_in_place_and_saves_with_enter(page, schedule):
    open_schedule(page)
    row = page.locator(f"#activity-{schedule['activity']}")
    row.get_by_text("录播教室").click()
    theme = row.get_by_label("主题")
    expect(theme).to_be_visible()
    theme.fill("名师展示课：《秋天的雨》朗读指导")
    theme.press("Enter")
    expect(row.get_by_role("link", name="名师展示课：《秋天的雨》朗读指导")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("已保存")
    assert_no_page_load(page)
    screenshot(page, "schedule-table")


def test_a_row_saves_even_when_enter_comes_the_moment_the_form_appears(page, schedule):
    # A fast typist (or a loaded PC) can press Enter before htmx has settled the swapped-in
    # row; the bare form must never submit itself and reload the page with the edit lost.
    open_schedule(page)
    row = page.locator(f"#activity-{schedule['activity']}")
    page.evaluate(
        """(rowId) => document.body.addEventListener("htmx:afterSwap", function submitAtOnce() {
            const form = document.querySelector(`#${rowId} form`);
            if (!form) return;  // another swap (the to-do badge), not the row's
            document.body.removeEventListener("htmx:afterSwap", submitAtOnce);
            setTimeout(() => {
                form.querySelector("[name=theme]").value = "抢在瞬间保存的主题";
                form.requestSubmit();
            }, 0);
        })""",
        f"activity-{schedule['activity']}",
    )
    row.get_by_text("录播教室").click()
    expect(row.get_by_role("link", name="抢在瞬间保存的主题")).to_be_visible()
    assert_no_page_load(page)


def test_esc_restores_the_row_without_saving(page, schedule):
    open_schedule(page)
    row = page.locator(f"#activity-{schedule['activity']}")
    row.get_by_role("button", name="编辑").click()
    row.get_by_label("主题").fill("不想保存的改动")
    row.get_by_label("主题").press("Escape")
    expect(row.get_by_role("link", name="名师展示课：《秋天的雨》")).to_be_visible()
    page.reload()
    expect(page.get_by_text("不想保存的改动")).to_have_count(0)


def test_validation_error_shows_in_the_row_and_keeps_the_input(page, schedule):
    open_schedule(page)
    row = page.locator(f"#activity-{schedule['activity']}")
    row.get_by_role("button", name="编辑").click()
    row.get_by_label("开始").fill("10:00")
    row.get_by_label("结束").fill("09:00")
    row.get_by_label("活动程序").fill("导师执教\n评课")
    row.get_by_role("button", name="保存").click()
    expect(row.get_by_text("结束时间要晚于开始时间。")).to_be_visible()
    expect(row.get_by_label("活动程序")).to_have_value("导师执教\n评课")
    screenshot(page, "schedule-row-error")


def test_manager_adds_a_row_at_the_bottom_and_it_takes_focus(page, schedule):
    open_schedule(page)
    page.get_by_role("button", name="＋ 新增一行").click()
    new_row = page.locator("#new-activities tr.editing")
    expect(new_row.get_by_label("日期")).to_be_focused()
    new_row.get_by_label("形式").select_option(label="集体备课")
    new_row.get_by_label("主题").fill("三年级数学集体备课")
    new_row.get_by_label("主题").press("Enter")
    expect(page.get_by_role("link", name="三年级数学集体备课")).to_be_visible()
    expect(page.locator("#new-activities tr.editing")).to_have_count(0)
    assert_no_page_load(page)
    page.reload()
    expect(page.get_by_role("link", name="三年级数学集体备课")).to_be_visible()


def test_delete_offers_undo_and_undo_restores_the_row(page, schedule):
    open_schedule(page)
    row = page.locator(f"#activity-{schedule['activity']}")
    row.get_by_role("button", name="删除").click()
    expect(row).to_contain_text("已删除")
    row.get_by_role("button", name="撤销").click()
    expect(row.get_by_role("link", name="名师展示课：《秋天的雨》")).to_be_visible()
    page.reload()
    expect(page.get_by_role("link", name="名师展示课：《秋天的雨》")).to_be_visible()


def test_two_managers_in_conflict_see_both_versions_and_choose(new_page, schedule):
    first, second = new_page(), new_page()
    open_schedule(first, "guanli")
    open_schedule(second, "guanli2")
    rows = [p.locator(f"#activity-{schedule['activity']}") for p in (first, second)]
    for row in rows:
        row.get_by_role("button", name="编辑").click()
    rows[0].get_by_label("地点").fill("学术报告厅")
    rows[0].get_by_role("button", name="保存").click()
    expect(rows[0]).to_contain_text("学术报告厅")

    rows[1].get_by_label("地点").fill("三楼会议室")
    rows[1].get_by_role("button", name="保存").click()
    notice = rows[1].locator(".conflict")
    expect(notice).to_contain_text("别人也修改了下面几项")
    expect(notice).to_contain_text("学术报告厅")
    expect(notice).to_contain_text("三楼会议室")
    expect(rows[1].get_by_label("地点")).to_have_value("三楼会议室")
    screenshot(second, "schedule-conflict")

    rows[1].get_by_role("button", name="保存").click()
    # The conflict view itself shows both places: wait for the saved row, not just the text.
    expect(rows[1].locator(".conflict")).to_have_count(0)
    expect(rows[1].get_by_role("cell", name="三楼会议室")).to_be_visible()
    first.reload()
    expect(first.locator(f"#activity-{schedule['activity']}")).to_contain_text("三楼会议室")


def test_teacher_checks_in_from_a_phone_after_logging_in(new_page, schedule):
    page = new_page(viewport=PHONE)
    page.goto(schedule["checkin_link"])
    page.get_by_label("工号").fill("t1")
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="名师展示课：《秋天的雨》")).to_be_visible()
    page.get_by_role("button", name="以 王晓燕 的身份签到").click()
    expect(page.get_by_text("王晓燕，您已签到。")).to_be_visible()
    screenshot(page, "schedule-checkin-phone")


def test_the_responsible_teacher_reads_counted_fields_and_edits_the_rest(page, app, schedule):
    with app.app_context():
        db.session.get(Activity, schedule["activity"]).responsible_id = schedule["responsible"]
        db.session.commit()
    open_schedule(page, "t2")
    row = page.locator(f"#activity-{schedule['activity']}")
    row.get_by_role("button", name="编辑").click()
    expect(row.get_by_label("主题")).to_be_visible()
    expect(row.get_by_label("级别")).to_have_count(0)
    expect(row.get_by_label("状态")).to_have_count(0)
    expect(row).to_contain_text("只能由工作室管理员修改")
    row.get_by_label("地点").fill("三楼会议室")
    row.get_by_role("button", name="保存").click()
    expect(row.get_by_role("cell", name="三楼会议室")).to_be_visible()
    expect(row).to_contain_text("计划")
    assert_no_page_load(page)


def test_filters_narrow_the_schedule_in_place_and_live_in_the_url(page, app, schedule):
    with app.app_context():
        db.session.add(
            Activity(
                semester_id=db.session.get(Activity, schedule["activity"]).semester_id,
                date=TODAY,
                theme="送教下乡：英语绘本",
                level="district",
                form="outreach",
            )
        )
        db.session.commit()
    open_schedule(page, "t1")
    page.get_by_label("级别").select_option(label="全区")
    expect(page.get_by_role("link", name="名师展示课：《秋天的雨》")).to_have_count(0)
    expect(page.get_by_role("link", name="送教下乡：英语绘本")).to_be_visible()
    assert "level=district" in page.url
    assert_no_page_load(page)
    page.reload()
    expect(page.get_by_role("link", name="送教下乡：英语绘本")).to_be_visible()
    expect(page.get_by_role("link", name="名师展示课：《秋天的雨》")).to_have_count(0)
    page.get_by_label("月历").check()
    expect(page.locator("table.calendar")).to_contain_text("送教下乡：英语绘本")
    screenshot(page, "schedule-calendar")


def test_more_brings_the_rest_of_a_long_semester_and_a_row_in_it_edits(page, app, schedule):
    """A semester longer than a window (100 rows): 更多 adds the rest in place, in date order,
    and a row it brought edits in place like any other."""
    with app.app_context():
        semester_id = db.session.get(Activity, schedule["activity"]).semester_id
        db.session.add_all(
            Activity(
                semester_id=semester_id,
                date=TODAY + timedelta(days=1 + n // 3),
                theme=f"集体备课第{n + 1}次",
                form="lesson_preparation",
            )
            for n in range(120)
        )
        db.session.commit()
    open_schedule(page)
    expect(page.locator("#schedule-count")).to_have_text("共 121 项活动")
    rows = page.locator("tr.activity")
    expect(rows).to_have_count(100)
    page.get_by_role("link", name="更多（还有 21 条）").click()
    expect(rows).to_have_count(121)
    expect(page.get_by_role("link", name="更多")).to_have_count(0)
    assert_no_page_load(page)
    last = rows.last
    expect(last).to_contain_text("集体备课第120次")
    last.get_by_role("button", name="编辑").click()
    theme = page.locator("tr.editing").get_by_label("主题")
    theme.fill("集体备课：期末复习")
    theme.press("Enter")
    expect(page.get_by_role("link", name="集体备课：期末复习")).to_be_visible()
    assert_no_page_load(page)


def test_a_phone_opens_the_schedule_at_this_month_and_earlier_brings_the_months_before(
    new_page, app, schedule
):
    """At 390 px a teacher opens the schedule on what is coming up (this month); the months
    before wait behind 更早, which puts them above in place, each under its month's head."""
    first_of_month = TODAY.replace(day=1)
    with app.app_context():
        semester_id = db.session.get(Activity, schedule["activity"]).semester_id
        db.session.add_all(
            Activity(
                semester_id=semester_id,
                date=first_of_month - timedelta(days=1 + n),
                theme=f"读书交流第{n + 1}次",
                form="reading_exchange",
            )
            for n in range(3)
        )
        db.session.commit()
    page = new_page(viewport=PHONE_390)
    login(page, "t1")
    page.goto("/schedule")
    page.evaluate("window.__sameDocument = true")
    rows = page.locator("tr.activity")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("名师展示课：《秋天的雨》")
    page.get_by_role("link", name="更早的活动（3 条）").click()
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("读书交流第3次")
    expect(rows.last).to_contain_text("名师展示课：《秋天的雨》")
    before = first_of_month - timedelta(days=1)
    expect(page.get_by_role("rowheader", name=f"{before.year}年{before.month}月")).to_be_visible()
    expect(page.get_by_role("link", name="更早的活动")).to_have_count(0)
    assert_no_page_load(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_attendance_and_record_kept_on_the_activity_page(page, schedule, tmp_path):
    login(page, "guanli")
    page.goto(f"/schedule/activities/{schedule['activity']}")
    attendance = page.locator(f"#attendance-{schedule['activity']}")
    # 王晓燕 is not among the invitees (the studio): she is added below the roll.
    expect(attendance.locator(".roll-list")).not_to_contain_text("王晓燕")
    attendance.get_by_text("登记名单以外的人").click()
    attendance.get_by_label("教师").select_option(label="王晓燕")
    attendance.get_by_label("出勤").select_option(label="请假")
    attendance.get_by_role("button", name="登记").click()
    expect(attendance.get_by_text("请假要写明原因。")).to_be_visible()
    attendance.get_by_label("请假原因", exact=True).fill("外出培训")
    attendance.get_by_role("button", name="登记").click()
    expect(attendance.locator(".roll-list")).to_contain_text("王晓燕")
    expect(attendance.get_by_label("王晓燕的请假原因")).to_have_value("外出培训")

    from PIL import Image

    photo = tmp_path / "现场.png"
    Image.new("RGB", (120, 80), "green").save(photo)
    record = page.locator(f"#record-{schedule['activity']}")
    record.get_by_label("活动纪要").fill("导师执教后集中评课。")
    record.get_by_label("照片和文件").set_input_files(str(photo))
    record.get_by_role("button", name="保存记录").click()
    expect(record.get_by_role("img", name="活动照片 1")).to_be_visible()
    expect(record).to_contain_text("导师执教后集中评课。")
    screenshot(page, "schedule-activity-record")


def test_teacher_resets_the_calendar_feed_from_the_home_page(page, schedule):
    login(page, "t1")
    feed = page.locator("#calendar-feed code")
    old = feed.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="更换地址").click()
    expect(feed).not_to_have_text(old)
    expect(page.locator("#messages")).to_contain_text("旧地址已失效")
    assert page.request.get(old).status == 404


# --- the people picker --------------------------------------------------------------------


def test_manager_picks_people_by_pinyin_initials_with_the_keyboard(page, app, make_staff, schedule):
    make_staff(username="zxm1", name="张晓明", subject="语文")
    make_staff(username="zxm2", name="赵雪梅", subject="数学")
    open_schedule(page)
    row = page.locator(f"#activity-{schedule['activity']}")
    row.get_by_role("button", name="编辑").click()
    expect(row.get_by_label("日期")).to_be_focused()  # the row has settled: typing stays put

    responsible = row.get_by_label("责任人", exact=True)
    # app.js wires each picker the row brings: its hint, and the names of the chosen ones' buttons
    expect(responsible).to_have_attribute("placeholder", "查找：姓名或拼音首字母")
    expect(row.get_by_label("主讲人", exact=True)).to_have_attribute(
        "placeholder", "添加：姓名或拼音首字母"
    )
    expect(row.get_by_role("button", name="去掉责任人：徐丽萍")).to_be_visible()
    # The picker loads when focused: wait for that answer, so the typing below is searched.
    with page.expect_response(lambda r: "/schedule/people" in r.url):
        responsible.focus()
    responsible.press_sequentially("zxm")
    found = row.get_by_role("listbox", name="查找结果")
    expect(found.get_by_role("option")).to_have_count(2)  # 张晓明 and 赵雪梅, by pinyin
    expect(responsible).to_have_attribute("aria-expanded", "true")
    responsible.press("ArrowDown")
    expect(found.get_by_role("option", name="张晓明")).to_have_attribute("aria-selected", "true")
    assert not describe_axe(page)
    responsible.press("Enter")  # chooses; does not save the row
    expect(row.get_by_label("已选的责任人")).to_have_text("张晓明（语文）×")
    expect(found).to_have_count(0)

    presenters = row.get_by_label("主讲人", exact=True)
    presenters.press_sequentially("wxy")
    expect(found.get_by_role("option")).to_have_count(1)
    expect(found.get_by_role("option", name="王晓燕")).to_be_visible()
    presenters.press("ArrowDown")
    presenters.press("Enter")
    presenters.press_sequentially("gyq")
    expect(found.get_by_role("option")).to_have_count(1)
    expect(found.get_by_role("option", name="顾雅琴")).to_be_visible()
    presenters.press("Escape")  # closes the list only: the row stays open
    expect(found).to_have_count(0)
    presenters.press("ArrowDown")
    presenters.press("Enter")
    chosen = row.get_by_label("已选的主讲人")
    expect(chosen).to_contain_text("王晓燕")
    expect(chosen).to_contain_text("顾雅琴")
    row.get_by_role("button", name="去掉主讲人：王晓燕").click()
    expect(chosen).not_to_contain_text("王晓燕")

    row.get_by_role("button", name="保存").click()
    expect(row.get_by_role("cell", name="张晓明", exact=True)).to_be_visible()
    expect(row.get_by_role("cell", name="顾雅琴", exact=True)).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("已保存")
    with app.app_context():
        saved = db.session.get(Activity, schedule["activity"])
        assert (saved.responsible.name, [p.name for p in saved.presenters]) == (
            "张晓明",
            ["顾雅琴"],
        )
    assert_no_page_load(page)


def describe_axe(page) -> str:
    return describe_violations(axe_violations(page))


def test_teacher_filters_the_schedule_by_a_responsible_person_found_by_search(page, app, schedule):
    """The 责任人 filter searches who runs an activity this semester (a list of them all grew
    with the school): choosing one narrows the rows in place and lives in the URL; × shows all
    again."""
    with app.app_context():
        semester_id = db.session.get(Activity, schedule["activity"]).semester_id
        db.session.add(
            Activity(
                semester_id=semester_id,
                date=TODAY,
                theme="集体备课：三年级习作",
                responsible_id=schedule["responsible"],
            )
        )
        db.session.commit()
    open_schedule(page, "t1")
    search = page.get_by_role("combobox", name="责任人")
    with page.expect_response(lambda r: "/schedule/people" in r.url):
        search.focus()  # this semester's people: the two who run something, not 王晓燕
    found = page.get_by_role("listbox", name="查找结果")
    expect(found.get_by_role("option")).to_have_count(2)
    search.press_sequentially("gyq")
    expect(found.get_by_role("option")).to_have_count(1)
    assert not describe_axe(page)
    search.press("ArrowDown")
    search.press("Enter")
    expect(page.get_by_label("已选的责任人")).to_have_text("顾雅琴×")
    expect(page.get_by_role("link", name="名师展示课：《秋天的雨》")).to_have_count(0)
    expect(page.get_by_role("link", name="集体备课：三年级习作")).to_be_visible()
    assert f"responsible={schedule['responsible']}" in page.url and "q=" not in page.url
    assert_no_page_load(page)
    screenshot(page, "schedule-filter-responsible")
    page.reload()
    expect(page.get_by_label("已选的责任人")).to_have_text("顾雅琴×")
    expect(page.get_by_role("link", name="名师展示课：《秋天的雨》")).to_have_count(0)
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="去掉责任人：顾雅琴").click()
    expect(page.get_by_role("link", name="名师展示课：《秋天的雨》")).to_be_visible()
    expect(page.get_by_role("link", name="集体备课：三年级习作")).to_be_visible()
    assert_no_page_load(page)
