from django import template
from django.utils.translation import gettext_lazy as _

from people.models import CareTeamMember, Section

register = template.Library()

LOG_SECTION_LABELS = {
    **dict(Section.choices),
    "care_team": _("Care team"),
    "access_log": _("Access log"),
    "access_code": _("Access code"),
    "blocks": _("Blocks"),
    "emergency": _("Emergency access"),
    "citizen": _("Personal details"),
}


@register.filter
def section_label(code):
    return LOG_SECTION_LABELS.get(code, code)


@register.filter
def role_labels(codes):
    labels = dict(CareTeamMember.Role.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes.split(",") if code)
