"""app_setting: facts about the installation, first of all whether the demo school is loaded

An install that loaded the demo before this revision has the demo's published password on its
admin account: it is marked as a demo too, so its banner shows and an admin can clear it.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from werkzeug.security import check_password_hash

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OLD_DEMO_PASSWORD = "xingguang2025"  # the one password every earlier demo printed


def upgrade():
    setting = op.create_table(
        "app_setting",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_setting")),
    )
    stored = op.get_bind().execute(
        sa.text("SELECT password_hash FROM staff WHERE username = 'admin'")
    ).scalar()
    if stored and check_password_hash(stored, OLD_DEMO_PASSWORD):
        op.bulk_insert(setting, [{"key": "demo_school", "value": "loaded"}])


def downgrade():
    op.drop_table("app_setting")
