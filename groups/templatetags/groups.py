import datetime

from django import template

from audit import sections

register = template.Library()


@register.filter
def section_label(key):
    """The translated label of a registered section key."""
    return sections.label(key)


@register.filter
def meeting_end(starts_at, minutes):
    return starts_at + datetime.timedelta(minutes=int(minutes))
