"""Uploaded files: checked by content, images re-encoded, stored under generated names.

A file's name says nothing we trust: an image must open with Pillow as JPEG or PNG and is
re-encoded to JPEG (which drops EXIF, GPS and anything appended after the image data); a PDF
must start with %PDF-. Files live in the instance folder's uploads/, never under static/, each
under a random name; the user's file name is kept only as a label, and only when allowed.
"""

import io
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app, send_file
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from intranet.extensions import db

MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo; larger is refused, not decoded
MAX_SIDE = 2400  # stored images are scaled down to this, which keeps them small and printable
IMAGE = "image"
PDF = "pdf"


class UploadError(ValueError):
    """Why a file was refused, in Chinese, for the field's error message."""


class Attachment(db.Model):
    __tablename__ = "attachment"
    # A random key, not a counter: its order reveals nothing about when it was uploaded.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    size: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str | None] = mapped_column(String(120))
    created_on: Mapped[date] = mapped_column(Date, default=date.today)

    __table_args__ = {"sqlite_with_rowid": False}

    @property
    def is_image(self) -> bool:
        return self.kind == IMAGE

    @property
    def filename(self) -> str:
        return f"{self.id}.{'jpg' if self.is_image else 'pdf'}"

    @property
    def path(self) -> Path:
        return Path(current_app.config["UPLOAD_FOLDER"]) / self.filename

    @property
    def label(self) -> str:
        return self.original_name or ("图片" if self.is_image else "PDF 文件")


@dataclass
class Checked:
    kind: str
    data: bytes


def check(data: bytes, kinds: tuple[str, ...]) -> Checked:
    """The file's bytes made safe to keep, or UploadError saying why not."""
    if not data:
        raise UploadError("文件是空的。")
    allowed = "JPG、PNG 图片或 PDF 文件" if PDF in kinds else "JPG 或 PNG 图片"
    if data.startswith(b"%PDF-"):
        if PDF not in kinds:
            raise UploadError(f"这里不能上传 PDF 文件，只能上传{allowed}。")
        return Checked(PDF, data)
    if IMAGE in kinds:
        return Checked(IMAGE, _reencode(data, allowed))
    raise UploadError(f"只能上传{allowed}。")


def _reencode(data: bytes, allowed: str) -> bytes:
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
            return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadError("图片尺寸太大，请缩小后再上传。") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UploadError(
            "无法识别这个文件：只能上传 JPG 或 PNG 图片（或允许时的 PDF）。"
        ) from error


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
    return attachment


def _clean_name(name: str | None) -> str | None:
    if not name:
        return None
    return Path(name.replace("\\", "/")).name[:120] or None


def serve(attachment: Attachment):
    """Images inline as JPEG; everything else downloads, never rendered by the browser."""
    response = send_file(
        attachment.path,
        mimetype="image/jpeg" if attachment.is_image else "application/pdf",
        as_attachment=not attachment.is_image,
        download_name=attachment.original_name or attachment.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def delete_file(attachment: Attachment) -> None:
    attachment.path.unlink(missing_ok=True)
