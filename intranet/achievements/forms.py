"""Forms of the achievements area: an achievement, a work report and its review, the scheme."""

from flask_wtf.file import FileField
from wtforms import FloatField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError

from intranet.achievements.models import KINDS, LEVELS, SCHEME_FIELDS
from intranet.achievements.services import REVIEW_DECISIONS
from intranet.clock import school_today
from intranet.concurrency import Versioned
from intranet.forms import ChineseDateField, Form, at_most, choices, required_text


class AchievementForm(Form):
    kind = SelectField("类别", choices=choices(KINDS), default="award")
    level = SelectField("级别", choices=choices(LEVELS), default="district")
    title = StringField("名称", validators=required_text("成果名称", 200))
    awarded_on = ChineseDateField("获得日期", validators=[InputRequired("请填写获得日期。")])
    issuer = StringField("颁发单位", validators=[at_most("颁发单位", 100)])
    certificate = FileField("证书（图片或 PDF）")

    def validate_title(self, field):
        field.data = field.data.strip()
        if not field.data:
            raise ValidationError("请填写成果名称。")

    def validate_awarded_on(self, field):
        if field.data and field.data > school_today():
            raise ValidationError("获得日期不能晚于今天。")
        if field.data and field.data.year < 1950:
            raise ValidationError("请检查获得日期的年份。")

    def apply(self, achievement) -> None:
        """Copy the listed fields only: owner and verification never come from a form."""
        achievement.kind = self.kind.data
        achievement.level = self.level.data
        achievement.title = self.title.data
        achievement.awarded_on = self.awarded_on.data
        achievement.issuer = (self.issuer.data or "").strip()


class ReportForm(Versioned, Form):
    body = TextAreaField("汇报内容", validators=[at_most("汇报内容", 20000)])


class ReviewForm(Versioned, Form):
    review = TextAreaField("评语", validators=[at_most("评语", 4000)])
    decision = SelectField("处理", choices=choices(REVIEW_DECISIONS), default="comment")

    def validate_review(self, field):
        field.data = (field.data or "").strip()
        if self.decision.data == "return" and not field.data:
            raise ValidationError("退回修改时请写明修改意见。")


class ChineseFloatField(FloatField):
    """A number whose parse error reads in Chinese; NaN and infinity are not numbers here."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            value = float(valuelist[0].strip())
        except ValueError as error:
            self.data = None
            raise ValueError("请填写数字，如 2 或 1.5。") from error
        if value != value or value in (float("inf"), float("-inf")):
            self.data = None
            raise ValueError("请填写数字，如 2 或 1.5。")
        self.data = value

    def _value(self):
        """2 rather than 2.0: the number as a person writes it; what they typed when invalid."""
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data:g}" if isinstance(self.data, float) else ""


def between(low: float, high: float):
    """A range check that leaves an unreadable number to the field's own message."""

    def check(_form, field):
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(f"分值应在 {low:g} 到 {high:g} 之间。")

    return check


class SchemeForm(Form):
    report_deadline = ChineseDateField("工作汇报截止日期", validators=[Optional()])

    def apply(self, scheme) -> None:
        scheme.report_deadline = self.report_deadline.data
        for name, _label, _default in SCHEME_FIELDS:
            setattr(scheme, name, getattr(self, name).data)

    @property
    def point_fields(self):
        return [getattr(self, name) for name, _label, _default in SCHEME_FIELDS]


for _name, _label, _default in SCHEME_FIELDS:
    top = 10 if _name == "observation_weight" else 100
    setattr(
        SchemeForm,
        _name,
        ChineseFloatField(
            _label,
            validators=[
                InputRequired(f"请填写“{_label}”的分值。"),
                between(0, top),
            ],
        ),
    )
