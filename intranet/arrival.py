"""What anonymous people write is stored so that not even the database file tells the order it
arrived in (SECURITY.md L). A random key and WITHOUT ROWID hide it from SQL, but SQLite writes a
page's rows downward in the order they are inserted, so the byte offsets in the file (and in
its backups, which copy pages) would still be that order, and the login log's times could then
name the authors. So each anonymous write rewrites the rows of its day in a random order: the
delete frees their cells (zeroed, secure_delete), and the inserts take them again at random.
"""

import secrets
from contextlib import contextmanager

from sqlalchemy import delete, insert, select

from intranet.extensions import db

_shuffle = secrets.SystemRandom().shuffle


@contextmanager
def rewritten(table, *where):
    """The rows of `table` meeting `where` are deleted on entering and written again, in a
    random order, on leaving: rows that refer to them can be rewritten inside. Call after a
    flush, in the writer's transaction."""
    rows = [dict(row._mapping) for row in db.session.execute(select(table).where(*where))]
    if rows:
        db.session.execute(delete(table).where(*where))
    yield
    _shuffle(rows)
    for row in rows:  # one statement each: a multi-row insert might order them by key
        db.session.execute(insert(table), [row])


def rewrite(table, *where) -> None:
    """The rows of `table` meeting `where`, written again in a random order."""
    with rewritten(table, *where):
        pass
