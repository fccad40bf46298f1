"""What the dashboard keeps: a closed semester's attendance per month and form."""

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from intranet.extensions import db


class MonthFigure(db.Model):
    """Present and 应到 of a semester's held activities in one month of one form, kept once the
    semester has ended (dashboard/kept.py). A row with month "" says the semester is kept."""

    __tablename__ = "semester_month_figure"

    semester_id: Mapped[int] = mapped_column(
        ForeignKey("semester.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-03"
    form: Mapped[str] = mapped_column(String(24), primary_key=True)
    present: Mapped[int] = mapped_column(Integer)
    expected: Mapped[int] = mapped_column(Integer)
