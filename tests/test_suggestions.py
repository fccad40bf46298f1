"""The suggestion box: writing, receipts, the leaders' work, support, and the anonymity promise."""

import hashlib
import hmac
import io
import json
import logging
import re
import sqlite3
import time as clock_time
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape
from PIL import Image

from intranet.extensions import db
from intranet.people.models import Staff
from intranet.schedule.models import Semester
from intranet.suggestions import services
from intranet.suggestions.models import AnonymousSuggestion, Reply, Suggestion, Support
from tests.conftest import START, TEST_SECRET, csrf_token, htmx, login_as

RECEIPT = re.compile(r'<code id="receipt-code">(.+?)</code>')
BEIJING = ZoneInfo("Asia/Shanghai")
# 07:00 the morning after the tests' day: yesterday's anonymous suggestions reach the leaders.
NEXT_MORNING = datetime.combine(START.date() + timedelta(days=1), time(7), tzinfo=BEIJING)


@pytest.fixture
def people(make_staff):
    return {
        "teacher": make_staff(username="canary-user", name="金丝雀"),
        "other": make_staff(username="t2", name="另一位老师"),
        "leader": make_staff(role="leader", username="principal", name="周校长"),
    }


def as_user(app, staff_id):
    client = app.test_client()
    login_as(client, app, staff_id)
    client.token = csrf_token(client, "/suggestions/new")
    return client


def post(client, url, data=None, **kwargs):
    headers = htmx(**{"X-CSRFToken": client.token}, **kwargs.pop("headers", {}))
    return client.post(url, data=data or {}, headers=headers, **kwargs)


def submit(client, identity="anonymous", environ_base=None, headers=None, **fields):
    data = {
        "category": "activities",
        "title": "活动太多",
        "body": "希望减少重复的听课活动。",
        "identity": identity,
        **fields,
    }
    return post(
        client,
        "/suggestions",
        data,
        content_type="multipart/form-data",
        environ_base=environ_base or {},
        headers=headers or {},
    )


def receipt_of(response) -> str:
    return re.sub("<[^>]+>", "", RECEIPT.search(response.get_data(as_text=True)).group(1))


# --- writing ---------------------------------------------------------------------------


def test_named_suggestion_shows_in_my_suggestions(app, people):
    teacher = as_user(app, people["teacher"])
    r = submit(teacher, identity="named")
    assert r.status_code == 200 and "建议已收到" in r.get_data(as_text=True)
    assert b"<html" not in r.data
    mine = teacher.get("/suggestions/mine").get_data(as_text=True)
    assert "活动太多" in mine and "待处理" in mine
    other = as_user(app, people["other"])
    assert "活动太多" not in other.get("/suggestions/mine").get_data(as_text=True)


def test_anonymous_suggestion_gives_a_receipt_once(app, people):
    teacher = as_user(app, people["teacher"])
    r = submit(teacher)
    receipt = receipt_of(r)
    assert re.fullmatch(r"([A-Z2-9]{5}-){4}[A-Z2-9]{5}", receipt)
    with app.app_context():
        stored = db.session.scalar(db.select(AnonymousSuggestion))
        assert receipt.replace("-", "") not in stored.receipt_hash
        assert stored.receipt_hash.startswith("scrypt:")
    assert "活动太多" not in teacher.get("/suggestions/mine").get_data(as_text=True)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"title": ""}, "请写一个标题。"),
        ({"title": "   "}, "请写一个标题。"),
        ({"body": " \n "}, "请写下您的建议。"),
        ({"title": "题" * 101}, "标题不能超过 100 个字。"),
        ({"body": "字" * 5001}, "内容不能超过 5000 个字"),
        ({"category": "gossip"}, "不是有效的选择"),
        ({"identity": "somebody-else"}, "不是有效的选择"),
    ],
)
def test_bad_suggestion_gets_422_and_keeps_the_text(app, people, fields, message):
    teacher = as_user(app, people["teacher"])
    r = submit(teacher, **{"body": "我写了很久的一段话", **fields})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and message in body
    if "body" not in fields:
        assert "我写了很久的一段话" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AnonymousSuggestion.id))) == 0


@pytest.mark.parametrize(
    "text",
    [
        '<b hx-get="/logout" hx-trigger="load">点我</b>',
        "<script>alert(1)</script>",
        "🌟✨🎉 emoji 也可以",
        "  前后有空格  ",
        "第一行\n第二行\n\n第四行",
    ],
)
def test_any_text_is_stored_as_typed_and_shown_escaped(app, people, text):
    teacher = as_user(app, people["teacher"])
    submit(teacher, identity="named", title="标题", body=text)
    with app.app_context():
        assert db.session.scalar(db.select(Suggestion.body)) == text
    leader = as_user(app, people["leader"])
    with app.app_context():
        ref = db.session.scalar(db.select(Suggestion)).ref
    for client, page in ((leader, f"/suggestions/{ref}"), (teacher, "/suggestions/mine")):
        body = client.get(page).get_data(as_text=True)
        assert str(escape(text)) in body
        assert "<script>alert" not in body and '<b hx-get="/logout"' not in body


# --- tracking by receipt ---------------------------------------------------------------


def test_receipt_opens_its_own_suggestion_and_allows_an_anonymous_follow_up(app, people):
    teacher = as_user(app, people["teacher"])
    receipt = receipt_of(submit(teacher))
    submit(teacher, title="另一条匿名建议")
    r = teacher.post(
        "/suggestions/track",
        data={"receipt": receipt.lower().replace("-", " "), "csrf_token": teacher.token},
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "活动太多" in body and "另一条匿名建议" not in body
    r = post(
        teacher,
        "/suggestions/track/follow-up",
        {"receipt": receipt, "body": "补充：周三下午最合适。"},
    )
    assert r.status_code == 200 and "周三下午最合适" in r.get_data(as_text=True)
    with app.app_context():
        reply = db.session.scalar(db.select(Reply))
        assert reply.author_id is None and reply.is_follow_up


@pytest.mark.parametrize("guess", ["", "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", "short", "x" * 61])
def test_wrong_receipts_open_nothing(app, people, guess):
    teacher = as_user(app, people["teacher"])
    submit(teacher)
    r = teacher.post("/suggestions/track", data={"receipt": guess, "csrf_token": teacher.token})
    assert r.status_code in (404, 422)
    assert "活动太多" not in r.get_data(as_text=True)


def test_a_receipt_with_a_wrong_secret_part_opens_nothing(app, people):
    teacher = as_user(app, people["teacher"])
    receipt = receipt_of(submit(teacher))
    forged = receipt[:12] + ("A" if receipt[12] != "A" else "B") + receipt[13:]
    r = teacher.post("/suggestions/track", data={"receipt": forged, "csrf_token": teacher.token})
    assert r.status_code == 404


def test_guessing_receipts_is_rate_limited(app, people):
    teacher = as_user(app, people["teacher"])
    codes = [
        teacher.post(
            "/suggestions/track", data={"receipt": f"GUESS-{i:05d}", "csrf_token": teacher.token}
        ).status_code
        for i in range(11)
    ]
    assert codes[-1] == 429 and 429 not in codes[:10]


# --- the leaders' box ------------------------------------------------------------------


def test_teachers_cannot_read_the_box_or_its_notes(app, people):
    teacher = as_user(app, people["teacher"])
    submit(teacher, identity="named")
    with app.app_context():
        ref = db.session.scalar(db.select(Suggestion)).ref
    other = as_user(app, people["other"])
    assert other.get("/suggestions").status_code == 403
    r = other.get(f"/suggestions/{ref}", headers=htmx())
    assert r.status_code == 403 and "活动太多" not in r.get_data(as_text=True)
    assert post(other, f"/suggestions/{ref}/notes", {"note-body": "x"}).status_code == 403


def test_leader_replies_and_moves_status_along(app, people, travel):
    teacher = as_user(app, people["teacher"])
    receipt = receipt_of(submit(teacher))
    travel(NEXT_MORNING)
    leader = as_user(app, people["leader"])
    with app.app_context():
        ref = db.session.scalar(db.select(AnonymousSuggestion)).ref
    r = post(leader, f"/suggestions/{ref}/replies", {"reply-body": "收到，下周讨论。"})
    assert r.status_code == 200 and "处理中" in r.get_data(as_text=True)  # a reply starts the work
    r = post(leader, f"/suggestions/{ref}/status", {"status": "declined", "reason": ""})
    assert r.status_code == 422 and "需要写明原因" in r.get_data(as_text=True)
    r = post(leader, f"/suggestions/{ref}/status", {"status": "done"})
    assert r.status_code == 422 and "不能从“处理中”改为" in r.get_data(as_text=True)
    r = post(leader, f"/suggestions/{ref}/status", {"status": "adopted"})
    assert r.status_code == 200 and "已采纳" in r.get_data(as_text=True)
    tracked = teacher.post(
        "/suggestions/track", data={"receipt": receipt, "csrf_token": teacher.token}
    )
    body = tracked.get_data(as_text=True)
    assert "收到，下周讨论。" in body and "已采纳" in body and "周校长" in body


def test_private_notes_never_reach_the_author(app, people):
    teacher = as_user(app, people["teacher"])
    submit(teacher, identity="named")
    leader = as_user(app, people["leader"])
    with app.app_context():
        ref = db.session.scalar(db.select(Suggestion)).ref
    post(leader, f"/suggestions/{ref}/notes", {"note-body": "内部：先问后勤"})
    assert "内部：先问后勤" in leader.get(f"/suggestions/{ref}").get_data(as_text=True)
    assert "内部：先问后勤" not in teacher.get("/suggestions/mine").get_data(as_text=True)


def test_duplicate_is_merged_into_the_original(app, people, travel):
    teacher = as_user(app, people["teacher"])
    receipt = receipt_of(submit(teacher, title="重复的建议"))
    submit(teacher, identity="named", title="原来的建议")
    travel(NEXT_MORNING)
    leader = as_user(app, people["leader"])
    with app.app_context():
        dup = db.session.scalar(db.select(AnonymousSuggestion)).ref
        original = db.session.scalar(db.select(Suggestion)).ref
    r = post(leader, f"/suggestions/{dup}/duplicate", {"original": original})
    assert r.status_code == 200
    box = leader.get("/suggestions", headers=htmx()).get_data(as_text=True)
    assert "原来的建议" in box and "重复的建议" not in box
    assert "有 1 条相同的建议合并到了这里" in leader.get(f"/suggestions/{original}").get_data(
        as_text=True
    )
    tracked = teacher.post(
        "/suggestions/track", data={"receipt": receipt, "csrf_token": teacher.token}
    )
    assert "已合并处理" in tracked.get_data(as_text=True)
    assert (
        post(leader, f"/suggestions/{original}/duplicate", {"original": original}).status_code
        == 422
    )


def test_box_filters_by_status_category_and_kind(app, people, travel):
    teacher = as_user(app, people["teacher"])
    submit(teacher, title="匿名的", category="logistics")
    submit(teacher, identity="named", title="实名的", category="party")
    travel(NEXT_MORNING)
    leader = as_user(app, people["leader"])

    def titles(q):
        return re.findall(
            r"<strong>([^<]+)</strong>",
            leader.get("/suggestions", query_string=q, headers=htmx()).get_data(as_text=True),
        )

    assert sorted(titles({})) == ["匿名的", "实名的"]
    assert titles({"kind": "anonymous"}) == ["匿名的"]
    assert titles({"category": "party"}) == ["实名的"]
    assert titles({"status": "done"}) == []


def test_statistics_count_open_replies_and_adoption(app, people):
    teacher = as_user(app, people["teacher"])
    for title in ("一", "二", "三"):
        submit(teacher, identity="named", title=title)
    leader = as_user(app, people["leader"])
    with app.app_context():
        refs = [s.ref for s in db.session.scalars(db.select(Suggestion).order_by(Suggestion.title))]
    post(leader, f"/suggestions/{refs[0]}/replies", {"reply-body": "好"})
    post(leader, f"/suggestions/{refs[0]}/status", {"status": "adopted"})
    post(leader, f"/suggestions/{refs[1]}/status", {"status": "declined", "reason": "经费不足"})
    with app.app_context():
        stats = services.stats()
    assert stats["open"] == 1 and stats["adopted_share"] == 0.5
    assert stats["median_days_to_reply"] == 0 and stats["unanswered"] == 2


# --- public suggestions and support ----------------------------------------------------


def test_public_suggestion_can_be_supported_once_and_nobody_sees_who(app, people):
    teacher = as_user(app, people["teacher"])
    submit(teacher, identity="named")
    leader = as_user(app, people["leader"])
    with app.app_context():
        ref = db.session.scalar(db.select(Suggestion)).ref
    other = as_user(app, people["other"])
    assert post(other, f"/suggestions/{ref}/support").status_code == 404  # not public yet
    post(leader, f"/suggestions/{ref}/public")
    assert "活动太多" in other.get("/suggestions/public").get_data(as_text=True)
    assert "1 人支持" in post(other, f"/suggestions/{ref}/support").get_data(as_text=True)
    assert "1 人支持" in post(other, f"/suggestions/{ref}/support").get_data(as_text=True)
    assert "2 人支持" in post(leader, f"/suggestions/{ref}/support").get_data(as_text=True)
    with app.app_context():
        keys = db.session.scalars(db.select(Support.supporter)).all()
    assert len(keys) == 2
    assert not any(str(people["other"]) == k or "t2" in k for k in keys)
    assert "另一位老师" not in leader.get(f"/suggestions/{ref}").get_data(as_text=True)


# --- attachments -----------------------------------------------------------------------


def jpeg_with_exif_and_tail() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x013B] = "CANARY-AUTHOR"  # Artist
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue() + b"<script>CANARY-TAIL</script>"


def test_anonymous_image_is_re_encoded_without_metadata(app, people):
    teacher = as_user(app, people["teacher"])
    r = submit(teacher, attachment=(io.BytesIO(jpeg_with_exif_and_tail()), "张三的照片.jpg"))
    assert r.status_code == 200
    with app.app_context():
        item = db.session.scalar(db.select(AnonymousSuggestion))
        stored = item.attachment.content  # kept in the row: no file records the hour
        assert item.attachment.original_name is None
        assert re.fullmatch(r"[0-9a-f]{32}", item.attachment.id)
    assert b"CANARY-AUTHOR" not in stored and b"CANARY-TAIL" not in stored
    assert Image.open(io.BytesIO(stored)).format == "JPEG"


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"%PDF-1.4 author: me", "建议.pdf", "只能上传JPG 或 PNG 图片"),
        (b"<html>hi</html>", "photo.jpg", "无法识别这个文件"),
        (b"SIMPLE  =                    T", "sky.jpg", "无法识别这个文件"),
    ],
)
def test_bad_anonymous_attachment_is_refused_and_text_kept(app, people, content, name, message):
    teacher = as_user(app, people["teacher"])
    r = submit(teacher, body="我的长篇建议", attachment=(io.BytesIO(content), name))
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and message in body and "我的长篇建议" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AnonymousSuggestion.id))) == 0


def test_named_suggestion_may_attach_a_pdf_which_downloads(app, people):
    teacher = as_user(app, people["teacher"])
    r = submit(teacher, identity="named", attachment=(io.BytesIO(b"%PDF-1.4 plan"), "方案.pdf"))
    assert r.status_code == 200
    with app.app_context():
        ref = db.session.scalar(db.select(Suggestion)).ref
    download = teacher.get(f"/suggestions/{ref}/attachment")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 plan"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert as_user(app, people["other"]).get(f"/suggestions/{ref}/attachment").status_code == 403


def test_huge_image_dimensions_are_refused(app, people):
    image = Image.new("1", (20000, 20000))
    out = io.BytesIO()
    image.save(out, "PNG")
    teacher = as_user(app, people["teacher"])
    r = submit(teacher, attachment=(io.BytesIO(out.getvalue()), "big.png"))
    assert r.status_code == 422 and "图片尺寸太大" in r.get_data(as_text=True)


# --- the anonymity promise (SECURITY.md L) ---------------------------------------------

CANARY_IP = "10.99.88.77"
CANARY_UA = "CanaryBrowser/9.9"


def dump(path: Path) -> dict[str, set]:
    connection = sqlite3.connect(path)
    try:
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return {t: set(connection.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables} | {
            "sqlite_master": set(connection.execute("SELECT * FROM sqlite_master").fetchall())
        }
    finally:
        connection.close()


@pytest.mark.sqlite_only
def test_anonymous_post_writes_exactly_one_row_that_names_nobody(app, people):
    teacher = as_user(app, people["teacher"])
    with app.app_context():
        token = db.session.get(Staff, people["teacher"]).session_token
    database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    before = dump(database)
    r = submit(teacher, environ_base={"REMOTE_ADDR": CANARY_IP}, headers={"User-Agent": CANARY_UA})
    assert r.status_code == 200
    after = dump(database)
    changed = {t: after[t] - before.get(t, set()) for t in after if after[t] != before.get(t)}
    assert list(changed) == ["anonymous_suggestion"]
    (row,) = changed["anonymous_suggestion"]
    text = repr(row)
    for canary in ("canary-user", "金丝雀", token, CANARY_IP, CANARY_UA):
        assert canary not in text
    with sqlite3.connect(database) as connection:
        columns = [c[1] for c in connection.execute("PRAGMA table_info(anonymous_suggestion)")]
    identifying = {"author", "staff", "user", "ip", "agent", "time", "at"}
    assert not [c for c in columns if identifying & set(c.split("_"))]
    assert not re.search(r"\d{2}:\d{2}", text), "a time of day was stored"
    with sqlite3.connect(database) as connection, pytest.raises(sqlite3.OperationalError):
        connection.execute("SELECT rowid FROM anonymous_suggestion")


def test_anonymous_post_logs_nothing_that_identifies(app, people, caplog):
    teacher = as_user(app, people["teacher"])
    with caplog.at_level(logging.DEBUG):
        r = submit(
            teacher, environ_base={"REMOTE_ADDR": CANARY_IP}, headers={"User-Agent": CANARY_UA}
        )
        assert r.status_code == 200
        teacher.post("/suggestions/track", data={"receipt": "X", "csrf_token": teacher.token})
    for canary in ("canary-user", "金丝雀", CANARY_IP, CANARY_UA):
        assert canary not in caplog.text


def test_anonymous_response_carries_no_id_and_no_flash(app, people):
    teacher = as_user(app, people["teacher"])
    r = submit(teacher)
    with app.app_context():
        key = db.session.scalar(db.select(AnonymousSuggestion.id))
    assert key not in r.get_data(as_text=True).replace(receipt_of(r).replace("-", ""), "")
    assert not any(key in value for value in r.headers.values())
    assert "Location" not in r.headers
    with teacher.session_transaction() as session:
        assert "_flashes" not in session and key not in repr(dict(session))


def test_suggestion_pages_are_not_cached_and_forms_do_not_autocomplete(app, people):
    teacher = as_user(app, people["teacher"])
    r = teacher.get("/suggestions/new")
    body = r.get_data(as_text=True)
    assert r.headers["Cache-Control"] == "no-store"
    assert 'hx-history="false"' in body and 'autocomplete="off"' in body
    assert "不记录是谁提交的" in body and "可能猜到是您" in body


def test_leaders_see_no_order_beyond_the_date(app, people, travel):
    teacher = as_user(app, people["teacher"])
    for i in range(6):
        submit(teacher, title=f"第{i}条")
    travel(NEXT_MORNING)
    leader = as_user(app, people["leader"])
    with app.app_context():
        keys = sorted(db.session.scalars(db.select(AnonymousSuggestion.id)))
        titles_by_key = [db.session.get(AnonymousSuggestion, k).title for k in keys]
    shown = re.findall(
        r"<strong>([^<]+)</strong>",
        leader.get("/suggestions", headers=htmx()).get_data(as_text=True),
    )
    assert shown == titles_by_key  # ordered by random key within the day, not by arrival


# --- the receipt and the ids leaders see (SECURITY.md L) --------------------------------

ID_IN_ATTRIBUTE = re.compile(r'(?:id|href|hx-get|hx-post|hx-target|value|for|name)="([^"]*)"')
REF = re.compile(r"\b[an]-[0-9A-Za-z]+")


def ids_in(page: str) -> set[str]:
    return set(ID_IN_ATTRIBUTE.findall(page)) | set(REF.findall(page))


def shares_six(a: str, b: str) -> bool:
    a, b = (text.replace("-", "").upper() for text in (a, b))
    return any(a[i : i + 6] in b for i in range(len(a) - 5))


def test_receipt_shares_nothing_with_any_id_leaders_see_L(app, people, travel):
    teacher = as_user(app, people["teacher"])
    photo = (io.BytesIO(jpeg_with_exif_and_tail()), "photo.jpg")
    receipts = [receipt_of(submit(teacher, title="第一条", attachment=photo))]
    receipts += [receipt_of(submit(teacher, title=f"第{n}条")) for n in ("二", "三")]
    submit(teacher, identity="named", title="实名的")
    travel(NEXT_MORNING)
    leader = as_user(app, people["leader"])
    urls = ["/suggestions"]
    box = leader.get("/suggestions").get_data(as_text=True)
    refs = sorted(set(re.findall(r"/suggestions/(a-[0-9A-Za-z]+)", box)))
    assert len(refs) == 3
    post(leader, f"/suggestions/{refs[1]}/duplicate", {"original": refs[0]})
    urls += [f"/suggestions/{ref}" for ref in refs] + ["/suggestions", "/suggestions/public"]
    seen = set(urls)
    for url in urls:
        page = leader.get(url).get_data(as_text=True)
        seen |= ids_in(page)
    assert f"（{refs[0]}）" in leader.get(f"/suggestions/{refs[1]}").get_data(as_text=True)
    assert any("/attachment" in value for value in seen)
    for receipt in receipts:
        assert not [value for value in seen if shares_six(receipt, value)], receipt


# Receipts handed out before 0009 began with their row's key, the one in leaders' URLs. Fixed
# values with a non-hex letter in every six characters, so no random hex key can match by chance.
OLD_KEY, OLD_SECRET = "KWZRMTXHNP", "QGLVSYUJ7ZKRWTM"
OLD_RECEIPT = services.format_receipt(OLD_KEY + OLD_SECRET)  # the 0008 recipe: key + secret
DUPLICATE_KEY = "HJKLMNPQRS"


def database_at_0008_with_an_old_receipt(tmp_path):
    """An app whose database stands at 0008 and holds what the box had then: an anonymous
    suggestion with an old receipt and everything that named its key."""
    from flask_migrate import upgrade

    from intranet import create_app
    from tests.conftest import make_config

    app = create_app(make_config(tmp_path))
    old_ref = f"a-{OLD_KEY}"
    with app.app_context():
        upgrade(revision="0008")
    with sqlite3.connect(tmp_path / "studio.db") as raw:
        raw.executemany(
            "INSERT INTO staff (id, username, name, pinyin, pinyin_initials, political_status,"
            " role, active, must_change_password, session_token, ical_token, created_at)"
            " VALUES (?, ?, ?, '', '', 'member', ?, 1, 0, ?, ?, '2026-09-01 08:00:00')",
            [
                (1, "t1", "金丝雀", "teacher", "s-1", "i-1"),
                (2, "boss", "周校长", "leader", "s-2", "i-2"),
            ],
        )
        raw.executemany(
            "INSERT INTO anonymous_suggestion (id, receipt_hash, category, title, body, status,"
            " is_public, duplicate_of, created_on) VALUES (?, ?, 'other', ?, ?, ?, ?, ?, ?)",
            [
                (
                    OLD_KEY,
                    services.generate_password_hash(OLD_SECRET, "scrypt:32768:8:1"),
                    "旧回执的建议",
                    "去年写的。",
                    "in_progress",
                    1,
                    None,
                    "2026-10-09",
                ),
                (
                    DUPLICATE_KEY,
                    services.generate_password_hash("X" * 15, "scrypt:32768:8:1"),
                    "重复的匿名建议",
                    "同上。",
                    "pending",
                    0,
                    old_ref,
                    "2026-10-10",
                ),
            ],
        )
        raw.execute(
            "INSERT INTO suggestion (id, author_id, category, title, body, status, is_public,"
            " duplicate_of, created_on) VALUES ('named1', 1, 'other', '重复的实名建议', '同上。',"
            " 'pending', 0, ?, '2026-10-11')",
            (old_ref,),
        )
        raw.execute(
            "INSERT INTO suggestion_reply (id, anonymous_id, position, author_id, is_follow_up,"
            " body, created_on) VALUES ('r1', ?, 1, 2, 0, '收到，正在商量。', '2026-10-12')",
            (OLD_KEY,),
        )
        raw.execute(
            "INSERT INTO suggestion_status_change (anonymous_id, old_status, new_status,"
            " changed_by_id, changed_at) VALUES (?, 'pending', 'in_progress', 2,"
            " '2026-10-12 02:00:00')",
            (OLD_KEY,),
        )
        raw.execute(
            "INSERT INTO suggestion_note (anonymous_id, author_id, body, created_at)"
            " VALUES (?, 2, '下周行政会讨论。', '2026-10-12 02:05:00')",
            (OLD_KEY,),
        )
        raw.execute(
            "INSERT INTO suggestion_support (thread, supporter) VALUES (?, 'someone')", (old_ref,)
        )
    return app


@pytest.mark.sqlite_only
def test_an_old_receipt_opens_its_suggestion_after_the_upgrade_and_takes_a_follow_up_L(tmp_path):
    from flask_migrate import upgrade

    app = database_at_0008_with_an_old_receipt(tmp_path)
    with app.app_context():
        upgrade()
    teacher = as_user(app, 1)
    r = teacher.post(
        "/suggestions/track", data={"receipt": OLD_RECEIPT, "csrf_token": teacher.token}
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "旧回执的建议" in page and "收到，正在商量。" in page
    r = post(
        teacher, "/suggestions/track/follow-up", {"receipt": OLD_RECEIPT, "body": "还有一点。"}
    )
    assert r.status_code == 200 and "还有一点。" in r.get_data(as_text=True)
    forged = services.format_receipt(OLD_KEY + OLD_SECRET[:-1] + "A")
    r = teacher.post("/suggestions/track", data={"receipt": forged, "csrf_token": teacher.token})
    assert r.status_code == 404
    with app.app_context():
        item = services.find_by_receipt(OLD_RECEIPT)
        assert [(r.body, r.is_follow_up) for r in services.replies(item)] == [
            ("收到，正在商量。", False),
            ("还有一点。", True),
        ]
    db_engine_dispose(app)


@pytest.mark.sqlite_only
def test_after_the_upgrade_no_leader_page_shares_anything_with_an_old_receipt_L(tmp_path):
    from flask_migrate import upgrade

    app = database_at_0008_with_an_old_receipt(tmp_path)
    with app.app_context():
        upgrade()
        refs = [item.ref for item in db.session.scalars(db.select(AnonymousSuggestion))]
        original = services.find_by_receipt(OLD_RECEIPT).ref
    leader = as_user(app, 2)
    urls = ["/", "/suggestions", "/suggestions/public", "/suggestions?kind=anonymous"]
    urls += [f"/suggestions/{ref}" for ref in [*refs, "n-named1"]]
    seen = list(urls)
    for url in urls:
        r = leader.get(url)
        assert r.status_code == 200, url
        seen.append(r.get_data(as_text=True))
    duplicate = leader.get(f"/suggestions/{next(r for r in refs if r != original)}")
    assert f"已合并到另一条建议（{original}）" in duplicate.get_data(as_text=True)
    assert "下周行政会讨论。" in leader.get(f"/suggestions/{original}").get_data(as_text=True)
    assert not [text[:80] for text in seen if shares_six(OLD_RECEIPT, text)]
    db_engine_dispose(app)
    # Nothing in the file keeps the old key: the rows were moved and the old one overwritten.
    assert OLD_KEY.encode() not in (tmp_path / "studio.db").read_bytes()


@pytest.mark.sqlite_only
def test_the_upgrade_moves_every_reference_to_the_new_key_L(tmp_path):
    from flask_migrate import upgrade

    app = database_at_0008_with_an_old_receipt(tmp_path)
    with app.app_context():
        upgrade()
        item = services.find_by_receipt(OLD_RECEIPT)
        duplicate = db.session.scalar(
            db.select(AnonymousSuggestion).where(AnonymousSuggestion.id != item.id)
        )
        assert item.title == "旧回执的建议" and item.status == "in_progress" and item.is_public
        assert OLD_KEY not in item.ref and DUPLICATE_KEY not in duplicate.ref
        assert item.receipt_lookup == services.lookup_digest(OLD_KEY)
        assert duplicate.receipt_lookup == services.lookup_digest(DUPLICATE_KEY)
        assert [r.body for r in services.replies(item)] == ["收到，正在商量。"]
        assert [n.body for n in services.notes(item)] == ["下周行政会讨论。"]
        assert [(c.old_status, c.new_status) for c in services.history(item)] == [
            ("pending", "in_progress")
        ]
        assert services.support_counts([item]) == {item.ref: 1}
        assert duplicate.duplicate_of == item.ref
        assert db.session.get(Suggestion, "named1").duplicate_of == item.ref
        assert services.duplicates_of(item) == 2
        dump = "\n".join(db.session.connection().connection.dbapi_connection.iterdump())
        assert OLD_KEY not in dump and DUPLICATE_KEY not in dump
        violations = db.session.execute(db.text("PRAGMA foreign_key_check")).all()
        assert violations == []
    db_engine_dispose(app)


@pytest.mark.sqlite_only
def test_the_box_upgrade_downgrades_keeping_every_suggestion(tmp_path):
    """Downgrading drops the digests; re-keyed rows keep their new keys and their threads."""
    from flask_migrate import downgrade, upgrade

    app = database_at_0008_with_an_old_receipt(tmp_path)
    with app.app_context():
        upgrade()
        key = services.find_by_receipt(OLD_RECEIPT).id
        downgrade(revision="0008")
        db_engine_dispose(app)
    with sqlite3.connect(tmp_path / "studio.db") as raw:
        assert raw.execute(
            "SELECT id FROM anonymous_suggestion WHERE title = '旧回执的建议'"
        ).fetchall() == [(key,)]
        for table in ("suggestion_reply", "suggestion_status_change", "suggestion_note"):
            assert raw.execute(f"SELECT anonymous_id FROM {table}").fetchall() == [(key,)]
        assert raw.execute("SELECT thread FROM suggestion_support").fetchall() == [(f"a-{key}",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    raw.close()


def db_engine_dispose(app):
    with app.app_context():
        db.engine.dispose()


def test_a_receipt_that_finds_nothing_costs_the_same_slow_hash_L(app, people, monkeypatch):
    """A lookup part that matches no row is checked against a hash as slow as a real one, so
    the response time does not tell whether that lookup part exists."""
    receipt = receipt_of(submit(as_user(app, people["teacher"])))
    checked = []

    def check(stored, secret):
        checked.append(stored.split("$")[0])
        return real_check(stored, secret)

    real_check = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", check)
    miss = services.format_receipt("ABCDEFGHJK" + receipt.replace("-", "")[10:])
    with app.app_context():
        stored = db.session.scalar(db.select(AnonymousSuggestion.receipt_hash))
        assert services.find_by_receipt(miss) is None
        assert services.find_by_receipt(receipt) is not None
    assert checked == [stored.split("$")[0]] * 2 == [app.config["RECEIPT_HASH_METHOD"]] * 2


def test_receipts_are_hashed_slowly_unless_configured_otherwise_L(make_app):
    """The tests hash receipts fast; a school's server hashes them as slowly as before."""
    app = make_app()
    del app.config["RECEIPT_HASH_METHOD"]
    with app.test_request_context():
        receipt = services.submit_anonymous(
            {"category": "other", "title": "慢哈希", "body": "回执只存慢哈希。"}
        )
        db.session.commit()
        stored = db.session.scalar(db.select(AnonymousSuggestion.receipt_hash))
        assert stored.startswith("scrypt:32768:8:1$")
        assert services.find_by_receipt(receipt) is not None


# --- dates are the school's -------------------------------------------------------------


def test_replies_and_follow_ups_sent_before_dawn_are_dated_that_school_day(app, people, travel):
    teacher = as_user(app, people["teacher"])
    leader = as_user(app, people["leader"])
    travel(datetime(2026, 12, 1, 4, 35, tzinfo=BEIJING))  # still 30 November in UTC
    receipt = receipt_of(submit(teacher))
    submit(teacher, identity="named", title="实名的")
    with app.app_context():
        named = db.session.scalar(db.select(Suggestion))
        ref, key = named.ref, named.id
    post(teacher, "/suggestions/track/follow-up", {"receipt": receipt, "body": "匿名补充"})
    post(teacher, f"/suggestions/mine/{key}/follow-up", {"body": "实名补充"})
    post(leader, f"/suggestions/{ref}/replies", {"reply-body": "校领导的回复"})
    with app.app_context():
        dates = db.session.scalars(db.select(Reply.created_on)).all()
    assert dates == [date(2026, 12, 1)] * 3


# --- anonymous items reach leaders in daily batches (SECURITY.md L) ----------------------


def leader_counts(app, leader) -> dict:
    """What a leader learns of the box: its list, its counts, the dashboard's panel."""
    box = leader.get("/suggestions").get_data(as_text=True)
    dashboard = leader.get("/dashboard").get_data(as_text=True)
    panel = dashboard[dashboard.index("<h2>建议箱</h2>") :]
    with app.app_context():
        stats = services.stats()
    return {
        "titles": sorted(re.findall(r"<strong>([^<]+)</strong>", box)),
        "listed": re.search(r"共 (\d+) 条", box).group(1),
        "stats": (stats["total"], stats["open"], stats["unanswered"]),
        "dashboard_open": re.search(r'stat-value">(\d+)<', panel).group(1),
    }


@pytest.mark.parametrize(
    "moment, shown",
    [
        (datetime(2026, 11, 18, 23, 59, tzinfo=BEIJING), False),
        (datetime(2026, 11, 19, 6, 59, tzinfo=BEIJING), False),
        (datetime(2026, 11, 19, 7, 0, tzinfo=BEIJING), True),
    ],
)
def test_anonymous_suggestion_reaches_leaders_only_the_next_morning_L(
    app, people, travel, moment, shown
):
    with app.app_context():
        db.session.add(
            Semester(name="本学期", start=date(2026, 9, 1), end=date(2027, 1, 20), is_current=True)
        )
        db.session.commit()
    teacher = as_user(app, people["teacher"])
    receipt = receipt_of(submit(teacher, title="匿名的"))  # 18 November, 10:00
    submit(teacher, identity="named", title="实名的")
    with app.app_context():
        ref = db.session.scalar(db.select(AnonymousSuggestion)).ref
    travel(moment)
    leader = as_user(app, people["leader"])
    counts = leader_counts(app, leader)
    if shown:
        assert counts == {
            "titles": ["匿名的", "实名的"],
            "listed": "2",
            "stats": (2, 2, 2),
            "dashboard_open": "2",
        }
        assert leader.get(f"/suggestions/{ref}").status_code == 200
    else:
        assert counts == {
            "titles": ["实名的"],
            "listed": "1",
            "stats": (1, 1, 1),
            "dashboard_open": "1",
        }
        assert leader.get(f"/suggestions/{ref}").status_code == 404
        assert post(leader, f"/suggestions/{ref}/replies", {"reply-body": "x"}).status_code == 404
    tracked = teacher.post(
        "/suggestions/track", data={"receipt": receipt, "csrf_token": teacher.token}
    )
    assert tracked.status_code == 200 and "匿名的" in tracked.get_data(as_text=True)


def test_the_batch_hour_is_a_setting(make_app, people, travel):
    app = make_app(BOX_RELEASE_HOUR=9)
    with app.app_context():
        services.submit_anonymous({"category": "other", "title": "匿名的", "body": "内容"})
        db.session.commit()
    travel(datetime(2026, 11, 19, 8, 59, tzinfo=BEIJING))
    with app.app_context():
        assert services.box() == []
    travel(datetime(2026, 11, 19, 9, 0, tzinfo=BEIJING))
    with app.app_context():
        assert [item.title for item in services.box()] == ["匿名的"]


def test_anonymous_follow_up_reaches_leaders_the_next_morning_L(app, people, travel):
    teacher = as_user(app, people["teacher"])
    receipt = receipt_of(submit(teacher))
    submit(teacher, identity="named", title="实名的")
    with app.app_context():
        anonymous = db.session.scalar(db.select(AnonymousSuggestion))
        anonymous.created_on -= timedelta(days=1)  # yesterday's, released this morning
        db.session.commit()
        ref = anonymous.ref
        named = db.session.scalar(db.select(Suggestion))
        named_ref, named_key = named.ref, named.id
    post(teacher, "/suggestions/track/follow-up", {"receipt": receipt, "body": "匿名补充"})
    post(teacher, f"/suggestions/mine/{named_key}/follow-up", {"body": "实名补充"})
    leader = as_user(app, people["leader"])
    assert "匿名补充" not in leader.get(f"/suggestions/{ref}").get_data(as_text=True)
    assert "实名补充" in leader.get(f"/suggestions/{named_ref}").get_data(as_text=True)
    tracked = teacher.post(
        "/suggestions/track", data={"receipt": receipt, "csrf_token": teacher.token}
    )
    assert "匿名补充" in tracked.get_data(as_text=True)  # the author sees it at once
    travel(datetime(2026, 11, 19, 6, 59, tzinfo=BEIJING))
    assert "匿名补充" not in leader.get(f"/suggestions/{ref}").get_data(as_text=True)
    travel(NEXT_MORNING)
    assert "匿名补充" in leader.get(f"/suggestions/{ref}").get_data(as_text=True)


def test_an_anonymous_follow_up_does_not_sit_between_the_days_replies_L(app, people, travel):
    """Leaders reply at 08:00 and 11:00; a follow-up sent at 09:30 must not show where it fell."""
    teacher = as_user(app, people["teacher"])
    receipt = receipt_of(submit(teacher))
    with app.app_context():
        anonymous = db.session.scalar(db.select(AnonymousSuggestion))
        anonymous.created_on -= timedelta(days=1)
        db.session.commit()
        ref = anonymous.ref
    leader = as_user(app, people["leader"])
    for hour, body in ((8, "领导八点的回复"), (11, "领导十一点的回复")):
        if hour == 11:
            travel(datetime(2026, 11, 18, 9, 30, tzinfo=BEIJING))
            post(teacher, "/suggestions/track/follow-up", {"receipt": receipt, "body": "匿名补充"})
        travel(datetime(2026, 11, 18, hour, 0, tzinfo=BEIJING))
        assert post(leader, f"/suggestions/{ref}/replies", {"reply-body": body}).status_code == 200
    travel(NEXT_MORNING)
    page = leader.get(f"/suggestions/{ref}").get_data(as_text=True)
    order = sorted(("领导八点的回复", "领导十一点的回复", "匿名补充"), key=page.index)
    assert order == ["领导八点的回复", "领导十一点的回复", "匿名补充"]
    # Nor in what is stored: the replies are numbered among themselves, the follow-up apart
    # (the replies' status change keeps its time, so a shared count would bracket it).
    with app.app_context():
        stored = {r.body: r.position for r in db.session.scalars(db.select(Reply))}
    assert stored == {"领导八点的回复": 1, "领导十一点的回复": 2, "匿名补充": 1}


def test_the_form_says_when_leaders_see_an_anonymous_suggestion(app, people):
    page = as_user(app, people["teacher"]).get("/suggestions/new").get_data(as_text=True)
    assert "匿名建议在第二天早上 7 点后才会出现在校领导的列表中" in page


# --- supports name nobody (SECURITY.md L) ------------------------------------------------


def public_named_suggestion(app, people) -> str:
    submit(as_user(app, people["teacher"]), identity="named")
    with app.app_context():
        item = db.session.scalar(db.select(Suggestion))
        item.is_public = True
        db.session.commit()
        return item.ref


def test_supporters_cannot_be_named_with_the_database_and_the_secret_key_L(app, people):
    ref = public_named_suggestion(app, people)
    for person in people.values():  # the author supports their own suggestion too
        client = as_user(app, person)
        assert "人支持" in post(client, f"/suggestions/{ref}/support").get_data(as_text=True)
    again = post(as_user(app, people["other"]), f"/suggestions/{ref}/support")
    assert "3 人支持" in again.get_data(as_text=True)
    assert "已经支持过" in json.loads(again.headers["HX-Trigger"])["toast"]["message"]
    with app.app_context():
        stored = set(db.session.scalars(db.select(Support.supporter)))
    assert len(stored) == 3
    secret = TEST_SECRET.encode()
    for staff_id in people.values():
        for message in (f"{staff_id}:{ref}", f"{staff_id}", f"{ref}:{staff_id}"):
            guesses = {
                hmac.new(secret, message.encode(), hashlib.sha256).hexdigest(),
                hashlib.sha256(message.encode()).hexdigest(),
                hashlib.sha256(secret + message.encode()).hexdigest(),
            }
            assert not guesses & stored, f"staff {staff_id} is named by {message}"


def test_a_restart_forgets_who_supported_but_keeps_the_count_L(app, make_app, people):
    """The trade-off the box states: supports are keyed by a secret that dies with the process,
    so after a restart even the app cannot tell who supported (and a person may add one more)."""
    ref = public_named_suggestion(app, people)
    post(as_user(app, people["other"]), f"/suggestions/{ref}/support")
    restarted = make_app()
    page = as_user(restarted, people["other"]).get("/suggestions/public").get_data(as_text=True)
    assert "1 人支持" in page and "已支持" not in page


@pytest.mark.sqlite_only
def test_upgrading_forgets_who_supported_and_keeps_every_count_L(tmp_path):
    from flask_migrate import upgrade

    from intranet import create_app
    from tests.conftest import make_config

    app = create_app(make_config(tmp_path))
    old_key = hmac.new(TEST_SECRET.encode(), b"7:n-abc", hashlib.sha256).hexdigest()
    with app.app_context():
        upgrade(revision="0008")
        with sqlite3.connect(tmp_path / "studio.db") as raw:
            raw.executemany(
                "INSERT INTO suggestion_support (thread, supporter) VALUES (?, ?)",
                [("n-abc", old_key), ("n-abc", "other"), ("a-def", "third")],
            )
        upgrade()
        rows = db.session.execute(db.select(Support.thread, Support.supporter)).all()
        db.engine.dispose()
    assert sorted(thread for thread, _ in rows) == ["a-def", "n-abc", "n-abc"]
    assert not {old_key, "other", "third"} & {supporter for _, supporter in rows}


# --- attachments carry no time (SECURITY.md L) ---------------------------------------------------


def test_anonymous_attachment_downloads_without_a_time_of_day_L(app, people, travel):
    teacher = as_user(app, people["teacher"])
    submit(teacher, attachment=(io.BytesIO(jpeg_with_exif_and_tail()), "photo.jpg"))
    with app.app_context():
        item = db.session.scalar(db.select(AnonymousSuggestion))
        ref = item.ref
    travel(NEXT_MORNING)
    from intranet import clock

    r = as_user(app, people["leader"]).get(f"/suggestions/{ref}/attachment")
    assert r.status_code == 200 and r.data[:2] == b"\xff\xd8"
    assert "Last-Modified" not in r.headers
    moments = (clock_time.time(), START.timestamp(), clock.utcnow().timestamp())
    for number in re.findall(r"\d{9,}", r.headers.get("ETag", "")):
        assert not any(abs(int(number[:10]) - m) < 3 * 86400 for m in moments), r.headers["ETag"]


@pytest.mark.sqlite_only
def test_L_the_rows_in_the_file_are_not_in_the_order_anonymous_suggestions_came(app, people):
    """SQLite writes a page's rows downward in the order they are inserted: the byte offsets
    in the file (and in a backup) would give the order of arrival, and the login log's times
    would name it. Each anonymous suggestion writes the day's again in a random order."""
    teacher = as_user(app, people["teacher"])
    order = [f"CANARYBODY{n}X" for n in range(8)]
    for body in order:
        assert submit(teacher, body=body).status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AnonymousSuggestion.id))) == 8
        db.engine.dispose()
    raw = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).read_bytes()
    offsets = [raw.find(body.encode()) for body in order]
    assert all(offset > 0 for offset in offsets) and len(set(offsets)) == len(order)
    by_place = [body for _, body in sorted(zip(offsets, order, strict=True))]
    # the order of arrival, either way up, has a chance of 2 in 8! (1 in 20,160)
    assert by_place not in (order, order[::-1])


def test_L_one_person_sends_at_most_ten_suggestions_an_hour(app, people):
    """Each anonymous suggestion rewrites the day's (arrival.py): a flood from one account is
    held back, per account and in memory only, with a Chinese message; others still send."""
    teacher = as_user(app, people["teacher"])
    for n in range(10):
        assert submit(teacher, body=f"第{n}条").status_code == 200
    r = submit(teacher, body="第十一条")
    assert r.status_code == 429 and "您今天提交的建议太多了" in r.get_data(as_text=True)
    assert submit(as_user(app, people["other"]), body="另一位老师的").status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AnonymousSuggestion.id))) == 11
