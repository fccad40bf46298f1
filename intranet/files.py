"""Files only the app's own user may read: the instance folder, the database, the secret key,
uploads and backups (SECURITY.md M). Modes are set where each is created, and again at start,
so that a restore copied by hand with a loose umask is closed up the next time the app starts.
A process-wide umask is not used: it would change every library's files, and the tests'.
"""

import os
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SQLITE_COMPANIONS = ("-journal", "-wal", "-shm")


def private_dir(path: Path | str) -> Path:
    """Create the folder if needed (its parents too) and make it the owner's alone."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    os.chmod(path, PRIVATE_DIR)
    return path


def private_file(path: Path | str) -> Path:
    """Make an existing file readable and writable by the owner only."""
    os.chmod(path, PRIVATE_FILE)
    return Path(path)


def make_private(folder: Path | str, *files: Path | str) -> None:
    """After storing files: their folder is the owner's alone, and so is each file."""
    private_dir(folder)
    for path in files:
        if os.path.exists(path):
            private_file(path)


def private_tree(path: Path | str) -> None:
    """A folder and everything in it, as after copying uploads into a backup or a restore."""
    private_dir(path)
    for root, folders, names in os.walk(path):
        for folder in folders:
            os.chmod(os.path.join(root, folder), PRIVATE_DIR)
        for name in names:
            os.chmod(os.path.join(root, name), PRIVATE_FILE)


def sqlite_file(database_uri: str) -> Path | None:
    """The database file of an SQLite URL, or None (PostgreSQL, in-memory)."""
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def secure_instance(app) -> None:
    """At start: the instance folder, the database file (created empty with mode 0600 before
    SQLite creates it with the umask's 0644; its journal inherits the mode), the uploads folder
    (created here, so a file is never readable by others even before its own chmod) and the key."""
    private_dir(app.instance_path)
    database = sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
        private_file(database)
        for suffix in SQLITE_COMPANIONS:
            companion = database.with_name(database.name + suffix)
            if companion.exists():
                private_file(companion)
    private_tree(app.config["UPLOAD_FOLDER"])
    secret = Path(app.instance_path) / "secret_key"
    if secret.exists():
        private_file(secret)
