"""Database engine setup: SQLite PRAGMAs on every pooled connection, and the journal choice.

SQLite 3.7.0 to 3.51.2 carry the WAL-reset bug (fixed in 3.51.3, backported to 3.44.6 and
3.50.7). Debian 12's Python links 3.40.1, so on such a library we keep the rollback journal,
which the bug does not touch and which a school's write load can afford; a fixed library gets WAL.
"""

import sqlite3

from sqlalchemy import event

WAL_SAFE_BACKPORTS = ((3, 44, 6), (3, 50, 7))
WAL_FIXED = (3, 51, 3)
BUSY_TIMEOUT_MS = 5000


def wal_is_safe(version: tuple[int, int, int]) -> bool:
    if version >= WAL_FIXED:
        return True
    return any(version[:2] == fix[:2] and version >= fix for fix in WAL_SAFE_BACKPORTS)


def journal_mode(version: tuple[int, int, int] = sqlite3.sqlite_version_info) -> str:
    return "wal" if wal_is_safe(version) else "delete"


def _set_sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # FULL: a write acknowledged to a teacher survives a power cut (school PCs have no UPS).
    cursor.execute("PRAGMA synchronous=FULL")
    # Deleted suggestions must leave no readable remnant in the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute(f"PRAGMA journal_mode={journal_mode()}")
    cursor.close()


def init_engine(engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
