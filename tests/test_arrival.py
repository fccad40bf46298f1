"""Anonymous rows written again in a random order (intranet/arrival.py) by two writers at once:
a room answering right after an activity, two teachers sending anonymous suggestions. The
second writer waits for the first; nothing is lost, nothing written twice, nobody refused."""

import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

from intranet.clock import school_today
from intranet.extensions import db
from intranet.feedback import services as feedback
from intranet.feedback.models import Feedback
from intranet.schedule.models import Activity, Semester
from intranet.suggestions import services as box
from intranet.suggestions.models import AnonymousSuggestion


def two_at_once(app, first, second) -> dict:
    """`first` writes and holds its transaction open while `second` starts and writes; then
    both commit. The errors each met, by name."""
    flushed, go = threading.Event(), threading.Event()
    errors = {}

    def run(name, write, hold):
        with app.app_context():
            try:
                write()
                if hold:
                    flushed.set()
                    go.wait(10)
                db.session.commit()
            except Exception as error:
                errors[name] = repr(error)[:300]
                db.session.rollback()
            finally:
                flushed.set()

    a = threading.Thread(target=run, args=("first", first, True))
    a.start()
    flushed.wait(10)
    b = threading.Thread(target=run, args=("second", second, False))
    b.start()
    time.sleep(0.5)  # the second is now waiting for the first
    go.set()
    a.join(30)
    b.join(30)
    return errors


def test_two_answers_at_once_are_both_kept(app, make_staff):
    people = [make_staff() for _ in range(3)]
    with app.app_context():
        today = school_today()
        semester = Semester(name="本学期", start=today - timedelta(30), end=today + timedelta(30))
        activity = Activity(semester=semester, date=today - timedelta(days=1), theme="读书会")
        db.session.add_all([semester, activity])
        db.session.commit()
        activity_id = activity.id
        feedback.answer(activity_id, people[0], 3, "", "")
        db.session.commit()

    errors = two_at_once(
        app,
        lambda: feedback.answer(activity_id, people[1], 4, "甲", ""),
        lambda: feedback.answer(activity_id, people[2], 2, "乙", ""),
    )
    with app.app_context():
        lines = sorted(db.session.scalars(select(Feedback.useful)))
        assert not errors and lines == ["", "乙", "甲"]
        assert db.session.scalar(select(func.count()).select_from(Feedback)) == 3


def test_two_anonymous_suggestions_at_once_are_both_kept(app):
    values = {"category": "teaching", "title": "标题"}
    with app.app_context():
        box.submit_anonymous(values | {"body": "今天早些时候"})
        db.session.commit()
    errors = two_at_once(
        app,
        lambda: box.submit_anonymous(values | {"body": "甲"}),
        lambda: box.submit_anonymous(values | {"body": "乙"}),
    )
    with app.app_context():
        bodies = sorted(db.session.scalars(select(AnonymousSuggestion.body)))
    assert not errors and bodies == ["乙", "今天早些时候", "甲"]
