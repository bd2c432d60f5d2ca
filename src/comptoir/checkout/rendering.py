"""A lighter form renderer for the checkout page.

Django renders every field of a form through a chain of small templates (the field
group, its label, its widget, the widget's attributes, and one include per ``<option>``):
on the checkout page, with its two address forms and their country lists, that is a few
hundred template renders per page and most of the page's time. This renderer writes the
same markup in Python for the handful of templates the checkout's fields use (text,
email and number inputs, selects, labels, error lists, the field group) and hands
anything else (radios, checkboxes, a widget added later) to Django's templates, so a new
widget is rendered correctly, only not faster.

The markup is Django's own, attribute for attribute: labels tied to their inputs,
``required``, ``autocomplete``, ``aria-describedby`` for help texts and errors,
``aria-invalid`` on a field in error, the error list's id. Everything is escaped as the
templates escape it.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "email", "number", "hidden", "password", "url", "tel")
)
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def attrs_html(attrs: dict[str, Any]) -> str:
    """What ``django/forms/widgets/attrs.html`` writes: ``True`` as a bare name, ``False``
    left out, anything else as ``name="value"``."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {name}")
        else:
            out.append(f' {name}="{escape(str(value))}"')
    return "".join(out)


def input_html(widget: dict[str, Any]) -> str:
    value = widget["value"]
    value_html = "" if value is None else f' value="{escape(str(value))}"'
    return (
        f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"'
        f"{value_html}{attrs_html(widget['attrs'])}>"
    )


def option_html(option: dict[str, Any]) -> str:
    return (
        f'<option value="{escape(str(option["value"]))}"{attrs_html(option["attrs"])}>'
        f"{conditional_escape(option['label'])}</option>"
    )


def select_html(widget: dict[str, Any], fallback: Any) -> str:
    parts = [f'<select name="{escape(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            if option.get("template_name") == OPTION_TEMPLATE:
                parts.append(f"\n  {option_html(option)}")
            else:
                parts.append(f"\n  {fallback(option['template_name'], {'widget': option})}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def errors_html(errors: Any, error_class: str) -> str:
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    id_html = f' id="{escape(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
    return f'<ul class="{escape(error_class)}"{id_html}>{items}</ul>'


def field_group_html(field: Any) -> str:
    """``django/forms/field.html``: label (or legend), help text, errors, widget."""
    parts = []
    if field.use_fieldset:
        described = field.aria_describedby
        described_html = f' aria-describedby="{escape(described)}"' if described else ""
        parts.append(f"<fieldset{described_html}>")
        if field.label:
            parts.append(str(field.legend_tag()))
    elif field.label:
        parts.append(str(field.label_tag()))
    if field.help_text:
        id_html = f' id="{escape(field.auto_id)}_helptext"' if field.auto_id else ""
        # Help texts are the project's own words, marked safe like the template does.
        parts.append(f'<div class="helptext"{id_html}>{field.help_text}</div>')
    errors = str(field.errors)
    if errors:
        parts.append(errors)
    parts.append(str(field) + ("</fieldset>" if field.use_fieldset else ""))
    return "\n".join(parts)


class CheckoutFormRenderer(DjangoTemplates):
    """Django's default renderer, with the checkout's common templates written in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name in INPUT_TEMPLATES:
            return mark_safe(input_html(context["widget"]))  # noqa: S308 - escaped above
        if template_name == "django/forms/widgets/select.html":
            return mark_safe(select_html(context["widget"], self._template))  # noqa: S308
        if template_name == OPTION_TEMPLATE:
            return mark_safe(option_html(context["widget"]))  # noqa: S308
        if template_name == "django/forms/label.html":
            return mark_safe(self._label(context))  # noqa: S308
        if template_name in (
            "django/forms/errors/list/default.html",
            "django/forms/errors/list/ul.html",
        ):
            return mark_safe(errors_html(context["errors"], context["error_class"]))  # noqa: S308
        if template_name == "django/forms/field.html" and "field" in context:
            return mark_safe(field_group_html(context["field"]))  # noqa: S308
        return self._template(template_name, context, request)

    def _template(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        return super().render(template_name, context, request)

    @staticmethod
    def _label(context: dict[str, Any]) -> str:
        label = conditional_escape(context["label"])
        if not context.get("use_tag"):
            return label
        tag = context["tag"]
        return f"<{tag}{attrs_html(context.get('attrs') or {})}>{label}</{tag}>"


RENDERER = CheckoutFormRenderer()
