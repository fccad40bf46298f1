"""Staff directory queries, roster import and export."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, or_, select

from intranet.auth.passwords import hash_one_time_password, one_time_password
from intranet.auth.permissions import PERMISSIONS
from intranet.extensions import db
from intranet.people.forms import USERNAME_PATTERN
from intranet.people.models import CAMPUSES, GENDERS, POLITICAL_STATUSES, ROLES, Staff
from intranet.spreadsheets import append, fit_columns, workbook_bytes

FILTERS = ("political_status", "subject", "grade_group", "campus", "role")
MAX_ROSTER_ROWS = 2000
# A 2,000-row roster unpacks to about 1 MB; allow ten times that for styles and a logo.
MAX_ROSTER_UNPACKED = 10 * 1024 * 1024
MAX_READ_ROWS = 10 * MAX_ROSTER_ROWS  # blank rows included: a sheet formatted far down


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def directory_query(q: str = "", filters: dict | None = None, include_inactive: bool = False):
    """Staff matching a search (name, 工号, pinyin, pinyin initials) and filters, by pinyin."""
    stmt = select(Staff).where(Staff.of_school)  # never a 外聘导师's account
    if not include_inactive:
        stmt = stmt.where(Staff.active)
    for name, value in (filters or {}).items():
        if name in FILTERS and value:
            stmt = stmt.where(getattr(Staff, name) == value)
    q = re.sub(r"\s+", "", q or "")[:40]
    if q:
        low = like_escape(q.lower())
        stmt = stmt.where(
            or_(
                Staff.name.contains(q, autoescape=True),
                func.lower(Staff.username).startswith(low, escape="\\"),
                Staff.pinyin.startswith(low, escape="\\"),
                Staff.pinyin_initials.startswith(low, escape="\\"),
            )
        )
    return stmt.order_by(Staff.pinyin, Staff.username)


def username_taken(username: str, exclude: Staff | None = None) -> bool:
    stmt = select(Staff.id).where(func.lower(Staff.username) == username.lower())
    if exclude is not None:
        stmt = stmt.where(Staff.id != exclude.id)
    return db.session.scalar(stmt) is not None


def create_staff(values: dict) -> tuple[Staff, str]:
    """A new account with a one-time password, returned once for the admin to hand over."""
    password = one_time_password()
    staff = Staff(
        **values, password_hash=hash_one_time_password(password), must_change_password=True
    )
    db.session.add(staff)
    return staff, password


def reset_password(staff: Staff) -> str:
    password = one_time_password()
    staff.password_hash = hash_one_time_password(password)
    staff.must_change_password = True
    staff.end_sessions()
    return password


# --- roster ---------------------------------------------------------------------------------

COLUMNS = {  # header in the file -> attribute
    "工号": "username",
    "姓名": "name",
    "性别": "gender",
    "学科": "subject",
    "年级组": "grade_group",
    "职称": "title",
    "政治面貌": "political_status",
    "原校区": "campus",
    "角色": "role",
}
HEADER_ALIASES = {"校区": "原校区", "用户名": "工号", "账号": "工号"}
STATUS_ALIASES = {
    **{label: code for code, label in POLITICAL_STATUSES.items()},
    "党员": "member",
    "预备党员": "probationary",
    "积极分子": "activist",
    "申请入党": "applicant",
    "团员": "league_member",
    "共青团员（团员）": "league_member",
    "无党派": "independent",
    **dict.fromkeys(
        ("民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "台盟"), "democratic_party"
    ),
}
ROLE_ALIASES = {label: code for code, label in ROLES.items()} | {code: code for code in ROLES}
GENDER_ALIASES = {label: code for code, label in GENDERS.items()}


@dataclass
class RosterRow:
    line: int  # the row number the admin sees in Excel
    values: dict
    errors: list[str] = field(default_factory=list)


class RosterError(ValueError):
    """The file as a whole cannot be read; the message is for the admin."""


def read_roster(filename: str, data: bytes) -> list[dict[str, str]]:
    """Rows of a .xlsx or .csv roster as {header: text}, headers normalised. Reading stops as
    soon as the file has more rows than one import takes, so a huge sheet costs no more than
    that (openpyxl's read-only mode parses rows one at a time as they are asked for)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        if not data.startswith(b"PK"):
            raise RosterError("这个文件不是有效的 Excel（.xlsx）文件。")
        _check_unpacked_size(data)
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                rows = book.active.iter_rows(values_only=True)
                table = _limited(["" if c is None else str(c).strip() for c in row] for row in rows)
            finally:
                book.close()
        except RosterError:
            raise
        except Exception as error:  # openpyxl raises many kinds on a damaged file
            raise RosterError("无法读取这个 Excel 文件，请确认它没有损坏。") from error
    elif name.endswith(".csv"):
        table = _limited([c.strip() for c in row] for row in csv.reader(io.StringIO(_decode(data))))
    else:
        raise RosterError("只支持 .xlsx 或 .csv 格式的名册。")
    if not table:
        raise RosterError("名册是空的。")
    headers = [HEADER_ALIASES.get(h, h) for h in table[0]]
    missing = [h for h in ("工号", "姓名") if h not in headers]
    if missing:
        raise RosterError(f"名册第一行缺少表头：{'、'.join(missing)}。")
    return [dict(zip(headers, row, strict=False)) for row in table[1:]]


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook that unpacks to far more than a roster: openpyxl scans a whole sheet
    for its size when the sheet does not state it, and a zip can unpack a thousandfold."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as error:
        raise RosterError("无法读取这个 Excel 文件，请确认它没有损坏。") from error
    if unpacked > MAX_ROSTER_UNPACKED:
        raise RosterError(
            f"名册文件太大：一次最多导入 {MAX_ROSTER_ROWS} 行，请只保留名册这一张表，删去多余的行。"
        )


def _limited(rows) -> list[list[str]]:
    """The non-empty rows (header first) of a lazily read table, or RosterError as soon as
    there are more than an import takes: the rest of the file is never read."""
    table: list[list[str]] = []
    for read, row in enumerate(rows, start=1):
        if any(row):
            table.append(row)
        if len(table) - 1 > MAX_ROSTER_ROWS or read > MAX_READ_ROWS:
            raise RosterError(f"一次最多导入 {MAX_ROSTER_ROWS} 行，请把名册分成几个文件。")
    return table


def _decode(data: bytes) -> str:
    # Excel on a Chinese Windows PC saves CSV as GB18030 (GBK); newer versions as UTF-8 with BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError("无法识别文件编码，请另存为 UTF-8 的 CSV 或 .xlsx。")


def validate_roster(raw_rows: list[dict[str, str]]) -> list[RosterRow]:
    """Every row with its values mapped to codes and every reason it cannot be imported."""
    existing = {u.lower() for u in db.session.scalars(select(Staff.username))}
    seen: dict[str, int] = {}
    rows = []
    for index, raw in enumerate(raw_rows, start=2):
        row = RosterRow(line=index, values={})

        def get(header, raw=raw):
            return (raw.get(header) or "").strip()

        username, name = get("工号"), get("姓名")
        if not username:
            row.errors.append("缺少工号")
        elif not USERNAME_PATTERN.match(username):
            row.errors.append(f"工号“{username}”格式不对（2–32 位字母、数字、点、横线或下划线）")
        elif username.lower() in existing:
            row.errors.append(f"工号“{username}”已存在")
        elif username.lower() in seen:
            row.errors.append(f"工号“{username}”与第 {seen[username.lower()]} 行重复")
        else:
            seen[username.lower()] = index
        if not name:
            row.errors.append("缺少姓名")
        elif len(name) > 40:
            row.errors.append("姓名太长")
        row.values = {"username": username, "name": name}
        _map(row, get("政治面貌"), STATUS_ALIASES, "political_status", "政治面貌", "non_party")
        _map(row, get("角色"), ROLE_ALIASES, "role", "角色", "teacher")
        _map(row, get("性别"), GENDER_ALIASES, "gender", "性别", None)
        campus = get("原校区")
        if campus and campus not in CAMPUSES:
            row.errors.append(f"未知的原校区“{campus}”（可填：{'、'.join(CAMPUSES)}）")
        row.values["campus"] = campus or None
        birth_year = get("出生年份")
        row.values["birth_year"] = None
        if birth_year:
            if birth_year.isdigit() and 1940 <= int(birth_year) <= 2010:
                row.values["birth_year"] = int(birth_year)
            else:
                row.errors.append(f"出生年份“{birth_year}”不对（请填四位数年份，如 1995）")
        for header, attribute in (
            ("学科", "subject"),
            ("年级组", "grade_group"),
            ("职称", "title"),
        ):
            text = get(header)
            if len(text) > 20:
                row.errors.append(f"{header}太长")
            row.values[attribute] = text or None
        rows.append(row)
    return rows


def _map(row: RosterRow, text: str, aliases: dict, attribute: str, header: str, default):
    if not text:
        row.values[attribute] = default
    elif text in aliases:
        row.values[attribute] = aliases[text]
    else:
        allowed = "、".join(dict.fromkeys(k for k in aliases if not k.isascii()))
        row.errors.append(f"未知的{header}“{text}”（可填：{allowed}）")


def import_rows(rows: list[RosterRow]) -> list[tuple[Staff, str]]:
    """Create every row in one transaction; the caller commits. Returns one-time passwords."""
    return [create_staff(row.values) for row in rows]


def export_workbook(staff: list[Staff]) -> bytes:
    """The directory as .xlsx with the roster's own headers, so it can be edited and re-imported."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "教职工名册"
    append(sheet, list(COLUMNS))
    for person in staff:
        append(
            sheet,
            [
                person.username,
                person.name,
                person.gender_label,
                person.subject or "",
                person.grade_group or "",
                person.title or "",
                person.political_status_label,
                person.campus or "",
                person.role_label,
            ],
        )
    fit_columns(sheet)
    sheet.freeze_panes = "A2"
    return workbook_bytes(workbook)


def keeps_an_admin(staff: Staff, new_role: str | None) -> bool:
    """False when the change would leave no active account that manages accounts (an admin):
    the app needs one to be run."""
    keepers = PERMISSIONS["people.manage"]
    if staff.role not in keepers or new_role in keepers:
        return True
    others = db.session.scalar(
        db.select(db.func.count(Staff.id)).where(
            Staff.role.in_(keepers), Staff.active, Staff.id != staff.id
        )
    )
    return others > 0
