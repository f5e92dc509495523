"""The register's card on the outcome report (insights): for a leader, each 24-hour unit they lead with its last
four weeks' number of contacts and mean well-being change, suppressed as on the unit's page. Each card shown is one
aggregate read in the access log, as the unit's page is."""

from people.access import AggregateScope, log_aggregate, units_led_by

from . import figures
from .models import ContactRegister
from .sections import FIGURES


def for_leader(request):
    """The summaries of the registers of the units ``request.user`` leads; an empty list for anyone else."""
    led = units_led_by(request.user)
    if not led:
        return []
    summaries = []
    for register in ContactRegister.objects.filter(unit_id__in=led).select_related("unit"):
        summaries.append(figures.summary(register))
        scope = AggregateScope(user=request.user, unit_ids=frozenset({register.unit_id}))
        log_aggregate(
            request, scope, FIGURES, {"register": register.pk, "period": figures.DEFAULT_PERIOD, "as": "card"}
        )
    return summaries
