"""The outcome report on screen, as CSV, PDF and JSON: one report, published once, shown four ways.

Every view finds the reader's scope (``insights.scope.report_scope``: a leader's units or a
coordinator's caseload; anyone else 403), reads the filters (bad ones are a form error or a 400
naming the parameter), builds the published report and writes one aggregate read to the access
log (who, which report, which filters, which units). No view shows a citizen.
"""

import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.tokens import user_for_bearer
from gatherings.relatives_surveys import for_leader as relatives_surveys_for_leader
from measures import scoring
from measures.bands import instrument_title
from people.access import log_aggregate
from social_emergency.summaries import for_leader as emergency_contact_summaries
from web.pdf import html_to_pdf

from . import charts, peer, report, series
from .forms import QUERY_NAMES, ReportFilterForm, data_from_query
from .scope import report_scope
from .sections import OUTCOME_REPORT
from .templatetags.insights import as_text

RUN_CHARTS = ("first_contact_within_deadline", "first_contact_median_days", "dropped_out_share")


def _prepared(request, user, kind):
    """``(scope, form, published report or None)``; the read is logged when the report is built."""
    scope = report_scope(user)
    form = ReportFilterForm(data_from_query(request.GET), scope=scope)
    if not form.is_valid():
        return scope, form, None
    filters = form.filters()
    published = report.build(scope, filters)
    log_aggregate(request, scope.for_log(), OUTCOME_REPORT, {**filters.for_log(), "as": kind, "scope": scope.kind})
    return scope, form, published


def _run_charts(scope, filters):
    episodes = report.report_episodes(scope, filters)
    drawings = []
    for key in RUN_CHARTS:
        measure = series.MEASURES[key]
        values = series.monthly(episodes, key, filters.start, filters.end)
        drawings.append(
            charts.draw(
                chart_id=f"run-{key}",
                title=str(measure.label),
                description=_("One point per month of the period; the dashed line is the median."),
                values=values,
                unit=measure.unit,
                y_max=100 if measure.unit == series.PERCENT else None,
            )
        )
    return drawings


@login_required
@require_GET
def outcome_report(request):
    scope, form, published = _prepared(request, request.user, "page")
    context = {"form": form, "scope": scope, "report": published, "instruments": scoring.INSTRUMENTS}
    if published is None:
        return render(request, "insights/report.html", context, status=400)
    context["run_charts"] = _run_charts(scope, published.filters)
    context["peer"] = peer.compare(scope, published.filters, report.report_episodes(scope, published.filters))
    context["emergency_contacts"] = emergency_contact_summaries(request)
    filters = published.filters
    context["relatives_surveys"] = relatives_surveys_for_leader(request, filters.start, filters.end, filters.unit)
    context["query"] = request.GET.urlencode()
    return render(request, "insights/report.html", context)


def _bearer_or_session(request):
    if request.headers.get("Authorization"):
        return user_for_bearer(request)
    if request.user.is_authenticated:
        return request.user
    return None


@require_GET
def outcomes_json(request):
    """``GET /insights/outcomes.json?from=…&to=…[&unit=…][&pathway=…]`` with a session or a bearer token."""
    user = _bearer_or_session(request)
    if user is None:
        response = JsonResponse({"error": "A login or a valid bearer token is required."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="samplan"'
        return response
    try:
        _scope, form, published = _prepared(request, user, "json")
    except PermissionDenied:
        return JsonResponse({"error": "You may not see this report."}, status=403)
    if published is None:
        names = {field: name for name, field in QUERY_NAMES.items()}  # the parameters' names, as asked
        errors = {names.get(field, field): [str(e) for e in messages] for field, messages in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    response = JsonResponse(published.as_json())
    response["Cache-Control"] = "no-store"
    return response


def _text_cell(text):
    """A name as a spreadsheet reads it: one that starts like a formula gets a leading apostrophe."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_rows(published):
    header = [
        _("Unit"),
        _("Pathway"),
        _("Referrals"),
        _("Waiting"),
        _("Started"),
        _("Completed"),
        _("Dropped out"),
        _("Transferred"),
        _("Ongoing"),
        _("Median days to first contact"),
        _("First contact within the deadline (%)"),
        _("User evaluations answered"),
        _("Perceived benefit (mean)"),
    ]
    for key in published.instruments:
        title = instrument_title(key)
        header += [
            f"{title}: {label}"
            for label in (
                _("two scores or more"),
                _("only one score"),
                _("reliably improved"),
                _("no reliable change"),
                _("reliably deteriorated"),
                _("recovered"),
                _("reliably recovered"),
                _("mean change"),
            )
        ]
    yield header
    total_label = _("All")
    for row in [*published.rows, {**published.total, "unit": None, "template": None}]:
        line = [
            _text_cell(row["unit"].name) if row["unit"] else total_label,
            _text_cell(row["template"].name) if row["template"] else total_label,
            *(
                as_text(row[key])
                for key in (
                    "referrals",
                    "waiting",
                    "started",
                    "completed",
                    "dropped_out",
                    "transferred",
                    "ongoing",
                    "first_contact_median_days",
                )
            ),
            as_text(row["first_contact_within_deadline"]),
            as_text(row["user_evaluations"]),
            as_text(row["perceived_benefit_mean"]),
        ]
        for instrument in row["instruments"]:
            line += [
                as_text(instrument[key])
                for key in (
                    "with_two_scores",
                    "only_one_score",
                    "reliably_improved",
                    "no_reliable_change",
                    "reliably_deteriorated",
                    "recovered",
                    "reliably_recovered",
                    "mean_change",
                )
            ]
        yield line


@login_required
@require_GET
def outcomes_csv(request):
    """The published table, suppressed exactly as on the page — never more."""
    _scope, form, published = _prepared(request, request.user, "csv")
    if published is None:
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for line in _csv_rows(published):
        writer.writerow(line)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filters = published.filters
    response["Content-Disposition"] = f'attachment; filename="utfall-{filters.start}-{filters.end}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def outcomes_pdf(request):
    scope, form, published = _prepared(request, request.user, "pdf")
    if published is None:
        return render(request, "insights/report.html", {"form": form, "scope": scope, "report": None}, status=400)
    html = render_to_string(
        "insights/pdf/report.html",
        {
            "report": published,
            "scope": scope,
            "printed": timezone.localtime(),
            "run_charts": _run_charts(scope, published.filters),
            "instruments": scoring.INSTRUMENTS,
        },
        request=request,
    )
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="utfall-{published.filters.start}-{published.filters.end}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
