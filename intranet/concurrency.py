"""The one save protocol for records several people edit in place (SECURITY.md K).

A versioned model maps `version_id_col`, so SQLAlchemy refuses an UPDATE whose row changed
since this request read it (StaleDataError): that covers the race inside one request. Across
requests the form carries the version the user started from and, in `base`, a digest of each
value they saw (the merge only asks whether a value is still the one seen, so a long text does
not travel in the page twice). A save from an older version is merged field by field, three
ways: the values the user started from, the values saved since, and what the user typed. A
field only one side changed takes that side's value without a question; only fields both sides
changed, to different values, come back as a 409 that shows both and asks for a choice per
field. Nobody's edit is reverted.

In a view:

    form = ThingForm()
    if not form.validate():
        return render_form(thing, form), 422
    return save(thing, form, stored=ThingForm.of, apply=ThingForm.apply,
                reload=lambda: load_thing(id), conflict=render_conflict, saved=render_saved)
"""

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time

from flask import make_response, request
from sqlalchemy.orm.exc import StaleDataError
from wtforms import FileField, HiddenField, SubmitField

from intranet.extensions import db
from intranet.formatting import cn_date, hm

EMPTY = "（空）"
CHOICE = "choose-"  # a conflicting field's choice on the 409 form: "mine" or "theirs"
NOT_COMPARED = (HiddenField, FileField, SubmitField)  # csrf, version, base, files, buttons


class Versioned:
    """Mixed into a form whose record has a version: the version and the values the user saw."""

    version = HiddenField()
    base = HiddenField()

    @classmethod
    def of(cls, record, **kwargs):
        """The form filled with what is stored now: for editing, and to compare on a save."""
        form = cls(formdata=None, obj=record, **kwargs)
        form.remember(record)
        return form

    def remember(self, record) -> None:
        """Start from the record as stored: its version, and these values as the base."""
        self.version.data = record.version
        self.base.data = fingerprint(values(self))


@dataclass
class Difference:
    name: str
    label: str
    theirs: str  # what is stored now, saved by someone else
    mine: str  # what this user typed


def save(
    record,
    form,
    *,
    stored: Callable,
    apply: Callable,
    reload: Callable,
    conflict: Callable,
    saved: Callable,
    target: str,
):
    """Save a validated form onto a versioned record, merging with what others saved meanwhile.

    stored(record) -> the record's form filled from the database (`Versioned.of`);
    apply(record, form) copies the form onto the record; reload() reads the record again after a
    lost race; conflict(record, form, differences) renders the form with the fields both sides
    changed (answered 409 in place of element `target`); saved(record, merged) renders the
    saved record, `merged` naming the fields taken from someone else's save."""
    merged: list[str] = []
    for _attempt in range(3):
        # Saved from the version stored, with no choices to take: nothing to merge, and the
        # stored form (a second form built, its people read) is not needed.
        if _sent_version(form) != record.version or _chose(form):
            current = stored(record)
            _take_chosen(form, current)
            clashes: list[Difference] = []
            if _sent_version(form) != record.version:
                clashes, taken = merge(form, current)
                merged += taken
            # From here the form stands on what is stored now, also for a retry after a lost
            # race.
            form.version.data, form.base.data = current.version.data, current.base.data
            if clashes:
                return _conflict(conflict(record, form, clashes), target)
        apply(record, form)
        if commit_unless_stale():
            return saved(record, merged)
        record = reload()
    return _conflict(conflict(record, form, []), target)  # three lost races: let the user look


def _conflict(body, target: str):
    response = make_response(body)
    response.status_code = 409
    response.headers.update(retarget(target))
    return response


def merge(form, current) -> tuple[list[Difference], list[str]]:
    """Bring what others saved into the user's form. Returns the fields both changed (left as the
    user typed them) and the labels of the fields taken from the other save."""
    base = _base(form)
    mine, theirs = values(form), values(current)
    clashes, taken = [], []
    for name, typed in mine.items():
        if name not in theirs or typed == theirs[name]:
            continue
        started = base.get(name, _UNKNOWN) if base is not None else _UNKNOWN
        if _digest(typed) == started:  # only they changed it: take theirs
            _take(form[name], current[name])
            taken.append(form[name].label.text)
        elif _digest(theirs[name]) != started:  # both changed it, differently
            field = form[name]
            clashes.append(
                Difference(name, field.label.text, display(current[name]), display(field))
            )
    return clashes, taken


def saved_text(merged: list[str], message: str = "已保存") -> str:
    """The toast after a save; it names what was kept from someone else's save."""
    if not merged:
        return message
    return f"{message}，并保留了别人对{'、'.join(dict.fromkeys(merged))}的修改"


def commit_unless_stale() -> bool:
    """Commit; False, rolled back, when another request updated the row in between."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False
    return True


def retarget(element_id: str) -> dict:
    """Headers that put a 409 answer in place of the record's own element."""
    return {"HX-Retarget": f"#{element_id}", "HX-Reswap": "outerHTML"}


def values(form) -> dict[str, object]:
    """The compared fields' values, normalised so that equal means the same to a person."""
    return {field.name: _normal(field.data) for field in _compared(form)}


def _compared(form) -> list:
    """The fields a save compares: not the version, the base, files or buttons."""
    return [field for field in form if not isinstance(field, NOT_COMPARED)]


_UNKNOWN = object()  # no base was sent (an old page): every difference is a question


def fingerprint(seen: dict) -> str:
    """The base: a digest of the compared fields' names, then one of each value, in order."""
    return ".".join([_digest(list(seen)), *map(_digest, seen.values())])


def _digest(value) -> str:
    """Eight characters: 48 bits, so two different values of a field never pass for each other."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.blake2b(text.encode(), digest_size=6).digest()).decode()


def _base(form) -> dict | None:
    """Each compared field's digest as the user saw it; None when the base is missing, broken,
    or was made for other fields (a page from before an upgrade): then nothing is guessed."""
    parts = str(form.base.data or "").split(".")
    names = [field.name for field in _compared(form)]
    if len(parts) != len(names) + 1 or parts[0] != _digest(names):
        return None
    return dict(zip(names, parts[1:], strict=True))


def _sent_version(form) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


def _take(field, theirs) -> None:
    """The other save's value, also as the form shows it: a date or time input shows what was
    posted (raw_data) until told otherwise, and saved as shown it would undo their change."""
    field.data = theirs.data
    field.raw_data = None


def _chose(form) -> bool:
    """The user answered a 409: per field, whose value to keep."""
    return any(CHOICE + field.name in request.form for field in form)


def _take_chosen(form, current) -> None:
    """On the conflict form the user chose, per field, whose value to keep."""
    for field in form:
        if request.form.get(CHOICE + field.name) == "theirs" and field.name in current:
            _take(field, current[field.name])


def _normal(value):
    """JSON-safe and canonical: the base travels in the page and is compared after a round trip."""
    if isinstance(value, str):
        value = value.strip().replace("\r\n", "\n")
    if isinstance(value, list | tuple):
        return sorted(str(v) for v in value if v not in ("", None))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if value in ("", None):
        return None
    return value if isinstance(value, bool | int | float) else str(value)


def display(field) -> str:
    """A field's value as the user reads it: labels for choices, Chinese dates."""
    data = field.data
    if hasattr(field, "iter_choices"):
        labels = {str(value): label for value, label, *_ in field.iter_choices()}
        values = data if isinstance(data, list | tuple) else [data]
        text = "、".join(labels.get(str(v), str(v)) for v in values if v not in ("", None))
        return text or EMPTY
    if isinstance(data, date):
        return cn_date(data)
    if isinstance(data, time):
        return hm(data)
    text = "" if data is None else str(data).strip()
    return text or EMPTY
