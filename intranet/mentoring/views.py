"""Talent pools, mentor–apprentice pairings, development plans and lesson observation."""

from flask import Blueprint

from intranet.mentoring import models  # noqa: F401  (the tables exist before the views do)

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring")
