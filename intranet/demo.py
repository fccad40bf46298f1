"""The demo school, for trying the app: `flask --app wsgi demo` on an empty database.

Each area seeds its own part (its `demo.py`, a `seed(rng)` function) in the order below, so
later areas can build on the staff, semesters and activities of earlier ones.
"""

import random
from importlib import import_module

from intranet.extensions import db

AREAS = ("people", "schedule", "suggestions", "mentoring", "achievements")


def seed() -> dict:
    rng = random.Random(2010)  # the year the studio was founded: same demo school every time
    result: dict = {}
    for area in AREAS:
        result |= import_module(f"intranet.{area}.demo").seed(rng) or {}
        db.session.commit()
    return result
