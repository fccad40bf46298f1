"""Facts about this installation kept in its database, one row per key (e.g. the demo marker)."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from intranet.extensions import db


class AppSetting(db.Model):
    __tablename__ = "app_setting"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
