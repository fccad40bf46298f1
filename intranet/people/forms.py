"""The staff form: one class serves the inline row and the new-staff row."""

import re

from wtforms import SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from intranet.forms import ChineseDateField, Form, choices
from intranet.people.models import (
    CAMPUSES,
    GENDERS,
    GRADE_GROUPS,
    POLITICAL_STATUSES,
    ROLES,
    SUBJECTS,
    TITLES,
)

BLANK = "（未填）"
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")


class StaffForm(Form):
    username = StringField(
        "工号",
        validators=[
            DataRequired("请填写工号。"),
            Regexp(USERNAME_PATTERN, message="工号只能用 2–32 位字母、数字、点、横线或下划线。"),
        ],
    )
    name = StringField("姓名", validators=[DataRequired("请填写姓名。"), Length(max=40)])
    gender = SelectField("性别", choices=choices(GENDERS, BLANK), validators=[Optional()])
    subject = SelectField("学科", choices=choices(SUBJECTS, BLANK), validators=[Optional()])
    grade_group = SelectField(
        "年级组", choices=choices(GRADE_GROUPS, BLANK), validators=[Optional()]
    )
    title = SelectField("职称", choices=choices(TITLES, BLANK), validators=[Optional()])
    political_status = SelectField(
        "政治面貌", choices=choices(POLITICAL_STATUSES), default="non_party"
    )
    campus = SelectField("原校区", choices=choices(CAMPUSES, BLANK), validators=[Optional()])
    # A new account is a teacher unless the admin says otherwise: never admin by accident.
    role = SelectField("角色", choices=choices(ROLES), default="teacher")

    def __init__(self, *args, existing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._existing = existing  # the staff being edited; None when creating

    def validate_name(self, field):
        field.data = (field.data or "").strip()
        if not field.data:
            raise ValidationError("请填写姓名。")

    def validate_username(self, field):
        from intranet.people.services import username_taken

        field.data = field.data.strip()
        if username_taken(field.data, exclude=self._existing):
            raise ValidationError("这个工号已经有人使用。")

    def apply(self, staff) -> None:
        """Copy the listed fields only: role and the rest are never bound blindly from a request."""
        for name in ("username", "name", "political_status", "role"):
            setattr(staff, name, getattr(self, name).data)
        for name in ("gender", "subject", "grade_group", "title", "campus"):
            setattr(staff, name, getattr(self, name).data or None)


class RosterUploadForm(Form):
    pass  # the file is read from request.files; the form carries the CSRF token


class StatusDateField(ChineseDateField):
    FIRST_YEAR = 1950  # a long-standing member joined long before the app


class StatusChangeForm(Form):
    """An admin records a new 政治面貌 and the day it took effect (people.status.record_change)."""

    status = SelectField("新的政治面貌", choices=choices(POLITICAL_STATUSES))
    since = StatusDateField("生效日期", validators=[InputRequired("请填写生效日期。")])

    def __init__(self, *args, person=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._person, self._today = person, today

    def validate_since(self, field):
        if field.data and self._today and field.data > self._today:
            raise ValidationError("生效日期不能晚于今天。")

    def validate_status(self, field):
        from intranet.people.status import status_on

        if self._person is None or not self.since.data:
            return
        if status_on(self._person, self.since.data) == field.data:
            label = POLITICAL_STATUSES[field.data]
            raise ValidationError(f"这一天已经是“{label}”，无需登记。")
