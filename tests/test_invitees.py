"""Who an activity is for (参加对象): groups resolved on the activity's date, the invited see it
on their home page and calendar, the roll lists every invitee, rates divide by the invited, and
a responsible teacher closes a held activity (SECURITY.md M)."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.mentoring.models import Pairing
from intranet.people.models import PoolMembership, Staff
from intranet.schedule import invitees
from intranet.schedule.models import (
    Activity,
    ActivityHistory,
    ActivityInvitee,
    Attendance,
    Semester,
)
from tests.conftest import as_user, send

TODAY = school_today()


@pytest.fixture
def school(app, make_staff):
    ids = {
        "manager": make_staff(role="manager", username="guanli", name="徐丽萍"),
        "mentor": make_staff(username="t1", name="王晓燕", political_status="member"),
        "reserve": make_staff(username="t2", name="顾雅琴"),
        "member": make_staff(username="t026", name="李春梅"),  # an ordinary teacher
        "left_pool": make_staff(username="t3", name="陈立新"),
        "party": make_staff(username="t4", name="赵建国", political_status="probationary"),
    }
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=TODAY - timedelta(days=80),
            end=TODAY + timedelta(days=60),
            is_current=True,
        )
        db.session.add(semester)
        db.session.flush()
        db.session.add_all(
            [
                PoolMembership(staff_id=ids["mentor"], pool="mentor", since=semester.start),
                PoolMembership(
                    staff_id=ids["reserve"], pool="reserve", since=TODAY - timedelta(days=10)
                ),
                PoolMembership(
                    staff_id=ids["left_pool"],
                    pool="reserve",
                    since=semester.start,
                    until=TODAY - timedelta(days=30),
                ),
            ]
        )
        pairing = Pairing(
            mentor_id=ids["mentor"],
            apprentice_id=ids["party"],
            start_semester_id=semester.id,
            end_semester_id=semester.id,
            state="active",
        )
        db.session.add(pairing)
        db.session.commit()
        ids |= {"semester": semester.id, "pairing": pairing.id}
    return ids


def add_activity(app, school, **fields) -> int:
    with app.app_context():
        values = {
            "date": TODAY + timedelta(days=3),
            "theme": "名师展示课",
            "form": "demo_lesson",
            "responsible_id": school["manager"],
            **fields,
        }
        activity = Activity(semester_id=school["semester"], **values)
        db.session.add(activity)
        db.session.commit()
        return activity.id


def names_invited(app, activity_id) -> set[str]:
    with app.app_context():
        ids = invitees.invitees_of(db.session.get(Activity, activity_id))
        return set(db.session.scalars(select(Staff.name).where(Staff.id.in_(ids))))


# --- groups on the activity's date -------------------------------------------------------------


def test_the_studio_is_the_pools_managers_and_pairings_of_that_day(app, school):
    past = add_activity(app, school, date=TODAY - timedelta(days=40))
    coming = add_activity(app, school)
    # 40 days ago: 陈立新 was still in the reserve pool and 顾雅琴 not yet.
    assert names_invited(app, past) == {"徐丽萍", "王晓燕", "陈立新", "赵建国"}
    assert names_invited(app, coming) == {"徐丽萍", "王晓燕", "顾雅琴", "赵建国"}


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ("mentor", {"王晓燕"}),
        ("reserve", {"顾雅琴"}),
        ("party", {"王晓燕", "赵建国"}),
        ("staff", {"徐丽萍", "王晓燕", "顾雅琴", "李春梅", "陈立新", "赵建国"}),
        ("pairing", {"王晓燕", "赵建国"}),
        ("visitors", set()),
    ],
)
def test_each_group_resolves_to_its_people(app, school, groups, expected):
    activity_id = add_activity(
        app, school, invite_groups=groups, invite_pairing_id=school["pairing"]
    )
    assert names_invited(app, activity_id) == expected


def test_named_people_are_added_to_or_taken_out_of_the_groups(app, school):
    activity_id = add_activity(app, school, invite_groups="mentor")
    with app.app_context():
        db.session.add_all(
            [
                ActivityInvitee(activity_id=activity_id, staff_id=school["member"], invited=True),
                ActivityInvitee(activity_id=activity_id, staff_id=school["mentor"], invited=False),
            ]
        )
        db.session.commit()
    assert names_invited(app, activity_id) == {"李春梅"}


def test_a_disabled_account_is_invited_to_nothing(app, school):
    activity_id = add_activity(app, school, invite_groups="staff")
    with app.app_context():
        db.session.get(Staff, school["member"]).active = False
        db.session.commit()
    assert "李春梅" not in names_invited(app, activity_id)


def test_one_persons_sql_rule_agrees_with_the_directory_on_every_case(app, school, make_staff):
    """My home page and calendar ask the database "what invites me" in the list's own query
    (invites_clause): for every person, group, date and named choice it answers as the
    Directory that the roll and the rates use."""
    school["disabled"] = make_staff(username="gone", active=False)
    with app.app_context():
        draft = Pairing(
            mentor_id=school["reserve"],
            apprentice_id=school["member"],
            start_semester_id=school["semester"],
            end_semester_id=school["semester"],
            state="draft",  # not yet running: names its pair, but makes nobody a studio member
        )
        db.session.add(draft)
        db.session.commit()
        draft_id = draft.id
    days = [-200, -40, -30, -10, 0, 3, 59, 61, 200]  # around the pool and pairing terms
    groups = ["", "studio", "mentor", "reserve", "party", "staff", "pairing", "visitors"]
    groups += ["studio visitors", "mentor reserve", "pairing party"]
    ids = []
    for day in days:
        for group in groups:
            for pairing in (school["pairing"], draft_id) if "pairing" in group else (None,):
                ids.append(
                    add_activity(
                        app,
                        school,
                        date=TODAY + timedelta(days=day),
                        invite_groups=group,
                        invite_pairing_id=pairing,
                    )
                )
    with app.app_context():
        for n, activity_id in enumerate(ids[::7]):
            for person in ("member", "mentor", "disabled"):
                db.session.add(
                    ActivityInvitee(
                        activity_id=activity_id, staff_id=school[person], invited=bool(n % 2)
                    )
                )
        db.session.commit()
        activities = db.session.scalars(select(Activity).where(Activity.id.in_(ids))).all()
        directory = invitees.Directory.load(ids)
        checked = 0
        for person in ("manager", "mentor", "reserve", "member", "left_pool", "party", "disabled"):
            staff_id = school[person]
            in_sql = set(
                db.session.scalars(
                    select(Activity.id).where(
                        Activity.id.in_(ids), invitees.invites_clause(staff_id)
                    )
                )
            )
            in_memory = {a.id for a in activities if directory.invites(a, staff_id)}
            assert in_sql == in_memory, person
            checked += len(in_memory)
        assert checked > len(ids)  # the cases invite many, not nobody


# --- what the invited see ----------------------------------------------------------------------


def test_an_invited_teacher_sees_the_activity_on_the_home_page_and_in_the_feed(app, school):
    add_activity(app, school, theme="全校信息技术培训", invite_groups="staff")
    add_activity(app, school, theme="导师送教", invite_groups="mentor")
    home = as_user(app, school["member"]).get("/").get_data(as_text=True)
    assert "全校信息技术培训" in home and "导师送教" not in home
    with app.app_context():
        token = db.session.get(Staff, school["member"]).ical_token
    feed = app.test_client().get(f"/schedule/feed/{token}.ics").get_data(as_text=True)
    assert "全校信息技术培训" in feed and "导师送教" not in feed


def test_home_page_queries_do_not_grow_with_activities_or_people(app, school, make_staff):
    def queries():
        client = as_user(app, school["member"])
        with app.app_context():
            engine = db.engine
        seen = []

        def count(*_args):
            seen.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    for n in range(2):
        add_activity(app, school, theme=f"培训{n}", invite_groups="staff")
    few = queries()
    for n in range(20):
        make_staff(username=f"x{n}")
        add_activity(app, school, theme=f"更多培训{n}", invite_groups="staff studio")
    assert queries() == few


# --- setting invitees -------------------------------------------------------------------------


def test_manager_sets_invitees_by_group_sees_the_count_and_the_history_keeps_it(app, school):
    activity_id = add_activity(app, school)
    manager = as_user(app, school["manager"])
    r = send(
        manager,
        "POST",
        f"/schedule/activities/{activity_id}/invitees",
        {"groups": ["party"], "added_ids": [str(school["member"])]},
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and '应到 <strong class="invited-count">3</strong> 人' in body
    assert "全体党员；另加：李春梅" in body
    assert names_invited(app, activity_id) == {"王晓燕", "赵建国", "李春梅"}
    with app.app_context():
        change = db.session.scalar(
            select(ActivityHistory).where(ActivityHistory.field == "invitees")
        )
        assert (change.old_value, change.new_value) == ("全体工作室成员", "全体党员；另加：李春梅")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"groups": ["pairing"]}, "请选择是哪一对师徒"),
        ({"groups": ["visitors"]}, "请先在活动里选择结对学校"),
        ({"groups": ["staff"], "added_ids": ["{member}"], "removed_ids": ["{member}"]}, "既"),
    ],
)
def test_invitees_that_make_no_sense_are_refused_in_chinese(app, school, data, message):
    activity_id = add_activity(app, school)
    data = {
        k: [v.format(**{k2: str(v2) for k2, v2 in school.items()}) for v in vs]
        for k, vs in data.items()
    }
    r = send(
        as_user(app, school["manager"]),
        "POST",
        f"/schedule/activities/{activity_id}/invitees",
        data,
    )
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Activity, activity_id).invite_groups == "studio"


def test_a_teacher_cannot_set_invitees_even_of_their_own_activity(app, school):
    activity_id = add_activity(app, school, responsible_id=school["member"])
    r = send(
        as_user(app, school["member"]),
        "POST",
        f"/schedule/activities/{activity_id}/invitees",
        {"groups": ["staff"]},
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("kind", "level", "groups"),
    [
        ("demo_lesson", "school", "studio"),
        ("outreach", "district", "mentor"),
        ("training", "school", "staff"),
    ],
)
def test_a_new_activity_starts_with_the_invitees_of_its_form(app, school, kind, level, groups):
    r = send(
        as_user(app, school["manager"]),
        "POST",
        "/schedule/activities",
        {
            "semester_id": str(school["semester"]),
            "date": TODAY.isoformat(),
            "level": level,
            "kind": kind,
            "theme": "新活动",
            "responsible_id": "",
            "partner_school_id": "",
            "status": "planned",
        },
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Activity.invite_groups)) == groups


# --- roll call ------------------------------------------------------------------------------


def roll_url(activity_id):
    return f"/schedule/activities/{activity_id}/roll"


def statuses(app, activity_id) -> dict[str, tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(Attendance).where(Attendance.activity_id == activity_id))
        return {row.staff.name: (row.status, row.reason) for row in rows}


def test_the_roll_lists_every_invitee_and_all_present_fills_the_rest(app, school):
    activity_id = add_activity(
        app, school, date=TODAY, invite_groups="party", responsible_id=school["reserve"]
    )
    manager = as_user(app, school["manager"])
    page = manager.get(f"/schedule/activities/{activity_id}").get_data(as_text=True)
    assert "应到 <strong>2</strong> 人" in page
    assert (
        f'name="status-{school["mentor"]}"' in page and f'name="status-{school["party"]}"' in page
    )
    r = send(
        manager,
        "POST",
        roll_url(activity_id),
        {
            "all_present": "1",
            f"status-{school['party']}": "excused",
            f"reason-{school['party']}": "外出培训",
        },
    )
    assert r.status_code == 200
    assert statuses(app, activity_id) == {
        "王晓燕": ("present", ""),
        "赵建国": ("excused", "外出培训"),
    }
    with app.app_context():
        history = db.session.scalars(select(ActivityHistory.new_value)).all()
    assert sorted(history) == ["王晓燕：出席", "赵建国：请假（外出培训）"]


def test_a_leave_without_a_reason_is_refused_and_the_choices_stay(app, school):
    activity_id = add_activity(app, school, date=TODAY, invite_groups="party")
    r = send(
        as_user(app, school["manager"]),
        "POST",
        roll_url(activity_id),
        {
            f"status-{school['mentor']}": "present",
            f"status-{school['party']}": "excused",
        },
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "请假要写明原因" in body
    assert f'name="status-{school["mentor"]}" value="present" checked' in body
    assert statuses(app, activity_id) == {}


def test_M_marking_someone_who_scanned_in_as_absent_asks_first(app, school):
    activity_id = add_activity(app, school, date=TODAY, invite_groups="party")
    with app.app_context():
        db.session.add(
            Attendance(activity_id=activity_id, staff_id=school["mentor"], checked_in_at=utcnow())
        )
        db.session.commit()
    manager = as_user(app, school["manager"])
    data = {f"status-{school['mentor']}": "absent"}
    r = send(manager, "POST", roll_url(activity_id), data)
    assert r.status_code == 422 and "王晓燕已扫码签到，确定要记为缺席吗" in r.get_data(as_text=True)
    assert statuses(app, activity_id) == {"王晓燕": ("present", "")}
    r = send(manager, "POST", roll_url(activity_id), {**data, "confirm": "1"})
    assert r.status_code == 200 and statuses(app, activity_id) == {"王晓燕": ("absent", "")}


def test_M_a_responsible_teacher_calls_the_roll_but_never_marks_themself(app, school):
    activity_id = add_activity(
        app, school, date=TODAY, invite_groups="party", responsible_id=school["mentor"]
    )
    teacher = as_user(app, school["mentor"])
    page = teacher.get(f"/schedule/activities/{activity_id}").get_data(as_text=True)
    assert f'name="status-{school["mentor"]}"' not in page and "本人扫码签到" in page
    r = send(teacher, "POST", roll_url(activity_id), {f"status-{school['mentor']}": "present"})
    assert r.status_code == 422 and "自己的出勤请在活动当天扫码签到" in r.get_data(as_text=True)
    r = send(teacher, "POST", roll_url(activity_id), {"all_present": "1"})
    assert r.status_code == 200
    assert statuses(app, activity_id) == {"赵建国": ("present", "")}


def test_a_teacher_who_is_not_responsible_cannot_call_the_roll(app, school):
    activity_id = add_activity(app, school, date=TODAY)
    r = send(as_user(app, school["member"]), "POST", roll_url(activity_id), {"all_present": "1"})
    assert r.status_code == 403 and statuses(app, activity_id) == {}


# --- 已完成 --------------------------------------------------------------------------------------


def checked_in(app, activity_id, staff_id):
    with app.app_context():
        db.session.add(
            Attendance(
                activity_id=activity_id, staff_id=staff_id, status="present", checked_in_at=utcnow()
            )
        )
        db.session.commit()


def test_M_a_responsible_teacher_closes_a_held_past_activity_and_the_history_keeps_it(app, school):
    held = add_activity(
        app,
        school,
        date=TODAY - timedelta(days=1),
        summary="研讨了识字教学。",
        responsible_id=school["member"],
    )
    checked_in(app, held, school["mentor"])  # a colleague scanned the code: it took place
    teacher = as_user(app, school["member"])
    page = teacher.get(f"/schedule/activities/{held}").get_data(as_text=True)
    assert "标记为已完成" in page
    r = send(teacher, "POST", f"/schedule/activities/{held}/done")
    assert r.status_code == 200
    with app.app_context():
        assert db.session.get(Activity, held).status == "done"
        change = db.session.scalar(select(ActivityHistory))
        assert (change.field, change.old_value, change.new_value, change.changed_by_id) == (
            "status",
            "计划",
            "已完成",
            school["member"],
        )
    assert send(teacher, "POST", f"/schedule/activities/{held}/done").status_code == 403


def test_M_what_a_responsible_teacher_made_alone_does_not_close_an_activity(app, school):
    """A summary they wrote, or themself and a presenter scanned in, proves nothing: a manager
    may still close it."""
    held = add_activity(
        app,
        school,
        date=TODAY - timedelta(days=1),
        summary="写了一行纪要",
        responsible_id=school["member"],
    )
    checked_in(app, held, school["member"])
    teacher = as_user(app, school["member"])
    assert send(teacher, "POST", f"/schedule/activities/{held}/done").status_code == 403
    manager = as_user(app, school["manager"])
    assert send(manager, "POST", f"/schedule/activities/{held}/done").status_code == 200


@pytest.mark.parametrize("case", ["future", "today", "no_trace", "cancelled", "not_mine"])
def test_M_nothing_else_is_offered_as_done_to_a_responsible_teacher(app, school, case):
    fields = {
        "date": TODAY - timedelta(days=1),
        "summary": "纪要",
        "responsible_id": school["member"],
    }
    fields |= {
        "future": {"date": TODAY + timedelta(days=1)},
        "today": {"date": TODAY},
        "no_trace": {"summary": ""},
        "cancelled": {"status": "cancelled"},
        "not_mine": {"responsible_id": school["reserve"]},
    }[case]
    activity_id = add_activity(app, school, **fields)
    teacher = as_user(app, school["member"])
    assert "标记为已完成" not in teacher.get(f"/schedule/activities/{activity_id}").get_data(
        as_text=True
    )
    assert send(teacher, "POST", f"/schedule/activities/{activity_id}/done").status_code == 403
    with app.app_context():
        assert db.session.get(Activity, activity_id).status != "done"


def test_someone_present_is_a_trace_too(app, school):
    held = add_activity(app, school, date=TODAY - timedelta(days=2))
    with app.app_context():
        db.session.add(Attendance(activity_id=held, staff_id=school["mentor"]))
        db.session.commit()
    assert (
        send(
            as_user(app, school["manager"]), "POST", f"/schedule/activities/{held}/done"
        ).status_code
        == 200
    )


# --- rates divide by the invited ------------------------------------------------------------


def test_the_dashboard_rate_is_present_divided_by_invited(app, school, make_staff):
    leader = make_staff(role="leader", username="xiaozhang")
    day = TODAY - timedelta(days=5)
    activity_id = add_activity(app, school, date=day, status="done", invite_groups="party")
    with app.app_context():
        db.session.add(Attendance(activity_id=activity_id, staff_id=school["mentor"]))
        db.session.commit()
        from intranet.dashboard.services import attendance_by_month, participation

        month = attendance_by_month(TODAY)[-1 if day.month == TODAY.month else -2]
        # Invited: 王晓燕 and 赵建国; only 王晓燕 has a record (present): 1 ÷ 2, not 1 ÷ 1.
        assert (month.present, month.total) == (1, 2)
        party = next(
            g
            for g in participation(db.session.get(Semester, school["semester"]))
            if g.key == "party"
        )
        assert (party.present, party.total) == (1, 2)
    body = as_user(app, leader).get("/dashboard").get_data(as_text=True)
    assert "出勤率＝出席人数÷应到人数" in body


def test_the_demo_teacher_t026_sees_coming_activities(app):
    from intranet import demo

    with app.app_context():
        demo.seed()
        staff_id = db.session.scalar(select(Staff.id).where(Staff.username == "t026"))
        coming = db.session.scalar(
            select(db.func.count()).select_from(Activity).where(Activity.date >= TODAY)
        )
        assert coming and not db.session.scalar(
            select(db.func.count())
            .select_from(Activity)
            .where(
                Activity.invite_groups == "", ~Activity.id.in_(select(ActivityInvitee.activity_id))
            )
        ), "every demo activity has invitees"
    home = as_user(app, staff_id).get("/").get_data(as_text=True)
    assert "近期没有" not in home
