"""Form fields in Designsystemet markup, with the ARIA wiring React components would add."""

from django import forms, template
from django.utils.html import format_html

register = template.Library()

CHOICE_WIDGETS = (forms.CheckboxSelectMultiple, forms.RadioSelect)


@register.filter
def is_checkbox(field):
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_choice_group(field):
    return isinstance(field.field.widget, CHOICE_WIDGETS)


@register.filter
def is_hidden(field):
    return field.is_hidden


def describedby(field):
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


@register.simple_tag
def ds_widget(field):
    """The field's input with ``ds-input``, ``aria-describedby`` and ``aria-invalid``."""
    attrs = {"class": "ds-input"}
    wired = describedby(field)
    if wired:
        attrs["aria-describedby"] = wired
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.simple_tag
def ds_choice(field, subwidget):
    """One checkbox or radio of a group, in its own ``ds-field``."""
    attrs = dict(subwidget.data["attrs"])
    attrs["class"] = "ds-input"
    if field.errors:
        attrs["aria-invalid"] = "true"
    subwidget.data["attrs"] = attrs
    return format_html(
        '<div class="ds-field">{}<label class="ds-label" data-weight="regular" for="{}">{}</label></div>',
        subwidget.tag(),
        subwidget.id_for_label,
        subwidget.choice_label,
    )
