"""Sections other apps add to the citizen overview and the citizen's home page, without people importing them.

A panel is a function ``(request, grant) -> (template_name, context) | None``. Apps register
theirs in ``AppConfig.ready``; the pages render them in registration order. A panel reads and logs through
``people.access`` like any view.
"""

from django.template.loader import render_to_string

_PANELS = []
_CITIZEN_HOME_PANELS = []


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


def register_citizen_home(panel):
    """A panel ``(request, grant) -> (template_name, context) | None`` on the citizen's own home page."""
    if panel not in _CITIZEN_HOME_PANELS:
        _CITIZEN_HOME_PANELS.append(panel)
    return panel


def render_citizen_home_panels(request, grant):
    rendered = []
    for panel in _CITIZEN_HOME_PANELS:
        result = panel(request, grant)
        if result is not None:
            template_name, context = result
            rendered.append(render_to_string(template_name, {**context, "grant": grant}, request=request))
    return rendered
