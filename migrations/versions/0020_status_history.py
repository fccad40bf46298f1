"""政治面貌 history: a dated line per change (PoliticalStatusChange) and an optional birth year on
staff (who counts as a young teacher). Written against 0019; 0020 is added in parallel and the
two are chained when merged.

Every existing person gets one history line holding their current status, dated unknown (NULL),
not the migration day: nobody knows when they became what they are, and dating it today would
count every 入党积极分子 as a step toward the Party taken this school year.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("birth_year", sa.Integer(), nullable=True))
    op.create_table(
        "political_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_political_status_change_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff.id"],
            name=op.f("fk_political_status_change_recorded_by_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_political_status_change")),
    )
    op.create_index(
        op.f("ix_political_status_change_staff_id"), "political_status_change", ["staff_id"]
    )
    op.execute(
        "INSERT INTO political_status_change (staff_id, status, since, source, recorded_at) "
        "SELECT id, political_status, NULL, 'migration', CURRENT_TIMESTAMP FROM staff"
    )


def downgrade():
    op.drop_index(op.f("ix_political_status_change_staff_id"), "political_status_change")
    op.drop_table("political_status_change")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35+) drops a column in place; a batch copy of staff would drop the table,
        # which the rows of every table referring to staff refuse.
        op.execute("ALTER TABLE staff DROP COLUMN birth_year")
    else:
        op.drop_column("staff", "birth_year")
