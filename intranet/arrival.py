"""What anonymous people write is stored so that not even the database file tells the order it
arrived in (SECURITY.md L). A random key and WITHOUT ROWID hide it from SQL, but SQLite writes a
page's rows downward in the order they are inserted, so the byte offsets in the file (and in
its backups, which copy pages) would still be that order, and the login log's times could then
name the authors. So each anonymous write rewrites the rows it could be told apart from (an
activity's answers, a day's anonymous suggestions) in a random order: the delete frees their
cells (zeroed, secure_delete), and the inserts take them again at random.

Two writers must not rewrite the same rows at once: SQLite lets one writer in at a time (the
caller's flush took the lock); on PostgreSQL a transaction-scoped advisory lock per table does
the same, and only the rows read are deleted, so a row another writer committed meanwhile is
neither lost nor written twice.
"""

import secrets
import zlib
from contextlib import contextmanager

from sqlalchemy import delete, func, insert, select

from intranet.extensions import db

_shuffle = secrets.SystemRandom().shuffle


def _one_writer(table) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"arrival:{table.name}".encode())
        db.session.execute(select(func.pg_advisory_xact_lock(key)))


@contextmanager
def rewritten(table, *where):
    """The rows of `table` meeting `where` are deleted on entering and written again, in a
    random order, on leaving: rows that refer to them can be rewritten inside. Call after a
    flush, in the writer's transaction."""
    (key,) = table.primary_key.columns
    _one_writer(table)
    rows = [dict(row._mapping) for row in db.session.execute(select(table).where(*where))]
    if rows:
        db.session.execute(delete(table).where(key.in_([row[key.name] for row in rows])))
    yield
    _shuffle(rows)
    for row in rows:  # one statement each: a multi-row insert might order them by key
        db.session.execute(insert(table), [row])


def rewrite(table, *where) -> None:
    """The rows of `table` meeting `where`, written again in a random order."""
    with rewritten(table, *where):
        pass
