"""Schedule forms: one ActivityForm serves the inline row, the new row and the conflict view."""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import g
from sqlalchemy import bindparam, literal, union_all
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from intranet.concurrency import Versioned
from intranet.extensions import db
from intranet.forms import (
    NOBODY,
    ChineseDateField,
    ChineseTimeField,
    Form,
    WholeNumberField,
    as_id,
    at_most,
    choices,
    optional_int,
    required_text,
)
from intranet.people.models import ExternalMentor, Staff
from intranet.schedule.invitees import named_of, set_named
from intranet.schedule.models import (
    ATTENDANCE,
    FORMS,
    INVITE_GROUPS,
    LEVELS,
    STATUSES,
    LibraryForm,
    PartnerSchool,
    Semester,
    open_forms,
)


def active_staff() -> dict[int, str]:
    """Every active colleague's label by id, in pinyin order, for the forms that still list
    them all (attendance, invitees); the row form names only the people it shows."""
    if "schedule_staff" not in g:
        rows = db.session.execute(
            db.select(Staff.id, Staff.name, Staff.subject, Staff.colleague)
            .where(Staff.active)
            .order_by(Staff.pinyin, Staff.id)
        )
        g.schedule_staff, g.schedule_guests = {}, {}
        for id_, name, note, colleague in rows:
            if colleague:
                g.schedule_staff[id_] = _label(name, note)
            else:
                g.schedule_guests[id_] = _label(name, "外聘导师")
    return g.schedule_staff


def mentor_accounts() -> dict[int, str]:
    """外聘导师 accounts by id: never invited, but a manager may mark one present at a lesson
    they came to (so they may score it). Read with active_staff()."""
    active_staff()
    return g.schedule_guests


@dataclass(frozen=True)
class Person:
    label: str
    active: bool


@cache
def _choices_statement():
    """choice_lists' statement, built once with the colleagues' ids bound (`ids`): building and
    keying a union of three selects cost more than running it."""
    staff = db.select(
        literal("staff").label("kind"),
        Staff.id,
        Staff.name,
        Staff.subject.label("note"),
        Staff.pinyin.label("sort"),
        Staff.colleague.label("active"),
    ).where(Staff.id.in_(bindparam("ids", expanding=True)))
    mentors = db.select(
        literal("mentor"),
        ExternalMentor.id,
        ExternalMentor.name,
        ExternalMentor.organisation,
        ExternalMentor.name,
        literal(True),
    ).where(ExternalMentor.active)
    schools = db.select(
        literal("school"),
        PartnerSchool.id,
        PartnerSchool.name,
        literal(""),
        PartnerSchool.name,
        literal(True),
    ).where(PartnerSchool.active)
    return union_all(staff, mentors, schools).order_by("sort", "id")


def choice_lists(staff_ids=()) -> dict[str, list[tuple[int, str]]]:
    """What a schedule row chooses from, read in one statement once per request: the mentor
    team's experts and the partner schools (short lists), with the colleagues `staff_ids` names
    (the row's own, the ones posted), never all 600 (the picker searches for the others). A
    save builds its form three times; the people are read with the first."""
    if "schedule_choices" not in g:
        ids = sorted({i for i in staff_ids if i})
        lists: dict[str, list[tuple[int, str]]] = {"mentor": [], "school": []}
        people: dict[int, Person] = {}
        found = db.session.execute(_choices_statement(), {"ids": ids})
        for kind, id_, name, note, _sort, active in found:
            if kind == "staff":
                people[id_] = Person(_label(name, note), bool(active))
            else:
                lists[kind].append((id_, _label(name, note)))
        g.schedule_choices, g.schedule_people = lists, people
    return g.schedule_choices


def _label(name: str, note: str | None) -> str:
    return f"{name}（{note}）" if note else name


def people(ids) -> dict[int, Person]:
    """These colleagues (active or not: a row that names someone who left still shows who it
    is), from the request's choice lists; only ids not read yet cost a statement."""
    choice_lists(ids)
    known: dict[int, Person] = g.schedule_people
    missing = {i for i in ids if i and i not in known}
    if missing:
        rows = db.session.execute(
            db.select(Staff.id, Staff.name, Staff.subject, Staff.colleague).where(
                Staff.id.in_(missing)
            )
        )
        known |= {id_: Person(_label(name, note), active) for id_, name, note, active in rows}
    return known


def staff_labels(ids) -> list[tuple[int, str]]:
    """(id, label) of these people, in the order given."""
    known = people(ids)
    return [(i, known[i].label) for i in ids if i in known]


def _all_active(field, ids) -> None:
    known = people(ids)
    if any(i not in known or not known[i].active for i in ids):
        raise StopValidation(f"{field.label.text}要从在职教师中选择，请重新选择。")


class PersonField(SelectField):
    """One colleague, chosen with the people picker (a search), never from a 600-option list:
    the posted id must name an active colleague."""

    def __init__(self, label, **kwargs):
        super().__init__(label, coerce=optional_int, **kwargs)

    def pre_validate(self, form):
        if self.raw_data and self.raw_data[0]:
            _all_active(self, [self.data] if self.data else [0])

    def ids(self) -> list[int]:
        return [self.data] if self.data else []

    def chosen(self) -> list[tuple[int, str]]:
        return staff_labels(self.ids())


class PeopleField(SelectMultipleField):
    """Several colleagues, chosen with the people picker; each id must name an active one."""

    def process_formdata(self, valuelist):
        self.data = list(dict.fromkeys(as_id(v) or 0 for v in valuelist if v))

    def pre_validate(self, form):
        _all_active(self, self.data or [])

    def ids(self) -> list[int]:
        return list(self.data or [])

    def chosen(self) -> list[tuple[int, str]]:
        return staff_labels(self.ids())


class ActivityForm(Versioned, Form):
    date = ChineseDateField("日期", validators=[InputRequired("请填写日期。")])
    start_time = ChineseTimeField("开始", validators=[Optional()])
    end_time = ChineseTimeField("结束", validators=[Optional()])
    place = StringField("地点", validators=[at_most("地点", 60)])
    level = SelectField("级别", choices=choices(LEVELS), default="school")
    # Not named "form": a control of that name shadows the <form> element's own property.
    # The library's open forms (活动形式库), set per form: a retired one only for the activity
    # that has it already.
    kind = SelectField("形式", default="demo_lesson")
    theme = StringField("主题", validators=required_text("活动主题", 120))
    procedure = TextAreaField("活动程序", validators=[at_most("活动程序", 4000)])
    responsible_id = PersonField("责任人")
    presenter_ids = PeopleField("主讲人", coerce=int)
    external_presenter_ids = SelectMultipleField("导师团专家", coerce=int)
    partner_school_id = SelectField("结对学校", coerce=optional_int)
    status = SelectField("状态", choices=choices(STATUSES), default="planned")

    def __init__(self, *args, semester: Semester | None = None, stored=None, **kwargs):
        """`stored`: the activity a save compares with, so its people are read with the
        posted ones, in the same statement."""
        super().__init__(*args, **kwargs)
        self._semester = semester
        mine = [*self.responsible_id.ids(), *self.presenter_ids.ids()]
        theirs = [stored.responsible_id, *stored.presenter_ids] if stored is not None else []
        lists = choice_lists([*mine, *theirs])
        # The labels name people in a conflict's comparison; the picker never lists them all.
        named = staff_labels(mine)
        self.responsible_id.choices = [("", NOBODY), *named]
        self.presenter_ids.choices = named
        self.external_presenter_ids.choices = lists["mentor"]
        self.partner_school_id.choices = [("", "（无）"), *lists["school"]]
        kept = getattr(stored or kwargs.get("obj"), "form", None)  # the stored form, if any
        self.kind.choices = choices(
            {key: label for key, label in FORMS.items() if key in open_forms() or key == kept}
        )

    @classmethod
    def of(cls, activity) -> "ActivityForm":
        """The form filled with what is stored now: for editing, and to compare on a conflict."""
        # Never validated: the semester that bounds a posted date is not read for it.
        return super().of(activity, kind=activity.form)

    # What only managers change: the fields that earn points in the evaluation, and who is
    # responsible. The responsible teacher's row shows them as text, so they are not sent.
    LOCKED = (
        "date",
        "level",
        "kind",
        "status",
        "responsible_id",
        "presenter_ids",
        "external_presenter_ids",
    )

    def keep_locked(self, activity) -> list[str]:
        """Fields not sent keep their stored values; the labels of fields sent with another
        value than stored, so the view refuses them aloud instead of dropping them."""
        stored = ActivityForm.of(activity)
        refused = []
        for name in self.LOCKED:
            field, kept = self[name], stored[name]
            if not field.raw_data:
                field.data = kept.data
                if isinstance(field, DateField):  # as if typed, so InputRequired passes
                    field.raw_data = [field._value()]
            elif _normal(field.data) != _normal(kept.data):
                refused.append(field.label.text)
        return refused

    def validate_date(self, field):
        semester = self._semester
        if semester and field.data and not semester.contains(field.data):
            span = f"{semester.start:%Y-%m-%d} 至 {semester.end:%Y-%m-%d}"
            raise ValidationError(f"日期不在{semester.name}内（{span}）。")

    def validate_end_time(self, field):
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError("结束时间要晚于开始时间。")

    def validate_theme(self, field):
        field.data = field.data.strip()
        if not field.data:
            raise ValidationError("请填写活动主题。")

    def validate_partner_school_id(self, field):
        if self.level.data == "cluster" and not field.data:
            raise ValidationError("片区活动要选择结对学校。")

    def apply(self, activity) -> None:
        """Copy the listed fields only; the semester, token and version never come from a form."""
        for name in ("date", "start_time", "end_time", "level", "theme", "status"):
            setattr(activity, name, getattr(self, name).data)
        activity.form = self.kind.data
        activity.place = (self.place.data or "").strip()
        activity.procedure = (self.procedure.data or "").strip()
        # The objects, not just the ids, so that the row shown after a save names them (the
        # session's identity map answers without a query when they are unchanged).
        activity.responsible = _get(Staff, self.responsible_id.data)
        activity.partner_school = _get(PartnerSchool, self.partner_school_id.data)
        # Unchanged people are not read again: a save that changes the theme stays cheap.
        if set(self.presenter_ids.data or []) != set(activity.presenter_ids):
            activity.presenters = _load(Staff, self.presenter_ids.data)
        if set(self.external_presenter_ids.data or []) != set(activity.external_presenter_ids):
            activity.external_presenters = _load(ExternalMentor, self.external_presenter_ids.data)


def _normal(value):
    return sorted(value) if isinstance(value, list) else value


def _get(model, id_):
    return db.session.get(model, id_) if id_ else None


def _load(model, ids):
    if not ids:
        return []
    order = model.pinyin if model is Staff else model.name  # as the relationships are ordered
    return list(db.session.scalars(db.select(model).where(model.id.in_(ids)).order_by(order)))


def _taken(column, value: str, existing=None) -> bool:
    """Whether a row other than `existing` already has `value` in `column` (a unique name)."""
    model = column.class_
    query = db.select(model.id).where(column == value)
    if existing is not None:
        query = query.where(model.id != existing.id)
    return db.session.scalar(query) is not None


class SemesterForm(Form):
    name = StringField("学期名称", validators=required_text("学期名称", 40))
    start = ChineseDateField("开始日期", validators=[InputRequired("请填写开始日期。")])
    end = ChineseDateField("结束日期", validators=[InputRequired("请填写结束日期。")])

    def __init__(self, *args, existing: Semester | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._existing = existing

    def validate_name(self, field):
        field.data = field.data.strip()
        if _taken(Semester.name, field.data, self._existing):
            raise ValidationError("已经有同名的学期。")

    def validate_end(self, field):
        if field.data and self.start.data:
            if field.data <= self.start.data:
                raise ValidationError("结束日期要晚于开始日期。")
            if field.data - self.start.data > timedelta(days=250):
                raise ValidationError("一个学期不超过 250 天，请检查日期。")


class LibraryEntryForm(Versioned, Form):
    """A form of activity in the 活动形式库: new, or edited in place under the save protocol."""

    label = StringField("名称", validators=required_text("形式名称", 20))
    description = StringField("简介", validators=[at_most("简介", 200)])
    how = TextAreaField("怎样开展", validators=[at_most("怎样开展", 2000)])
    is_lesson = BooleanField("是一节课（观课、评分）")

    def __init__(self, *args, existing: LibraryForm | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._existing = existing if existing is not None else kwargs.get("obj")

    def validate_label(self, field):
        field.data = field.data.strip()
        if _taken(LibraryForm.label, field.data, self._existing):
            raise ValidationError("形式库里已经有同名的形式。")

    def apply(self, entry: LibraryForm) -> None:
        entry.label = self.label.data
        entry.description = (self.description.data or "").strip()
        entry.how = (self.how.data or "").strip().replace("\r\n", "\n")
        entry.is_lesson = bool(self.is_lesson.data)


class PartnerSchoolForm(Form):
    name = StringField("学校名称", validators=required_text("学校名称", 40))
    cluster = StringField("片区", validators=[at_most("片区", 40)])

    def validate_name(self, field):
        field.data = field.data.strip()
        if _taken(PartnerSchool.name, field.data):
            raise ValidationError("这所学校已经在列表中。")


class CopyForm(Form):
    target_id = SelectField("复制到", coerce=optional_int)
    weeks = IntegerField(
        "日期顺延（周）",
        validators=[
            InputRequired("请填写顺延的周数。"),
            NumberRange(min=-104, max=104, message="顺延周数在 -104 到 104 之间。"),
        ],
    )

    def __init__(self, *args, source: Semester, **kwargs):
        super().__init__(*args, **kwargs)
        others = db.session.scalars(
            db.select(Semester).where(Semester.id != source.id).order_by(Semester.start)
        ).all()
        self.target_id.choices = [("", "（请选择学期）"), *((s.id, s.name) for s in others)]
        self._semesters = {s.id: s for s in others}

    def validate_target_id(self, field):
        if not field.data:
            raise ValidationError("请选择要复制到的学期。")

    @property
    def target(self) -> Semester | None:
        return self._semesters.get(self.target_id.data)


def weeks_between(source: Semester, target: Semester) -> int:
    return round((target.start - source.start).days / 7)


class AttendanceForm(Form):
    staff_id = SelectField("教师", coerce=optional_int)
    status = SelectField("出勤", choices=choices(ATTENDANCE), default="present")
    reason = StringField("请假原因", validators=[at_most("请假原因", 200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = [*active_staff().items(), *mentor_accounts().items()]
        self.staff_id.choices = [("", "（请选择教师）"), *people]

    def validate_staff_id(self, field):
        if not field.data:
            raise ValidationError("请选择教师。")

    def validate_reason(self, field):
        field.data = (field.data or "").strip()
        if self.status.data == "excused" and not field.data:
            raise ValidationError("请假要写明原因。")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def pairing_choices():
    from intranet.mentoring.models import Pairing  # mentoring builds on the schedule

    pairings = db.session.scalars(
        db.select(Pairing)
        .where(Pairing.state.in_(("draft", "signed", "active", "completed")))
        .order_by(Pairing.id.desc())
    ).all()
    options = [
        (p.id, f"{p.mentor.name if p.mentor else p.external_mentor.name} — {p.apprentice.name}")
        for p in pairings
    ]
    return [("", "（请选择师徒结对）"), *options]


class InviteesForm(Form):
    """参加对象: groups ticked, a pairing, and people added to or taken out of the groups."""

    groups = CheckboxesField("参加群体", choices=choices(INVITE_GROUPS))
    pairing_id = SelectField("师徒结对", coerce=optional_int)
    added_ids = SelectMultipleField("另外邀请", coerce=int)
    removed_ids = SelectMultipleField("不邀请", coerce=int)

    def __init__(self, *args, activity=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._activity = activity
        self.pairing_id.choices = pairing_choices()
        self.added_ids.choices = self.removed_ids.choices = list(active_staff().items())

    @classmethod
    def of(cls, activity) -> "InviteesForm":
        added, removed = named_of(activity)
        return cls(
            formdata=None,
            activity=activity,
            groups=activity.invite_group_keys,
            pairing_id=activity.invite_pairing_id,
            added_ids=added,
            removed_ids=removed,
        )

    def validate_pairing_id(self, field):
        if "pairing" in (self.groups.data or []) and not field.data:
            raise ValidationError("勾选了“师徒结对”，请选择是哪一对师徒。")

    def validate_groups(self, field):
        activity = self._activity
        if "visitors" in (field.data or []) and activity and not activity.partner_school_id:
            raise ValidationError("邀请结对学校来宾，请先在活动里选择结对学校。")

    def validate_removed_ids(self, field):
        both = set(field.data or []) & set(self.added_ids.data or [])
        if both:
            raise ValidationError("同一个人不能既“另外邀请”又“不邀请”。")

    def apply(self, activity) -> None:
        groups = [key for key in INVITE_GROUPS if key in (self.groups.data or [])]
        activity.invite_groups = " ".join(groups)
        activity.invite_pairing_id = self.pairing_id.data if "pairing" in groups else None
        set_named(activity, set(self.added_ids.data or []), set(self.removed_ids.data or []))


class RecordForm(Form):
    summary = TextAreaField("活动纪要", validators=[at_most("活动纪要", 20000)])


class PlanTargetsForm(Form):
    """The plan's grid: how many activities of each level and form, one field per cell named
    count-<level>-<form>; a blank cell is 0."""

    MAX = 200

    @classmethod
    def build(cls, formdata=None, forms=None):
        """`forms`: the keys of the grid's rows (planning.plan_forms), every form by default."""

        class Grid(cls):
            pass

        forms = list(FORMS) if forms is None else forms
        message = f"请填 0 到 {cls.MAX} 的整数。"
        for level in LEVELS:
            for form in forms:
                setattr(
                    Grid,
                    f"count_{level}_{form}",
                    WholeNumberField(
                        f"{LEVELS[level]}{FORMS[form]}",
                        name=f"count-{level}-{form}",
                        invalid=message,
                        validators=[Optional(), NumberRange(0, cls.MAX, message)],
                    ),
                )
        grid = Grid(formdata=formdata)
        for level in LEVELS:
            for form in forms:
                grid[f"count_{level}_{form}"].cell = (level, form)
        return grid

    def counts(self) -> dict[tuple[str, str], int]:
        return {f.cell: f.data or 0 for f in self if hasattr(f, "cell")}

    def cell_errors(self) -> dict[tuple[str, str], str]:
        return {f.cell: f.errors[0] for f in self if hasattr(f, "cell") and f.errors}


class CheckInForm(Form):
    """Carries the CSRF token only: whom to check in is the logged-in person, never a field."""
