"""Forms of the suggestion box. Text is stored as typed: only emptiness is judged after trimming."""

from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from intranet.forms import Form, choices
from intranet.suggestions.models import CATEGORIES, STATUSES

TITLE_MAX = 100
BODY_MAX = 5000


def not_blank(message: str):
    def check(_form, field):
        if not (field.data or "").strip():
            raise ValidationError(message)

    return check


class SuggestionForm(Form):
    category = SelectField("类别", choices=choices(CATEGORIES), default="activities")
    title = StringField(
        "标题",
        validators=[
            not_blank("请写一个标题。"),
            Length(max=TITLE_MAX, message="标题不能超过 100 个字。"),
        ],
    )
    body = TextAreaField(
        "建议内容",
        validators=[
            not_blank("请写下您的建议。"),
            Length(max=BODY_MAX, message="内容不能超过 5000 个字，可以分几条提交。"),
        ],
    )
    identity = RadioField(
        "署名方式",
        choices=choices({"named": "实名提交", "anonymous": "匿名提交"}),
        default="named",
        validators=[InputRequired("请选择实名或匿名。")],
    )
    attachment = FileField("附件（可选）")


class MessageForm(Form):
    """A reply, a follow-up or a private note: one text."""

    body = TextAreaField(
        "内容",
        validators=[
            not_blank("请填写内容。"),
            Length(max=BODY_MAX, message="内容不能超过 5000 个字。"),
        ],
    )


class TrackForm(Form):
    receipt = StringField(
        "回执码",
        validators=[not_blank("请输入回执码。"), Length(max=60, message="回执码不对。")],
    )


class StatusForm(Form):
    status = SelectField("新状态", choices=choices(STATUSES))
    reason = TextAreaField("说明", validators=[Length(max=BODY_MAX)])

    def validate_reason(self, field):
        if self.status.data == "declined" and not (field.data or "").strip():
            raise ValidationError("“暂不采纳”需要写明原因，作者会看到。")


class DuplicateForm(Form):
    original = StringField("原建议编号", validators=[not_blank("请选择要合并到的原建议。")])
