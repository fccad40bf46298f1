"""Semesters for every area: which one a page shows, the list to switch between, and the
first-run page when the school has none yet.

The Semester model belongs to the schedule (activities are planned by semester); every area that
shows "this semester" asks here, so a page's semester, its switch and the first day all behave
the same everywhere.
"""

from datetime import date

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select

from intranet.auth.permissions import can
from intranet.clock import school_today
from intranet.extensions import db
from intranet.forms import as_id
from intranet.schedule.models import Semester


class NoSemester(Exception):
    """No semester exists yet: the page becomes the first-run page."""


def requested(args, among: list[Semester] | None = None) -> Semester:
    """The semester asked for in the query string (?semester=id), else the current one. An id
    that names nothing is a 404; no semester at all is the first-run page. A page that already
    holds `among` (all_semesters(), for its switch) finds it there without a query."""
    wanted = as_id(args.get("semester"))
    if not wanted:
        found = Semester.current(among)
    elif among is None:
        found = db.get_or_404(Semester, wanted)
    else:
        found = next((s for s in among if s.id == wanted), None) or abort(404)
    if found is None:
        raise NoSemester
    return found


def all_semesters() -> list[Semester]:
    return list(db.session.scalars(select(Semester).order_by(Semester.start.desc())))


def proposal(today: date) -> tuple[str, date, date]:
    """The semester today falls in, as Chinese schools name it: the first from September to
    January, the second from February to July (summer proposes the coming first semester)."""
    if today.month >= 8 or today.month == 1:
        year = today.year if today.month >= 8 else today.year - 1
        return f"{year}-{year + 1}学年第一学期", date(year, 9, 1), date(year + 1, 1, 31)
    year = today.year - 1
    return f"{year}-{year + 1}学年第二学期", date(year + 1, 2, 1), date(year + 1, 7, 10)


def first_run(_error):
    name, start, end = proposal(school_today())
    return render_template(
        "semesters/first_run.html",
        name=name,
        start=start,
        end=end,
        may_create=can(current_user, "schedule.manage"),
    )


def register(app) -> None:
    app.register_error_handler(NoSemester, first_run)


def semester_or_404(args) -> Semester:
    """For pages that need an existing semester to act on (a form post, an export)."""
    try:
        return requested(args)
    except NoSemester:
        abort(404)
