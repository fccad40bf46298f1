"""The dashboard's kept figures per held activity (dashboard/kept.py): worked out by the first
dashboard that needs them, so nothing to fill here.

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

COUNTS = (
    "present",
    "expected",
    "party_present",
    "party_expected",
    "activist_present",
    "activist_expected",
    "non_party_present",
    "non_party_expected",
)


def upgrade():
    op.create_table(
        "activity_figure",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_activity_figure_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_activity_figure")),
    )


def downgrade():
    op.drop_table("activity_figure")
