"""The suggestion box (建议箱)."""

from flask import Blueprint

bp = Blueprint("suggestions", __name__, url_prefix="/suggestions")
