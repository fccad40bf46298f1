"""What a page worked out from the database, shown again until the database changes.

The dashboard sums ten years of a school: some thirty grouped counts and a dozen charts, 20 ms
at one school's size and three times that at ten. What it shows follows from the database, the
school's day and a few values the page names (the viewer's role, the semester), so a second
look before anything changed may show the same figures again. Any commit to the database, by
this server or by another process (a `flask` command), moves its data version, and nothing
kept under an older version is shown.
"""

import sqlite3
import threading

from flask import current_app
from sqlalchemy import text

from intranet.clock import school_today
from intranet.db import BUSY_TIMEOUT_MS
from intranet.extensions import db

EXTENSION = "unchanged"


class _SqliteVersion:
    """SQLite's `PRAGMA data_version` on a connection of its own that never writes: it changes
    whenever any other connection, of this process or another, commits (in either journal)."""

    def __init__(self, path: str):
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            return self._connection.execute("PRAGMA data_version").fetchone()[0]


def _postgresql_version() -> str:
    # The WAL's insert position passes every commit record before the commit is visible. It is
    # the server's, so any write to any of its databases moves it: correct, if seldom unchanged.
    return db.session.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar_one()


def _version_reader():
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        return _postgresql_version
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return _SqliteVersion(url.database)
    return None  # no version to be had: everything is worked out every time


def data_version():
    """A value that differs from every value read before a commit, once the commit is visible;
    None where there is none. Read it before the rows: what is read after it is at least as new.
    """
    state = current_app.extensions.get(EXTENSION)
    if state is None:
        state = current_app.extensions[EXTENSION] = {"read": _version_reader(), "kept": {}}
    return state["read"]() if state["read"] else None


def shown_again(name: str, key, build):
    """`build()`, or what it returned for the same name and key on this school day while the
    database has not changed since. `key` names everything else the result follows: who looks
    (their role), the request's values. `build` must return something no caller changes (a
    string of HTML); it may commit (the next call then builds again)."""
    version = data_version()
    if version is None:
        return build()
    kept = current_app.extensions[EXTENSION]["kept"]
    full_key = (name, school_today(), key)
    found = kept.get(full_key)
    if found is not None and found[0] == version:
        return found[1]
    result = build()
    if len(kept) > 64:  # keys are a role and a semester: a handful unless the day changed
        kept.clear()
    kept[full_key] = (version, result)
    return result
