"""Every list page sends as many SQL statements for 30 of its rows as for 3: a query per row
(N+1) is invisible in development and makes a page crawl at a school with years of data."""

from datetime import timedelta
from itertools import count

import pytest

from intranet.achievements.models import Achievement, WorkReport
from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.mentoring.models import Agreement, Pairing, PairingTask
from intranet.people.models import ExternalMentor, Staff
from intranet.schedule.models import Activity, Attendance, PartnerSchool, Semester
from intranet.suggestions.models import AnonymousSuggestion, Reply, Suggestion, Support
from intranet.uploads import IMAGE, PDF, Attachment
from tests.conftest import as_user

TODAY = school_today()
FEW, MANY = 3, 30
serial = count(1)


@pytest.fixture
def school(app, make_staff):
    """A leader who sees every list, a colleague, and the current semester's people."""
    ids = {
        "leader": make_staff(role="leader", username="xiaozhang", name="周文华"),
        "teacher": make_staff(username="t1", name="王晓燕"),
    }
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=TODAY - timedelta(days=60),
            end=TODAY + timedelta(days=60),
            is_current=True,
        )
        partner = PartnerSchool(name="程桥中心小学", cluster="程桥片")
        expert = ExternalMentor(name="沈国梁", organisation="六合区教育局教研室")
        db.session.add_all([semester, partner, expert])
        db.session.commit()
        ids |= {"semester": semester.id, "partner": partner.id, "expert": expert.id}
    return ids


def colleague(n: int) -> Staff:
    return Staff(username=f"q{n}", name=f"教师{n}", role="teacher")


def attachment(kind=IMAGE) -> Attachment:
    return Attachment(id=f"{next(serial):032x}", kind=kind, size=9, original_name="证书.jpg")


def add_staff(school, n):
    db.session.add_all(colleague(next(serial)) for _ in range(n))


def add_activities(school, n):
    """Activities as the schedule, the calendar, the dashboard and the archive show them: with
    presenters, an external presenter, a partner school, attendance and a photo each."""
    teacher = db.session.get(Staff, school["teacher"])
    expert = db.session.get(ExternalMentor, school["expert"])
    for i in range(n):
        activity = Activity(
            semester_id=school["semester"],
            date=TODAY - timedelta(days=i % 50),
            theme=f"活动{i}",
            status="done",
            level="cluster",
            form="report_lesson",
            responsible_id=school["teacher"],
            partner_school_id=school["partner"],
            presenters=[teacher],
            external_presenters=[expert],
            attachments=[attachment()],
        )
        db.session.add(activity)
        db.session.flush()
        db.session.add(Attendance(activity_id=activity.id, staff_id=school["teacher"]))


def add_pairings(school, n):
    """Signed pairings, each with its own mentor and apprentice, an agreement and a task."""
    for _ in range(n):
        pairing = Pairing(
            mentor=colleague(next(serial)),
            apprentice=colleague(next(serial)),
            start_semester_id=school["semester"],
            end_semester_id=school["semester"],
            state="signed",
        )
        pairing.agreements.append(Agreement(mentor_duties="责任", apprentice_goals="目标"))
        pairing.tasks.append(PairingTask(text="读书", due=TODAY - timedelta(days=1)))
        db.session.add(pairing)


def add_achievements(school, n):
    """The leader's own achievements (the default view), each with a certificate."""
    db.session.add_all(
        Achievement(
            staff_id=school["leader"],
            kind="award",
            level="district",
            title=f"一等奖{i}",
            awarded_on=TODAY - timedelta(days=i % 50),
            attachments=[attachment()],
            verified_by_id=school["leader"] if i % 2 else None,
            verified_at=utcnow() if i % 2 else None,
        )
        for i in range(n)
    )


def add_reports(school, n):
    """Submitted work reports of this semester, one per colleague, each with an attachment."""
    db.session.add_all(
        WorkReport(
            staff=colleague(next(serial)),
            semester_id=school["semester"],
            body="汇报",
            state="submitted",
            submitted_at=utcnow(),
            attachments=[attachment(PDF)],
        )
        for _ in range(n)
    )


def add_suggestions(school, n, author="teacher"):
    """Public named and anonymous suggestions, each answered by the leader and supported."""
    for i in range(n):
        if i % 2:
            item = AnonymousSuggestion(
                receipt_hash="-", category="other", title=f"匿名{i}", body="内容", is_public=True
            )
        else:
            item = Suggestion(
                author_id=school[author],
                category="teaching",
                title=f"实名{i}",
                body="内容",
                is_public=True,
                attachment=attachment(),
            )
        db.session.add(item)
        db.session.flush()
        key = "named_id" if item.kind == "named" else "anonymous_id"
        db.session.add(
            Reply(position=1, author_id=school["leader"], body="已收到", **{key: item.id})
        )
        db.session.add(Reply(position=2, is_follow_up=True, body="补充", **{key: item.id}))
        db.session.add(Support(thread=item.ref, supporter=f"{next(serial):064x}"))


def add_own_suggestions(school, n):
    add_suggestions(school, n, author="leader")


def add_semester_records(school, n):
    """What the dashboard and the archive sum up: activities, achievements and reports."""
    add_activities(school, n)
    add_achievements(school, n)
    add_reports(school, n)


PAGES = {
    "/people": add_staff,
    "/schedule": add_activities,
    "/schedule?view=calendar": add_activities,
    "/mentoring": add_pairings,
    "/achievements": add_achievements,
    "/achievements?view=all": add_achievements,
    "/achievements/reports": add_reports,
    "/suggestions": add_suggestions,
    "/suggestions/public": add_suggestions,
    "/suggestions/mine": add_own_suggestions,
    "/dashboard": add_semester_records,
    "/archive": add_semester_records,
}


@pytest.mark.parametrize("url", PAGES)
def test_list_page_queries_do_not_grow_with_its_rows(app, school, count_queries, url):
    def add(n):
        with app.app_context():
            PAGES[url](school, n)
            db.session.commit()

    leader = as_user(app, school["leader"])
    add(FEW)
    leader.get(url)  # once before counting, so nothing loaded once per app is counted
    few = count_queries(leader, url)
    add(MANY - FEW)
    leader.get(url)  # again: the dashboard keeps the new rows' figures once (one INSERT)
    assert count_queries(leader, url) == few, f"{url} sends more queries for {MANY} rows"


# --- the teacher's home page ------------------------------------------------------------------


def add_teachers_world(school, n):
    """n more of everything on a teacher's home page: coming activities that invite them by their
    pool, a named invitation, one they present and one they are responsible for; pairings (as
    apprentice) with an agreement to sign and a task due; a report sent back; suggestions with
    a leader's reply; a lesson they sat in to score, whose 收获 question waits too."""
    from intranet.people.models import PoolMembership
    from intranet.schedule.models import ActivityInvitee

    me = db.session.get(Staff, school["teacher"])
    db.session.add(
        PoolMembership(staff_id=me.id, pool="reserve", since=TODAY - timedelta(days=next(serial)))
    )
    for i in range(n):
        k = next(serial)
        term = Semester(name=f"学期{k}", start=TODAY - timedelta(days=k), end=TODAY)
        colleague_ = colleague(k)
        db.session.add_all([term, colleague_])
        db.session.flush()
        coming = {"semester_id": school["semester"], "date": TODAY + timedelta(days=1 + i % 9)}
        db.session.add_all(
            [
                Activity(theme=f"研讨{k}", form="theme_seminar", invite_groups="studio", **coming),
                Activity(theme=f"主讲{k}", form="demo_lesson", presenters=[me], **coming),
                Activity(theme=f"负责{k}", responsible_id=me.id, invite_groups="", **coming),
                Activity(theme=f"他人{k}", form="outreach", invite_groups="mentor", **coming),
            ]
        )
        named = Activity(theme=f"点名{k}", invite_groups="party", **coming)
        lesson = Activity(
            semester_id=school["semester"],
            date=TODAY - timedelta(days=1),
            form="report_lesson",
            status="done",
            theme=f"汇报课{k}",
            presenters=[colleague_],
        )
        db.session.add_all([named, lesson])
        db.session.flush()
        db.session.add(ActivityInvitee(activity_id=named.id, staff_id=me.id, invited=True))
        db.session.add(
            Attendance(
                activity_id=lesson.id, staff_id=me.id, status="present", checked_in_at=utcnow()
            )
        )
        pairing = Pairing(
            mentor=colleague(next(serial)),
            apprentice_id=me.id,
            start_semester_id=school["semester"],
            end_semester_id=school["semester"],
            state="signed",
        )
        pairing.agreements.append(Agreement(mentor_duties="责任", apprentice_goals="目标"))
        pairing.tasks.append(PairingTask(text="读书", due=TODAY + timedelta(days=2)))
        db.session.add(pairing)
        db.session.add(
            WorkReport(staff_id=me.id, semester_id=term.id, body="汇报", state="returned")
        )
        mine = Suggestion(author_id=me.id, category="teaching", title=f"建议{k}", body="内容")
        db.session.add(mine)
        db.session.flush()
        db.session.add(Reply(named_id=mine.id, position=1, author_id=school["leader"], body="好"))


def test_a_teachers_home_page_sends_at_most_eight_statements_at_any_size(
    app, school, count_queries
):
    """Everything a teacher's home page shows (我的活动 with their part in each, and 待办 of
    every kind) in at most eight statements, the same with ten times as much of everything."""

    def add(n):
        with app.app_context():
            add_teachers_world(school, n)
            db.session.commit()

    teacher = as_user(app, school["teacher"])
    add(2)
    page = teacher.get("/").get_data(as_text=True)
    for kind in ("agreement", "report", "reply", "task", "lesson", "feedback"):
        assert f'class="todo-{kind}"' in page, kind
    assert "研讨" in page and "点名" in page and "他人" not in page
    assert '<span class="badge">主讲</span>' in page and '<span class="badge">负责</span>' in page
    few = count_queries(teacher, "/")
    assert few <= 8, few
    add(20)
    assert count_queries(teacher, "/") == few
