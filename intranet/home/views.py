"""The home page every role lands on (with its 待办 list), the 待办 count, and the health check."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from intranet.auth.permissions import MENTOR_GUEST, can, public, require
from intranet.extensions import db
from intranet.home import todo
from intranet.navigation import visible_entries
from intranet.people.models import Staff
from intranet.schedule import services as schedule

bp = Blueprint("home", __name__)


@bp.app_context_processor
def navigation():
    return {"nav_entries": visible_entries}


@bp.get("/")
@require("home.view")
def index():
    if current_user.role == MENTOR_GUEST:
        return _external_mentor_home()
    mine = schedule.upcoming_mine(current_user)
    upcoming = [activity for activity, _ in mine]
    roles = {
        activity.id: schedule.roles_in(activity, current_user.id, presents)
        for activity, presents in mine
    }
    # A new install: the admin's first step is the staff roster (everything else needs people).
    roster_missing = can(current_user, "people.manage") and (
        db.session.scalar(select(func.count()).where(Staff.of_school)) <= 1
    )
    todos = todo.todos(current_user)
    return render_template(
        "home/index.html",
        upcoming=upcoming,
        roles=roles,
        roster_missing=roster_missing,
        todos=todos,
        todo_count=todo.total(todos),
        todo_kinds=todo.KINDS,
    )


def _external_mentor_home():
    """外聘导师: their pairings and what waits for them (signing, lessons to score), and nothing
    of the school's own schedule."""
    from intranet.mentoring.services import visible_pairings

    todos = todo.todos(current_user)
    return render_template(
        "home/external_mentor.html",
        pairings=db.session.scalars(visible_pairings(current_user)).all(),
        todos=todos,
        todo_count=todo.total(todos),
    )


@bp.get("/todo/count")
@require("home.view")
def todo_count():
    """The badge on 首页 in the top navigation, fetched after the page has loaded, so no page
    waits for it."""
    count = todo.total(todo.todos(current_user))
    return render_template("home/_todo_count.html", todo_count=count)


@bp.get("/healthz")
@public
def healthz():
    try:
        with db.engine.connect() as connection:  # no ORM session: a third of the cost
            connection.exec_driver_sql("SELECT 1")
    except Exception:  # any database failure means "not healthy", never a 500 page
        return {"status": "error"}, 503
    return {"status": "ok"}
