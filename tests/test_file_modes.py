"""The instance folder, database, key, uploads and backups are the app's user's alone
(SECURITY.md M): other accounts on the server cannot read the staff list or the photos."""

import io
import os
import stat
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from intranet import create_app
from intranet.backup import make_backup
from intranet.uploads import IMAGE, store
from tests.conftest import make_config

pytestmark = pytest.mark.sqlite_only


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def upload_photo(app):
    image = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(image, "PNG")
    image.seek(0)
    with app.test_request_context():
        return store(FileStorage(image, filename="照片.png"), (IMAGE,))


def test_M_a_fresh_instance_is_private_from_the_start(tmp_path, monkeypatch):
    monkeypatch.delenv("INTRANET_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(instance)})  # generates its key, creates the database
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600
    assert mode(instance / "studio.db") == 0o600
    assert mode(instance / "uploads") == 0o700
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    assert mode(instance / "studio.db") == 0o600  # SQLite kept the mode it found


def test_M_an_uploaded_file_and_its_thumbnail_are_private(app):
    attachment = upload_photo(app)
    with app.app_context():
        assert mode(attachment.path) == 0o600
        assert mode(attachment.thumb_path) == 0o600
        assert mode(attachment.path.parent) == 0o700


def test_M_a_backup_is_private(app, tmp_path):
    upload_photo(app)
    with app.app_context():
        target = make_backup(tmp_path / "backups")
    assert mode(tmp_path / "backups") == 0o700
    assert mode(target) == 0o700
    assert mode(target / "studio.db") == 0o600
    copied = list((target / "uploads").iterdir())
    assert copied and all(mode(path) == 0o600 for path in copied)
    assert mode(target / "uploads") == 0o700


def test_M_a_restore_copied_with_a_loose_umask_is_closed_up_at_start(tmp_path):
    instance = tmp_path / "restored"
    (instance / "uploads").mkdir(parents=True)
    (instance / "uploads" / "photo.jpg").write_bytes(b"jpeg")
    (instance / "studio.db").write_bytes(b"")
    for path in (instance, instance / "uploads"):
        os.chmod(path, 0o755)
    for path in (instance / "uploads" / "photo.jpg", instance / "studio.db"):
        os.chmod(path, 0o644)
    create_app(make_config(instance))
    assert mode(instance) == 0o700 and mode(instance / "uploads") == 0o700
    assert mode(instance / "studio.db") == 0o600
    assert mode(instance / "uploads" / "photo.jpg") == 0o600
