"""attachment.content: an anonymous suggestion's image kept in its row, not in a file

A file's change time (ctime) cannot be reset and its folder's mtime changes when it is written,
so an anonymous photo on disk recorded the hour it was sent. Upgrading moves the images of
anonymous suggestions already sent into their rows and removes their files; downgrading writes
them back out as files (dated midnight of their day, as uploads.py stores every file).

Revision ID: 0014
Revises: 0013
"""

import os
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

EXTENSION = {"image": "jpg", "pdf": "pdf", "office": "bin"}


def _folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _anonymous_attachments(connection):
    return connection.execute(
        sa.text(
            "SELECT a.id, a.kind, a.created_on FROM attachment a"
            " JOIN anonymous_suggestion s ON s.attachment_id = a.id"
        )
    ).all()


def upgrade():
    with op.batch_alter_table("attachment") as batch_op:
        batch_op.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("thumb_content", sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    moved = []
    for key, kind, _day in _anonymous_attachments(connection):
        path = _folder() / f"{key}.{EXTENSION[kind]}"
        thumb = path.with_suffix(".thumb.jpg")
        if not path.exists():
            continue
        connection.execute(
            sa.text("UPDATE attachment SET content = :data, thumb_content = :thumb WHERE id = :id"),
            {"data": path.read_bytes(), "thumb": thumb.read_bytes() if thumb.exists() else None,
             "id": key},
        )  # fmt: skip
        moved += [path, thumb]
    for path in moved:  # only once every row holds its bytes
        path.unlink(missing_ok=True)


def downgrade():
    connection = op.get_bind()
    zone = ZoneInfo(current_app.config["TIME_ZONE"])
    rows = connection.execute(
        sa.text(
            "SELECT id, kind, created_on, content, thumb_content FROM attachment"
            " WHERE content IS NOT NULL"
        )
    ).all()
    for key, kind, day, content, thumb_content in rows:
        path = _folder() / f"{key}.{EXTENSION[kind]}"
        path.parent.mkdir(parents=True, exist_ok=True)
        day = day if not isinstance(day, str) else datetime.fromisoformat(day).date()
        midnight = datetime.combine(day, time(0), zone).timestamp()
        for target, data in ((path, content), (path.with_suffix(".thumb.jpg"), thumb_content)):
            if data is not None:
                target.write_bytes(data)
                os.utime(target, (midnight, midnight))
    # Not a batch (SQLite would copy and drop the table, which other tables' keys point at):
    # SQLite since 3.35 and PostgreSQL both drop a column in place.
    for column in ("thumb_content", "content"):
        op.execute(f"ALTER TABLE attachment DROP COLUMN {column}")
