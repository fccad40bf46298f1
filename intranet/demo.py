"""The demo school, for trying the app: `flask --app wsgi demo` on an empty database.

Each area seeds its own part (its `demo.py`, a `seed(rng)` function) in the order below, so
later areas can build on the staff, semesters and activities of earlier ones.

A demo must not become a back door (SECURITY.md M): its password is random per install and
printed once, every page carries a banner while it is loaded, and an admin removes it in one
step, keeping only their own account, to start for real.
"""

import logging
import random
import shutil
from importlib import import_module
from pathlib import Path

from flask import current_app, g
from sqlalchemy.exc import SQLAlchemyError

from intranet.extensions import db
from intranet.settings import AppSetting

AREAS = ("people", "schedule", "suggestions", "mentoring", "achievements", "feedback")
MARKER = "demo_school"
# Rows a migration put there (the default rubric) and the installation's settings are not the
# demo's and stay when it is cleared; every other table is emptied.
KEPT_TABLES = {"rubric_item", "app_setting"}
log = logging.getLogger("intranet.demo")


def seed() -> dict:
    """Load the demo school; returns its accounts and the password they share, to print once."""
    rng = random.Random(2010)  # the year the studio was founded: same demo school every time
    result: dict = {}
    for area in AREAS:
        result |= import_module(f"intranet.{area}.demo").seed(rng) or {}
        db.session.commit()
    db.session.add(AppSetting(key=MARKER, value="loaded"))
    db.session.commit()
    return result


def installed() -> bool:
    """Whether the demo school is loaded; asked once per request, for the banner."""
    if "demo_installed" not in g:
        try:
            g.demo_installed = db.session.get(AppSetting, MARKER) is not None
        except SQLAlchemyError:  # an error page must still render when the database is down
            db.session.rollback()
            g.demo_installed = False
    return g.demo_installed


def counts() -> dict[str, int]:
    """What clearing will remove, for the confirmation page."""
    from intranet.people.models import Staff
    from intranet.schedule.models import Activity
    from intranet.uploads import Attachment

    return {
        "staff": db.session.query(Staff).count(),
        "activities": db.session.query(Activity).count(),
        "files": db.session.query(Attachment).count(),
    }


def clear(admin) -> None:
    """Remove the demo and everything added while trying it; keep `admin`'s account only.

    The admin keeps their 工号 and name but must choose a new password at once (the demo
    password was shown on a screen), and every other copy of their login is ended.
    """
    for table in reversed(db.metadata.sorted_tables):
        if table.name in KEPT_TABLES:
            continue
        if table.name == "staff":
            db.session.execute(table.delete().where(table.c.id != admin.id))
        else:
            db.session.execute(table.delete())
    db.session.execute(db.delete(AppSetting).where(AppSetting.key == MARKER))
    admin.must_change_password = True
    admin.end_sessions()
    db.session.commit()
    g.pop("demo_installed", None)
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    if folder.exists():
        for path in folder.iterdir():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    log.warning("demo cleared by username=%s", admin.username)


def register(app) -> None:
    app.context_processor(lambda: {"demo_installed": installed})
