"""The roster (教职工名册): the directory exported with its headers, and the import: read a
spreadsheet, compare each row with who is known, preview new / changed / unchanged / refused
rows, and apply what the admin confirmed."""

import csv
import io
import zipfile
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from intranet.auth.permissions import PERMISSIONS
from intranet.clock import school_today
from intranet.extensions import db
from intranet.people import status
from intranet.people.forms import USERNAME_PATTERN
from intranet.people.models import CAMPUSES, GENDERS, POLITICAL_STATUSES, ROLES, Staff
from intranet.people.services import create_staff, keeps_an_admin
from intranet.spreadsheets import append, fit_columns, workbook_bytes

MAX_ROSTER_ROWS = 2000
# A 2,000-row roster unpacks to about 1 MB; allow ten times that for styles and a logo.
MAX_ROSTER_UNPACKED = 10 * 1024 * 1024
MAX_READ_ROWS = 10 * MAX_ROSTER_ROWS  # blank rows included: a sheet formatted far down

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


# What a re-imported roster may change on an existing account, in the preview's order. Never
# the 工号 (the key the school and every login know), the password or the name (a different
# name under a known 工号 is refused: more likely a wrong 工号 than a new name).
UPDATABLE = {
    "gender": "性别",
    "subject": "学科",
    "grade_group": "年级组",
    "title": "职称",
    "political_status": "政治面貌",
    "campus": "原校区",
    "role": "角色",
    "birth_year": "出生年份",
}
ROW_KINDS = ("new", "changed", "unchanged", "refused")
# The header a value comes from: a cell left blank keeps what the account holds.
SOURCE = {"political_status": "政治面貌", "role": "角色", "gender": "性别", "campus": "原校区"}


@dataclass
class RosterRow:
    line: int  # the row number the admin sees in Excel
    values: dict
    errors: list[str] = field(default_factory=list)
    staff_id: int | None = None  # the existing account the row's 工号 names
    changes: dict = field(default_factory=dict)  # attribute -> [stored value, the sheet's]

    @property
    def kind(self) -> str:
        """new, changed, unchanged or refused: how the preview lists the row."""
        if self.errors:
            return "refused"
        if self.staff_id is None:
            return "new"
        return "changed" if self.changes else "unchanged"


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


def validate_roster(raw_rows: list[dict[str, str]], by: Staff | None = None) -> list[RosterRow]:
    """Every row with its values mapped to codes and every reason it cannot be imported. A row
    whose 工号 exists is that account again: its `changes` are the cells that differ from what
    the account holds (a blank cell changes nothing). `by` is the admin importing."""
    people = {p.username.lower(): p for p in db.session.scalars(select(Staff))}
    by_name = {(p.name, p.birth_year): p for p in people.values() if p.birth_year is not None}
    admins = {p.id for p in people.values() if p.active and p.role in PERMISSIONS["people.manage"]}
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
        if not row.errors:
            known = people.get(username.lower())
            if known is not None:
                _compare(row, known, raw, by, admins)
            elif (same := by_name.get((name, row.values["birth_year"]))) is not None:
                row.errors.append(
                    f"姓名和出生年份与现有的{same.name}（工号“{same.username}”）相同，工号却不同："
                    "导入不会修改工号，请核对名册里的工号"
                )
        rows.append(row)
    return rows


def _compare(row: RosterRow, staff: Staff, raw: dict, by: Staff | None, admins: set) -> None:
    """The row names an existing account: what it would change, or why it cannot."""
    row.staff_id = staff.id
    if not staff.active:
        row.errors.append(f"工号“{staff.username}”的账号已停用，请先在名录中启用再导入")
        return
    if row.values["name"] != staff.name:
        row.errors.append(
            f"工号“{staff.username}”是{staff.name}的，与名册中的姓名“{row.values['name']}”不符："
            "请核对工号（改名请在名录中修改）"
        )
        return
    for attribute in UPDATABLE:
        header = SOURCE.get(attribute, UPDATABLE[attribute])
        new, old = row.values[attribute], getattr(staff, attribute)
        if (raw.get(header) or "").strip() and new != old:
            row.changes[attribute] = [old, new]
    yours = by is not None and by.id == staff.id
    if "political_status" in row.changes and yours:
        row.errors.append("自己的政治面貌请由其他管理员登记")
    if "role" in row.changes:
        if yours:
            row.errors.append("不能通过导入修改自己的角色")
        elif staff.id in admins and row.values["role"] not in PERMISSIONS["people.manage"]:
            if admins == {staff.id}:
                row.errors.append("系统至少需要保留一位在用的管理员")
            else:
                admins.discard(staff.id)  # a later row may not demote the last one left


def change_lines(row: RosterRow) -> list[str]:
    """The row's changes as the preview shows them: 学科：语文 → 数学."""
    return [
        f"{UPDATABLE[attribute]}：{_label(attribute, old)} → {_label(attribute, new)}"
        for attribute, (old, new) in row.changes.items()
    ]


def _label(attribute: str, value) -> str:
    labels = {"political_status": POLITICAL_STATUSES, "role": ROLES, "gender": GENDERS}
    if value is None or value == "":
        return "（未填）"
    return str(labels.get(attribute, {}).get(value, value))


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


@dataclass
class Imported:
    created: list[tuple[Staff, str]] = field(default_factory=list)  # with one-time passwords
    updated: list[tuple[Staff, list[str]]] = field(default_factory=list)  # with change_lines
    refused: list[tuple[RosterRow, str]] = field(default_factory=list)  # changed meanwhile


def apply_roster(rows: list[RosterRow], by: Staff | None) -> Imported:
    """Create the new rows and update the changed ones, in the caller's transaction. A change
    is applied only to an account that still holds what the preview compared it with: if
    anyone edited one of those fields since, the row is refused, never overwritten (the
    preview's values are the base, as concurrency.py's three-way save). Political status
    changes go into the history, dated today, with the import as their source; usernames and
    passwords are never touched."""
    done = Imported()
    for staff, password in import_rows([row for row in rows if row.kind == "new"]):
        status.record_new_staff(staff, by, "import")
        done.created.append((staff, password))
    changed = [row for row in rows if row.kind == "changed"]
    people = {
        p.id: p
        for p in db.session.scalars(
            select(Staff).where(Staff.id.in_([r.staff_id for r in changed]))
        )
    }
    for row in changed:
        staff = people.get(row.staff_id)
        moved = [
            a for a, (old, _) in row.changes.items() if staff is None or getattr(staff, a) != old
        ]
        if moved:
            fields = "、".join(UPDATABLE[a] for a in moved)
            done.refused.append((row, f"预览之后有人修改了此人的{fields}，这一行没有更新"))
            continue
        if not keeps_an_admin(staff, row.changes.get("role", [None, staff.role])[1]):
            done.refused.append((row, "系统至少需要保留一位在用的管理员"))
            continue
        for attribute, (_, new) in row.changes.items():
            if attribute != "political_status":
                setattr(staff, attribute, new)
        if "political_status" in row.changes:
            status.record_change(
                staff, row.values["political_status"], school_today(), by, "import"
            )
        done.updated.append((staff, change_lines(row)))
    return done


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
