"""Uploaded files: checked by content, images re-encoded, stored under generated names.

A file's name says nothing we trust: an image must open with Pillow as JPEG or PNG and is
re-encoded to JPEG (which drops EXIF, GPS and anything appended after the image data), with a
thumbnail beside it; a PDF must start with %PDF-; an Office document must be an OLE file or a
zip holding [Content_Types].xml, and is only ever downloaded. Files live in the instance
folder's uploads/, never under static/, each under a random name; the user's file name is kept
only as a label, and only when allowed.

Re-encoding builds a new image from the pixels alone, so no metadata block survives: EXIF
(camera, GPS, author), XMP, JPEG comments, PNG text chunks, ICC profiles (whose description
may name a person). A file's modification time is set to midnight of its (school) date and it
is served with no Last-Modified and no time-based ETag: the time of day an anonymous author
uploaded a photo is written nowhere (SECURITY.md L).

Decoding is bounded (SECURITY.md M): a pixel limit read from the header before any pixel is
decoded, big JPEGs decoded at reduced size (Pillow's draft mode), at most DECODE_SLOTS images
decoded at once in the whole process, and at most RATE_FILES files per person per RATE_WINDOW.
That rate is counted in this process's memory only, as monotonic times under the staff id,
forgotten after the window and never written to the database, a log or a file: it cannot
later tell anyone who attached a photo to an anonymous suggestion.
"""

import io
import os
import secrets
import threading
import time
import zipfile
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import abort, current_app, send_file
from flask_login import current_user
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.exceptions import ServiceUnavailable

from intranet.clock import school_today
from intranet.extensions import db
from intranet.files import make_private

MAX_PIXELS = 52_000_000  # a 50-megapixel phone photo; larger is refused, not decoded
DECODE_SLOTS = 2  # images decoded at once: a 50 MP photo takes ~200 MB while it is decoded
DECODE_WAIT = 5.0  # seconds a request waits for a slot before it is told to try again
RATE_FILES, RATE_WINDOW = 30, 600.0  # files one person may upload per ten minutes
MAX_SIDE = 2400  # stored images are scaled down to this, which keeps them small and printable
THUMB_SIDE = 480
IMAGE = "image"
PDF = "pdf"
OFFICE = "office"  # Word, Excel, PowerPoint: stored as sent, only ever downloaded
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc .xls .ppt
EXTENSIONS = {IMAGE: "jpg", PDF: "pdf", OFFICE: "bin"}
# Word, Excel and PowerPoint, and WPS Office's own formats, which many schools use.
OFFICE_SUFFIXES = {".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".wps", ".et", ".dps"}


class UploadError(ValueError):
    """Why a file was refused, in Chinese, for the field's error message."""


class ServerBusy(ServiceUnavailable):
    """Every decode slot stayed taken: answered with 503 and a message, and the form the user
    filled in stays on their screen (upload forms are sent by htmx)."""

    chinese = "服务器正忙，请稍后再试。"


_decodes = threading.BoundedSemaphore(DECODE_SLOTS)


class Attachment(db.Model):
    __tablename__ = "attachment"
    # A random key, not a counter: its order reveals nothing about when it was uploaded.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    size: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str | None] = mapped_column(String(120))
    created_on: Mapped[date] = mapped_column(Date, default=school_today)
    # An anonymous suggestion's image lives in its row, not in a file: a file's change time
    # (ctime), which nothing can reset, and its folder's mtime would record the hour it came.
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    thumb_content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    __table_args__ = {"sqlite_with_rowid": False}

    @property
    def is_image(self) -> bool:
        return self.kind == IMAGE

    @property
    def filename(self) -> str:
        return f"{self.id}.{EXTENSIONS[self.kind]}"

    @property
    def path(self) -> Path:
        return Path(current_app.config["UPLOAD_FOLDER"]) / self.filename

    @property
    def thumb_path(self) -> Path:
        return self.path.with_suffix(".thumb.jpg")

    @property
    def label(self) -> str:
        return self.original_name or ("图片" if self.is_image else "文件")

    @property
    def suffix(self) -> str:
        """The file ending that matches what the file is, whatever its name claimed: a PDF
        named x.html still downloads as .pdf and never opens as a web page."""
        if self.kind == OFFICE:
            claimed = Path(self.original_name or "").suffix.lower()
            return claimed if claimed in OFFICE_SUFFIXES else ".bin"
        return f".{EXTENSIONS[self.kind]}"

    @property
    def download_name(self) -> str:
        return f"{Path(self.label).stem or '文件'}{self.suffix}"


@dataclass
class Checked:
    kind: str
    data: bytes
    thumbnail: bytes | None = None


def check(data: bytes, kinds: tuple[str, ...]) -> Checked:
    """The file's bytes made safe to keep, or UploadError saying why not."""
    if not data:
        raise UploadError("文件是空的。")
    allowed = "、".join(
        label
        for kind, label in ((IMAGE, "JPG 或 PNG 图片"), (PDF, "PDF"), (OFFICE, "Office 文档"))
        if kind in kinds
    )
    if data.startswith(b"%PDF-"):
        if PDF not in kinds:
            raise UploadError(f"这里不能上传 PDF 文件，只能上传{allowed}。")
        return Checked(PDF, data)
    if OFFICE in kinds and _is_office(data):
        return Checked(OFFICE, data)
    if IMAGE in kinds:
        return Checked(IMAGE, *_reencode(data, allowed))
    raise UploadError(f"只能上传{allowed}。")


def _is_office(data: bytes) -> bool:
    if data.startswith(OLE_MAGIC):
        return True
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _reencode(data: bytes, allowed: str) -> tuple[bytes, bytes]:
    """The image as a fresh JPEG, and a small thumbnail of it."""
    if not _decodes.acquire(timeout=DECODE_WAIT):
        raise ServerBusy()
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as image:
            width, height = image.size  # read from the header, before any pixel is decoded
            if width * height > MAX_PIXELS:
                raise UploadError("图片尺寸太大，请缩小后再上传。")
            image.draft(None, (MAX_SIDE, MAX_SIDE))  # a JPEG decodes at 1/2, 1/4 or 1/8 size
            image.load()
            image.thumbnail((MAX_SIDE, MAX_SIDE))  # shrink first: every later copy is small
            image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            clean = _pixels_only(image)
            out = io.BytesIO()
            clean.save(out, "JPEG", quality=85, optimize=True)
            clean.thumbnail((THUMB_SIDE, THUMB_SIDE))
            thumb = io.BytesIO()
            clean.save(thumb, "JPEG", quality=80)
            return out.getvalue(), thumb.getvalue()
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadError("图片尺寸太大，请缩小后再上传。") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UploadError(f"无法识别这个文件：只能上传{allowed}。") from error
    finally:
        _decodes.release()


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image holding the pixels and nothing else: Pillow carries `info` (comment, XMP,
    ICC profile, dpi …) into a save, and a copy would carry it too."""
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def _count_upload() -> None:
    """Refuse a person's file beyond RATE_FILES in RATE_WINDOW seconds (see the module doc)."""
    if not current_user or not current_user.is_authenticated:
        return
    counter = current_app.extensions.setdefault("upload_rate", _RateCounter())
    if not counter.allow(current_user.id):
        raise UploadError("上传太频繁了，请过十分钟再试。")


class _RateCounter:
    """Monotonic times of each person's recent uploads, in memory only."""

    def __init__(self):
        self.lock = threading.Lock()
        self.recent: dict[int, deque[float]] = defaultdict(deque)

    def allow(self, key: int) -> bool:
        now = time.monotonic()
        with self.lock:
            for person in list(self.recent):  # forget everything older than the window
                times = self.recent[person]
                while times and now - times[0] > RATE_WINDOW:
                    times.popleft()
                if not times:
                    del self.recent[person]
            times = self.recent[key]
            if len(times) >= RATE_FILES:
                return False
            times.append(now)
            return True


def store(
    file_storage, kinds: tuple[str, ...], keep_name: bool = True, in_row: bool = False
) -> Attachment:
    """Check and save an uploaded file; the caller adds the returned row to its own record.
    `in_row` keeps the bytes in the database row instead of a file (anonymous suggestions)."""
    _count_upload()
    checked = check(file_storage.read(), kinds)
    attachment = Attachment(
        id=secrets.token_hex(16),
        kind=checked.kind,
        size=len(checked.data),
        original_name=_clean_name(file_storage.filename) if keep_name else None,
        created_on=school_today(),
    )
    if in_row:
        attachment.content, attachment.thumb_content = checked.data, checked.thumbnail
        return attachment
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    _write(attachment.path, checked.data, attachment.created_on)
    if checked.thumbnail:
        _write(attachment.thumb_path, checked.thumbnail, attachment.created_on)
    make_private(folder, attachment.path, attachment.thumb_path)  # SECURITY.md M: owner only
    return attachment


def _write(path: Path, data: bytes, day: date) -> None:
    """Write the file and date it midnight of its day where the school is: the file system
    keeps no time of day of the upload."""
    path.write_bytes(data)
    midnight = datetime.combine(day, clock_time(0), ZoneInfo(current_app.config["TIME_ZONE"]))
    os.utime(path, (midnight.timestamp(), midnight.timestamp()))


def store_all(files, kinds: tuple[str, ...], room: int, too_many: str) -> list[Attachment]:
    """Check and save the files a form sent, all or none: more than `room` of them, or one that
    is refused, raises UploadError, and no file of this request is left on disk."""
    chosen = [f for f in files if f and f.filename]
    if len(chosen) > room:
        raise UploadError(too_many)
    stored: list[Attachment] = []
    try:
        for upload in chosen:
            stored.append(store(upload, kinds))
    except (UploadError, ServerBusy):
        for attachment in stored:
            delete_file(attachment)
        raise
    return stored


def _clean_name(name: str | None) -> str | None:
    if not name:
        return None
    return Path(name.replace("\\", "/")).name[:120] or None


MIMETYPES = {IMAGE: "image/jpeg", PDF: "application/pdf", OFFICE: "application/octet-stream"}


def serve(attachment: Attachment, thumbnail: bool = False):
    """Images inline as JPEG; everything else downloads, never rendered by the browser. Sent
    as an open file, not a path, so send_file adds no Last-Modified and no ETag built from the
    file's time; there is nothing to revalidate, as nothing is cached."""
    thumb = thumbnail and attachment.is_image
    if attachment.content is not None:
        data = attachment.thumb_content if thumb else attachment.content
        body, size = io.BytesIO(data), len(data)
    else:
        path = attachment.thumb_path if thumb else attachment.path
        body, size = path.open("rb"), path.stat().st_size
    response = send_file(
        body,
        mimetype=MIMETYPES[attachment.kind],
        as_attachment=not attachment.is_image,
        download_name=attachment.download_name,
        etag=False,
        conditional=False,
    )
    response.content_length = size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def take_out(attachments: list[Attachment], attachment_id: str) -> Attachment:
    """Remove one of a record's attachments: from its list, its row (committed) and then its
    file. 404 when the record has none with that id."""
    found = next((a for a in attachments if a.id == attachment_id), None)
    if found is None:
        abort(404)
    attachments.remove(found)
    db.session.delete(found)
    db.session.commit()
    delete_file(found)
    return found


def delete_file(attachment: Attachment) -> None:
    """Remove the file of an attachment that has one (the row goes with its record)."""
    attachment.path.unlink(missing_ok=True)
    attachment.thumb_path.unlink(missing_ok=True)
