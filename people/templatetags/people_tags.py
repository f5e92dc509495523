from django import template

from audit import sections as section_registry
from people.models import CareTeamMember

register = template.Library()


@register.filter
def section_label(code):
    return section_registry.label(code)


@register.filter
def role_labels(codes):
    labels = dict(CareTeamMember.Role.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes.split(",") if code)
