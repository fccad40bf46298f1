"""Staff (every account) and the fixed vocabularies that describe them."""

import secrets
from datetime import UTC, datetime

from flask_login import UserMixin
from pypinyin import Style, lazy_pinyin
from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from intranet.extensions import db

# Code name -> what users read. The order is the order of every list and filter.
ROLES = {
    "admin": "管理员",
    "leader": "校领导",
    "manager": "工作室管理组",
    "teacher": "教师",
}
POLITICAL_STATUSES = {
    "member": "中共党员",
    "probationary": "中共预备党员",
    "development_target": "发展对象",
    "activist": "入党积极分子",
    "democratic_party": "民主党派",
    "non_party": "群众",
}
GENDERS = {"male": "男", "female": "女"}
CAMPUSES = ["本部", "滁和", "彤华", "宝真", "桥西", "沿河"]
SUBJECTS = [
    "语文", "数学", "英语", "科学", "道德与法治", "音乐", "体育",
    "美术", "信息技术", "综合实践", "心理健康", "行政", "后勤",
]  # fmt: skip
GRADE_GROUPS = [
    "一年级组", "二年级组", "三年级组", "四年级组", "五年级组", "六年级组", "综合组", "行政后勤",
]  # fmt: skip
TITLES = ["正高级教师", "高级教师", "一级教师", "二级教师", "三级教师", "未定级"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def to_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name: 张晓明 -> ("zhangxiaoming", "zxm")."""
    syllables = [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="default")]
    return "".join(syllables), "".join(s[:1] for s in syllables)


class Staff(UserMixin, db.Model):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)  # 工号
    name: Mapped[str] = mapped_column(String(40))
    # Stored, though derived from name, so that search and sort by pinyin run in SQL.
    pinyin: Mapped[str] = mapped_column(String(160), index=True, default="")
    pinyin_initials: Mapped[str] = mapped_column(String(40), index=True, default="")
    gender: Mapped[str | None] = mapped_column(String(8))
    subject: Mapped[str | None] = mapped_column(String(20))
    grade_group: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(20))
    political_status: Mapped[str] = mapped_column(String(24), default="non_party")
    campus: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(16), default="teacher")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    # Flask-Login's id is this token, not the row id: rotating it ends every copy of the cookie.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @validates("name")
    def _derive_pinyin(self, _key, name):
        name = name.strip()
        self.pinyin, self.pinyin_initials = to_pinyin(name)
        return name

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    def end_sessions(self) -> None:
        self.session_token = new_token()

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def political_status_label(self) -> str:
        return POLITICAL_STATUSES.get(self.political_status, self.political_status)

    @property
    def gender_label(self) -> str:
        return GENDERS.get(self.gender or "", "")

    @property
    def is_party_member(self) -> bool:
        return self.political_status in ("member", "probationary")

    def __repr__(self) -> str:
        return f"<Staff {self.username}>"
