"""收获 across activities: per form on the semester plan, per form, per level and over the last
four semesters on the dashboard. A figure is made of whole activities whose answering closed
with five answers or more, so no figure less another gives away fewer than five; each is one
grouped query, however many."""

import re
from datetime import timedelta

import pytest

from intranet.auth.permissions import FEEDBACK_DAYS
from intranet.clock import school_today
from intranet.extensions import db
from intranet.feedback import services
from intranet.feedback.models import Feedback
from intranet.schedule.models import Activity, Semester
from tests.conftest import login_as

TODAY = school_today()
YESTERDAY = TODAY - timedelta(days=1)
MAX_DASHBOARD_QUERIES = 8  # tests/test_dashboard_figures.py


@pytest.fixture
def school(app, make_staff):
    people = {
        "manager": make_staff(role="manager", name="管理组"),
        "leader": make_staff(role="leader", name="校长"),
    }
    with app.app_context():
        names = ("大前学期", "前学期", "上学期", "本学期", "下学期")
        semesters = []
        for n, name in enumerate(names):
            start = TODAY - timedelta(days=(3 - n) * 180 + 60)
            semesters.append(Semester(name=name, start=start, end=start + timedelta(days=150)))
        semesters[3].is_current = True
        db.session.add_all(semesters)
        db.session.commit()
        people["semesters"] = [s.id for s in semesters]
        people["semester"] = semesters[3].id
    return people


def held(app, semester_id, form="lecture", level="school", deleted=False, day=None) -> int:
    with app.app_context():
        semester = db.session.get(Semester, semester_id)
        activity = Activity(
            semester_id=semester_id,
            date=day or semester.start + timedelta(days=10),
            theme=f"{form}-{level}",
            form=form,
            level=level,
            status="done",
            deleted_at=TODAY if deleted else None,
        )
        db.session.add(activity)
        db.session.commit()
        return activity.id


def answers(app, activity_id, gains, on=YESTERDAY, by_guest=False) -> None:
    with app.app_context():
        db.session.add_all(
            Feedback(activity_id=activity_id, gain=gain, by_guest=by_guest) for gain in gains
        )
        db.session.commit()


def plan_cell(html: str, form_label: str) -> str:
    row = re.search(rf'<th scope="row">{form_label}</th>(.*?)</tr>', html, re.S).group(1)
    cell = row.split('class="plan-gain"')[1].split(">", 1)[1].split("</td>")[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell))


def test_plan_shows_gain_per_form_of_activities_closed_with_five_answers(app, client, school):
    semester = school["semester"]
    # 讲座: one activity with five answers, four of them 有收获 or better; another with two,
    # which counts nowhere (a figure less another would give those two away)
    answers(app, held(app, semester, "lecture", "school"), [4, 3, 2, 4, 3])
    answers(app, held(app, semester, "lecture", "cluster"), [1, 1])
    # 展示课: four answers, then five at an activity still taking answers
    answers(app, held(app, semester, "demo_lesson"), [4, 4, 4, 1])
    answers(app, held(app, semester, "demo_lesson", day=YESTERDAY), [4] * 5)
    # 培训: five answers, but of a deleted activity, another semester's, and none here
    answers(app, held(app, semester, "training", deleted=True), [4] * 5)
    answers(app, held(app, school["semesters"][2], "training"), [4] * 5)
    # 送教: five answers from guests, a pool read on the activity's page only
    answers(app, held(app, semester, "outreach", "cluster"), [4] * 5, by_guest=True)
    login_as(client, app, school["manager"])
    html = client.get(f"/schedule/semesters/{semester}/plan").get_data(as_text=True)
    assert plan_cell(html, "专题讲座").strip() == "80% （5 条）"
    assert plan_cell(html, "展示课").strip() == "反馈不足 5 条"
    assert plan_cell(html, "培训").strip() == "反馈不足 5 条"
    assert plan_cell(html, "送教").strip() == "反馈不足 5 条"


def test_an_activitys_answers_join_the_plans_figure_once_answering_closed(
    app, client, school, travel
):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    activity = held(app, school["semester"], "theme_seminar", day=YESTERDAY)
    answers(app, activity, [4, 4, 3, 3, 1])
    login_as(client, app, school["manager"])
    url = f"/schedule/semesters/{school['semester']}/plan"
    assert plan_cell(client.get(url).get_data(as_text=True), "主题研讨").strip() == "反馈不足 5 条"
    closed = YESTERDAY + timedelta(days=FEEDBACK_DAYS + 1)
    travel(datetime.combine(closed, time(9), tzinfo=ZoneInfo("Asia/Shanghai")))
    login_as(client, app, school["manager"])
    assert plan_cell(client.get(url).get_data(as_text=True), "主题研讨").strip() == "80% （5 条）"


def test_the_plans_gain_is_one_query_however_many_activities_and_answers(
    app, client, school, count_queries
):
    login_as(client, app, school["manager"])
    url = f"/schedule/semesters/{school['semester']}/plan"
    answers(app, held(app, school["semester"], "lecture"), [4] * 5)
    few = count_queries(client, url)
    for form in ("demo_lesson", "report_lesson", "outreach", "training", "other"):
        for level in ("school", "cluster", "district"):
            answers(app, held(app, school["semester"], form, level), [4, 3, 2, 1] * 3)
    assert count_queries(client, url) == few


def test_gains_per_form_level_and_semester_sum_the_grouped_rows(app, school):
    semester = school["semester"]
    answers(app, held(app, semester, "lecture", "school"), [4, 4, 1, 1, 3])
    answers(app, held(app, semester, "demo_lesson", "school"), [3, 2, 3])  # too few: nowhere
    answers(app, held(app, semester, "lecture", "district"), [1, 1, 1, 1, 4, 4])
    with app.app_context():
        found = services.gains([semester])
        forms, levels = found.per_form(semester), found.per_level(semester)
        whole = found.of_semester(semester)
    assert (forms["lecture"].released, forms["lecture"].good) == (11, 5)
    assert forms["lecture"].share == pytest.approx(5 / 11)
    assert forms["demo_lesson"].share is None
    assert (levels["school"].released, levels["school"].share) == (5, pytest.approx(3 / 5))
    assert (levels["district"].released, levels["district"].share) == (6, pytest.approx(2 / 6))
    assert (whole.released, whole.good) == (11, 5)


def dashboard_section(html: str) -> str:
    section = html.split('class="card dashboard-gains"')[1].split("</section>")[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))


def test_dashboard_shows_gain_per_form_per_level_and_the_last_four_semesters(app, client, school):
    first, before2, before, semester, coming = school["semesters"]
    answers(app, held(app, semester, "lecture", "school"), [4, 4, 3, 2, 1])
    answers(app, held(app, semester, "demo_lesson", "cluster"), [4, 4])
    answers(app, held(app, before, "lecture"), [4, 3, 3, 3, 3, 2])
    answers(app, held(app, before2, "lecture"), [4, 1, 1, 1])
    answers(app, held(app, before2, "outreach"), [4] * 5, by_guest=True)
    answers(app, held(app, first, "lecture"), [4, 4, 4, 4, 4])
    answers(app, held(app, coming, "lecture", day=YESTERDAY), [1] * 5)  # dated oddly: not shown
    login_as(client, app, school["leader"])
    text = dashboard_section(client.get("/dashboard").get_data(as_text=True))
    by_form, rest = text.split("按级别（本学期）")
    by_level, trend = rest.split("（全工作室）")
    # the 展示课 had two answers: they count nowhere, so the form has no row, 片区 no figure
    assert "专题讲座 60% （5 条）" in by_form and "展示课" not in by_form
    assert "校内 60% （5 条）" in by_level and "片区 反馈不足 5 条" in by_level
    # oldest first, four semesters up to the chosen one; the coming one is not in it
    assert [name for name, _ in re.findall(r"(\S+学期) (\d+%|反馈不足)", trend)] == [
        "大前学期",
        "前学期",
        "上学期",
        "本学期",
    ]
    assert "大前学期 100% （5 条）" in trend
    assert "前学期 反馈不足 5 条" in trend
    assert "上学期 83% （6 条）" in trend
    assert "本学期 60% （5 条）" in trend
    assert "下学期" not in trend
    # the semester chosen in the switch: its own four
    text = dashboard_section(client.get(f"/dashboard?semester={before}").get_data(as_text=True))
    assert "专题讲座 83% （6 条）" in text and "本学期 " not in text.split("（全工作室）")[1]


def test_the_dashboard_with_feedback_stays_within_its_query_budget(
    app, client, school, count_queries
):
    login_as(client, app, school["leader"])
    answers(app, held(app, school["semester"], "lecture"), [4] * 5)
    client.get("/dashboard")  # the first view keeps the ended semesters' figures (kept.py)
    small = count_queries(client, "/dashboard")
    for semester in school["semesters"]:
        for form in ("demo_lesson", "report_lesson", "outreach"):
            answers(app, held(app, semester, form, "cluster"), [4, 3, 2, 1] * 2)
    client.get("/dashboard")  # their activities changed: kept again
    assert count_queries(client, "/dashboard") == small <= MAX_DASHBOARD_QUERIES
