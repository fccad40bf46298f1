"""Talent pools, mentor–apprentice pairings, development plans and lesson observation."""

from flask import Blueprint

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring")
