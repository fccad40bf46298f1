"""the suggestion box keeps its promise: receipts apart from row keys, supports unlinkable

Every receipt now finds its row by the SHA-256 digest of its lookup part (its first two groups),
and the key leaders see in URLs and in "已合并到另一条建议（a-…）" is random and separate.
Receipts handed out before this revision began with their row's key, so each existing anonymous
suggestion gets a new random key here and keeps the digest of its old one as its lookup: the
old receipt still opens it (its secret part is checked against the same slow hash as before),
and nothing leaders see shares a character run with it any more. Everything that named the old
key moves in the same transaction: replies, status changes, notes, supports and `duplicate_of`
on either kind. The old row is deleted, which secure_delete (intranet/db.py) overwrites.

Support rows stored an HMAC of the staff id under the secret key, which anyone holding the key
could recompute; each is replaced by a random value, so the counts stay and the names go (the
app now keys supports with a secret that lives only in memory).

Revision ID: 0009
Revises: 0008
"""

import hashlib
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ANONYMOUS_COLUMNS = (
    "id", "receipt_lookup", "receipt_hash", "category", "title", "body", "status",
    "decline_reason", "is_public", "duplicate_of", "created_on", "attachment_id",
)  # fmt: skip
THREAD_TABLES = ("suggestion_reply", "suggestion_status_change", "suggestion_note")


def upgrade():
    op.add_column("anonymous_suggestion", sa.Column("receipt_lookup", sa.String(64), nullable=True))
    op.create_index(
        op.f("ix_anonymous_suggestion_receipt_lookup"),
        "anonymous_suggestion",
        ["receipt_lookup"],
        unique=True,
    )
    connection = op.get_bind()
    rekey_anonymous_suggestions(connection)
    forget_supporters(connection)


def rekey_anonymous_suggestions(connection) -> None:
    """Give each anonymous suggestion a new random key; its old key, the first part of its
    receipt, survives only as the SHA-256 digest that finds the row by that receipt."""
    anonymous = sa.table("anonymous_suggestion", *map(sa.column, ANONYMOUS_COLUMNS))
    named = sa.table("suggestion", sa.column("duplicate_of"))
    support = sa.table("suggestion_support", sa.column("thread"))
    threads = [sa.table(name, sa.column("anonymous_id")) for name in THREAD_TABLES]
    for old in connection.scalars(sa.select(anonymous.c.id)).all():
        new = secrets.token_hex(8)  # models.random_key(); never the receipt alphabet's shape
        digest = hashlib.sha256(old.encode()).hexdigest()  # services.lookup_digest()
        # A copy under the new key first, so the foreign keys hold at every statement.
        fresh = {"id": sa.literal(new, sa.String), "receipt_lookup": sa.literal(digest, sa.String)}
        copied = [fresh.get(name, anonymous.c[name]) for name in ANONYMOUS_COLUMNS]
        connection.execute(
            anonymous.insert().from_select(
                ANONYMOUS_COLUMNS, sa.select(*copied).where(anonymous.c.id == old)
            )
        )
        for table in threads:
            connection.execute(
                table.update().where(table.c.anonymous_id == old).values(anonymous_id=new)
            )
        connection.execute(
            support.update().where(support.c.thread == f"a-{old}").values(thread=f"a-{new}")
        )
        for table in (named, anonymous):
            connection.execute(
                table.update()
                .where(table.c.duplicate_of == f"a-{old}")
                .values(duplicate_of=f"a-{new}")
            )
        connection.execute(anonymous.delete().where(anonymous.c.id == old))


def forget_supporters(connection) -> None:
    support = sa.table("suggestion_support", sa.column("thread"), sa.column("supporter"))
    for thread, supporter in connection.execute(
        sa.select(support.c.thread, support.c.supporter)
    ).all():
        connection.execute(
            support.update()
            .where(support.c.thread == thread, support.c.supporter == supporter)
            .values(supporter=secrets.token_hex(32))
        )


def downgrade():
    """Drop the lookup digests. What cannot come back: the forgotten supporters (the counts
    stay), and the old keys, which exist nowhere but in their authors' receipts. Re-keyed rows
    keep their new keys, so under revision 0008, which finds a row by its receipt's first part,
    no receipt opens its suggestion any more (receipts given after this revision never did
    there either); the suggestions themselves, their conversations and counts all stay."""
    op.drop_index(op.f("ix_anonymous_suggestion_receipt_lookup"), "anonymous_suggestion")
    op.drop_column("anonymous_suggestion", "receipt_lookup")
