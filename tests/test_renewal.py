"""Renewing the forms on the plan (schedule/renewal.py): a form used four semesters running
while its 收获 fell is flagged, a form rested for a year that people valued is proposed; thin
feedback (fewer than five answers) decides nothing. Hand-made figures, then the plan page."""

from datetime import date, timedelta
from types import SimpleNamespace

from intranet.clock import school_today
from intranet.extensions import db
from intranet.feedback.models import Feedback
from intranet.feedback.services import Gains
from intranet.schedule.models import Activity, Semester
from intranet.schedule.renewal import Use, falling, review
from tests.conftest import as_user

TODAY = date(2026, 12, 2)
LABELS = {"lecture": "专题讲座", "reading_exchange": "读书交流", "outreach": "送教"}
# Six semesters, oldest first; the plan is the last.
TERMS = [
    SimpleNamespace(id=n, name=f"第{n}学期", start=date(2024 + (n - 1) // 2, 3 if n % 2 else 9, 1))
    for n in range(1, 7)
]
PLAN = TERMS[-1]


def used(form, *semester_ids, last=None):
    return {(sid, form): Use(1, last or TERMS[sid - 1].start) for sid in semester_ids}


def answers(form, semester_id, good, poor):
    """Released answers of one form in one semester: `good` said 有收获 or better."""
    return [
        ("gain4", f"school {form}", semester_id, good),
        ("gain1", f"school {form}", semester_id, poor),
    ]


def reviewed(usage, rows, open_keys=tuple(LABELS)):
    return review(TERMS, PLAN, usage, Gains(rows), TODAY, LABELS, open_keys)


def test_form_used_four_semesters_running_with_falling_gain_is_flagged():
    rows = [
        *answers("lecture", 3, 9, 1),
        *answers("lecture", 4, 7, 3),
        *answers("lecture", 5, 6, 4),
        *answers("lecture", 6, 4, 6),
    ]
    result = reviewed(used("lecture", 3, 4, 5, 6), rows)
    lecture = result.forms["lecture"]
    assert lecture.streak == 4 and lecture.flagged
    assert [round(g.share, 1) for _, g in lecture.trend] == [0.9, 0.7, 0.6, 0.4]
    assert result.flagged == [lecture]


def test_form_whose_gain_rises_is_not_flagged():
    rows = [*answers("lecture", 3, 4, 6), *answers("lecture", 6, 8, 2)]
    assert not reviewed(used("lecture", 3, 4, 5, 6), rows).forms["lecture"].flagged


def test_three_semesters_running_is_not_yet_flagged():
    rows = [*answers("lecture", 4, 9, 1), *answers("lecture", 6, 4, 6)]
    lecture = reviewed(used("lecture", 4, 5, 6), rows).forms["lecture"]
    assert lecture.streak == 3 and not lecture.flagged


def test_thin_feedback_shows_no_trend_and_flags_nothing():
    rows = [*answers("lecture", 3, 3, 0), *answers("lecture", 6, 1, 3)]  # 3 and 4 answers
    lecture = reviewed(used("lecture", 3, 4, 5, 6), rows).forms["lecture"]
    assert lecture.streak == 4 and not lecture.flagged
    assert all(not g.shown for _, g in lecture.trend)


def test_the_run_counts_from_the_semester_before_a_plan_not_yet_filled():
    lecture = reviewed(used("lecture", 2, 3, 4, 5), []).forms["lecture"]
    assert lecture.streak == 4
    assert reviewed(used("lecture", 2, 3, 5), []).forms["lecture"].streak == 1


def test_rested_form_with_good_past_gain_is_proposed():
    last = TODAY - timedelta(days=400)
    result = reviewed(
        used("reading_exchange", 1, 2, last=last), answers("reading_exchange", 2, 8, 1)
    )
    assert [(p.label, p.last) for p in result.proposed] == [("读书交流", last)]


def test_form_used_within_the_year_is_not_proposed():
    last = TODAY - timedelta(days=200)
    result = reviewed(used("reading_exchange", 5, last=last), answers("reading_exchange", 5, 9, 0))
    assert result.proposed == []


def test_form_with_thin_or_poor_past_gain_is_not_proposed():
    last = TODAY - timedelta(days=400)
    thin = reviewed(used("reading_exchange", 2, last=last), answers("reading_exchange", 2, 4, 0))
    poor = reviewed(used("reading_exchange", 2, last=last), answers("reading_exchange", 2, 3, 5))
    assert thin.proposed == [] and poor.proposed == []


def test_retired_form_is_not_proposed():
    last = TODAY - timedelta(days=400)
    result = reviewed(
        used("reading_exchange", 2, last=last),
        answers("reading_exchange", 2, 8, 1),
        open_keys=("lecture",),
    )
    assert result.proposed == []


def test_falling_needs_two_figures_and_a_drop():
    assert falling([0.9, 0.7]) and falling([0.8, 0.8, 0.6])
    assert not falling([0.8]) and not falling([0.8, 0.8]) and not falling([0.6, 0.7, 0.5])
    assert falling([0.9, 0.7], by=0.1) and not falling([0.8, 0.75], by=0.1)


# --- the plan page -----------------------------------------------------------------------


def test_plan_flags_a_worn_form_and_proposes_a_rested_one(app, make_staff):
    manager = make_staff(role="manager")
    today = school_today()
    with app.app_context():
        terms = []
        for n in range(5):  # four past semesters and the current one, half a year apart
            start = today - timedelta(days=182 * (4 - n) + 30)
            terms.append(
                Semester(
                    name=f"学期{n}",
                    start=start,
                    end=start + timedelta(days=150),
                    is_current=n == 4,
                )
            )
        db.session.add_all(terms)
        db.session.flush()
        for n, good in zip(range(1, 5), (9, 7, 6, 4), strict=True):
            term = terms[n]
            activity = Activity(
                semester_id=term.id,
                date=term.start + timedelta(days=5),
                theme="讲座",
                form="lecture",
            )
            db.session.add(activity)
            db.session.flush()
            for k in range(10):
                db.session.add(Feedback(activity_id=activity.id, gain=4 if k < good else 1))
        rested = Activity(
            semester_id=terms[0].id,
            date=terms[0].start + timedelta(days=5),
            theme="共读",
            form="reading_exchange",
            status="done",
        )
        db.session.add(rested)
        db.session.flush()
        db.session.add_all(Feedback(activity_id=rested.id, gain=4) for _ in range(6))
        db.session.commit()
        plan_url = f"/schedule/semesters/{terms[4].id}/plan"
    page = as_user(app, manager).get(plan_url).get_data(as_text=True)
    assert "收获连续下降，建议换形式" in page
    assert "90% → 70% → 60% → 40%" in page
    renewal = page[page.index('id="plan-renewal"') :]
    assert "专题讲座（连续 4 个学期）" in renewal
    assert "<strong>读书交流</strong>" in renewal
