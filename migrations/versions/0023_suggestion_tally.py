"""The box's statistics kept as they change (suggestions/tally.py), partial indexes of the
public suggestions, and the dashboard's kept figures of closed semesters (dashboard/kept.py:
worked out by the first dashboard that needs them, so nothing to fill here).

suggestion_tally and suggestion_wait_tally count every suggestion dated up to one day, held in
suggestion_tally_date; later ones are counted live. A school upgrading keeps its figures: the
tables are filled here from the rows it has, up to two days before its newest suggestion (a day
already released to leaders whenever the upgrade runs, without reading a clock).

Revision ID: 0023
Revises: 0022
"""

from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

PUBLIC = {
    "sqlite_where": sa.text("is_public = 1"),
    "postgresql_where": sa.text("is_public"),
}


def upgrade():
    op.create_table(
        "suggestion_tally",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "status", "category", name=op.f("pk_suggestion_tally")),
    )
    op.create_table(
        "suggestion_wait_tally",
        sa.Column("days", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("days", name=op.f("pk_suggestion_wait_tally")),
    )
    op.create_table(
        "suggestion_tally_date",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_tally_date")),
    )
    op.create_table(
        "suggestion_public_tally",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_suggestion_public_tally")),
    )
    op.create_index(
        "ix_suggestion_public", "suggestion", ["created_on", "id", "duplicate_of"], **PUBLIC
    )
    op.create_index(
        "ix_anonymous_suggestion_public",
        "anonymous_suggestion",
        ["created_on", "id", "duplicate_of"],
        **PUBLIC,
    )
    op.create_table(
        "semester_month_figure",
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("form", sa.String(24), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["semester_id"],
            ["semester.id"],
            name=op.f("fk_semester_month_figure_semester_id_semester"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "semester_id", "month", "form", name=op.f("pk_semester_month_figure")
        ),
    )
    fill()


def fill():
    """Count the existing rows as suggestions/tally.py does."""
    bind = op.get_bind()
    reply = sa.table(
        "suggestion_reply",
        sa.column("named_id"),
        sa.column("anonymous_id"),
        sa.column("is_follow_up", sa.Boolean),
        sa.column("created_on", sa.Date),
    )
    kinds = []
    for name, kind, thread in (
        ("suggestion", "named", reply.c.named_id),
        ("anonymous_suggestion", "anonymous", reply.c.anonymous_id),
    ):
        table = sa.table(
            name,
            sa.column("id"),
            sa.column("status"),
            sa.column("category"),
            sa.column("duplicate_of"),
            sa.column("created_on", sa.Date),
            sa.column("is_public", sa.Boolean),
        )
        kinds.append((table, kind, thread))
    newest = [bind.scalar(sa.select(sa.func.max(t.c.created_on))) for t, _, _ in kinds]
    newest = [day for day in newest if day is not None]
    through = max(newest) - timedelta(days=2) if newest else date.min
    counts, waits, public = Counter(), Counter(), Counter()
    for table, kind, thread in kinds:
        public[kind] = bind.scalar(
            sa.select(sa.func.count()).where(
                table.c.is_public.is_(True), table.c.duplicate_of.is_(None)
            )
        )
        first = (
            sa.select(sa.func.min(reply.c.created_on))
            .where(thread == table.c.id, reply.c.is_follow_up.is_(False))
            .scalar_subquery()
        )
        rows = bind.execute(
            sa.select(table.c.status, table.c.category, table.c.created_on, first).where(
                table.c.duplicate_of.is_(None), table.c.created_on <= through
            )
        )
        for status, category, created_on, replied in rows:
            counts[kind, status, category] += 1
            if replied is not None:
                waits[(replied - created_on).days] += 1
    tally = sa.table(
        "suggestion_tally",
        sa.column("kind"),
        sa.column("status"),
        sa.column("category"),
        sa.column("n"),
    )
    if counts:
        op.bulk_insert(
            tally,
            [
                {"kind": kind, "status": status, "category": category, "n": n}
                for (kind, status, category), n in counts.items()
            ],
        )
    if waits:
        op.bulk_insert(
            sa.table("suggestion_wait_tally", sa.column("days"), sa.column("n")),
            [{"days": days, "n": n} for days, n in waits.items()],
        )
    op.bulk_insert(
        sa.table("suggestion_public_tally", sa.column("kind"), sa.column("n")),
        [{"kind": kind, "n": n} for kind, n in public.items()],
    )
    op.bulk_insert(
        sa.table("suggestion_tally_date", sa.column("id"), sa.column("through", sa.Date)),
        [{"id": 1, "through": through}],
    )


def downgrade():
    op.drop_table("semester_month_figure")
    op.drop_index("ix_anonymous_suggestion_public", table_name="anonymous_suggestion")
    op.drop_index("ix_suggestion_public", table_name="suggestion")
    op.drop_table("suggestion_tally_date")
    op.drop_table("suggestion_public_tally")
    op.drop_table("suggestion_wait_tally")
    op.drop_table("suggestion_tally")
