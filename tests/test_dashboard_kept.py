"""A closed semester's attendance figures, kept by the first dashboard after it ended
(dashboard/kept.py): the kept figures are the ones worked out row by row, they are read instead
of the semester's rows, and any change to the semester's activities drops them."""

import pytest
from sqlalchemy import event

from intranet.dashboard import services
from intranet.dashboard.models import MonthFigure
from intranet.extensions import db
from intranet.schedule.models import Activity, Attendance, Semester
from tests.conftest import login_as
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
