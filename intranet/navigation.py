"""The main navigation: each entry shows only to roles whose permission allows it."""

from flask import current_app, request
from flask_login import current_user

from intranet.auth.permissions import can

# (label, endpoint, permission). An area adds its entry here when its blueprint exists.
ENTRIES = [
    ("首页", "home.index", "home.view"),
    ("活动安排", "schedule.index", "schedule.view"),
    ("师徒结对", "mentoring.index", "mentoring.pairings"),
    ("建议箱", "suggestions.new", "suggestions.submit"),
    ("建议处理", "suggestions.index", "suggestions.manage"),
    ("成果", "achievements.index", "achievements.view"),
    ("驾驶舱", "dashboard.index", "dashboard.view"),
    ("教职工", "people.index", "people.view"),
]


def visible_entries():
    """(label, endpoint, is_current) for the user's role. The current entry is the page itself,
    or else the entry of the page's area (two entries may share an area: 建议箱, 建议处理)."""
    if not current_user.is_authenticated:
        return []
    entries = [
        (label, endpoint)
        for label, endpoint, permission in ENTRIES
        if endpoint in current_app.view_functions and can(current_user, permission)
    ]
    here = request.endpoint or ""
    current = here if any(e == here for _, e in entries) else None
    if current is None:
        area = here.split(".")[0]
        current = next((e for _, e in entries if e.split(".")[0] == area), None)
    return [(label, endpoint, endpoint == current) for label, endpoint in entries]
