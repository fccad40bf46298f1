"""The dashboard on a school with many years of data: a fixed few queries, and the same figures
as the rules they come from (the schedule's invitees, mentoring's pairing health, the box's
statistics), worked out the quick way."""

import random
from datetime import timedelta

import pytest

from intranet.clock import school_today
from intranet.dashboard import services
from intranet.extensions import db
from intranet.mentoring.models import Pairing, PairingTask
from intranet.mentoring.services import pairing_health
from intranet.people.models import PoolMembership, Staff
from intranet.schedule.invitees import Directory, expected_by_activity
from intranet.schedule.models import (
    Activity,
    ActivityInvitee,
    Attendance,
    Semester,
    activity_presenter,
)
from intranet.suggestions import services as box
from intranet.suggestions.models import AnonymousSuggestion, Reply, Suggestion
from tests.conftest import login_as

TODAY = school_today()
MAX_QUERIES = 8  # the interest alert travels in the tallies (dashboard/interest.py)
# The first dashboard after a change keeps what it worked out (kept.py): it checks the figures'
# generation and inserts each kind of figure, one statement each however many rows.
KEEPING = 3
FORMS = ("theme_seminar", "lecture", "report_lesson", "demo_lesson")
GROUPS = ("studio", "staff", "party", "mentor", "reserve", "pairing", "visitors", "studio party")
STATUSES = ("member", "probationary", "activist", "development_target", "non_party", "masses")


@pytest.fixture
def school(app, make_staff):
    leader = make_staff(role="leader", username="xiaozhang", name="周文华")
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=TODAY - timedelta(days=100),
            end=TODAY + timedelta(days=30),
            is_current=True,
        )
        before = Semester(
            name="上学期",
            start=TODAY - timedelta(days=300),
            end=TODAY - timedelta(days=130),
        )
        db.session.add_all([semester, before])
        db.session.commit()
        return {"leader": leader, "semester": semester.id, "before": before.id}


def fill(app, school, seed: int, people: int = 30, activities: int = 40, days: int = 0):
    """A varied school: staff of every role, status and state, pool stays that start and end,
    pairings in every state, held activities for every group with presenters, named people and
    attendance, some in the months before the semester. With `days`, the activities fall on
    that many days only, so many share a day and their groups."""
    rng = random.Random(seed)
    few_days = [rng.randrange(0, 95) for _ in range(days)]
    with app.app_context():
        staff = [
            Staff(
                username=f"s{seed}-{n}",
                name=f"教师{seed}-{n}",
                role=rng.choice(("teacher", "teacher", "manager", "leader")),
                political_status=rng.choice(STATUSES),
                active=rng.random() > 0.1,
            )
            for n in range(people)
        ]
        db.session.add_all(staff)
        db.session.flush()
        ids = [person.id for person in staff]
        for person in rng.sample(ids, people // 2):
            since = TODAY - timedelta(days=rng.randrange(0, 300))
            until = since + timedelta(days=rng.randrange(10, 200)) if rng.random() < 0.4 else None
            pool = rng.choice(("mentor", "reserve"))
            db.session.add(PoolMembership(staff_id=person, pool=pool, since=since, until=until))
        pairings = []
        for n in range(6):
            mentor, apprentice = rng.sample(ids, 2)
            pairing = Pairing(
                mentor_id=mentor,
                apprentice_id=apprentice,
                start_semester_id=rng.choice((school["semester"], school["before"])),
                end_semester_id=school["semester"],
                state=("signed", "active", "completed", "draft", "active", "signed")[n],
            )
            db.session.add(pairing)
            db.session.flush()
            pairings.append(pairing.id)
            due = TODAY + timedelta(days=rng.choice((-5, 5)))
            done = TODAY if rng.random() < 0.3 else None
            db.session.add(PairingTask(pairing_id=pairing.id, text="任务", due=due, done_at=done))
        lesson = Activity(  # the first pairing's apprentice gave a report lesson
            semester_id=school["semester"],
            date=TODAY - timedelta(days=3),
            theme="汇报课",
            status="done",
            form="report_lesson",
        )
        db.session.add(lesson)
        db.session.flush()
        apprentice = db.session.get(Pairing, pairings[0]).apprentice_id
        db.session.execute(
            activity_presenter.insert().values(activity_id=lesson.id, staff_id=apprentice)
        )
        db.session.execute(
            db.update(PairingTask)
            .where(PairingTask.pairing_id == pairings[0])
            .values(done_at=TODAY)
        )
        for n in range(activities):
            earlier = rng.random() < 0.3
            day = TODAY - timedelta(
                days=rng.randrange(130, 300)
                if earlier
                else (rng.choice(few_days) if days else rng.randrange(0, 95))
            )
            activity = Activity(
                semester_id=school["before"] if earlier else school["semester"],
                date=day,
                theme=f"活动{n}",
                status=rng.choice(("done", "done", "done", "planned")),
                form=rng.choice(FORMS),
                invite_groups=rng.choice(GROUPS),
                invite_pairing_id=rng.choice(pairings),
            )
            db.session.add(activity)
            db.session.flush()
            for person in rng.sample(ids, rng.randrange(0, min(12, people))):
                status = rng.choice(("present", "present", "absent", "leave"))
                db.session.add(Attendance(activity_id=activity.id, staff_id=person, status=status))
            for person in rng.sample(ids, rng.randrange(0, 3)):
                db.session.add(
                    ActivityInvitee(
                        activity_id=activity.id, staff_id=person, invited=rng.random() < 0.5
                    )
                )
            for person in rng.sample(ids, rng.randrange(0, 3)):
                db.session.execute(
                    activity_presenter.insert().values(activity_id=activity.id, staff_id=person)
                )
        db.session.commit()


def add_suggestions(app, author: int, count: int):
    with app.app_context():
        for n in range(count):
            day = TODAY - timedelta(days=5 + n % 40)
            status = ("pending", "in_progress", "adopted", "declined", "done")[n % 5]
            named = Suggestion(
                author_id=author, category="teaching", title=f"建议{n}", body="…", status=status
            )
            named.created_on = day
            anonymous = AnonymousSuggestion(
                receipt_hash="x", category="other", title=f"匿名{n}", body="…", status=status
            )
            anonymous.created_on = day
            db.session.add_all([named, anonymous])
            db.session.flush()
            if n % 3:
                db.session.add(
                    Reply(
                        named_id=named.id,
                        position=1,
                        body="收到",
                        created_on=day + timedelta(n % 7),
                    )
                )
        db.session.commit()


def test_the_dashboard_sends_at_most_nine_queries_however_much_data(
    app, client, school, count_queries
):
    login_as(client, app, school["leader"])
    fill(app, school, seed=1, people=10, activities=5)
    add_suggestions(app, school["leader"], 3)
    assert count_queries(client, "/dashboard") <= MAX_QUERIES + KEEPING
    small = count_queries(client, "/dashboard")
    fill(app, school, seed=2, people=60, activities=120)
    add_suggestions(app, school["leader"], 60)
    assert count_queries(client, "/dashboard") <= MAX_QUERIES + KEEPING
    assert count_queries(client, "/dashboard") == small <= MAX_QUERIES
    # another semester, chosen in the switch: the same count
    url = f"/dashboard?semester={school['before']}"
    assert count_queries(client, url) == small


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_invitees_by_sets_are_the_schedules_invitees(app, school, seed):
    fill(app, school, seed=seed)
    with app.app_context():
        activities = db.session.scalars(db.select(Activity)).all()
        directory = Directory.load()
        fast = services.Invitations(directory)
        for activity in activities:
            assert fast.invitees(activity) == directory.invitees(activity), activity.theme


@pytest.mark.parametrize("seed", [6, 7])
def test_every_figure_is_the_one_its_own_rule_gives(app, school, seed):
    """overview() against the figures worked out one by one, by the slow rules: attendance per
    month (应到 from the schedule's expected_by_activity), the alert, participation per group,
    pairings behind."""
    fill(app, school, seed=seed)
    assert_figures_are_the_rules(app, school)


@pytest.mark.parametrize("seed", [8, 9])
def test_activities_sharing_a_day_and_groups_are_counted_each_as_their_own(app, school, seed):
    """Activities on the same day with the same groups share one invitee set in overview():
    named people added or taken out, and those marked though not invited, still count for
    their own activity only."""
    fill(app, school, seed=seed, activities=80, days=3)
    assert_figures_are_the_rules(app, school)


def test_a_month_everyone_missed_raises_the_alert_the_rules_raise(app, school):
    fill(app, school, seed=10)
    with app.app_context():
        ids = db.session.scalars(db.select(Staff.id)).all()
        slump = Activity(
            semester_id=school["semester"],
            date=TODAY,
            theme="无人到场",
            status="done",
            form="lecture",
            invite_groups="staff",
        )
        db.session.add(slump)
        db.session.flush()
        for person in ids:
            db.session.add(Attendance(activity_id=slump.id, staff_id=person, status="absent"))
        db.session.commit()
    alert = assert_figures_are_the_rules(app, school)
    assert alert is not None and alert.month.key == f"{TODAY.year:04d}-{TODAY.month:02d}"


def assert_figures_are_the_rules(app, school):
    """The overview's figures equal the slow rules' (and its alert is returned)."""
    with app.app_context():
        semester = db.session.get(Semester, school["semester"])
        until = min(TODAY, semester.end)
        got = services.overview(semester, TODAY, until)

        held = db.session.scalars(
            db.select(Activity).where(Activity.deleted_at.is_(None), Activity.status == "done")
        ).all()
        expected = expected_by_activity(held)
        present = {a.id: set() for a in held}
        for attendance in db.session.scalars(db.select(Attendance)):
            if attendance.status == "present" and attendance.activity_id in present:
                present[attendance.activity_id].add(attendance.staff_id)

        first = services.shift(until.year, until.month, -(services.WINDOW_MONTHS - 1))
        months = {(m.year, m.month): [0, 0] for m in got.months}
        assert len(months) == services.WINDOW_MONTHS and min(months) == first
        for activity in held:
            key = (activity.date.year, activity.date.month)
            if key in months and activity.date <= until:
                months[key][0] += len(present[activity.id])
                months[key][1] += len(expected[activity.id])
        assert {(m.year, m.month): [m.present, m.total] for m in got.months} == months
        assert sum(total for _, total in months.values()) > 0

        status = dict(db.session.execute(db.select(Staff.id, Staff.political_status)).all())
        groups = {key: [0, 0, set(), 0] for key in services.GROUPS}
        for activity in held:
            if activity.semester_id != semester.id:
                continue
            for person in expected[activity.id]:
                if key := services.group_of(status[person]):
                    groups[key][1] += 1
                    if person in present[activity.id]:
                        groups[key][0] += 1
                        groups[key][2].add(person)
            for person in activity.presenters:
                if key := services.group_of(status[person.id]):
                    groups[key][3] += 1
        people = dict.fromkeys(services.GROUPS, 0)
        for person in db.session.scalars(db.select(Staff).where(Staff.active)):
            if key := services.group_of(person.political_status):
                people[key] += 1
        assert {
            g.key: (g.present, g.total, g.took_part, g.presented, g.people) for g in got.groups
        } == {k: (p, t, len(took), shown, people[k]) for k, (p, t, took, shown) in groups.items()}

        health = {h.pairing.id: h.reasons for h in pairing_health(semester, TODAY)}
        assert {h.pairing_id: h.reasons for h in got.health} == health
        assert any(health.values()) and not all(health.values())

        # the alert: the same month, mean and forms as falling_attendance() on the slow months
        slow = services.falling_attendance(services.attendance_by_month(until))
        assert (got.alert is None) == (slow is None)
        if slow:
            assert (got.alert.month, got.alert.before, got.alert.drawing) == (
                slow.month,
                slow.before,
                slow.drawing,
            )
        return got.alert


def test_the_box_figures_on_the_dashboard_are_the_boxs(app, client, school):
    add_suggestions(app, school["leader"], 25)
    login_as(client, app, school["leader"])
    body = client.get("/dashboard").get_data(as_text=True)
    with app.app_context():
        stats = box.stats(TODAY)
    assert stats["open"] == 20  # 10 pending + 10 in progress, of both kinds
    assert stats["adopted_share"] == pytest.approx(20 / 30)
    assert f'<span class="stat-value">{stats["open"]}</span><span class="stat-label">待处理' in body
    assert f"{stats['median_days_to_reply']:g}" in body and "67%" in body
