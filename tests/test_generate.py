"""`flask generate`: ten years of a school in an empty instance, for the benchmarks."""

from sqlalchemy import func, select

from intranet.achievements.models import Achievement
from intranet.extensions import db
from intranet.generate import counts
from intranet.people.models import Staff
from intranet.schedule.models import Activity, Attendance, Semester
from intranet.suggestions.models import AnonymousSuggestion, Reply, Suggestion
from tests.conftest import AuthActions

PASSWORD = "a generated school's password"
SCALE = 0.02


def run(app, scale=SCALE, password=PASSWORD):
    return app.test_cli_runner().invoke(
        args=["generate", "--scale", str(scale), "--password-stdin"], input=password + "\n"
    )


def total(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_generate_fills_an_empty_instance_with_every_kind_of_row(app):
    result = run(app)
    assert result.exit_code == 0, result.output
    want = counts(SCALE)
    with app.app_context():
        assert total(Staff) == want["staff"]
        assert total(Semester) == 20
        assert db.session.scalar(select(func.count()).where(Semester.is_current)) == 1
        assert total(Activity) == want["activities"]
        current = db.session.scalar(select(Semester.id).where(Semester.is_current))
        in_current = select(func.count()).where(Activity.semester_id == current)
        assert db.session.scalar(in_current) == want["current"]
        # Capped at one row per person and held activity when the scale is tiny.
        assert 0 < total(Attendance) <= want["attendance"]
        named, anonymous = total(Suggestion), total(AnonymousSuggestion)
        assert named + anonymous == want["suggestions"]
        assert named and anonymous, "both kinds"
        assert total(Reply) > 0
        assert total(Achievement) == want["achievements"]
        levels = set(db.session.scalars(select(Activity.level).distinct()))
        assert levels == {"school", "cluster", "district"}
        # Only the four accounts can log in; the rest hold no password at all.
        with_password = select(Staff.username).where(Staff.password_hash.is_not(None))
        assert set(db.session.scalars(with_password)) == {"admin", "leader", "manager", "teacher"}


def test_the_four_generated_accounts_log_in_with_the_password_given(app):
    assert run(app).exit_code == 0
    for username in ("admin", "leader", "manager", "teacher"):
        client = app.test_client()
        response = AuthActions(client).login(username, PASSWORD)
        assert response.status_code == 302, username
        assert client.get("/").status_code == 200


def test_generate_refuses_an_instance_that_holds_data(app, make_staff):
    make_staff()
    result = run(app)
    assert result.exit_code != 0
    assert "已有数据" in result.output
    with app.app_context():
        assert total(Activity) == 0


def test_generate_refuses_a_weak_password(app):
    result = run(app, password="123456")
    assert result.exit_code != 0
    assert "密码" in result.output
    with app.app_context():
        assert total(Staff) == 0
