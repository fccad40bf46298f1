"""the suggestion box keeps its promise: receipts apart from row keys, supports unlinkable

New receipts find their row by a digest of their lookup part, so the key leaders see is no
longer the receipt's beginning; rows from before keep NULL and their old receipts still work.
Support rows stored an HMAC of the staff id under the secret key, which anyone holding the key
could recompute; each is replaced by a random value, so the counts stay and the names go (the
app now keys supports with a secret that lives only in memory).

Revision ID: 0009_box
Revises: 0008
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0009_box"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("anonymous_suggestion", sa.Column("receipt_lookup", sa.String(64), nullable=True))
    op.create_index(
        op.f("ix_anonymous_suggestion_receipt_lookup"),
        "anonymous_suggestion",
        ["receipt_lookup"],
        unique=True,
    )
    support = sa.table("suggestion_support", sa.column("thread"), sa.column("supporter"))
    connection = op.get_bind()
    for thread, supporter in connection.execute(
        sa.select(support.c.thread, support.c.supporter)
    ).all():
        connection.execute(
            support.update()
            .where(support.c.thread == thread, support.c.supporter == supporter)
            .values(supporter=secrets.token_hex(32))
        )


def downgrade():
    # The forgotten supporters cannot come back; the counts stay as they are.
    op.drop_index(op.f("ix_anonymous_suggestion_receipt_lookup"), "anonymous_suggestion")
    op.drop_column("anonymous_suggestion", "receipt_lookup")
