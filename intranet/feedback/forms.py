"""The one question after an activity: 收获 on four points, and two optional lines."""

from wtforms import RadioField, StringField
from wtforms.validators import InputRequired, Length

from intranet.feedback.models import GAINS, LINE_MAX
from intranet.forms import Form, choices


class FeedbackForm(Form):
    gain = RadioField(
        "这次活动的收获",
        choices=choices(GAINS),
        coerce=int,
        validators=[InputRequired("请选择这次活动的收获。")],
    )
    useful = StringField(
        "最有用的一点（可选）",
        validators=[Length(max=LINE_MAX, message=f"“最有用的一点”最多 {LINE_MAX} 个字。")],
    )
    improve = StringField(
        "希望改进（可选）",
        validators=[Length(max=LINE_MAX, message=f"“希望改进”最多 {LINE_MAX} 个字。")],
    )
