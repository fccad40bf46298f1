"""Reach beyond the school on the dashboard: guests per partner school and from the district at
片区 and 全区 activities, 送教 and its audience, lectures given by non-Party teachers; all in the
dashboard's one tallies statement, so its query count stays the same."""

from datetime import timedelta

import pytest

from intranet.clock import school_today, utcnow
from intranet.dashboard import services
from intranet.extensions import db
from intranet.schedule.models import (
    Activity,
    Attendance,
    Guest,
    PartnerSchool,
    Semester,
    activity_presenter,
)
from tests.conftest import login_as

TODAY = school_today()
MAX_QUERIES = 8  # the interest alert travels in the tallies (dashboard/interest.py)


@pytest.fixture
def school(app, make_staff):
    ids = {
        "leader": make_staff(role="leader", username="xiaozhang", name="周文华"),
        "member": make_staff(name="党员甲", political_status="member"),
        "probationary": make_staff(name="预备乙", political_status="probationary"),
        "activist": make_staff(name="积极丙", political_status="activist"),
        "masses": make_staff(name="群众丁", political_status="non_party"),
    }
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=TODAY - timedelta(days=90),
            end=TODAY + timedelta(days=30),
            is_current=True,
        )
        before = Semester(
            name="上学期", start=TODAY - timedelta(days=300), end=TODAY - timedelta(days=120)
        )
        chengqiao = PartnerSchool(name="程桥中心小学", cluster="程桥片")
        zhuzhen = PartnerSchool(name="竹镇中心小学", cluster="竹镇片")
        db.session.add_all([semester, before, chengqiao, zhuzhen])
        db.session.commit()
        ids |= {
            "semester": semester.id,
            "before": before.id,
            "chengqiao": chengqiao.id,
            "zhuzhen": zhuzhen.id,
        }
    return ids


def activity(app, school, *, semester="semester", guests=(), present=(), absent=(), **fields):
    """An activity of the semester with its guests ((name, school, partner key or None)),
    colleagues present and absent, and presenters (`presenters`: staff keys)."""
    presenters = fields.pop("presenters", ())
    with app.app_context():
        values = {
            "date": TODAY - timedelta(days=10),
            "theme": "活动",
            "level": "cluster",
            "form": "theme_seminar",
            "status": "done",
            **fields,
        }
        found = Activity(semester_id=school[semester], **values)
        db.session.add(found)
        db.session.flush()
        for name, where, partner in guests:
            db.session.add(
                Guest(
                    activity_id=found.id,
                    name=name,
                    school=where,
                    partner_school_id=school[partner] if partner else None,
                    checked_in_at=utcnow(),
                )
            )
        for key in present:
            db.session.add(Attendance(activity_id=found.id, staff_id=school[key]))
        for key in absent:
            db.session.add(Attendance(activity_id=found.id, staff_id=school[key], status="absent"))
        for key in presenters:
            db.session.execute(
                activity_presenter.insert().values(activity_id=found.id, staff_id=school[key])
            )
        db.session.commit()
        return found.id


CQ = ("程桥中心小学", "chengqiao")
ZZ = ("竹镇中心小学", "zhuzhen")


def build(app, school):
    """片区 and 全区 activities with guests from both partner schools, the bureau, the
    teachers' development centre and a school off the list; 送教 and lectures; and what must
    not count: a 校内 activity's guest, a deleted activity, another semester."""
    activity(
        app,
        school,
        guests=[
            ("李明", *CQ),
            ("张华", *CQ),
            ("王芳", *ZZ),
            ("赵教研", "六合区教育局", None),
            ("钱老师", "雄州第二小学", None),
        ],
    )
    activity(
        app,
        school,
        level="district",
        status="planned",  # not yet marked 已完成: its guests came all the same
        guests=[
            ("李明", *CQ),
            ("孙老师", "六合区教师发展中心", None),
            ("周老师", "马集小学", None),
        ],
    )
    # 送教 at a partner school: 2 colleagues present (1 absent), 2 guests
    activity(
        app,
        school,
        form="outreach",
        guests=[("吴老师", *ZZ), ("郑老师", *ZZ)],
        present=("member", "activist"),
        absent=("masses",),
    )
    activity(app, school, form="outreach", status="planned", present=("masses",))  # not held
    # lectures: by a non-Party teacher; by Party members only; jointly; one not yet held
    activity(app, school, level="school", form="lecture", presenters=("masses",))
    activity(app, school, level="school", form="lecture", presenters=("member", "probationary"))
    activity(app, school, level="school", form="lecture", presenters=("member", "activist"))
    activity(app, school, level="school", form="lecture", status="planned", presenters=("masses",))
    activity(app, school, level="school", form="theme_seminar", presenters=("masses",))
    # none of these count
    activity(app, school, level="school", guests=[("冯老师", *CQ)])
    deleted = activity(app, school, guests=[("陈老师", *CQ)], form="outreach", present=("member",))
    activity(
        app,
        school,
        semester="before",
        guests=[("褚老师", *ZZ)],
        form="lecture",
        presenters=("masses",),
    )
    with app.app_context():
        db.session.get(Activity, deleted).deleted_at = utcnow()
        db.session.commit()


def reach_of(app, school, semester="semester"):
    with app.app_context():
        found = db.session.get(Semester, school[semester])
        return services.tallies(found, False, None, with_reach=True)[3]


def test_guests_are_counted_per_partner_school_and_the_district_at_cluster_and_district_level(
    app, school
):
    build(app, school)
    reach = reach_of(app, school)
    assert reach.schools == [
        ("程桥中心小学", 2, 1),
        ("竹镇中心小学", 3, 0),
        ("其他学校", 1, 1),
        ("区教育局", 1, 1),
    ]
    assert reach.guests == 10


def test_outreach_counts_held_activities_and_their_audience_of_colleagues_and_guests(app, school):
    build(app, school)
    reach = reach_of(app, school)
    assert (reach.outreach, reach.outreach_staff, reach.outreach_guests) == (1, 2, 2)
    assert reach.outreach_audience == 4


def test_lectures_by_non_party_teachers_count_held_lectures_with_one_such_presenter(app, school):
    build(app, school)
    reach = reach_of(app, school)
    assert reach.lectures == 2
    assert reach.lecturers == [("积极丙", 1), ("群众丁", 1)]


def test_another_semester_has_its_own_reach(app, school):
    build(app, school)
    reach = reach_of(app, school, "before")
    assert reach.schools == [("竹镇中心小学", 1, 0)]
    assert reach.lectures == 1 and reach.lecturers == [("群众丁", 1)]


def test_a_semester_without_guests_says_so(app, school):
    assert reach_of(app, school) == services.Reach()


def test_leaders_read_the_reach_on_the_dashboard(app, client, school):
    build(app, school)
    login_as(client, app, school["leader"])
    body = client.get("/dashboard").get_data(as_text=True)
    section = body[body.index('id="dashboard-reach"') :]
    section = section[: section.index("</section>")]
    assert '<td data-label="学校">区教育局</td>' in section
    assert "各学校来宾在片区、全区活动中的人次" in section  # the chart
    assert "积极丙（1 次）、群众丁（1 次）" in section
    assert "出席的本校老师 2 人次＋外校来宾 2 人次" in section


def test_the_reach_adds_no_query_to_the_dashboard(app, client, school, count_queries):
    login_as(client, app, school["leader"])
    client.get("/dashboard")  # keeps the closed semesters' figures (kept.py), once
    empty = count_queries(client, "/dashboard")
    build(app, school)
    build(app, school)
    client.get("/dashboard")  # keeps the closed semesters' figures (kept.py), once
    assert count_queries(client, "/dashboard") == empty <= MAX_QUERIES
