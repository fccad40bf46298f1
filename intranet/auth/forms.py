"""Login and password forms."""

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from intranet.auth.passwords import MAX_LENGTH, policy_error
from intranet.forms import Form


class LoginForm(Form):
    username = StringField("工号", validators=[DataRequired("请输入工号。"), Length(max=32)])
    password = PasswordField(
        "密码", validators=[DataRequired("请输入密码。"), Length(max=MAX_LENGTH)]
    )


class PasswordChangeForm(Form):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码。")])
    new = PasswordField("新密码", validators=[DataRequired("请输入新密码。")])
    confirm = PasswordField(
        "再输入一次新密码",
        validators=[
            DataRequired("请再输入一次新密码。"),
            EqualTo("new", "两次输入的新密码不一致。"),
        ],
    )

    def __init__(self, username: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._username = username

    def validate_new(self, field):
        if error := policy_error(field.data or "", self._username):
            raise ValidationError(error)
        if field.data == self.current.data:
            raise ValidationError("新密码不能与当前密码相同。")
