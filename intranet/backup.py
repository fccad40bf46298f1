"""Online backups: SQLite's backup API (never a file copy of a live database), then verified."""

import os
import shutil
import sqlite3
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import make_url

from intranet.clock import school_now
from intranet.extensions import db
from intranet.files import PRIVATE_DIR, PRIVATE_FILE, private_dir, private_tree


def make_backup(folder: Path) -> Path:
    """Copy the database and the uploads into folder/studio-YYYYmmdd-HHMMSS and verify it."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise RuntimeError("此命令只备份 SQLite 数据库；PostgreSQL 请使用 pg_dump。")
    target = folder / school_now().strftime("studio-%Y%m%d-%H%M%S")
    target.mkdir(parents=True, exist_ok=False, mode=PRIVATE_DIR)
    private_dir(folder)  # readable by the app's user only, like the instance folder
    private_dir(target)
    copy = target / "studio.db"
    os.close(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    source = db.engine.raw_connection()
    try:
        destination = sqlite3.connect(copy)
        with destination:
            source.driver_connection.backup(destination)
        destination.close()
    finally:
        source.close()
    check = sqlite3.connect(copy)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if result != "ok":
        raise RuntimeError(f"备份文件校验未通过：{result}")
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    if uploads.exists():
        shutil.copytree(uploads, target / "uploads")
        private_tree(target / "uploads")
    return target
