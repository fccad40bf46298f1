"""The semester activity schedule (学期活动安排)."""

from flask import Blueprint

from intranet.schedule import models  # noqa: F401  (the tables exist before the views do)

bp = Blueprint("schedule", __name__)
