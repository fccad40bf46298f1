"""收获 per presenter across semesters: on the leaders' dashboard and on a presenter's own
profile. An answer counts for each presenter of its activity; a figure is made of whole
activities whose answering closed with five answers or more, so a total less the semesters
shown never gives away a few answers. One grouped statement, however many presenters."""

import re

from intranet.extensions import db
from intranet.people.models import ExternalMentor, Staff
from intranet.schedule.models import Activity
from tests import test_feedback_gains
from tests.conftest import as_user
from tests.test_feedback_gains import answers, held

school = test_feedback_gains.school  # five semesters, a manager and a leader


def presented(app, semester_id, *people, external=(), form="demo_lesson") -> int:
    activity_id = held(app, semester_id, form)
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        activity.presenters = [db.session.get(Staff, p) for p in people]
        activity.external_presenters = [db.session.get(ExternalMentor, m) for m in external]
        db.session.commit()
    return activity_id


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def presenter_row(html: str, name: str) -> list[str]:
    """The cells of a presenter's row in the per-presenter table, as read."""
    table = html.split('id="presenter-gains"')[1].split("</table>")[0]
    row = next(r for r in table.split("<tr>") if f">{name}<" in r or f">{name}（" in r)
    return [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def header(html: str) -> list[str]:
    table = html.split('id="presenter-gains"')[1].split("</thead>")[0]
    return [text(cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]


def test_the_dashboard_shows_each_presenters_gain_per_semester_from_five_answers(
    app, make_staff, school
):
    ids = school["semesters"]  # 大前学期, 前学期, 上学期, 本学期 (current), 下学期
    mentor = make_staff(name="王导师")
    apprentice = make_staff(name="李徒弟")
    quiet = make_staff(name="赵少讲")
    with app.app_context():
        expert = ExternalMentor(name="钱立群", organisation="六合区教育局教研室")
        db.session.add(expert)
        db.session.commit()
        expert = expert.id
    # 王导师: six answers (five good) last semester; four this semester: that activity counts
    # nowhere (too few)
    answers(app, presented(app, ids[2], mentor), [4, 4, 3, 3, 3, 1])
    answers(app, presented(app, ids[3], mentor), [4, 4, 4, 4])
    # a seminar both presented, with the 导师团 expert: counts for each of them
    answers(app, presented(app, ids[3], mentor, apprentice, external=[expert]), [3, 3, 2, 2, 1])
    # 李徒弟 again the semester before: five, all good
    answers(app, presented(app, ids[1], apprentice, form="report_lesson"), [4] * 5)
    # 赵少讲: three answers only: no figure anywhere
    answers(app, presented(app, ids[3], quiet, form="lecture"), [4, 4, 4])

    html = as_user(app, school["leader"]).get("/dashboard").get_data(as_text=True)

    assert header(html) == ["主讲人", "大前学期", "前学期", "上学期", "本学期", "合计"]
    # 本学期: the seminar's five only; the lesson with four answers counts nowhere
    assert presenter_row(html, "王导师") == [
        "—",
        "—",
        "83% （6 条）",
        "40% （5 条）",
        "64% （11 条）",
    ]
    assert presenter_row(html, "李徒弟") == [
        "—",
        "100% （5 条）",
        "—",
        "40% （5 条）",
        "70% （10 条）",
    ]
    assert presenter_row(html, "钱立群") == ["—", "—", "—", "40% （5 条）", "40% （5 条）"]
    assert "（导师团）" in html.split(">钱立群")[1][:40]
    assert "赵少讲" not in html.split('id="presenter-gains"')[1].split("</table>")[0]


def test_an_activity_with_fewer_than_five_answers_counts_for_no_presenter(app, make_staff, school):
    """周老师: five answers last semester, one this semester. Were the one counted, the total
    less last semester's five would be that one answer: it counts nowhere. 吴老师: three and two,
    together five, yet each activity too few: no figure at all."""
    ids = school["semesters"]
    teacher = make_staff(name="周老师")
    other = make_staff(name="吴老师")
    answers(app, presented(app, ids[2], teacher), [4] * 5)
    answers(app, presented(app, ids[3], teacher), [1])
    answers(app, presented(app, ids[2], other), [4, 4, 1])
    answers(app, presented(app, ids[3], other), [4, 1])

    html = as_user(app, school["leader"]).get("/dashboard").get_data(as_text=True)

    assert presenter_row(html, "周老师")[2:] == ["100% （5 条）", "—", "100% （5 条）"]
    assert "吴老师" not in html.split('id="presenter-gains"')[1].split("</table>")[0]


def test_only_leaders_see_everyones_presenter_gains_on_the_dashboard(app, make_staff, school):
    teacher = make_staff(name="王导师")
    answers(app, presented(app, school["semester"], teacher), [4] * 5)
    leader = as_user(app, school["leader"]).get("/dashboard").get_data(as_text=True)
    manager = as_user(app, school["manager"]).get("/dashboard").get_data(as_text=True)
    assert "按主讲人" in leader and 'id="presenter-gains"' in leader
    assert "按主讲人" not in manager and "王导师" not in manager
    assert "按形式（本学期）" in manager


def test_a_presenter_sees_their_own_gain_on_their_profile_and_leaders_see_it_too(
    app, make_staff, school
):
    ids = school["semesters"]
    presenter = make_staff(name="王导师")
    colleague = make_staff(name="同事")
    admin = make_staff(role="admin", name="管理员")
    answers(app, presented(app, ids[0], presenter), [4, 4, 4, 3, 2])
    answers(app, presented(app, ids[3], presenter), [4, 2, 2, 2, 2, 3])
    answers(app, presented(app, ids[3], colleague), [4] * 5)  # not theirs

    own = as_user(app, presenter).get(f"/people/{presenter}").get_data(as_text=True)
    assert header(own) == ["主讲人", "大前学期", "本学期", "合计"]
    assert presenter_row(own, "王导师") == ["80% （5 条）", "33% （6 条）", "55% （11 条）"]
    assert "同事" not in own.split('id="staff-gains"')[1].split("</section>")[0]
    for reader in (school["leader"], admin):
        page = as_user(app, reader).get(f"/people/{presenter}").get_data(as_text=True)
        assert presenter_row(page, "王导师")[-1] == "55% （11 条）"
    for reader in (colleague, school["manager"]):
        page = as_user(app, reader).get(f"/people/{presenter}").get_data(as_text=True)
        assert "主讲活动的收获" not in page and 'id="presenter-gains"' not in page
    # someone who never presented sees that there is nothing yet
    page = as_user(app, admin).get(f"/people/{admin}").get_data(as_text=True)
    assert "还没有主讲活动的反馈。" in page


def test_presenter_gains_cost_one_statement_however_many_presenters(
    app, client, make_staff, school, count_queries
):
    from tests.conftest import login_as

    login_as(client, app, school["leader"])
    first = make_staff(name="甲")
    answers(app, presented(app, school["semester"], first), [4] * 5)
    client.get("/dashboard")  # the first view keeps the ended semesters' figures (kept.py)
    small = count_queries(client, "/dashboard")
    for semester in school["semesters"]:
        for n in range(3):
            person = make_staff(name=f"主讲{semester}{n}")
            answers(app, presented(app, semester, person, first), [4, 3, 2, 1, 4])
    html = client.get("/dashboard").get_data(as_text=True)
    assert html.count('<th scope="row" data-label="主讲人">') == 1 + 3 * 4  # 下学期 not shown
    assert count_queries(client, "/dashboard") == small
