"""The register's pages, under /emergency-contacts/. Who may open which: ``social_emergency.scope`` (a register
that is not the user's is a 404; a citizen gets 403). Reading the figures writes one aggregate event; linking a
contact goes through ``people.access`` and logs on the citizen (``actions.link_contact``)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from people.access import log_aggregate, log_list_read, visible_to
from people.models import Section
from people.suppression import SMALL
from web.decorators import staff_required
from web.forms import add_errors

from . import actions, figures
from .forms import ContactForm, LinkForm, PeriodForm
from .models import Contact
from .scope import register_or_404, registers_for
from .sections import FIGURES


@staff_required
@require_GET
def registers(request):
    """The registers the user records in or reads; none for anyone outside the units."""
    return render(request, "social_emergency/registers.html", {"registers": registers_for(request.user)})


@staff_required
@require_http_methods(["GET", "POST"])
def record(request, register_id):
    """One screen, one submit: a contact recorded in seconds."""
    entry = register_or_404(request.user, register_id, to_record=True)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = actions.record_contact(entry.register, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect("social_emergency:recorded", register_id=entry.register.pk, contact_id=contact.pk)
    context = {"entry": entry, "register": entry.register, "form": form}
    return render(request, "social_emergency/record.html", context, status=400 if form.errors else 200)


def _contact_or_404(entry, contact_id, user):
    """A contact of the register, recorded by ``user``: staff confirm and link only what they recorded."""
    contact = Contact.objects.filter(pk=contact_id, register=entry.register, recorded_by=user).first()
    if contact is None:
        raise Http404
    return contact


@staff_required
@require_GET
def recorded(request, register_id, contact_id):
    entry = register_or_404(request.user, register_id, to_record=True)
    contact = _contact_or_404(entry, contact_id, request.user)
    topics = [topic.label for topic in contact.topics.all()]
    return render(
        request, "social_emergency/recorded.html", {"register": entry.register, "contact": contact, "topics": topics}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def link(request, register_id, contact_id):
    """Link an identified contact to the person's record: with their consent, by staff who have access to it."""
    entry = register_or_404(request.user, register_id, to_record=True)
    contact = _contact_or_404(entry, contact_id, request.user)
    if not contact.identified or contact.is_linked:
        return redirect("social_emergency:recorded", register_id=entry.register.pk, contact_id=contact.pk)
    # Only those the worker is on the care team of (not emergency access); listing them is a read of each.
    citizens = visible_to(request.user).filter(via_care_team=True).order_by("family_name", "given_name")
    form = LinkForm(request.POST or None, citizens=citizens)
    if request.method == "POST" and form.is_valid():
        try:
            actions.link_contact(
                contact, form.cleaned_data["citizen"], acting_user=request.user, consent=form.cleaned_data["consent"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect("social_emergency:recorded", register_id=entry.register.pk, contact_id=contact.pk)
    listed = list(citizens)
    log_list_read(request, listed, Section.OVERVIEW, f"social emergency contact {contact.pk}: choose a record to link")
    context = {"register": entry.register, "contact": contact, "form": form, "has_citizens": bool(listed)}
    return render(request, "social_emergency/link.html", context, status=400 if form.errors else 200)


@staff_required
@require_GET
def unit_figures(request, register_id):
    """The unit's figures for a period, suppressed; reading them is logged as an aggregate read."""
    entry = register_or_404(request.user, register_id)
    form = PeriodForm(request.GET or None)
    if request.GET and not form.is_valid():
        context = {"entry": entry, "register": entry.register, "form": form, "figures": None}
        return render(request, "social_emergency/figures.html", context, status=400)
    period = form.chosen_period() if form.is_bound else figures.DEFAULT_PERIOD
    published = figures.build(entry.register, period)
    log_aggregate(request, entry.for_log(request.user), FIGURES, {"register": entry.register.pk, "period": period})
    context = {"entry": entry, "register": entry.register, "form": form, "figures": published, "small": SMALL}
    return render(request, "social_emergency/figures.html", context)
