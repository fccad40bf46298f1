"""WTForms' common widgets, rendered with plain strings.

WTForms builds every attribute through Markup.format and finds a field's flags with dir(); a
schedule row's form spent a third of its rendering there. Here the inputs, selects and text
areas whose widgets WTForms renders itself come out the same HTML, attribute for attribute
(tests/test_widgets.py compares them); any other widget, or a select with option groups, is
left to WTForms.
"""

from markupsafe import Markup, escape
from wtforms.widgets import core


def attributes(attrs: dict) -> str:
    """html_params(): sorted by name; True is the bare name, False leaves it out."""
    found = []
    for key in sorted(attrs):
        value = attrs[key]
        if value is True:
            found.append(core.clean_key(key))
        elif value is not False:
            found.append(f'{core.clean_key(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return " ".join(found)


def _with_flags(field, attrs: dict, names, call=False) -> None:
    """The validators' flags the widget shows (required, maxlength, …), unless given."""
    for key, value in vars(field.flags).items():
        if key in names and key not in attrs:
            attrs[key] = value() if call and callable(value) else value


def _input(field, attrs: dict) -> Markup:
    widget = field.widget
    attrs.setdefault("id", field.id)
    attrs.setdefault("type", widget.input_type)
    if "value" not in attrs:
        attrs["value"] = field._value()
    datalist = getattr(field, "_datalist", None)
    if datalist is not None and "list" not in attrs:
        attrs["list"] = datalist if isinstance(datalist, str) else datalist.id
    _with_flags(field, attrs, widget.validation_attrs, call=True)
    return Markup(f"<input {attributes({'name': field.name, **attrs})}>")


def _dated_input(field, attrs: dict) -> Markup:
    """A date or time: min and max given as dates are written in the field's format."""
    shape = getattr(field, "format", None)
    if shape is not None:
        shape = shape[0] if isinstance(shape, list) else shape
        for key in ("min", "max"):
            value = attrs.get(key, getattr(field.flags, key, None))
            if callable(value):
                value = value()
            if hasattr(value, "strftime"):
                attrs[key] = value.strftime(shape)
    return _input(field, attrs)


def _number_input(field, attrs: dict) -> Markup:
    widget = field.widget
    for key in ("step", "min", "max"):
        if getattr(widget, key) is not None:
            attrs.setdefault(key, getattr(widget, key))
    return _input(field, attrs)


def _textarea(field, attrs: dict) -> Markup:
    attrs.setdefault("id", field.id)
    _with_flags(field, attrs, field.widget.validation_attrs)
    text = escape(field._value())
    return Markup(f"<textarea {attributes({'name': field.name, **attrs})}>\r\n{text}</textarea>")


def _select(field, attrs: dict) -> Markup:
    widget = field.widget
    attrs.setdefault("id", field.id)
    if widget.multiple:
        attrs["multiple"] = True
    _with_flags(field, attrs, widget.validation_attrs)
    html = [f"<select {attributes({'name': field.name, **attrs})}>"]
    for choice in field._iter_choices_normalized():
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        option = {"value": value, **(choice.render_kw or {})}
        if choice.selected:
            option["selected"] = True
        html.append(f"<option {attributes(option)}>{escape(choice.label or choice.value)}</option>")
    html.append("</select>")
    return Markup("".join(html))


# Which widgets render here: the input types by the __call__ they inherit (a subclass that
# only names its type renders as its base), and the text area and select themselves.
BY_CALL = {
    core.Input.__call__: _input,
    core._DateTimeBaseInput.__call__: _dated_input,
    core.NumberInput.__call__: _number_input,
}
FAST = {
    cls: BY_CALL[cls.__call__]
    for cls in vars(core).values()
    if isinstance(cls, type) and issubclass(cls, core.Input) and cls.__call__ in BY_CALL
} | {core.TextArea: _textarea, core.Select: _select}


def render(field, attrs: dict):
    """The field as HTML, or None when WTForms must render it (another widget, option groups)."""
    how = FAST.get(type(field.widget))
    if how is None or (how is _select and field.has_groups()):
        return None
    return how(field, attrs)
