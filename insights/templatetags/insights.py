"""How a published figure reads: a number, "under 5", "hidden", or a dash for a mean without a base."""

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from measures.bands import instrument_title
from people.suppression import SMALL

register = template.Library()


def as_text(value, *, percent=False):
    """The figure as plain text (the page's cells, the CSV and the PDF say the same)."""
    if value is None:
        return "–"
    if hasattr(value, "withheld"):
        if value.withheld == "small":
            return _("under %(small)d") % {"small": SMALL}
        if value.withheld:
            return _("hidden")
        return str(value.value)
    if isinstance(value, Decimal | float):
        text = floatformat(value, -1 if value == int(value) else 1)
        return f"{text} %" if percent else text
    return str(value)


@register.filter
def figure(value, kind=""):
    text = as_text(value, percent=kind == "percent")
    if value is None:
        return format_html('<span class="muted" data-cell="none" title="{}">–</span>', _("Fewer than 5: not shown"))
    if hasattr(value, "withheld") and value.withheld:
        return format_html('<span class="muted" data-cell="{}">{}</span>', value.withheld, text)
    return format_html('<span data-cell="shown">{}</span>', text)


@register.filter
def band_label(band):
    low, high = band
    if low == high:
        return f"{low:+d}" if low else "0"
    if low < 0:
        return _("%(value)d or less") % {"value": high}
    return _("+%(value)d or more") % {"value": low}


@register.filter
def index(sequence, position):
    return sequence[position]


@register.filter
def get_instrument_title(instruments, key):
    return instrument_title(key) if key in instruments else key


CHANGE_LABELS = {
    "much-better": _lazy("Much better"),
    "a-little-better": _lazy("A little better"),
    "about-the-same": _lazy("About the same"),
    "a-little-worse": _lazy("A little worse"),
    "much-worse": _lazy("Much worse"),
}


@register.filter
def change_answer_label(code):
    return CHANGE_LABELS.get(code, code)
