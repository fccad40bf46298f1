"""What the dashboard keeps: a closed semester's attendance per month and form, and each held
activity's own figures."""

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from intranet.extensions import db


class FigureGeneration(db.Model):
    """One row: how many times kept figures were dropped. A dashboard keeps what it worked out
    only if this is still what it read before reading the rows (dashboard/kept.py): figures
    from rows a colleague changed meanwhile are never kept."""

    __tablename__ = "figure_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


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


class ActivityFigure(db.Model):
    """A held activity's attendance figures, kept once worked out (dashboard/kept.py): present
    and 应到, in all and per participation group (services.GROUPS). Dropped when the activity,
    its attendance or named invitees change, and all of them when people change (who is
    active, their political status or role, pools, pairings), since 应到 follows them. Its
    presenters (`presented`, as services._held_facts writes them: "" for none) are forgotten
    (NULL: read live) when they change, and with every figure when a name changes."""

    __tablename__ = "activity_figure"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True
    )
    present: Mapped[int] = mapped_column(Integer)
    expected: Mapped[int] = mapped_column(Integer)
    party_present: Mapped[int] = mapped_column(Integer)
    party_expected: Mapped[int] = mapped_column(Integer)
    activist_present: Mapped[int] = mapped_column(Integer)
    activist_expected: Mapped[int] = mapped_column(Integer)
    non_party_present: Mapped[int] = mapped_column(Integer)
    non_party_expected: Mapped[int] = mapped_column(Integer)
    presented: Mapped[str | None] = mapped_column(Text)
