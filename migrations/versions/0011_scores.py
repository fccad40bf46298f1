"""integrity of what earns points: set-aside observations and the activity history

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    # One scoring per (lesson, observer, teacher) is already held by uq_observation_activity_id
    # since 0006, so there are no duplicates to fold together here.
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("set_aside_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("set_aside_reason", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("set_aside_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_observation_set_aside_by_id_staff"), "staff", ["set_aside_by_id"], ["id"]
        )
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.alter_column("set_aside_reason", server_default=None)

    op.create_table(
        "activity_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=24), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"],
            name=op.f("fk_activity_history_activity_id_activity"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["staff.id"], name=op.f("fk_activity_history_changed_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_history")),
    )  # fmt: skip
    with op.batch_alter_table("activity_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_history_activity_id"), ["activity_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("activity_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_history_activity_id"))
    op.drop_table("activity_history")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_observation_set_aside_by_id_staff"), type_="foreignkey"
        )
        batch_op.drop_column("set_aside_at")
        batch_op.drop_column("set_aside_reason")
        batch_op.drop_column("set_aside_by_id")
