"""The semester activity schedule (学期活动安排)."""

from flask import Blueprint

bp = Blueprint("schedule", __name__)
