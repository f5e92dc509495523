"""Sections other apps add to the citizen overview, without people importing them.

A panel is a function ``(request, grant) -> (template_name, context) | None``; apps register
theirs in ``AppConfig.ready``. The overview renders them in registration order.
"""

from django.template.loader import render_to_string

_PANELS = []


def register(panel):
    if panel not in _PANELS:
        _PANELS.append(panel)
    return panel


def render_panels(request, grant):
    """The registered panels as HTML, for ``{{ panel }}`` in the overview template."""
    rendered = []
    for panel in _PANELS:
        result = panel(request, grant)
        if result is not None:
            template_name, context = result
            rendered.append(render_to_string(template_name, {**context, "grant": grant}, request=request))
    return rendered
