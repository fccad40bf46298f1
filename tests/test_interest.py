"""The dashboard's interest alert (dashboard/interest.py): when 收获 falls it names what still
draws people (attendance against invitees) and suggests a rested form people valued, a valued
presenter who has not presented this school year, and a non-Party teacher's lecture."""

from datetime import timedelta

import pytest

from intranet.clock import school_today
from intranet.extensions import db
from intranet.feedback.models import Feedback
from intranet.people.models import Staff
from intranet.schedule.models import Activity, Attendance, Semester
from tests.conftest import login_as

TODAY = school_today()


def semester(name, start, end, current=False) -> Semester:
    return Semester(
        name=name,
        start=TODAY - timedelta(days=start),
        end=TODAY - timedelta(days=end),
        is_current=current,
    )


def held(term, form, days_ago, presenters=(), present=(), good=0, poor=0) -> Activity:
    """A done activity for everyone (全体教师), who was present, and its released 收获."""
    activity = Activity(
        semester=term,
        date=TODAY - timedelta(days=days_ago),
        theme=f"{form}活动",
        form=form,
        status="done",
        invite_groups="staff",
    )
    activity.presenters = list(presenters)
    db.session.add(activity)
    db.session.flush()
    db.session.add_all(Attendance(activity_id=activity.id, staff_id=p.id) for p in present)
    db.session.add_all(
        Feedback(activity_id=activity.id, gain=4 if n < good else 1) for n in range(good + poor)
    )
    return activity


@pytest.fixture
def leader(app, make_staff):
    return make_staff(role="leader", username="xiaozhang", name="周文华")


def test_falling_gain_raises_the_alert_with_what_draws_and_what_to_try(app, client, leader):
    with app.app_context():
        people = {
            name: Staff(username=name, name=name, role="teacher", political_status=status)
            for name, status in (
                ("陈志刚", "member"),  # presents this year, 收获 poor
                ("李秀英", "member"),  # valued last school year, nothing this year
                ("赵敏", "non_party"),  # draws everyone to a 主题研讨
                ("钱伟", "masses"),
            )
        }
        db.session.add_all(people.values())
        everyone = list(people.values())
        old = semester("两年前", 700, 560)
        last_year = semester("去年", 400, 250)
        now = semester("本学期", 60, -60, current=True)
        held(old, "reading_exchange", 690, good=6)
        held(last_year, "lecture", 390, [people["李秀英"]], everyone, good=6)
        held(now, "lecture", 30, [people["陈志刚"]], everyone[:1], good=4, poor=6)
        held(now, "theme_seminar", 20, [people["赵敏"]], everyone)
        db.session.commit()
    login_as(client, app, leader)
    page = client.get("/dashboard").get_data(as_text=True)
    card = page[page.index('id="dashboard-interest"') :]
    card = card[: card.index("</section>")]
    assert "收获在下降" in card and "两年前 100% → 去年 100% → 本学期 40%" in card
    draws = card[card.index("仍然吸引人的") : card.index("可以试试")]
    assert "主题研讨" in draws and "赵敏" in draws
    assert "陈志刚" not in draws  # few came, and those who did gained little
    assert "重新采用<strong>读书交流</strong>" in card
    assert "请<strong>李秀英</strong>主讲一次" in card
    assert "请一位非党员教师开一次专题讲座" in card


def test_a_non_party_lecture_this_year_is_not_asked_for(app, client, leader):
    with app.app_context():
        teacher = Staff(username="zm", name="赵敏", role="teacher", political_status="non_party")
        db.session.add(teacher)
        last_year = semester("去年", 400, 250)
        now = semester("本学期", 60, -60, current=True)
        held(last_year, "lecture", 390, good=9, poor=1)
        held(now, "lecture", 30, [teacher], [teacher], good=2, poor=8)
        db.session.commit()
    login_as(client, app, leader)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "收获在下降" in page
    assert "非党员教师开一次专题讲座" not in page


def test_steady_studio_shows_no_alert(app, client, leader):
    with app.app_context():
        now = semester("本学期", 60, -60, current=True)
        teacher = Staff(username="zm", name="赵敏", role="teacher")
        db.session.add(teacher)
        held(now, "lecture", 30, [teacher], [teacher], good=8, poor=1)
        db.session.commit()
    login_as(client, app, leader)
    assert 'id="dashboard-interest"' not in client.get("/dashboard").get_data(as_text=True)


def test_a_manager_sees_who_draws_people_but_no_presenter_gain(app, client, make_staff):
    manager = make_staff(role="manager", username="guanli", name="徐丽萍")
    with app.app_context():
        valued = Staff(username="lxy", name="李秀英", role="teacher", political_status="member")
        drawing = Staff(username="zm", name="赵敏", role="teacher", political_status="member")
        db.session.add_all([valued, drawing])
        last_year = semester("去年", 400, 250)
        now = semester("本学期", 60, -60, current=True)
        held(last_year, "lecture", 390, [valued], [valued, drawing], good=9, poor=1)
        held(now, "lecture", 30, good=2, poor=8)
        held(now, "theme_seminar", 20, [drawing], [valued, drawing])
        db.session.commit()
    login_as(client, app, manager)
    card = client.get("/dashboard").get_data(as_text=True)
    card = card[card.index('id="dashboard-interest"') :]
    assert "主讲人：赵敏（出勤" in card  # attendance is the studio's business
    assert "请<strong>李秀英</strong>" not in card  # 收获 per presenter is for leaders only


def test_the_alert_looks_back_four_school_years_not_ten(app, client, leader):
    """A form people valued two years ago is proposed; one last used five years ago is not
    (the alert reads the last eight semesters, so ten years of them cost what four do)."""
    with app.app_context():
        terms = [semester(f"第{n}学期", 180 * n + 60, 180 * n - 60) for n in range(10, 0, -1)]
        now = semester("本学期", 60, -60, current=True)
        db.session.add_all(terms)
        held(terms[0], "training", 180 * 10, good=6)  # five years ago
        held(terms[6], "reading_exchange", 180 * 4, good=6)  # two years ago
        held(terms[8], "lecture", 180 * 2, good=9, poor=1)
        held(now, "lecture", 30, good=2, poor=8)
        db.session.commit()
    login_as(client, app, leader)
    page = client.get("/dashboard").get_data(as_text=True)
    card = page[page.index('id="dashboard-interest"') :]
    card = card[: card.index("</section>")]
    assert "重新采用<strong>读书交流</strong>" in card
    assert "培训" not in card


def test_the_three_who_draw_best_keep_ties_at_the_cut_off_and_need_a_name(app, client, leader):
    """Who draws best is cut at three after the ties are settled by name, not by the order the
    activities came in; and one who presented only before the window (in a closed semester
    the first dashboard works out whole), without 收获 to show, is not named however well
    people came: the alert names presenters of the last twelve months."""
    with app.app_context():
        people = {
            name: Staff(username=name, name=name, role="teacher", political_status="non_party")
            for name in ("赵敏", "孙丽", "王芳", "李娜", "钱伟")
        }
        db.session.add_all(people.values())
        five = list(people.values())
        everyone = [*five, db.session.get(Staff, leader)]
        old = semester("两年前", 700, 560)
        last = semester("去年", 400, 320)  # ended inside the window, not kept yet
        now = semester("本学期", 60, -60, current=True)
        held(old, "reading_exchange", 690, good=6)
        held(last, "lecture", 390, [people["钱伟"]], everyone)  # before the window: all came
        held(last, "theme_seminar", 385, good=6)
        held(now, "lecture", 40, [people["赵敏"]], everyone)
        held(now, "lecture", 35, [people["孙丽"]], everyone[:5])
        held(now, "lecture", 30, [people["王芳"]], everyone[:4])  # ties with 李娜, came first
        held(now, "lecture", 25, [people["李娜"]], everyone[:4])
        held(now, "lecture", 20, poor=6)
        db.session.commit()
    login_as(client, app, leader)
    for _ in range(2):  # the first view works the closed semester out whole, then keeps it
        card = client.get("/dashboard").get_data(as_text=True)
        card = card[card.index('id="dashboard-interest"') :]
        line = card[card.index("主讲人：") :]
        line = line[: line.index("</li>")]
        assert [name for name in ("赵敏", "孙丽", "李娜", "王芳", "钱伟") if name in line] == [
            "赵敏",
            "孙丽",
            "李娜",  # 李 sorts before 王: the tie at the cut-off goes by name
        ]
        assert line.index("赵敏") < line.index("孙丽") < line.index("李娜")


def test_the_alert_names_the_presenters_as_they_are_now(app, client, leader):
    """The dashboard keeps each held activity's presenters with its figures: another presenter
    named, or a presenter's name corrected, shows on the next view."""

    def presenters_line() -> str:
        card = client.get("/dashboard").get_data(as_text=True)
        card = card[card.index('id="dashboard-interest"') :]
        line = card[card.index("主讲人：") :]
        return line[: line.index("</li>")]

    with app.app_context():
        zhao = Staff(username="zm", name="赵敏", role="teacher", political_status="member")
        sun = Staff(username="sl", name="孙丽", role="teacher", political_status="member")
        db.session.add_all([zhao, sun])
        last_year = semester("去年", 400, 250)
        now = semester("本学期", 60, -60, current=True)
        held(last_year, "lecture", 390, good=9, poor=1)
        held(now, "lecture", 30, good=2, poor=8)
        seminar = held(now, "theme_seminar", 20, [zhao], [zhao, sun]).id
        db.session.commit()
    login_as(client, app, leader)
    assert "赵敏（出勤" in presenters_line()
    assert "赵敏（出勤" in presenters_line()  # from the kept figures
    with app.app_context():
        db.session.scalars(db.select(Staff).filter_by(username="zm")).one().name = "赵雅"
        db.session.commit()
    presenters_line()  # works the figures out again and keeps them
    assert "赵雅（出勤" in presenters_line()
    with app.app_context():
        activity = db.session.get(Activity, seminar)
        activity.presenters = [db.session.scalars(db.select(Staff).filter_by(username="sl")).one()]
        db.session.commit()
    line = presenters_line()
    assert "孙丽（出勤" in line and "赵雅" not in line
