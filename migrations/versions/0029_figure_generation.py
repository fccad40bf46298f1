"""Kept figures are stored only when no change dropped any since the dashboard read its rows:
a generation the drops count (dashboard/kept.py). The figures kept so far may come from such
a race: they go, and the next dashboard works them out again.

Revision ID: 0029
Revises: 0028
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    generation = op.create_table(
        "figure_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figure_generation")),
    )
    op.bulk_insert(generation, [{"id": 1, "n": 0}])
    op.execute("DELETE FROM activity_figure")
    op.execute("DELETE FROM semester_month_figure")


def downgrade():
    op.drop_table("figure_generation")
