"""A closed semester's attendance figures, kept by the first dashboard after it ended
(dashboard/kept.py): the kept figures are the ones worked out row by row, they are read instead
of the semester's rows, and any change to the semester's activities drops them."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event

from intranet.dashboard import kept, services
from intranet.dashboard.models import ActivityFigure, FigureGeneration, MonthFigure
from intranet.extensions import db
from intranet.mentoring.models import Pairing
from intranet.people.models import PoolMembership, Staff
from intranet.schedule.models import Activity, ActivityInvitee, Attendance, Semester
from tests.conftest import as_user, login_as, send
from tests.test_dashboard_figures import TODAY, fill, school  # noqa: F401


def figures(semester_id: int, with_kept: bool):
    """The months and the alert as the dashboard shows them: with the kept figures it reads, or
    every row worked out again (as before anything was kept)."""
    semester = db.session.get(Semester, semester_id)
    until = min(TODAY, semester.end)
    semesters = db.session.scalars(db.select(Semester).order_by(Semester.start.desc())).all()
    kept = None
    if with_kept:
        kept = services.tallies(semester, False, kept_from=services.window_start(until))[4]
    found = services.overview(semester, TODAY, until, kept, semesters)
    months = [(m.key, m.present, m.total) for m in found.months]
    alert = found.alert and (found.alert.month.key, found.alert.before, found.alert.drawing)
    return months, alert, found.to_keep


def kept_semesters() -> set[int]:
    return set(db.session.scalars(db.select(MonthFigure.semester_id)))


@pytest.fixture
def viewed(app, client, school):  # noqa: F811
    """A school with last semester's activities, its dashboard seen once (which keeps them)."""
    fill(app, school, seed=11)
    login_as(client, app, school["leader"])
    assert client.get("/dashboard").status_code == 200
    return school


def test_the_first_dashboard_keeps_the_closed_semester_and_the_next_reads_it(app, viewed):
    with app.app_context():
        assert kept_semesters() == {viewed["before"]}  # not the current one: it is not over
        live_months, live_alert, _ = figures(viewed["semester"], with_kept=False)
        months, alert, to_keep = figures(viewed["semester"], with_kept=True)
        assert (months, alert) == (live_months, live_alert)
        assert to_keep == {}  # nothing left to keep: the kept rows stood in for its activities
        assert sum(total for _, _, total in months) > 0


@pytest.mark.parametrize(
    "change",
    ["attendance", "activity moved", "activity deleted", "semester changed"],
)
def test_a_change_to_a_closed_semester_drops_its_figures_and_they_come_back_right(
    app, client, viewed, change
):
    with app.app_context():
        activity = db.session.scalar(
            db.select(Activity)
            .where(Activity.semester_id == viewed["before"], Activity.status == "done")
            .order_by(Activity.id)
        )
        if change == "attendance":
            record = db.session.scalar(
                db.select(Attendance).where(Attendance.activity_id == activity.id)
            )
            if record is None:
                db.session.add(
                    Attendance(activity_id=activity.id, staff_id=viewed["leader"], status="present")
                )
            else:
                record.status = "absent" if record.status == "present" else "present"
        elif change == "activity moved":
            activity.date = activity.date + (activity.date.replace(day=1) - activity.date)
            activity.form = "lecture" if activity.form != "lecture" else "demo_lesson"
        elif change == "activity deleted":
            activity.status = "cancelled"
        else:
            db.session.get(Semester, viewed["before"]).name = "上学期（改）"
        db.session.commit()
        assert kept_semesters() == set()
    assert client.get("/dashboard").status_code == 200
    with app.app_context():
        assert kept_semesters() == {viewed["before"]}
        assert figures(viewed["semester"], True)[:2] == figures(viewed["semester"], False)[:2]


def test_a_past_semester_chosen_in_the_switch_is_worked_out_not_read(app, client, viewed):
    """The chosen semester's own figures (participation, its months) always come from its rows."""
    with app.app_context():
        chosen = figures(viewed["before"], with_kept=True)
        assert chosen[:2] == figures(viewed["before"], with_kept=False)[:2]
    r = client.get(f"/dashboard?semester={viewed['before']}")
    assert r.status_code == 200


def test_saving_this_semesters_rows_drops_nothing_and_sends_no_delete(app, viewed):
    """Only ended semesters are kept: a check-in or a save of this semester's activity, whose
    semester the session holds, leaves the kept figures alone without asking the database."""
    statements = []
    with app.app_context():
        engine = db.engine

    def listener(_connection, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        semester = db.session.get(Semester, viewed["semester"])  # held, as a save's view does
        activity = db.session.scalar(
            db.select(Activity).where(Activity.semester_id == viewed["semester"])
        )
        event.listen(engine, "before_cursor_execute", listener)
        try:
            activity.theme = "改过的主题"
            db.session.add(
                Attendance(activity_id=activity.id, staff_id=viewed["leader"], status="present")
            )
            db.session.commit()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert kept_semesters() == {viewed["before"]} and semester.end >= TODAY
    assert not [s for s in statements if "semester_month_figure" in s]


# --- each held activity's kept figures (ActivityFigure) -------------------------------------


def current_figures(school_, with_kept: bool):
    """The months, the alert and the participation groups of the current semester: from the
    activities' kept figures and the tallies (as the dashboard reads them), or every row worked
    out again with nothing kept."""
    semester = db.session.get(Semester, school_["semester"])
    until = min(TODAY, semester.end)
    kept = services.tallies(semester, False, kept_from=services.window_start(until))[4]
    if not with_kept:
        db.session.execute(db.delete(ActivityFigure))
    found = services.overview(semester, TODAY, until, kept)
    if not with_kept:
        db.session.rollback()
    months = [(m.key, m.present, m.total) for m in found.months]
    groups = [(g.key, g.people, g.took_part, g.present, g.total, g.presented) for g in found.groups]
    return months, groups, [(h.pairing_id, h.reasons) for h in found.health]


def kept_activities(semester_id: int) -> set[int]:
    return set(
        db.session.scalars(
            db.select(ActivityFigure.activity_id)
            .join(Activity, Activity.id == ActivityFigure.activity_id)
            .where(Activity.semester_id == semester_id)
        )
    )


def held_ids(semester_id: int) -> set[int]:
    return set(
        db.session.scalars(
            db.select(Activity.id).where(
                Activity.semester_id == semester_id,
                Activity.status == "done",
                Activity.deleted_at.is_(None),
            )
        )
    )


def test_the_dashboard_keeps_each_held_activitys_figures_and_reads_the_same(app, viewed):
    with app.app_context():
        assert kept_activities(viewed["semester"]) == held_ids(viewed["semester"])
        assert current_figures(viewed, True) == current_figures(viewed, False)
        semester = db.session.get(Semester, viewed["semester"])
        until = min(TODAY, semester.end)
        kept = services.tallies(semester, False, kept_from=services.window_start(until))[4]
        assert services.overview(semester, TODAY, until, kept).worked_out == []


def test_without_its_generation_row_the_dashboard_makes_one_and_keeps_again(app, client, viewed):
    """A demo reset empties every table: the next dashboard keeps nothing (it cannot tell a
    race), makes the row, and the one after keeps as before."""
    with app.app_context():
        db.session.execute(db.delete(ActivityFigure))
        db.session.execute(db.delete(MonthFigure))
        db.session.execute(db.delete(FigureGeneration))
        db.session.commit()
    assert client.get("/dashboard").status_code == 200
    with app.app_context():
        assert kept_activities(viewed["semester"]) == set()
        assert db.session.scalar(db.select(FigureGeneration.n)) == 0
    assert client.get("/dashboard").status_code == 200
    with app.app_context():
        assert kept_activities(viewed["semester"]) == held_ids(viewed["semester"])


def _first_held(semester_id: int) -> Activity:
    return db.session.scalar(
        db.select(Activity)
        .where(Activity.semester_id == semester_id, Activity.status == "done")
        .order_by(Activity.id)
    )


def _change(change: str, school_) -> None:
    activity = _first_held(school_["semester"])
    someone = db.session.scalar(
        db.select(Staff).where(Staff.active, Staff.username.like("s11-%")).order_by(Staff.id)
    )
    if change == "attendance":
        record = db.session.scalar(
            db.select(Attendance).where(Attendance.activity_id == activity.id)
        )
        if record is None or record.status == "present":
            db.session.add(Attendance(activity_id=activity.id, staff_id=school_["leader"]))
        else:
            record.status = "present"
    elif change == "named invitee":
        db.session.execute(
            db.delete(ActivityInvitee).where(ActivityInvitee.activity_id == activity.id)
        )
        db.session.add(ActivityInvitee(activity_id=activity.id, staff_id=someone.id, invited=False))
        activity.invite_groups = "staff"
    elif change == "activity moved":
        activity.date = activity.date - timedelta(days=1)
    elif change == "political status":
        someone.political_status = "member" if someone.political_status != "member" else "masses"
    elif change == "left the school":
        someone.active = False
    elif change == "pool":
        db.session.add(
            PoolMembership(staff_id=someone.id, pool="reserve", since=TODAY - timedelta(days=400))
        )
    elif change == "pairing":
        pairing = db.session.scalar(db.select(Pairing).order_by(Pairing.id))
        pairing.state = "ended" if pairing.state != "ended" else "active"


@pytest.mark.parametrize(
    ("change", "drops"),
    [
        ("attendance", "one"),
        ("named invitee", "one"),
        ("activity moved", "one"),
        ("political status", "all"),
        ("left the school", "all"),
        ("pool", "all"),
        ("pairing", "all"),
    ],
)
def test_a_change_drops_the_activity_figures_it_moves_and_the_page_is_never_stale(
    app, client, viewed, change, drops
):
    with app.app_context():
        held = held_ids(viewed["semester"])
        changed = _first_held(viewed["semester"]).id
        _change(change, viewed)
        db.session.commit()
        left = kept_activities(viewed["semester"])
        assert left == (held - {changed} if drops == "one" else set())
        expected = current_figures(viewed, False)
    page = client.get("/dashboard")
    assert page.status_code == 200
    with app.app_context():
        assert kept_activities(viewed["semester"]) == held_ids(viewed["semester"])
        assert current_figures(viewed, True) == expected


def test_a_theme_edited_or_a_presenter_named_keeps_every_figure(app, viewed):
    """What the schedule's rows change most often moves no attendance figure: nothing is
    dropped, and the presenters are counted live."""
    with app.app_context():
        held = held_ids(viewed["semester"])
        activity = _first_held(viewed["semester"])
        activity.theme = "改过的主题"
        activity.presenters = [db.session.get(Staff, viewed["leader"])]
        db.session.commit()
        assert kept_activities(viewed["semester"]) == held
        assert current_figures(viewed, True) == current_figures(viewed, False)


# --- a colleague's change racing the dashboard that keeps figures -----------------------------


@pytest.fixture
def racing_studio(app, make_staff):
    """A current semester with one held activity for every teacher, nothing marked yet."""
    leader = make_staff(role="leader", username="xiaozhang", name="周文华")
    manager = make_staff(role="manager", username="guanli", name="徐丽萍")
    teachers = [make_staff(username=f"t{n}", name=f"教师{n}") for n in range(3)]
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=TODAY - timedelta(days=60),
            end=TODAY + timedelta(days=60),
            is_current=True,
        )
        db.session.add(semester)
        db.session.flush()
        activity = Activity(
            semester_id=semester.id,
            date=TODAY - timedelta(days=2),
            theme="主题研讨",
            status="done",
            form="theme_seminar",
            invite_groups="staff",
        )
        db.session.add(activity)
        db.session.commit()
        return {
            "leader": leader,
            "manager": manager,
            "teachers": teachers,
            "activity": activity.id,
        }


TOKEN = re.compile(r'(csrf-token" content="|"X-CSRFToken": "|name="csrf_token" value=")[^"]*')


def dashboard(client) -> str:
    """The page as the user reads it (the CSRF token, signed with a time, left out)."""
    return TOKEN.sub(r"\1", client.get("/dashboard").get_data(as_text=True))


def dashboard_worked_out_afresh(app, client) -> str:
    """The dashboard as a fresh computation gives it: nothing kept."""
    with app.app_context():
        db.session.execute(db.delete(ActivityFigure))
        db.session.execute(db.delete(MonthFigure))
        db.session.commit()
    return dashboard(client)


def test_attendance_marked_while_a_dashboard_renders_is_not_lost_from_the_kept_figures(
    app, racing_studio, monkeypatch
):
    """The leader opens the dashboard while the manager marks a teacher present. The dashboard
    read the activity's attendance (nobody yet), the manager's save commits (its flush hook
    drops the activity's kept figures: there are none yet), then the dashboard keeps what it
    worked out. From then on every dashboard shows 0% for the month although one of five came
    (a fresh computation: 20%), and 参与面 on the same page already counts that teacher; it stays
    wrong until something else touches the activity. The manager's request runs in its own
    thread (its own app context and session) at the one moment the race needs: after the
    dashboard's reads, before keep()'s INSERT."""
    leader = as_user(app, racing_studio["leader"], "/")
    manager = as_user(app, racing_studio["manager"], "/schedule")
    real_keep = kept.keep
    raced = []

    def mark_present():
        raced.append(
            send(
                manager,
                "POST",
                f"/schedule/activities/{racing_studio['activity']}/attendance",
                {"staff_id": racing_studio["teachers"][0], "status": "present"},
            )
        )

    def keep_after_the_manager_saved(*args, **kwargs):
        if not raced:
            other = threading.Thread(target=mark_present)
            other.start()
            other.join()
        return real_keep(*args, **kwargs)

    monkeypatch.setattr(kept, "keep", keep_after_the_manager_saved)
    assert leader.get("/dashboard").status_code == 200
    assert raced and raced[0].status_code == 200
    monkeypatch.setattr(kept, "keep", real_keep)

    later = dashboard(leader)
    fresh = dashboard_worked_out_afresh(app, leader)
    assert "最近一个月出勤率" in fresh and "20%</span>" in fresh
    assert later == fresh, "the dashboard keeps showing the figures from before the marking"
