"""The suggestion box (建议箱): staff write, named or anonymous; leaders answer.

Anonymous submissions and receipt lookups write nothing but the suggestion itself and log
nothing at all: no audit line, no flash, no id in the response (SECURITY.md L).
"""

import logging

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from intranet.auth.permissions import can, can_follow_up_suggestion, deny, load, require
from intranet.extensions import db, limiter
from intranet.htmx import is_htmx, render, toast
from intranet.suggestions import services
from intranet.suggestions.forms import (
    DuplicateForm,
    MessageForm,
    StatusForm,
    SuggestionForm,
    TrackForm,
)
from intranet.suggestions.models import CATEGORIES, STATUSES, BoxItem, Suggestion
from intranet.uploads import IMAGE, PDF, UploadError, serve, store
from intranet.windows import PAGE, next_window_url, offset_arg

bp = Blueprint("suggestions", __name__, url_prefix="/suggestions")
log = logging.getLogger("intranet.suggestions")


def _item(ref: str) -> BoxItem:
    """A suggestion by its ref, once leaders may see it (an anonymous one: from the morning
    after its date), so no leader's page answers for an item still held back."""
    return services.find_released(ref) or abort(404)


def _values(form: SuggestionForm) -> dict:
    return {"category": form.category.data, "title": form.title.data, "body": form.body.data}


def _store_attachment(form: SuggestionForm, anonymous: bool):
    """The uploaded file, checked and stored, or None. Anonymous suggestions take images only
    (a PDF's metadata cannot be scrubbed here and may name its author) and keep no file name."""
    upload = form.attachment.data
    if not upload or not upload.filename:
        return None
    return store(
        upload,
        kinds=(IMAGE,) if anonymous else (IMAGE, PDF),
        keep_name=not anonymous,
        in_row=anonymous,
    )


# --- writing a suggestion ----------------------------------------------------------------


@bp.get("/new")
@require("suggestions.submit")
def new():
    return render_template("suggestions/new.html", form=SuggestionForm())


def _submitter() -> str:
    """Whose submissions the limit counts: the account, in this process's memory only (the
    limiter's store), so a shared staff-room computer does not share one allowance."""
    return f"submitter:{current_user.id}"


@bp.post("")
@require("suggestions.submit")
@limiter.limit(
    "10 per hour;30 per day",
    key_func=_submitter,
    error_message="您今天提交的建议太多了，请过一段时间再提交。您填写的内容还在页面上。",
)
def create():
    form = SuggestionForm()
    anonymous = form.identity.data == "anonymous"
    valid = form.validate()
    try:
        attachment = _store_attachment(form, anonymous) if valid else None
    except UploadError as error:
        form.attachment.errors.append(str(error))
        valid = False
    if not valid:
        return render("suggestions/new.html", "suggestions/_form.html", 422, form=form)
    if anonymous:
        receipt = services.submit_anonymous(_values(form), attachment)
        db.session.commit()
        return render(
            "suggestions/new.html", "suggestions/_received.html", receipt=receipt, form=None
        )
    suggestion = services.submit_named(current_user, _values(form), attachment)
    db.session.commit()
    log.info("named suggestion by=%s", current_user.username)
    return render(
        "suggestions/new.html", "suggestions/_received.html", suggestion=suggestion, form=None
    )


@bp.get("/mine")
@require("suggestions.submit")
def mine():
    offset = offset_arg()
    own = Suggestion.author_id == current_user.id
    total = db.session.scalar(db.select(db.func.count()).where(own))
    items = db.session.scalars(
        db.select(Suggestion)
        .where(own)
        .order_by(Suggestion.created_on.desc(), Suggestion.id)
        .offset(offset)
        .limit(PAGE)
    ).all()
    context = {
        "items": items,
        "total": total,
        "offset": offset,
        "next_url": next_window_url("suggestions.mine", offset),
        "replies": services.thread_replies(items),
        "message_form": MessageForm(formdata=None),
    }
    if is_htmx() and offset:
        return render_template("suggestions/_mine_items.html", **context)
    return render_template("suggestions/mine.html", **context)


@bp.post("/mine/<key>/follow-up")
@require("suggestions.submit")
@load(Suggestion, can_follow_up_suggestion, key="key")
def follow_up(item):
    form = MessageForm()
    if form.validate():
        services.add_reply(item, form.body.data, author=current_user, follow_up=True)
        db.session.commit()
        form = MessageForm(formdata=None)
    return render_template(
        "suggestions/_conversation.html", item=item, replies=services.replies(item), form=form
    ), (200 if not form.errors else 422)


# --- following an anonymous suggestion by receipt ---------------------------------------


@bp.get("/track")
@require("suggestions.submit")
def track():
    return render_template("suggestions/track.html", form=TrackForm())


@bp.post("/track")
@require("suggestions.submit")
@limiter.limit("10 per minute")  # guessing receipts; counters live in memory only
def lookup():
    form = TrackForm()
    item = services.find_by_receipt(form.receipt.data or "") if form.validate() else None
    if item is None:
        if not form.errors:
            form.receipt.errors = ["没有找到这个回执码对应的建议，请核对后再试。"]
        return render_template("suggestions/track.html", form=form), 404
    return render_template(
        "suggestions/track.html",
        form=form,
        item=item,
        replies=services.replies(item),
        message_form=MessageForm(formdata=None),
        original=services.find(item.duplicate_of) if item.duplicate_of else None,
    )


@bp.post("/track/follow-up")
@require("suggestions.submit")
@limiter.limit("10 per minute")
def anonymous_follow_up():
    item = services.find_by_receipt(request.form.get("receipt", "")) or abort(404)
    form = MessageForm()
    if form.validate():
        services.add_reply(item, form.body.data, follow_up=True)
        db.session.commit()
        form = MessageForm(formdata=None)
    return (
        render_template(
            "suggestions/_conversation.html",
            item=item,
            replies=services.replies(item),
            form=form,
            receipt=request.form.get("receipt", ""),
        ),
        200 if not form.errors else 422,
    )


# --- public suggestions and support -------------------------------------------------------


@bp.get("/public")
@require("suggestions.submit")
def public():
    offset = offset_arg()
    items, total = services.public_window(offset)
    counts, supported = services.support_summary(items, current_user.id)
    context = {
        "items": items,
        "total": total,
        "offset": offset,
        "next_url": next_window_url("suggestions.public", offset),
        "counts": counts,
        "supported": supported,
        "replies": services.thread_replies(items, public_only=True),
    }
    if is_htmx() and offset:
        return render_template("suggestions/_public_items.html", **context)
    return render_template("suggestions/public.html", **context)


@bp.post("/<ref>/support")
@require("suggestions.submit")
def support(ref):
    item = _item(ref)
    if not item.is_public:
        abort(404)
    added = services.support(item, current_user.id)
    db.session.commit()
    response = render_template(
        "suggestions/_support.html",
        item=item,
        count=services.support_counts([item]).get(item.ref, 0),
        supported=True,
    )
    return toast(response, "已支持这条建议" if added else "您已经支持过这条建议", "info")


# --- the leaders' box ---------------------------------------------------------------------

# Announced by every action that changes what the list or its counts show (_box.html listens).
CHANGED = ("suggestions-changed",)


def _box_filters() -> dict:
    return {name: request.args.get(name, "") for name in ("status", "category", "kind")}


@bp.get("")
@require("suggestions.manage")
def index():
    filters = _box_filters()
    offset = offset_arg()
    counts = services.box_counts()  # one grouped count for the list and the statistics
    rows, total = services.box_window(**filters, offset=offset, counts=counts)
    context = {
        "rows": rows,
        "total": total,
        "offset": offset,
        "next_url": next_window_url("suggestions.index", offset, **filters),
        "show_url": url_for("suggestions.index") + "/",
    }
    if is_htmx() and offset:
        # 更多: the next rows only, in place of the button that asked for them.
        return render_template("suggestions/_box_rows.html", **context)
    if is_htmx():  # a filter, or the list refreshing itself after an action: counts come along
        stats = services.stats(counts=counts)
        body = render_template("suggestions/_box.html", **context)
        return body + render_template("suggestions/_stats.html", oob=True, stats=stats)
    return render_template(
        "suggestions/index.html",
        filters=filters,
        stats=services.stats(counts=counts),
        statuses=STATUSES,
        categories=CATEGORIES,
        **context,
    )


def _detail(item: BoxItem, status: int = 200, **forms):
    context = {
        "item": item,
        "replies": services.replies(item, for_leaders=True),
        "notes": services.notes(item),
        "history": services.history(item),
        "duplicates": services.duplicates_of(item),
        "status_form": forms.get("status_form") or StatusForm(formdata=None, status=item.status),
        "reply_form": forms.get("reply_form") or MessageForm(formdata=None, prefix="reply"),
        "note_form": forms.get("note_form") or MessageForm(formdata=None, prefix="note"),
        "duplicate_form": forms.get("duplicate_form") or DuplicateForm(formdata=None),
        # The merge target's choices: every row as a light tuple, not 5,000 loaded suggestions.
        "others": [i for i in services.box_window(limit=None)[0] if i.ref != item.ref],
        "statuses_label": STATUSES.get,
    }
    return render("suggestions/show.html", "suggestions/_item.html", status, **context)


@bp.get("/<ref>")
@require("suggestions.manage")
def show(ref):
    return _detail(_item(ref))


@bp.post("/<ref>/status")
@require("suggestions.manage")
def update_status(ref):
    item = _item(ref)
    form = StatusForm()
    if form.validate() and form.status.data not in item.next_statuses:
        form.status.errors = [f"不能从“{item.status_label}”改为这个状态。"]
    if form.errors:
        return _detail(item, 422, status_form=form)
    services.change_status(item, form.status.data, current_user, form.reason.data or None)
    db.session.commit()
    return toast(_detail(item), f"状态已改为“{item.status_label}”", events=CHANGED)


@bp.post("/<ref>/replies")
@require("suggestions.manage")
def create_reply(ref):
    item = _item(ref)
    form = MessageForm(prefix="reply")
    if not form.validate():
        return _detail(item, 422, reply_form=form)
    services.add_reply(item, form.body.data, author=current_user)
    db.session.commit()
    return toast(_detail(item), "回复已发送", events=CHANGED)


@bp.post("/<ref>/notes")
@require("suggestions.manage")
def create_note(ref):
    item = _item(ref)
    form = MessageForm(prefix="note")
    if not form.validate():
        return _detail(item, 422, note_form=form)
    services.add_note(item, current_user, form.body.data)
    db.session.commit()
    return _detail(item)


@bp.post("/<ref>/duplicate")
@require("suggestions.manage")
def mark_duplicate(ref):
    item = _item(ref)
    form = DuplicateForm()
    original = services.find_released(form.original.data or "") if form.validate() else None
    if original is None or original.ref == item.ref:
        form.original.errors = ["请选择另一条建议作为原建议。"]
        return _detail(item, 422, duplicate_form=form)
    services.mark_duplicate(item, original)
    db.session.commit()
    return toast(_detail(item), f"已合并到《{original.title}》", events=CHANGED)


@bp.post("/<ref>/public")
@require("suggestions.manage")
def toggle_public(ref):
    item = _item(ref)
    item.is_public = not item.is_public
    db.session.commit()
    message = "已公开给全体教职工" if item.is_public else "已取消公开"
    return toast(_detail(item), message, events=CHANGED)


@bp.get("/<ref>/attachment")
@require("suggestions.submit")
def attachment(ref):
    item = _item(ref)
    if not (can(current_user, "suggestions.manage") or item.author == current_user):
        deny("attachment of another's suggestion")
    if item.attachment is None:
        abort(404)
    return serve(item.attachment)
