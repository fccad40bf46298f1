"""Staff directory queries and accounts (the roster's import and export: roster.py)."""

import re

from sqlalchemy import func, or_, select

from intranet.auth.passwords import hash_one_time_password, one_time_password
from intranet.auth.permissions import PERMISSIONS
from intranet.extensions import db
from intranet.people.models import Staff

FILTERS = ("political_status", "subject", "grade_group", "campus", "role")


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def directory_query(q: str = "", filters: dict | None = None, include_inactive: bool = False):
    """Staff matching a search (name, 工号, pinyin, pinyin initials) and filters, by pinyin."""
    stmt = select(Staff)
    if not include_inactive:
        stmt = stmt.where(Staff.active)
    for name, value in (filters or {}).items():
        if name in FILTERS and value:
            stmt = stmt.where(getattr(Staff, name) == value)
    q = re.sub(r"\s+", "", q or "")[:40]
    if q:
        low = like_escape(q.lower())
        stmt = stmt.where(
            or_(
                Staff.name.contains(q, autoescape=True),
                func.lower(Staff.username).startswith(low, escape="\\"),
                Staff.pinyin.startswith(low, escape="\\"),
                Staff.pinyin_initials.startswith(low, escape="\\"),
            )
        )
    return stmt.order_by(Staff.pinyin, Staff.username)


def usernames_taken(usernames: list[str]) -> bool:
    """Whether any of these 工号 (in any case) has an account: one query."""
    if not usernames:
        return False
    lowered = [u.lower() for u in usernames]
    return (
        db.session.scalar(select(Staff.id).where(func.lower(Staff.username).in_(lowered)).limit(1))
        is not None
    )


def username_taken(username: str, exclude: Staff | None = None) -> bool:
    stmt = select(Staff.id).where(func.lower(Staff.username) == username.lower())
    if exclude is not None:
        stmt = stmt.where(Staff.id != exclude.id)
    return db.session.scalar(stmt) is not None


def create_staff(values: dict) -> tuple[Staff, str]:
    """A new account with a one-time password, returned once for the admin to hand over."""
    password = one_time_password()
    staff = Staff(
        **values, password_hash=hash_one_time_password(password), must_change_password=True
    )
    db.session.add(staff)
    return staff, password


def reset_password(staff: Staff) -> str:
    password = one_time_password()
    staff.password_hash = hash_one_time_password(password)
    staff.must_change_password = True
    staff.end_sessions()
    return password


def keeps_an_admin(staff: Staff, new_role: str | None) -> bool:
    """False when the change would leave no active account that manages accounts (an admin):
    the app needs one to be run."""
    keepers = PERMISSIONS["people.manage"]
    if staff.role not in keepers or new_role in keepers:
        return True
    others = db.session.scalar(
        db.select(db.func.count(Staff.id)).where(
            Staff.role.in_(keepers), Staff.active, Staff.id != staff.id
        )
    )
    return others > 0
