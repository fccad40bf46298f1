"""Uploaded files: checked by content, images re-encoded, stored under generated names.

A file's name says nothing we trust: an image must open with Pillow as JPEG or PNG and is
re-encoded to JPEG (which drops EXIF, GPS and anything appended after the image data), with a
thumbnail beside it; a PDF must start with %PDF-; an Office document must be an OLE file or a
zip holding [Content_Types].xml, and is only ever downloaded. Files live in the instance
folder's uploads/, never under static/, each under a random name; the user's file name is kept
only as a label, and only when allowed.
"""

import io
import secrets
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app, send_file
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from intranet.clock import school_today
from intranet.extensions import db
from intranet.files import make_private

MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo; larger is refused, not decoded
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


class Attachment(db.Model):
    __tablename__ = "attachment"
    # A random key, not a counter: its order reveals nothing about when it was uploaded.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    size: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str | None] = mapped_column(String(120))
    created_on: Mapped[date] = mapped_column(Date, default=school_today)

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
        label for kind, label in ((IMAGE, "JPG 或 PNG 图片"), (PDF, "PDF"), (OFFICE, "Office 文档"))
        if kind in kinds
    )  # fmt: skip
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
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as image:
            width, height = image.size  # read from the header, before any pixel is decoded
            if width * height > MAX_PIXELS:
                raise UploadError("图片尺寸太大，请缩小后再上传。")
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85, optimize=True)
            image.thumbnail((THUMB_SIDE, THUMB_SIDE))
            thumb = io.BytesIO()
            image.save(thumb, "JPEG", quality=80)
            return out.getvalue(), thumb.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadError("图片尺寸太大，请缩小后再上传。") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UploadError(f"无法识别这个文件：只能上传{allowed}。") from error


def store(file_storage, kinds: tuple[str, ...], keep_name: bool = True) -> Attachment:
    """Check and save an uploaded file; the caller adds the returned row to its own record."""
    checked = check(file_storage.read(), kinds)
    attachment = Attachment(
        id=secrets.token_hex(16),
        kind=checked.kind,
        size=len(checked.data),
        original_name=_clean_name(file_storage.filename) if keep_name else None,
    )
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    attachment.path.write_bytes(checked.data)
    if checked.thumbnail:
        attachment.thumb_path.write_bytes(checked.thumbnail)
    make_private(folder, attachment.path, attachment.thumb_path)  # SECURITY.md M: owner only
    return attachment


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
    except UploadError:
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
    """Images inline as JPEG; everything else downloads, never rendered by the browser."""
    path = attachment.thumb_path if thumbnail and attachment.is_image else attachment.path
    response = send_file(
        path,
        mimetype=MIMETYPES[attachment.kind],
        as_attachment=not attachment.is_image,
        download_name=attachment.download_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def delete_file(attachment: Attachment) -> None:
    attachment.path.unlink(missing_ok=True)
    attachment.thumb_path.unlink(missing_ok=True)
