"""stub"""

from flask import Blueprint

from intranet.achievements import models  # noqa: F401

bp = Blueprint("achievements", __name__, url_prefix="/achievements")
