"""待办 on the home page: each person sees what they must do next, each line opens the thing,
the top navigation counts it, and the cost does not grow with the number of things waiting."""

import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from intranet.achievements.models import Achievement, WorkReport
from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.mentoring.models import Agreement, Pairing, PairingTask
from intranet.people.models import ExternalMentor, Staff
from intranet.schedule.models import FORMS, LEVELS, Activity, Attendance, PlanTarget, Semester
from intranet.suggestions.models import AnonymousSuggestion, Reply, Suggestion
from intranet.uploads import Attachment
from tests.conftest import as_user, login_as

TODO_LINK = re.compile(
    r'<li class="todo-(\w+)">\s*<span class="badge">[^<]*</span>\s*<a href="([^"]+)"'
)


@pytest.fixture
def school(app, make_staff):
    """A current semester and one account for each part a person may play."""
    people = {
        "apprentice": make_staff(role="teacher", name="小徒弟"),
        "mentor": make_staff(role="teacher", name="老导师"),
        "outside_apprentice": make_staff(role="teacher", name="外聘徒弟"),
        "colleague": make_staff(role="teacher", name="上课老师"),
        "manager": make_staff(role="manager"),
        "leader": make_staff(role="leader"),
        "admin": make_staff(role="admin"),
    }
    with app.app_context():
        semester = Semester(
            name="2026-2027学年第一学期",
            start=date(2026, 9, 1),
            end=date(2027, 1, 31),
            is_current=True,
        )
        expert = ExternalMentor(name="区教研员")
        db.session.add_all([semester, expert])
        db.session.commit()
        people |= {"semester": semester.id, "expert": expert.id}
    return people


def add_pairing(school, apprentice, mentor=None, expert=None, state="draft") -> Pairing:
    pairing = Pairing(
        mentor_id=mentor,
        external_mentor_id=expert,
        apprentice_id=apprentice,
        start_semester_id=school["semester"],
        end_semester_id=school["semester"],
        state=state,
    )
    pairing.agreements.append(Agreement(number=1, mentor_duties="带教", apprentice_goals="成长"))
    db.session.add(pairing)
    return pairing


def add_lesson(school, presenter, attendee, day=None) -> Activity:
    lesson = Activity(
        semester_id=school["semester"],
        date=day or school_today() - timedelta(days=2),
        form="demo_lesson",
        status="done",
        theme=f"展示课{uuid.uuid4().hex[:4]}",
    )
    lesson.presenters = [db.session.get(Staff, presenter)]
    db.session.add(lesson)
    db.session.flush()
    db.session.add(
        Attendance(
            activity_id=lesson.id, staff_id=attendee, status="present", checked_in_at=utcnow()
        )
    )  # scanned in: that makes a scorer
    return lesson


def add_certificate(owner) -> Achievement:
    achievement = Achievement(
        staff_id=owner,
        kind="award",
        level="district",
        title="优质课一等奖",
        awarded_on=date(2026, 10, 1),
    )
    achievement.attachments = [
        Attachment(id=uuid.uuid4().hex, kind="image", size=3, original_name="证书.jpg")
    ]
    db.session.add(achievement)
    return achievement


def add_named(author, days_ago=0, status="pending") -> Suggestion:
    suggestion = Suggestion(
        author_id=author,
        category="teaching",
        title=f"建议{uuid.uuid4().hex[:4]}",
        body="内容",
        status=status,
        created_on=school_today() - timedelta(days=days_ago),
    )
    db.session.add(suggestion)
    return suggestion


def add_anonymous(days_ago) -> AnonymousSuggestion:
    item = AnonymousSuggestion(
        receipt_lookup=uuid.uuid4().hex,
        receipt_hash="x",
        category="other",
        title="匿名",
        body="内容",
        created_on=school_today() - timedelta(days=days_ago),
    )
    db.session.add(item)
    return item


def add_reply(suggestion, leader, days_ago, position=1) -> None:
    db.session.add(
        Reply(
            named_id=suggestion.id,
            position=position,
            author_id=leader,
            body="收到",
            created_on=school_today() - timedelta(days=days_ago),
        )
    )


@pytest.fixture
def everything(app, school):
    """One of every kind, each waiting for the right person."""
    with app.app_context():
        pairing = add_pairing(school, school["apprentice"], mentor=school["mentor"])
        add_pairing(school, school["outside_apprentice"], expert=school["expert"])
        db.session.flush()
        db.session.add(
            PairingTask(
                pairing_id=pairing.id, text="写教学反思", due=school_today() + timedelta(days=3)
            )
        )
        db.session.add(
            WorkReport(
                staff_id=school["apprentice"],
                semester_id=school["semester"],
                body="本学期……",
                state="returned",
                review="请补充数据",
            )
        )
        mine = add_named(school["apprentice"], days_ago=5, status="in_progress")
        db.session.flush()
        add_reply(mine, school["leader"], days_ago=3)
        add_lesson(school, presenter=school["colleague"], attendee=school["apprentice"])
        add_certificate(school["apprentice"])
        add_anonymous(days_ago=3)
        db.session.add(
            PlanTarget(
                semester_id=school["semester"], level="school", form="theme_seminar", count=10
            )
        )
        db.session.commit()
    return school


def todo_links(client) -> list[tuple[str, str]]:
    page = client.get("/")
    assert page.status_code == 200
    return TODO_LINK.findall(page.get_data(as_text=True))


EXPECTED = {
    "apprentice": {"agreement", "task", "report", "reply", "lesson", "feedback"},
    "mentor": {"agreement", "task"},
    "outside_apprentice": {"agreement"},
    "colleague": set(),
    "manager": {"agreement", "certificate", "plan"},
    "leader": {"suggestion", "plan"},
    "admin": {"agreement", "certificate", "suggestion", "plan"},
}


@pytest.mark.parametrize("person", sorted(EXPECTED))
def test_each_person_sees_exactly_their_kinds_with_links_that_open(app, everything, person):
    client = as_user(app, everything[person])
    links = todo_links(client)
    assert {kind for kind, _ in links} == EXPECTED[person]
    for _kind, url in links:
        response = client.get(url.replace("&amp;", "&"))
        assert response.status_code == 200, f"{person}: {url} answered {response.status_code}"


def test_nothing_to_do_says_so_and_the_navigation_shows_no_count(app, everything):
    client = as_user(app, everything["colleague"])
    page = client.get("/").get_data(as_text=True)
    assert "眼下没有需要您处理的事项" in page
    assert "项待办" not in client.get("/todo/count").get_data(as_text=True)


def test_navigation_badge_names_the_count_for_a_screen_reader(app, everything):
    client = as_user(app, everything["apprentice"])
    badge = client.get("/todo/count", headers={"HX-Request": "true"})
    assert badge.status_code == 200 and b"<html" not in badge.data
    assert "6 项待办" in badge.get_data(as_text=True)
    assert "6 项待办" in client.get("/").get_data(as_text=True)
    # Other pages load the count after they are shown, rather than computing it themselves.
    assert 'hx-get="/todo/count"' in client.get("/schedule").get_data(as_text=True)


def test_signing_takes_the_agreement_off_the_list(app, everything):
    client = as_user(app, everything["apprentice"])
    ((_, url),) = [link for link in todo_links(client) if link[0] == "agreement"]
    pairing_id = int(re.search(r"/pairings/(\d+)", url).group(1))
    with app.app_context():
        version = db.session.get(Pairing, pairing_id).agreement.version
    signed = client.post(
        f"/mentoring/pairings/{pairing_id}/sign",
        data={"csrf_token": client.token, "version": version},
        headers={"HX-Request": "true", "X-CSRFToken": client.token},
    )
    assert signed.status_code == 200
    assert "agreement" not in {kind for kind, _ in todo_links(client)}
    # The mentor still has to sign.
    assert "agreement" in {kind for kind, _ in todo_links(as_user(app, everything["mentor"]))}


def test_a_signed_agreement_waits_again_when_a_new_version_is_drafted(app, school):
    with app.app_context():
        pairing = add_pairing(school, school["apprentice"], mentor=school["mentor"], state="active")
        pairing.agreements[0].mentor_signed_at = pairing.agreements[0].apprentice_signed_at = (
            utcnow()
        )
        db.session.commit()
        client = as_user(app, school["apprentice"])
        assert todo_links(client) == []
        pairing = db.session.merge(pairing)
        pairing.agreements.append(Agreement(number=2, mentor_duties="新", apprentice_goals="新"))
        db.session.commit()
    assert [kind for kind, _ in todo_links(client)] == ["agreement"]


def test_ended_pairings_and_done_or_distant_tasks_are_not_todo(app, school):
    with app.app_context():
        ended = add_pairing(school, school["apprentice"], mentor=school["mentor"], state="ended")
        live = add_pairing(school, school["apprentice"], mentor=school["mentor"], state="active")
        for agreement in (ended.agreements[0], live.agreements[0]):
            agreement.mentor_signed_at = agreement.apprentice_signed_at = utcnow()
        db.session.flush()
        today = school_today()
        db.session.add_all(
            [
                PairingTask(pairing_id=ended.id, text="旧任务", due=today),
                PairingTask(pairing_id=live.id, text="已完成", due=today, done_at=utcnow()),
                PairingTask(pairing_id=live.id, text="下个月", due=today + timedelta(days=30)),
                PairingTask(pairing_id=live.id, text="上周就该交", due=today - timedelta(days=4)),
            ]
        )
        db.session.commit()
    page = as_user(app, school["apprentice"]).get("/").get_data(as_text=True)
    assert "上周就该交" in page and "已逾期 4 天" in page
    assert "旧任务" not in page and "已完成" not in page and "下个月" not in page


def test_replies_stay_for_two_weeks_and_follow_ups_are_not_replies(app, school):
    with app.app_context():
        recent = add_named(school["apprentice"], days_ago=20, status="in_progress")
        old = add_named(school["apprentice"], days_ago=30, status="in_progress")
        db.session.flush()
        add_reply(recent, school["leader"], days_ago=2)
        add_reply(old, school["leader"], days_ago=15)
        db.session.add(
            Reply(
                named_id=old.id,
                position=2,
                author_id=school["apprentice"],
                body="补充",
                is_follow_up=True,
                created_on=school_today(),
            )
        )
        db.session.commit()
        recent_title, old_title = recent.title, old.title
    page = as_user(app, school["apprentice"]).get("/").get_data(as_text=True)
    assert recent_title in page and old_title not in page
    assert "近两周的回复" in page


def test_lessons_leave_the_list_once_scored_or_past_the_window(app, school, travel):
    with app.app_context():
        lesson = add_lesson(school, presenter=school["colleague"], attendee=school["apprentice"])
        own = add_lesson(school, presenter=school["apprentice"], attendee=school["apprentice"])
        db.session.commit()
        lesson_id, own_id = lesson.id, own.id
    client = as_user(app, school["apprentice"])
    links = [url for kind, url in todo_links(client) if kind == "lesson"]
    assert links == [f"/mentoring/observations/new/{lesson_id}"]  # never one's own lesson
    assert str(own_id) not in "".join(links)
    with app.app_context():
        from intranet.mentoring.models import Observation

        db.session.add(
            Observation(
                activity_id=lesson_id,
                observer_id=school["apprentice"],
                teacher_id=school["colleague"],
            )
        )
        db.session.commit()
    assert [k for k, _ in todo_links(client) if k == "lesson"] == []


def test_scoring_one_lesson_leaves_the_same_teachers_other_lesson_on_the_list(app, school):
    """A teacher who gave two lessons this week is scored per lesson: scoring Monday's does not
    take Wednesday's off the list."""
    with app.app_context():
        first, second = (
            add_lesson(
                school,
                presenter=school["colleague"],
                attendee=school["apprentice"],
                day=school_today() - timedelta(days=days),
            )
            for days in (3, 1)
        )
        db.session.flush()
        from intranet.mentoring.models import Observation

        db.session.add(
            Observation(
                activity_id=first.id,
                observer_id=school["apprentice"],
                teacher_id=school["colleague"],
            )
        )
        db.session.commit()
        second_id = second.id
    links = [
        url for kind, url in todo_links(as_user(app, school["apprentice"])) if kind == "lesson"
    ]
    assert links == [f"/mentoring/observations/new/{second_id}"]


def test_a_lesson_past_the_scoring_window_is_not_offered(app, school):
    window = app.config["OBSERVATION_WINDOW_DAYS"]
    with app.app_context():
        add_lesson(
            school,
            school["colleague"],
            school["apprentice"],
            day=school_today() - timedelta(days=window + 1),
        )
        db.session.commit()
    assert todo_links(as_user(app, school["apprentice"])) == []


def test_L_leaders_count_anonymous_suggestions_only_once_released(app, school):
    with app.app_context():
        add_anonymous(days_ago=0)  # arrived today: reaches leaders tomorrow at 07:00
        add_named(school["colleague"])
        db.session.commit()
    client = as_user(app, school["leader"])
    assert "1 条建议待处理" in client.get("/").get_data(as_text=True)
    assert "1 项待办" in client.get("/todo/count").get_data(as_text=True)


def test_managers_do_not_verify_their_own_certificates(app, school):
    with app.app_context():
        add_certificate(school["manager"])
        db.session.add(
            Achievement(
                staff_id=school["apprentice"],
                kind="paper",
                level="city",
                title="没有证书",
                awarded_on=date(2026, 10, 1),
            )
        )
        db.session.commit()
    kinds = {kind for kind, _ in todo_links(as_user(app, school["manager"]))}
    assert "certificate" not in kinds


def test_plan_on_track_is_not_todo(app, school):
    with app.app_context():
        db.session.add(
            PlanTarget(semester_id=school["semester"], level="school", form="lecture", count=2)
        )
        for n in range(2):
            db.session.add(
                Activity(
                    semester_id=school["semester"],
                    date=date(2026, 10, 1 + n),
                    form="lecture",
                    status="done",
                    theme=f"讲座{n}",
                )
            )
        db.session.commit()
    assert todo_links(as_user(app, school["leader"])) == []


# --- the cost stays fixed ------------------------------------------------------------------


def add_many(app, school, n: int, start: int) -> None:
    """n more of each kind: for the apprentice, and for the admin (studio-wide kinds)."""
    with app.app_context():
        today = school_today()
        for i in range(start, start + n):
            mentor = Staff(username=f"m{i}", name=f"导师{i}", role="teacher")
            semester = Semester(
                name=f"学期{i}", start=date(2000 + i, 2, 1), end=date(2000 + i, 7, 1)
            )
            db.session.add_all([mentor, semester])
            db.session.flush()
            pairing = add_pairing(school, school["apprentice"], mentor=mentor.id)
            add_pairing(school, school["outside_apprentice"], expert=school["expert"])
            db.session.flush()
            db.session.add(PairingTask(pairing_id=pairing.id, text=f"任务{i}", due=today))
            db.session.add(
                WorkReport(staff_id=school["apprentice"], semester_id=semester.id, state="returned")
            )
            mine = add_named(school["apprentice"], days_ago=3)
            db.session.flush()
            add_reply(mine, school["leader"], days_ago=1)
            add_lesson(school, presenter=mentor.id, attendee=school["apprentice"])
            add_certificate(school["apprentice"])
            add_anonymous(days_ago=2)
        targets = [(lv, fm) for lv in LEVELS for fm in FORMS][start : start + n]
        db.session.add_all(
            PlanTarget(semester_id=school["semester"], level=lv, form=fm, count=20)
            for lv, fm in targets
        )
        db.session.commit()


def queries(app, client, url) -> int:
    statements = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("person", ["apprentice", "admin"])
@pytest.mark.parametrize("url", ["/", "/todo/count"])
def test_query_count_does_not_grow_with_the_things_waiting(app, school, person, url):
    client = as_user(app, school[person])
    add_many(app, school, 3, start=0)
    few = queries(app, client, url)
    add_many(app, school, 27, start=3)
    assert queries(app, client, url) == few
    login_as(client, app, school[person])
    assert "项待办" in client.get("/todo/count").get_data(as_text=True)


def test_every_demo_role_has_something_to_do(app):
    from intranet.demo import seed
    from tests.browser.conftest import DEMO_ACCOUNTS

    with app.app_context():
        seed()
        accounts = {
            role: db.session.scalar(db.select(Staff.id).where(Staff.username == username))
            for role, username in DEMO_ACCOUNTS.items()
        }
    for role, staff_id in accounts.items():
        client = as_user(app, staff_id)
        links = todo_links(client)
        assert links, f"the demo {role} has nothing to do"
        for _kind, url in links:
            assert client.get(url.replace("&amp;", "&")).status_code == 200, (role, url)


def test_lessons_listed_are_those_the_scoring_rule_allows_and_the_rest_counted(app, school):
    """A lesson where a colleague (not a manager) marked this teacher present is not theirs to
    score (permissions.scoring_refusal): it is neither listed nor counted, and the three listed
    are the three soonest to close of those they may score."""
    with app.app_context():
        marked = add_lesson(
            school,
            school["colleague"],
            school["apprentice"],
            day=school_today() - timedelta(days=5),  # the soonest to close
        )
        row = db.session.scalar(db.select(Attendance).where(Attendance.activity_id == marked.id))
        row.checked_in_at, row.marked_by_id = None, school["colleague"]
        allowed = [
            add_lesson(
                school,
                school["colleague"],
                school["apprentice"],
                day=school_today() - timedelta(days=days),
            )
            for days in (4, 3, 2, 1)
        ]
        db.session.commit()
        marked_id, allowed_ids = marked.id, [lesson.id for lesson in allowed]
    client = as_user(app, school["apprentice"])
    page = client.get("/").get_data(as_text=True)
    links = [url for kind, url in TODO_LINK.findall(page) if kind == "lesson"]
    assert links[:3] == [f"/mentoring/observations/new/{n}" for n in allowed_ids[:3]]
    assert "还有 1 节课可以评" in page
    assert f"/mentoring/observations/new/{marked_id}" not in page
    with app.app_context():
        from intranet.auth.permissions import can_score_lesson

        person = db.session.get(Staff, school["apprentice"])
        assert not can_score_lesson(person, db.session.get(Activity, marked_id))
        assert all(can_score_lesson(person, db.session.get(Activity, n)) for n in allowed_ids)


def test_the_todo_list_asks_no_query_per_lesson(app, school, count_queries):
    """The lessons listed are found and named in two statements, not two more per lesson: the
    badge costs the same with one lesson waiting as with five."""
    client = as_user(app, school["apprentice"])
    with app.app_context():
        add_lesson(school, school["colleague"], school["apprentice"])
        db.session.commit()
    one = count_queries(client, "/todo/count")
    with app.app_context():
        for _ in range(4):
            add_lesson(school, school["colleague"], school["apprentice"])
        db.session.commit()
    assert count_queries(client, "/todo/count") == one <= 8
