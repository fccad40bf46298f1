"""who an activity is for (参加对象): invitee groups, a pairing, and named people in or out

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    # Every existing activity is for the whole studio, so no roll becomes empty.
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("invite_groups", sa.String(length=120), nullable=False,
                      server_default="studio")
        )  # fmt: skip
        batch_op.add_column(sa.Column("invite_pairing_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_activity_invite_pairing_id_pairing"), "pairing",
            ["invite_pairing_id"], ["id"], ondelete="SET NULL",
        )  # fmt: skip
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.alter_column("invite_groups", server_default=None)

    op.create_table(
        "activity_invitee",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("invited", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"],
            name=op.f("fk_activity_invitee_activity_id_activity"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_activity_invitee_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("activity_id", "staff_id", name=op.f("pk_activity_invitee")),
    )  # fmt: skip
    with op.batch_alter_table("activity_invitee", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_invitee_staff_id"), ["staff_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("activity_invitee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_invitee_staff_id"))
    op.drop_table("activity_invitee")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_activity_invite_pairing_id_pairing"), type_="foreignkey"
        )
        batch_op.drop_column("invite_pairing_id")
        batch_op.drop_column("invite_groups")
