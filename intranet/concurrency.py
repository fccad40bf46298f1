"""Optimistic locking for records several people edit in place (SECURITY.md K).

A versioned model maps `version_id_col`, so SQLAlchemy refuses an UPDATE whose row changed
since this request read it (StaleDataError): that covers the race inside one request. Across
requests the form carries the version the user saw, and a save from an older version is a
conflict: 409, the current values beside what the user typed, and the choice to keep either.

In a view:

    if (changes := conflicts(form, Form(formdata=None, obj=record), record)):
        return render(... form=form, conflict=changes), 409, retarget(f"record-{id}")
    form.apply(record)
    if not commit_unless_stale():
        ...  # the same 409, built from the freshly loaded record
"""

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy.orm.exc import StaleDataError

from intranet.extensions import db
from intranet.formatting import cn_date, hm

EMPTY = "（空）"


@dataclass
class Difference:
    label: str
    theirs: str  # what is stored now, saved by someone else
    mine: str  # what this user typed


def sent_version(form) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


def conflicts(typed, stored, record) -> list[Difference]:
    """The fields where someone else's saved values differ from what this user typed, when the
    user edited an older version of the record. Empty when the form is current, or when what was
    typed agrees with what is stored: saving then loses nobody's work. On a conflict the form's
    version becomes the current one, so saving again keeps the user's text on purpose."""
    if sent_version(typed) == record.version:
        return []
    changes = [
        Difference(field.label.text, display(stored[field.name]), display(field))
        for field in typed
        if field.name in stored.data
        and field.name not in ("csrf_token", "version")
        and _normal(field.data) != _normal(stored[field.name].data)
    ]
    typed.version.data = record.version
    return changes


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


def _normal(value):
    if isinstance(value, str):
        value = value.strip().replace("\r\n", "\n")
    if isinstance(value, list | tuple):
        return sorted(str(v) for v in value)
    return None if value in ("", None) else value


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
