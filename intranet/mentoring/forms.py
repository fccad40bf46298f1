"""Mentoring forms: pools, the external team, duties, pairings and agreements, tasks, feedback,
development plans, observations and the rubric."""

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from intranet.concurrency import Versioned
from intranet.extensions import db
from intranet.forms import (
    ChineseDateField,
    Form,
    WholeNumberField,
    at_most,
    choices,
    optional_int,
    required_text,
    staff_choices,
)
from intranet.mentoring.models import PLAN_ITEM_KINDS, MentoringFeedback
from intranet.people.models import POOLS, ExternalMentor, PoolMembership, Staff
from intranet.schedule.models import Semester

# 导师工作责任 and 徒弟发展目标 as the seed's studio wrote them; the manager edits the numbers.
MENTOR_DUTIES = """1. 每学期为徒弟上示范课不少于 2 节，并组织徒弟听课、评课。
2. 每学期听徒弟的课不少于 4 节，每节课后及时评课，指导徒弟改进。
3. 指导徒弟的每一节汇报课，从备课、试教到展示全程跟进。
4. 指导徒弟制订个人发展规划，每学期检查一次完成情况。
5. 在师德修养、班级管理和教育科研上言传身教，做徒弟的榜样。"""
APPRENTICE_GOALS = """1. 每学期上汇报课 1 节，认真准备，虚心接受导师和同伴的评议。
2. 每学期听导师及其他名师的课不少于 8 节，写好听课记录与反思。
3. 每学期读一本教育教学专著，撰写读书心得 1 篇。
4. 每学年撰写教学论文或案例 1 篇，争取在区级以上获奖或发表。
5. 一年内能独立承担校级公开课，三年内争取成为区级骨干教师。"""


def semester_choices(blank: str | None = "（请选择学期）"):
    rows = db.session.execute(select_semesters()).all()
    options = [(row.id, row.name) for row in rows]
    return [("", blank), *options] if blank else options


def select_semesters():
    return db.select(Semester.id, Semester.name).order_by(Semester.start)


def mentor_choices():
    """Mentor-pool members first, then the external team: values staff:<id> or external:<id>."""
    pool = db.session.execute(
        db.select(Staff.id, Staff.name)
        .join(PoolMembership, PoolMembership.staff_id == Staff.id)
        .where(PoolMembership.pool == "mentor", PoolMembership.until.is_(None), Staff.colleague)
        .order_by(Staff.pinyin)
    ).all()
    team = db.session.execute(
        db.select(ExternalMentor.id, ExternalMentor.name, ExternalMentor.organisation)
        .where(ExternalMentor.active)
        .order_by(ExternalMentor.name)
    ).all()
    return [
        ("", "（请选择导师）"),
        *((f"staff:{row.id}", f"{row.name}（导师库）") for row in pool),
        *((f"external:{row.id}", f"{row.name}（{row.organisation}）") for row in team),
    ]


class PairingForm(Form):
    mentor = SelectField("导师")
    apprentice_id = SelectField("徒弟", coerce=optional_int)
    start_semester_id = SelectField("起始学期", coerce=optional_int)
    end_semester_id = SelectField("结束学期", coerce=optional_int)
    mentor_duties = TextAreaField(
        "导师工作责任", default=MENTOR_DUTIES, validators=[*required_text("导师工作责任", 4000)]
    )
    apprentice_goals = TextAreaField(
        "徒弟发展目标", default=APPRENTICE_GOALS, validators=[*required_text("徒弟发展目标", 4000)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mentor.choices = mentor_choices()
        self.apprentice_id.choices = staff_choices(blank="（请选择徒弟）")
        self.start_semester_id.choices = semester_choices()
        self.end_semester_id.choices = semester_choices()

    @property
    def mentor_ids(self) -> tuple[int | None, int | None]:
        """(staff id, external mentor id): exactly one is set."""
        kind, _, number = (self.mentor.data or "").partition(":")
        return (int(number), None) if kind == "staff" else (None, int(number))

    def validate_mentor(self, field):
        if not field.data:
            raise ValidationError("请选择导师。")

    def validate_apprentice_id(self, field):
        if not field.data:
            raise ValidationError("请选择徒弟。")
        if self.mentor.data == f"staff:{field.data}":
            raise ValidationError("导师和徒弟不能是同一个人。")

    def validate_start_semester_id(self, field):
        if not field.data:
            raise ValidationError("请选择起始学期。")

    def validate_end_semester_id(self, field):
        if not field.data:
            raise ValidationError("请选择结束学期。")
        start = db.session.get(Semester, self.start_semester_id.data or 0)
        end = db.session.get(Semester, field.data)
        if start and end and end.start < start.start:
            raise ValidationError("结束学期不能早于起始学期。")


class AgreementForm(Versioned, Form):
    mentor_duties = TextAreaField("导师工作责任", validators=required_text("导师工作责任", 4000))
    apprentice_goals = TextAreaField("徒弟发展目标", validators=required_text("徒弟发展目标", 4000))


class SignForm(Form):
    """The version of the text the signer read: signing a text that changed meanwhile is a 409."""

    version = HiddenField()


class EndForm(Form):
    reason = TextAreaField("终止原因", validators=required_text("终止原因", 1000))


class TaskForm(Form):
    text = StringField("任务", validators=required_text("任务", 300))
    due = ChineseDateField("完成期限", validators=[Optional()])


RATINGS = {"5": "非常满意", "4": "满意", "3": "一般", "2": "不太满意", "1": "不满意"}


class FeedbackForm(Form):
    """The apprentice's rating of the mentoring: once a semester, kept as given."""

    rating = RadioField(
        "对本学期带教的评价",
        choices=choices(RATINGS),
        validators=[InputRequired("请选择评价。")],
    )
    comment = TextAreaField("意见和建议", validators=[at_most("意见和建议", 2000)])

    def __init__(self, *args, pairing=None, semester=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._pairing, self._semester = pairing, semester

    def validate_rating(self, field):
        if self._pairing is None or self._semester is None:
            return
        rated = db.session.scalar(
            db.select(MentoringFeedback.id).where(
                MentoringFeedback.pairing_id == self._pairing.id,
                MentoringFeedback.semester_id == self._semester.id,
            )
        )
        if rated:
            raise ValidationError(f"{self._semester.name}已经评价过了，每学期评价一次。")


class PoolForm(Form):
    staff_id = SelectField("教师", coerce=optional_int)
    pool = SelectField("人才库", choices=choices(POOLS))
    since = ChineseDateField("入库日期", validators=[InputRequired("请填写入库日期。")])
    note = TextAreaField("入库理由", validators=[at_most("入库理由", 1000)])
    # The pools are for Party-member teachers (名特优党员教师): anyone else is added on purpose.
    not_a_member = BooleanField("我确认：这位教师不是中共党员（预备党员），仍加入人才库")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff_id.choices = staff_choices(blank="（请选择教师）")
        self.needs_confirmation = False

    def validate_staff_id(self, field):
        if not field.data:
            raise ValidationError("请选择教师。")
        current = db.session.scalar(
            db.select(PoolMembership.pool).where(
                PoolMembership.staff_id == field.data, PoolMembership.until.is_(None)
            )
        )
        if current is not None and current == self.pool.data:
            raise ValidationError(f"这位教师已经在{POOLS[current]}中。")
        staff = db.session.get(Staff, field.data)
        if staff and not staff.is_party_member and not self.not_a_member.data:
            self.needs_confirmation = True
            raise ValidationError(
                f"{staff.name}的政治面貌是“{staff.political_status_label}”，"
                "人才库面向党员教师。如确需加入，请勾选下面的确认后再提交。"
            )


class ExternalMentorForm(Form):
    name = StringField("姓名", validators=required_text("姓名", 40))
    organisation = StringField("单位", validators=required_text("单位", 60))
    speciality = StringField("专长", validators=[at_most("专长", 60)])
    contact = StringField("联系方式", validators=[at_most("联系方式", 60)])


class DutyForm(Form):
    staff_id = SelectField("成员", coerce=optional_int)
    duty = StringField("分工", validators=required_text("分工", 200))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff_id.choices = staff_choices(blank="（请选择成员）")

    def validate_staff_id(self, field):
        if not field.data:
            raise ValidationError("请选择成员。")


class PlanForm(Versioned, Form):
    start_year = IntegerField("起始学年", validators=[InputRequired("请填写起始学年。")])
    end_year = IntegerField("结束学年", validators=[InputRequired("请填写结束学年。")])
    goals = TextAreaField("发展目标", validators=required_text("发展目标", 8000))

    def __init__(self, *args, this_year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self._this_year = this_year

    def validate_start_year(self, field):
        if field.data is not None and not 2000 <= field.data <= 2100:
            raise ValidationError("请填写正确的年份，如 2025。")

    def validate_end_year(self, field):
        if field.data is None or self.start_year.data is None:
            return
        if field.data < self._this_year:
            raise ValidationError("规划的结束学年已经过去，请规划今后的学年。")
        if field.data < self.start_year.data:
            raise ValidationError("结束学年不能早于起始学年。")
        if field.data - self.start_year.data > 5:
            raise ValidationError("一份规划最多五个学年。")


class PlanItemForm(Form):
    semester_id = SelectField("学期", coerce=optional_int)
    kind = SelectField("类别", choices=choices(PLAN_ITEM_KINDS))
    target = IntegerField(
        "目标数量",
        validators=[
            InputRequired("请填写目标数量。"),
            NumberRange(min=1, max=100, message="目标数量在 1 到 100 之间。"),
        ],
    )
    note = StringField("说明", validators=[at_most("说明", 200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.semester_id.choices = semester_choices()

    def validate_semester_id(self, field):
        if not field.data:
            raise ValidationError("请选择学期。")


class PlanRecordForm(Form):
    """A step of a self-recorded target: what it was (a book's title, a thought) and/or a file;
    the view checks that at least one of the two came."""

    note = StringField("记录", validators=[at_most("记录", 200)])
    evidence = FileField("佐证材料")


class RubricItemForm(Form):
    name = StringField("评价项目", validators=required_text("评价项目", 40))
    description = StringField("评价要点", validators=[at_most("评价要点", 300)])
    max_score = IntegerField(
        "满分",
        validators=[
            InputRequired("请填写满分。"),
            NumberRange(min=1, max=100, message="满分在 1 到 100 之间。"),
        ],
    )


MAX_OBSERVATION_TEXT = 4000


def scoring_form(items, formdata):
    """The observation form for today's rubric: one whole-number score per item (field
    score-<item id>, 0 to its maximum) and the two texts. The rubric is data managers keep, so
    the form class is built from it; its errors read like every other form's."""

    class ScoringForm(Form):
        strengths = TextAreaField("优点与亮点", validators=[at_most("优点", MAX_OBSERVATION_TEXT)])
        suggestions = TextAreaField(
            "问题与建议", validators=[at_most("建议", MAX_OBSERVATION_TEXT)]
        )

    for item in items:
        message = f"“{item.name}”的分数在 0 到 {item.max_score} 之间。"
        field = WholeNumberField(
            item.name,
            name=f"score-{item.id}",
            invalid=message,
            validators=[
                InputRequired(f"请给“{item.name}”打分。"),
                NumberRange(0, item.max_score, message),
            ],
        )
        setattr(ScoringForm, f"score_{item.id}", field)
    form = ScoringForm(formdata=formdata)
    for item in items:
        form[f"score_{item.id}"].rubric_item = item
    return form


def scores_of(form) -> dict[int, int]:
    return {f.rubric_item.id: f.data for f in form if hasattr(f, "rubric_item")}


def score_errors(form) -> dict:
    """Errors the observation page shows: by rubric item id, and "text" for the two texts."""
    errors = {f.rubric_item.id: f.errors[0] for f in form if hasattr(f, "rubric_item") and f.errors}
    if form.strengths.errors or form.suggestions.errors:
        errors["text"] = f"优点和建议各不超过 {MAX_OBSERVATION_TEXT} 字。"
    return errors
