"""Mentoring: pairings from the template, signatures and frozen text, who sees whose plan and
scores, plan progress from the schedule, observation, tasks, feedback, pools and duties."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.mentoring.models import (
    Agreement,
    DevelopmentPlan,
    MentoringFeedback,
    Observation,
    Pairing,
    PairingTask,
    PlanItem,
    RubricItem,
)
from intranet.people.models import ExternalMentor, PoolMembership, StudioDuty
from intranet.schedule.models import Activity, Attendance, Semester
from tests.conftest import as_user, send

TODAY = school_today()


@pytest.fixture
def studio(app, make_staff):
    ids = {
        "manager": make_staff(role="manager", username="guanli", name="徐丽萍"),
        "leader": make_staff(role="leader", username="shuji", name="陈秀英"),
        "mentor": make_staff(username="mentor", name="张晓明", political_status="member"),
        "apprentice": make_staff(username="apprentice", name="王晓燕"),
        "other": make_staff(username="other", name="李静"),
    }
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=TODAY - timedelta(days=50),
            end=TODAY + timedelta(days=50),
            is_current=True,
        )
        following = Semester(
            name="下学期", start=TODAY + timedelta(days=80), end=TODAY + timedelta(days=200)
        )
        expert = ExternalMentor(name="姜慧芬", organisation="六合区教师进修学校")
        db.session.add_all([semester, following, expert])
        db.session.add(PoolMembership(staff_id=ids["mentor"], pool="mentor", since=TODAY))
        db.session.commit()
        ids |= {"semester": semester.id, "following": following.id, "expert": expert.id}
    return ids


def pairing_values(studio, **changes):
    return {
        "mentor": f"staff:{studio['mentor']}",
        "apprentice_id": str(studio["apprentice"]),
        "start_semester_id": str(studio["semester"]),
        "end_semester_id": str(studio["following"]),
        "mentor_duties": "每学期上示范课 2 节",
        "apprentice_goals": "每学期上汇报课 1 节",
        **changes,
    }


def make_pairing(app, studio, external=False) -> int:
    with app.app_context():
        pairing = Pairing(
            mentor_id=None if external else studio["mentor"],
            external_mentor_id=studio["expert"] if external else None,
            apprentice_id=studio["apprentice"],
            start_semester_id=studio["semester"],
            end_semester_id=studio["semester"],
        )
        pairing.agreements.append(Agreement(mentor_duties="导师责任", apprentice_goals="徒弟目标"))
        db.session.add(pairing)
        db.session.commit()
        return pairing.id


def agreement_of(app, pairing_id) -> Agreement:
    with app.app_context():
        agreement = db.session.get(Pairing, pairing_id).agreement
        db.session.expunge(agreement)
        return agreement


def state_of(app, pairing_id) -> str:
    with app.app_context():
        return db.session.get(Pairing, pairing_id).state


# --- pairings ---------------------------------------------------------------------------


def test_new_pairing_form_starts_from_the_chinese_template(app, studio):
    page = as_user(app, studio["manager"]).get("/mentoring/pairings/new").get_data(as_text=True)
    assert "每学期为徒弟上示范课不少于 2 节" in page and "每学期上汇报课 1 节" in page
    assert "张晓明（导师库）" in page and "姜慧芬（六合区教师进修学校）" in page


def test_manager_pairs_a_mentor_and_an_apprentice(app, studio):
    manager = as_user(app, studio["manager"])
    r = manager.post(
        "/mentoring/pairings", data={"csrf_token": manager.token, **pairing_values(studio)}
    )
    assert r.status_code == 303
    with app.app_context():
        pairing = db.session.scalar(select(Pairing))
        assert (pairing.mentor_id, pairing.apprentice_id, pairing.state) == (
            studio["mentor"],
            studio["apprentice"],
            "draft",
        )
        assert pairing.agreement.mentor_duties == "每学期上示范课 2 节"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"apprentice_id": "MENTOR"}, "导师和徒弟不能是同一个人"),
        ({"mentor": ""}, "请选择导师"),
        (
            {"end_semester_id": "START", "start_semester_id": "FOLLOWING"},
            "结束学期不能早于起始学期",
        ),
        ({"mentor_duties": "  "}, "请填写导师工作责任"),
    ],
)
def test_a_bad_pairing_gets_422_and_keeps_the_text(app, studio, changes, message):
    swap = {
        "MENTOR": str(studio["mentor"]),
        "START": str(studio["semester"]),
        "FOLLOWING": str(studio["following"]),
    }
    values = pairing_values(
        studio, apprentice_goals="我认真写的目标", **{k: swap.get(v, v) for k, v in changes.items()}
    )
    manager = as_user(app, studio["manager"])
    r = manager.post("/mentoring/pairings", data={"csrf_token": manager.token, **values})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert message in body and "我认真写的目标" in body
    with app.app_context():
        assert db.session.scalar(select(Pairing)) is None


def test_the_same_pair_cannot_be_paired_twice_in_overlapping_semesters(app, studio):
    make_pairing(app, studio)
    manager = as_user(app, studio["manager"])
    r = manager.post(
        "/mentoring/pairings", data={"csrf_token": manager.token, **pairing_values(studio)}
    )
    assert r.status_code == 422 and "已经结对" in r.get_data(as_text=True)


def test_both_sides_sign_and_the_text_is_then_frozen(app, studio):
    pairing_id = make_pairing(app, studio)
    mentor, apprentice = as_user(app, studio["mentor"]), as_user(app, studio["apprentice"])
    url = f"/mentoring/pairings/{pairing_id}"
    r = send(mentor, "POST", url + "/sign", {"version": "1"})
    assert r.status_code == 200 and state_of(app, pairing_id) == "draft"
    r = send(apprentice, "POST", url + "/sign", {"version": "2"})
    assert r.status_code == 200 and "协议已签订" in r.headers["HX-Trigger"].encode().decode(
        "unicode_escape"
    )
    agreement = agreement_of(app, pairing_id)
    assert agreement.is_signed and agreement.mentor_signed_by_id == studio["mentor"]
    assert state_of(app, pairing_id) == "signed"

    r = send(
        apprentice,
        "PUT",
        url + "/agreement",
        {"mentor_duties": "偷偷改", "apprentice_goals": "偷偷改", "version": "3"},
    )
    assert r.status_code == 409 and "不能再改" in r.get_data(as_text=True)
    assert agreement_of(app, pairing_id).mentor_duties == "导师责任"

    r = send(apprentice, "POST", url + "/revisions")
    assert r.status_code == 200
    draft = agreement_of(app, pairing_id)
    assert (draft.number, draft.is_signed, draft.mentor_duties) == (2, False, "导师责任")


def test_signing_a_text_that_changed_meanwhile_is_refused(app, studio):
    pairing_id = make_pairing(app, studio)
    manager, apprentice = as_user(app, studio["manager"]), as_user(app, studio["apprentice"])
    url = f"/mentoring/pairings/{pairing_id}"
    assert (
        send(
            manager,
            "PUT",
            url + "/agreement",
            {"mentor_duties": "改过的责任", "apprentice_goals": "徒弟目标", "version": "1"},
        ).status_code
        == 200
    )
    r = send(apprentice, "POST", url + "/sign", {"version": "1"})
    assert r.status_code == 409
    assert agreement_of(app, pairing_id).apprentice_signed_at is None


def test_editing_a_draft_voids_the_signature_already_given(app, studio):
    pairing_id = make_pairing(app, studio)
    url = f"/mentoring/pairings/{pairing_id}"
    assert (
        send(as_user(app, studio["mentor"]), "POST", url + "/sign", {"version": "1"}).status_code
        == 200
    )
    manager = as_user(app, studio["manager"])
    r = send(
        manager,
        "PUT",
        url + "/agreement",
        {"mentor_duties": "新责任", "apprentice_goals": "徒弟目标", "version": "2"},
    )
    assert r.status_code == 200
    assert agreement_of(app, pairing_id).mentor_signed_at is None


def test_two_people_editing_a_draft_see_each_others_text(app, studio):
    pairing_id = make_pairing(app, studio)
    url = f"/mentoring/pairings/{pairing_id}/agreement"
    manager, mentor = as_user(app, studio["manager"]), as_user(app, studio["mentor"])
    assert (
        send(
            manager,
            "PUT",
            url,
            {"mentor_duties": "管理组的版本", "apprentice_goals": "徒弟目标", "version": "1"},
        ).status_code
        == 200
    )
    r = send(
        mentor,
        "PUT",
        url,
        {"mentor_duties": "导师的版本", "apprentice_goals": "徒弟目标", "version": "1"},
    )
    assert r.status_code == 409
    assert r.headers["HX-Retarget"] == f"#agreement-{pairing_id}"
    body = r.get_data(as_text=True)
    assert "管理组的版本" in body and "导师的版本" in body
    assert agreement_of(app, pairing_id).mentor_duties == "管理组的版本"


def test_manager_records_an_external_mentors_paper_signature(app, studio):
    pairing_id = make_pairing(app, studio, external=True)
    url = f"/mentoring/pairings/{pairing_id}/sign"
    assert send(as_user(app, studio["other"]), "POST", url, {"version": "1"}).status_code == 403
    assert send(as_user(app, studio["manager"]), "POST", url, {"version": "1"}).status_code == 200
    agreement = agreement_of(app, pairing_id)
    assert agreement.mentor_signed_by_id == studio["manager"]
    assert agreement.apprentice_signed_at is None, "the manager does not sign for the apprentice"
    page = as_user(app, studio["apprentice"]).get(f"/mentoring/pairings/{pairing_id}/print")
    assert "纸质签字，由 徐丽萍 登记" in page.get_data(as_text=True)


def test_ending_a_pairing_needs_a_reason(app, studio):
    pairing_id = make_pairing(app, studio)
    manager = as_user(app, studio["manager"])
    url = f"/mentoring/pairings/{pairing_id}/state"
    manager.post(url, data={"csrf_token": manager.token, "action": "end", "reason": " "})
    assert state_of(app, pairing_id) == "draft"
    manager.post(url, data={"csrf_token": manager.token, "action": "end", "reason": "调往外校"})
    assert state_of(app, pairing_id) == "ended"


# --- who sees what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("apprentice", 200), ("mentor", 200), ("manager", 200), ("leader", 200), ("other", 403)],
)
def test_a_pairing_plan_and_scores_are_for_its_people_and_the_studio(app, studio, who, status):
    pairing_id = make_pairing(app, studio)
    client = as_user(app, studio[who])
    apprentice = studio["apprentice"]
    for url in (
        f"/mentoring/pairings/{pairing_id}",
        f"/mentoring/plans/{apprentice}",
        f"/mentoring/observations/teachers/{apprentice}",
        f"/mentoring/growth/{apprentice}",
    ):
        assert client.get(url).status_code == status, url


def test_a_mentor_reads_but_does_not_write_the_apprentices_plan(app, studio):
    make_pairing(app, studio)
    mentor = as_user(app, studio["mentor"])
    r = send(
        mentor,
        "POST",
        f"/mentoring/plans/{studio['apprentice']}",
        {"start_year": "2026", "end_year": "2028", "goals": "代写"},
    )
    assert r.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(DevelopmentPlan)) is None


def test_teachers_list_only_their_own_pairings(app, studio):
    make_pairing(app, studio)
    assert "王晓燕" in as_user(app, studio["mentor"]).get("/mentoring").get_data(as_text=True)
    page = as_user(app, studio["other"]).get("/mentoring").get_data(as_text=True)
    assert "王晓燕" not in page and "没有参加师徒结对" in page


# --- development plans ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"start_year": "2018", "end_year": "2019"}, "规划的结束学年已经过去"),
        ({"start_year": "2026", "end_year": "2024"}, "结束学年"),
        ({"start_year": "2026", "end_year": "2035"}, "最多五个学年"),
        ({"start_year": "明年", "end_year": "2028"}, "起始学年"),
    ],
)
def test_a_bad_plan_gets_422_and_keeps_the_goals(app, studio, values, message):
    apprentice = as_user(app, studio["apprentice"])
    r = send(
        apprentice,
        "POST",
        f"/mentoring/plans/{studio['apprentice']}",
        {"goals": "我的三年目标", **values},
    )
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert message in body and "我的三年目标" in body


def test_plan_progress_counts_what_the_schedule_says_was_held(app, studio):
    apprentice = as_user(app, studio["apprentice"])
    base = f"/mentoring/plans/{studio['apprentice']}"
    year = TODAY.year if TODAY.month >= 8 else TODAY.year - 1
    assert (
        send(
            apprentice,
            "POST",
            base,
            {"start_year": str(year), "end_year": str(year + 2), "goals": "成为骨干教师"},
        ).status_code
        == 200
    )
    r = send(
        apprentice,
        "POST",
        base + "/items",
        {"semester_id": str(studio["semester"]), "kind": "report_lesson", "target": "2"},
    )
    assert r.status_code == 200 and "0 / 2" in r.get_data(as_text=True)
    with app.app_context():
        from intranet.people.models import Staff

        me = db.session.get(Staff, studio["apprentice"])
        db.session.add_all(
            [
                Activity(
                    semester_id=studio["semester"],
                    date=TODAY,
                    theme="汇报课一",
                    form="report_lesson",
                    status="done",
                    presenters=[me],
                ),
                Activity(
                    semester_id=studio["semester"],
                    date=TODAY,
                    theme="还没上的汇报课",
                    form="report_lesson",
                    status="planned",
                    presenters=[me],
                ),
            ]
        )
        db.session.commit()
    page = apprentice.get(base).get_data(as_text=True)
    assert "1 / 2" in page


def test_the_same_target_twice_in_a_semester_is_refused(app, studio):
    apprentice = as_user(app, studio["apprentice"])
    base = f"/mentoring/plans/{studio['apprentice']}"
    year = TODAY.year if TODAY.month >= 8 else TODAY.year - 1
    send(
        apprentice,
        "POST",
        base,
        {"start_year": str(year), "end_year": str(year + 1), "goals": "目标"},
    )
    item = {"semester_id": str(studio["semester"]), "kind": "reading", "target": "3"}
    assert send(apprentice, "POST", base + "/items", item).status_code == 200
    r = send(apprentice, "POST", base + "/items", item)
    assert r.status_code == 422 and "已经有这一类目标" in r.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(PlanItem)).all()) == 1


# --- observation ----------------------------------------------------------------------------


ATTENDEES = ("mentor", "other", "apprentice")


def lesson(
    app, studio, presenter="apprentice", form="report_lesson", attendees=ATTENDEES, day=TODAY
) -> int:
    """A lesson given today, which the attendees came to (only they may score it)."""
    with app.app_context():
        from intranet.people.models import Staff

        activity = Activity(
            semester_id=studio["semester"],
            date=day,
            theme="《圆的认识》",
            form=form,
            status="done",
            presenters=[db.session.get(Staff, studio[presenter])],
        )
        db.session.add(activity)
        db.session.flush()
        db.session.add_all(  # they scanned the code: attendees by their own check-in
            Attendance(activity_id=activity.id, staff_id=studio[who], checked_in_at=utcnow())
            for who in attendees
        )
        db.session.commit()
        return activity.id


def scores(app, value=None) -> dict:
    with app.app_context():
        items = db.session.scalars(select(RubricItem).where(RubricItem.active)).all()
        return {
            f"score-{i.id}": str(value if value is not None else i.max_score - 2) for i in items
        }


def test_default_rubric_covers_the_five_chinese_items(app, studio):
    with app.app_context():
        names = db.session.scalars(select(RubricItem.name).order_by(RubricItem.position)).all()
    assert names == ["教学目标", "教学过程", "学生参与", "教学效果", "教师素养"]


def test_observer_scores_a_lesson_and_the_teacher_sees_the_average(app, studio):
    activity_id = lesson(app, studio)
    for who in ("mentor", "other"):
        r = send(
            as_user(app, studio[who]),
            "POST",
            f"/mentoring/observations/{activity_id}",
            {
                "teacher_id": str(studio["apprentice"]),
                "strengths": "提问有层次",
                "suggestions": "练习可以更有梯度",
                **scores(app),
            },
        )
        assert r.status_code == 200
    results = as_user(app, studio["apprentice"]).get(
        f"/mentoring/observations/teachers/{studio['apprentice']}"
    )
    body = results.get_data(as_text=True)
    assert "2 人评课" in body and "90.0" in body and "提问有层次" in body


def test_a_second_observation_by_the_same_observer_replaces_the_first(app, studio):
    activity_id = lesson(app, studio)
    observer = as_user(app, studio["other"])
    for value in (10, 12):
        send(
            observer,
            "POST",
            f"/mentoring/observations/{activity_id}",
            {"teacher_id": str(studio["apprentice"]), **scores(app, value)},
        )
    with app.app_context():
        observations = db.session.scalars(select(Observation)).all()
        assert len(observations) == 1 and observations[0].total == 60


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("too_high", "的分数在 0 到"),
        ("missing", "请给“教学目标”打分"),
        ("self", "不能给自己的课评分"),
        ("not_lesson", "只有展示课和汇报课可以听课评分"),
    ],
)
def test_bad_observation_gets_422_and_keeps_what_was_typed(app, studio, case, message):
    activity_id = lesson(app, studio, form="training" if case == "not_lesson" else "report_lesson")
    observer = as_user(app, studio["apprentice" if case == "self" else "other"])
    values = {"teacher_id": str(studio["apprentice"]), "strengths": "我写下的优点", **scores(app)}
    first = next(iter(k for k in values if k.startswith("score-")))
    if case == "too_high":
        values[first] = "999"
    if case == "missing":
        values[first] = ""
    r = send(observer, "POST", f"/mentoring/observations/{activity_id}", values)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert message in body
    if case in ("too_high", "missing"):
        assert "我写下的优点" in body
    with app.app_context():
        assert db.session.scalar(select(Observation)) is None


def test_retired_rubric_items_leave_the_form_but_keep_old_scores(app, studio):
    manager = as_user(app, studio["manager"])
    with app.app_context():
        first = db.session.scalar(select(RubricItem).order_by(RubricItem.position))
        first_id, first_name = first.id, first.name
    manager.post(f"/mentoring/rubric/{first_id}/active", data={"csrf_token": manager.token})
    activity_id = lesson(app, studio)
    form = as_user(app, studio["other"]).get(f"/mentoring/observations/new/{activity_id}")
    assert f'name="score-{first_id}"' not in form.get_data(as_text=True)
    bad = manager.post(
        "/mentoring/rubric", data={"csrf_token": manager.token, "name": "板书", "max_score": "500"}
    )
    assert bad.status_code == 422 and "满分在 1 到 100 之间" in bad.get_data(as_text=True)
    assert first_name


# --- tasks, feedback ----------------------------------------------------------------------


def test_mentor_sets_tasks_the_apprentice_ticks_them_and_others_cannot(app, studio):
    pairing_id = make_pairing(app, studio)
    url = f"/mentoring/pairings/{pairing_id}/tasks"
    mentor = as_user(app, studio["mentor"])
    r = send(mentor, "POST", url, {"text": "准备汇报课", "due": (TODAY + timedelta(7)).isoformat()})
    assert r.status_code == 200 and "准备汇报课" in r.get_data(as_text=True)
    assert send(mentor, "POST", url, {"text": ""}).status_code == 422
    assert (
        send(as_user(app, studio["apprentice"]), "POST", url, {"text": "自己加"}).status_code == 403
    )
    with app.app_context():
        task_id = db.session.scalar(select(PairingTask.id))
    done = f"{url}/{task_id}/done"
    assert send(as_user(app, studio["other"]), "POST", done).status_code == 403
    assert send(as_user(app, studio["apprentice"]), "POST", done).status_code == 200
    with app.app_context():
        assert db.session.get(PairingTask, task_id).done_at is not None


def test_apprentice_rates_the_mentoring_once_a_semester(app, studio):
    pairing_id = make_pairing(app, studio)
    url = f"/mentoring/pairings/{pairing_id}/feedback"
    assert send(as_user(app, studio["mentor"]), "POST", url, {"rating": "5"}).status_code == 403
    apprentice = as_user(app, studio["apprentice"])
    assert send(apprentice, "POST", url, {"rating": "9"}).status_code == 422
    assert send(apprentice, "POST", url, {"rating": "4", "comment": "很具体"}).status_code == 200
    again = send(apprentice, "POST", url, {"rating": "1", "comment": "再评一次"})
    assert again.status_code == 422 and "每学期评价一次" in again.get_data(as_text=True)
    with app.app_context():
        assert [f.rating for f in db.session.scalars(select(MentoringFeedback))] == [4]


# --- pools, the team, the organisation table ---------------------------------------------------


def test_a_non_party_teacher_joins_a_pool_only_when_confirmed(app, studio):
    manager = as_user(app, studio["manager"])
    join = {
        "csrf_token": manager.token,
        "staff_id": str(studio["apprentice"]),
        "pool": "reserve",
        "since": TODAY.isoformat(),
        "note": "青年骨干",
    }
    asked = manager.post("/mentoring/talent/pools", data=join)
    body = asked.get_data(as_text=True)
    assert asked.status_code == 422 and "政治面貌是“群众”" in body and "我确认" in body
    assert 'value="青年骨干"' in body or "青年骨干</textarea>" in body, "what was typed is kept"
    confirmed = manager.post("/mentoring/talent/pools", data={**join, "not_a_member": "y"})
    assert confirmed.status_code == 303
    page = manager.get("/mentoring/talent").get_data(as_text=True)
    assert "王晓燕" in page and "群众" in page, "the pool table shows the status"


def test_moving_from_the_reserve_to_the_mentor_pool_keeps_the_history(app, studio):
    manager = as_user(app, studio["manager"])
    join = {
        "csrf_token": manager.token,
        "staff_id": str(studio["apprentice"]),
        "note": "青年骨干",
        "not_a_member": "y",
    }
    start = (TODAY - timedelta(days=300)).isoformat()
    assert (
        manager.post(
            "/mentoring/talent/pools", data={**join, "pool": "reserve", "since": start}
        ).status_code
        == 303
    )
    again = manager.post(
        "/mentoring/talent/pools", data={**join, "pool": "reserve", "since": start}
    )
    assert again.status_code == 422 and "已经在争做名特优党员教师后备人才库中" in again.get_data(
        as_text=True
    )
    assert (
        manager.post(
            "/mentoring/talent/pools", data={**join, "pool": "mentor", "since": TODAY.isoformat()}
        ).status_code
        == 303
    )
    with app.app_context():
        stays = db.session.scalars(
            select(PoolMembership)
            .where(PoolMembership.staff_id == studio["apprentice"])
            .order_by(PoolMembership.since)
        ).all()
        assert [(s.pool, s.until) for s in stays] == [("reserve", TODAY), ("mentor", None)]
    growth = manager.get(f"/mentoring/growth/{studio['apprentice']}").get_data(as_text=True)
    assert "争做名特优党员教师后备人才库" in growth and "名特优党员教师导师库" in growth


def test_organisation_table_exports_with_pools_and_the_team(app, studio):
    manager = as_user(app, studio["manager"])
    r = manager.post(
        "/mentoring/talent/duties",
        data={
            "csrf_token": manager.token,
            "staff_id": str(studio["leader"]),
            "duty": "工作室领衔人",
        },
    )
    assert r.status_code == 303
    bad = manager.post(
        "/mentoring/talent/team",
        data={"csrf_token": manager.token, "name": "", "organisation": "区教育局"},
    )
    assert bad.status_code == 422 and "请填写姓名" in bad.get_data(as_text=True)
    assert 'value="区教育局"' in bad.get_data(as_text=True)
    export = as_user(app, studio["other"]).get("/mentoring/talent/export.xlsx")
    book = load_workbook(io.BytesIO(export.data))
    assert book.sheetnames == [
        "成员及分工",
        "名特优党员教师导师库",
        "争做名特优党员教师后备人才库",
        "名师培养导师团",
    ]
    assert book["成员及分工"]["B3"].value == "陈秀英"
    assert book["名师培养导师团"]["A2"].value == "姜慧芬"
    printed = as_user(app, studio["other"]).get("/mentoring/talent/print").get_data(as_text=True)
    assert "组织管理成员及分工一览表" in printed and "工作室领衔人" in printed
    with app.app_context():
        assert db.session.scalar(select(StudioDuty.duty)) == "工作室领衔人"


def test_two_people_saving_a_plan_see_each_others_goals(app, studio):
    year = TODAY.year if TODAY.month >= 8 else TODAY.year - 1
    with app.app_context():
        db.session.add(
            DevelopmentPlan(
                staff_id=studio["apprentice"],
                start_year=year,
                end_year=year + 2,
                goals="最初的目标",
            )
        )
        db.session.commit()
    url = f"/mentoring/plans/{studio['apprentice']}"
    values = {"start_year": str(year), "end_year": str(year + 2), "version": "1"}
    assert (
        send(
            as_user(app, studio["apprentice"]), "POST", url, {**values, "goals": "徒弟改的目标"}
        ).status_code
        == 200
    )
    r = send(as_user(app, studio["manager"]), "POST", url, {**values, "goals": "管理组改的目标"})
    assert r.status_code == 409 and r.headers["HX-Retarget"] == f"#plan-{studio['apprentice']}"
    body = r.get_data(as_text=True)
    assert "徒弟改的目标" in body and "管理组改的目标" in body
    with app.app_context():
        assert db.session.scalar(select(DevelopmentPlan.goals)) == "徒弟改的目标"


def test_done_tasks_show_on_the_apprentices_growth_record(app, studio):
    pairing_id = make_pairing(app, studio)
    with app.app_context():
        from intranet.clock import utcnow

        db.session.add_all(
            [
                PairingTask(pairing_id=pairing_id, text="写完读书心得", done_at=utcnow()),
                PairingTask(pairing_id=pairing_id, text="还没做的任务"),
            ]
        )
        db.session.commit()
    page = as_user(app, studio["mentor"]).get(f"/mentoring/growth/{studio['apprentice']}")
    body = page.get_data(as_text=True)
    assert "完成的带教任务" in body and "写完读书心得" in body and "还没做的任务" not in body


def test_verified_papers_count_toward_the_plan_and_show_on_the_growth_record(app, studio):
    from intranet.achievements.models import Achievement
    from intranet.clock import utcnow

    year = TODAY.year if TODAY.month >= 8 else TODAY.year - 1
    with app.app_context():
        plan = DevelopmentPlan(
            staff_id=studio["apprentice"], start_year=year, end_year=year + 1, goals="写论文"
        )
        plan.items.append(PlanItem(semester_id=studio["semester"], kind="paper", target=2))
        db.session.add(plan)
        db.session.add_all(
            [
                Achievement(
                    staff_id=studio["apprentice"],
                    kind="paper",
                    level="district",
                    title="低年级识字教学初探",
                    awarded_on=TODAY,
                    verified_at=utcnow(),
                ),
                Achievement(
                    staff_id=studio["apprentice"],
                    kind="paper",
                    level="school",
                    title="尚未认定的论文",
                    awarded_on=TODAY,
                ),
            ]
        )
        db.session.commit()
    apprentice = as_user(app, studio["apprentice"])
    assert "1 / 2" in apprentice.get(f"/mentoring/plans/{studio['apprentice']}").get_data(
        as_text=True
    )
    growth = apprentice.get(f"/mentoring/growth/{studio['apprentice']}").get_data(as_text=True)
    assert "低年级识字教学初探" in growth and "尚未认定的论文" in growth and "待认定" in growth


def test_a_lesson_not_yet_given_cannot_be_scored(app, studio):
    activity_id = lesson(app, studio)
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        activity.date, activity.status = TODAY + timedelta(days=3), "planned"
        db.session.commit()
    r = send(
        as_user(app, studio["other"]),
        "POST",
        f"/mentoring/observations/{activity_id}",
        {"teacher_id": str(studio["apprentice"]), **scores(app)},
    )
    assert r.status_code == 422 and "上过之后才能评分" in r.get_data(as_text=True)


def test_the_studio_sees_which_pairings_fall_behind_and_why(app, studio):
    pairing_id = make_pairing(app, studio)
    with app.app_context():
        pairing = db.session.get(Pairing, pairing_id)
        pairing.state = "active"
        pairing.tasks.append(PairingTask(text="写教案", due=TODAY - timedelta(days=3)))
        db.session.commit()
    page = as_user(app, studio["manager"]).get("/mentoring").get_data(as_text=True)
    assert "进度滞后" in page and "有逾期未完成的任务" in page
    assert "进度滞后" not in as_user(app, studio["apprentice"]).get("/mentoring").get_data(
        as_text=True
    ), "the apprentice sees their own pairing without the studio's judgement"


# --- only honest scorers (SECURITY.md M) ----------------------------------------------------


def observe(app, studio, who, activity_id, value=None, **extra):
    return send(
        as_user(app, studio[who]),
        "POST",
        f"/mentoring/observations/{activity_id}",
        {"teacher_id": str(studio["apprentice"]), **scores(app, value), **extra},
    )


@pytest.mark.parametrize(
    ("who", "attended", "status"),
    [
        ("other", False, 403),
        ("leader", False, 403),
        ("leader", True, 200),
        ("other", True, 200),
        ("manager", False, 200),
    ],
)
def test_M_only_those_who_attended_or_manage_score_a_lesson(app, studio, who, attended, status):
    activity_id = lesson(app, studio, attendees=(who,) if attended else ())
    assert observe(app, studio, who, activity_id).status_code == status
    form = as_user(app, studio[who]).get(f"/mentoring/observations/new/{activity_id}")
    assert form.status_code == status
    show = as_user(app, studio[who]).get(f"/schedule/activities/{activity_id}")
    assert ("听课评课" in show.get_data(as_text=True)) == (status == 200)
    with app.app_context():
        assert len(db.session.scalars(select(Observation)).all()) == (status == 200)


def test_M_the_apprentices_mentor_scores_without_attending(app, studio):
    pairing_id = make_pairing(app, studio)
    with app.app_context():
        db.session.get(Pairing, pairing_id).state = "active"
        db.session.commit()
    activity_id = lesson(app, studio, attendees=())
    assert observe(app, studio, "mentor", activity_id).status_code == 200


def test_M_scoring_closes_fourteen_days_after_the_lesson(app, studio):
    activity_id = lesson(app, studio, day=TODAY - timedelta(days=15))
    r = observe(app, studio, "other", activity_id)
    assert r.status_code == 422 and "14 天内" in r.get_data(as_text=True)
    assert observe(app, studio, "manager", activity_id).status_code == 422
    on_time = lesson(app, studio, day=TODAY - timedelta(days=14))
    assert observe(app, studio, "other", on_time).status_code == 200


def test_M_scoring_again_edits_the_earlier_scoring_prefilled(app, studio):
    activity_id = lesson(app, studio)
    observe(app, studio, "other", activity_id, 10, strengths="第一次写的优点")
    form = as_user(app, studio["other"]).get(f"/mentoring/observations/new/{activity_id}")
    body = form.get_data(as_text=True)
    assert 'value="10"' in body and "第一次写的优点" in body
    r = observe(app, studio, "other", activity_id, 12, strengths="改过的优点")
    assert "您给 王晓燕 的评分：<strong>60</strong> 分" in r.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(select(Observation)).all()
        assert [(o.total, o.strengths) for o in rows] == [(60, "改过的优点")]


def test_M_a_set_aside_scoring_stays_on_record_and_counts_nowhere(app, studio):
    from intranet.achievements.services import gather
    from intranet.schedule.models import Semester as SemesterModel

    activity_id = lesson(app, studio)
    observe(app, studio, "mentor", activity_id, 10)
    observe(app, studio, "other", activity_id, 0)
    with app.app_context():
        outlier = db.session.scalar(
            select(Observation.id).where(Observation.observer_id == studio["other"])
        )
    manager = as_user(app, studio["manager"])
    url = f"/mentoring/observations/scorings/{outlier}/set-aside"
    assert send(manager, "POST", url, {"reason": ""}).status_code == 422
    assert send(as_user(app, studio["mentor"]), "POST", url, {"reason": "x"}).status_code == 403
    r = send(manager, "POST", url, {"reason": "全部打零分，明显失真"})
    assert r.status_code == 200 and "已剔除" in r.get_data(as_text=True)
    page = manager.get(f"/mentoring/observations/teachers/{studio['apprentice']}")
    body = page.get_data(as_text=True)
    assert "1 人评课" in body and "50.0" in body
    assert "已剔除" in body and "全部打零分，明显失真" in body
    with app.app_context():
        facts = gather(db.session.get(SemesterModel, studio["semester"]))
        assert facts.observations[studio["apprentice"]] == [0.5]
