"""The coordinator's worklist: one list of what needs attention, most urgent first.

Each source is one query over the citizens the user coordinates (or the user's own appointments
and notes), so the number of queries does not grow with the caseload. An item disappears when
what it points at is handled: nothing is stored about the list itself.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from journal.queries import unsigned_notes
from measures import scoring
from measures.models import QuestionnaireResponse, Score
from pathways.models import Appointment, Episode, ScheduledQuestionnaire
from people.models import CareTeamMember, Citizen
from plans.actions import REVISION_WARNING_DAYS
from plans.models import PlanComment, PlanVersion

# How urgent an item is; the list is sorted by this, then by when.
OVERDUE, TODAY, SOON = 0, 1, 2
URGENCY_LABELS = {OVERDUE: gettext_lazy("Overdue"), TODAY: gettext_lazy("Today"), SOON: gettext_lazy("To do")}

CHECKIN_KEY = "checkin"
UNSIGNED_AFTER = datetime.timedelta(days=1)
FIRST_CONTACT_WARNING_DAYS = 2


@dataclass
class Item:
    kind: str
    urgency: int
    when: datetime.datetime
    citizen: Citizen
    text: str
    url: str

    @property
    def urgency_label(self):
        return URGENCY_LABELS[self.urgency]

    @property
    def sort_key(self):
        return (self.urgency, self.when, self.citizen.family_name, self.kind)


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def coordinated(user):
    """The citizens ``user`` may open and is the active coordinator for."""
    return Citizen.objects.visible_to(user).filter(
        Exists(
            CareTeamMember.objects.active().filter(
                citizen=OuterRef("pk"), user=user, role=CareTeamMember.Role.COORDINATOR
            )
        )
    )


def worklist_for(user, now=None):
    """Everything that needs ``user``'s attention now, most urgent first."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    mine = list(coordinated(user).only("pk", "given_name", "family_name", "user_id"))
    by_id = {citizen.pk: citizen for citizen in mine}
    items = []
    items += _first_contacts(by_id, today)
    items += _todays_appointments(user, now, today)
    items += _missed_appointments(user, by_id)
    items += _missed_checkins(by_id, now)
    items += _deteriorations(by_id)
    items += _plan_revisions(by_id, today)
    items += _unsigned_notes(user)
    items += _pending_evaluations(by_id, today)
    items += _plan_comments(by_id)
    return sorted(items, key=lambda item: item.sort_key)


def _first_contacts(by_id, today):
    episodes = Episode.objects.filter(
        citizen_id__in=by_id,
        status__in=Episode.OPEN,
        first_contact_on__isnull=True,
        first_contact_due__lte=today + datetime.timedelta(days=FIRST_CONTACT_WARNING_DAYS),
    ).select_related("template")
    for episode in episodes:
        due = episode.first_contact_due
        urgency = OVERDUE if due < today else TODAY if due == today else SOON
        yield Item(
            "first_contact",
            urgency,
            _start_of(due),
            by_id[episode.citizen_id],
            _("First contact due %(date)s (%(pathway)s)")
            % {"date": due.strftime("%d.%m.%Y"), "pathway": episode.template},
            reverse("pathways:episode", args=[episode.citizen_id, episode.pk]),
        )


def _todays_appointments(user, now, today):
    appointments = Appointment.objects.filter(
        staff=user,
        status=Appointment.Status.PLANNED,
        starts_at__gte=_start_of(today),
        starts_at__lt=_start_of(today + datetime.timedelta(days=1)),
        citizen__in=Citizen.objects.visible_to(user).values("pk"),
    ).select_related("citizen")
    for appointment in appointments:
        local = timezone.localtime(appointment.starts_at)
        yield Item(
            "appointment",
            TODAY,
            appointment.starts_at,
            appointment.citizen,
            _("%(time)s: %(title)s (%(kind)s)")
            % {"time": local.strftime("%H:%M"), "title": appointment.title, "kind": appointment.get_kind_display()},
            reverse("pathways:appointment", args=[appointment.citizen_id, appointment.pk]),
        )


def _missed_appointments(user, by_id):
    """Missed and not followed up: the coordinated citizens', and the user's own with anyone else.

    Two queries, not one with an OR: PostgreSQL plans the OR across the citizen list and the staff
    member badly (a sequential scan; bench/worklist.py measured it at a third of the page's time).
    """
    missed = Appointment.objects.filter(status=Appointment.Status.MISSED, followed_up_at__isnull=True)
    appointments = {a.pk: a for a in missed.filter(citizen_id__in=by_id).select_related("citizen")}
    own = missed.filter(staff=user, citizen__in=Citizen.objects.visible_to(user).values("pk")).exclude(
        citizen_id__in=by_id
    )
    appointments.update((a.pk, a) for a in own.select_related("citizen"))
    for appointment in appointments.values():
        yield Item(
            "missed",
            OVERDUE,
            appointment.starts_at,
            appointment.citizen,
            _("Missed appointment %(date)s, not followed up")
            % {"date": timezone.localtime(appointment.starts_at).strftime("%d.%m.%Y %H:%M")},
            reverse("pathways:appointment", args=[appointment.citizen_id, appointment.pk]),
        )


def _missed_checkins(by_id, now):
    """Citizens with a login who checked in before (or are on an active pathway) but not for 14 days."""
    limit = now - datetime.timedelta(days=settings.CHECKIN_MISSED_DAYS)
    with_login = [pk for pk, citizen in by_id.items() if citizen.user_id]
    rows = (
        Citizen.objects.filter(pk__in=with_login)
        .annotate(
            last_checkin=Max(
                "questionnaire_responses__authored_at",
                filter=Q(
                    questionnaire_responses__status=QuestionnaireResponse.Status.COMPLETED,
                    questionnaire_responses__questionnaire__url__endswith=f"/{CHECKIN_KEY}",
                ),
            ),
            on_pathway=Exists(
                Episode.objects.filter(citizen=OuterRef("pk"), status=Episode.Status.ACTIVE, started_at__lte=limit)
            ),
        )
        .filter(Q(last_checkin__lt=limit) | Q(last_checkin__isnull=True, on_pathway=True))
        .values_list("pk", "last_checkin")
    )
    for pk, last in rows:
        text = (
            _("No check-in since %(date)s") % {"date": timezone.localtime(last).strftime("%d.%m.%Y")}
            if last
            else _("No check-in yet")
        )
        yield Item("checkin", SOON, last or limit, by_id[pk], text, reverse("measures:overview", args=[pk]))


def _deteriorations(by_id):
    """Reliable deterioration: the latest score against the first, per instrument (one windowed query)."""
    partition = [F("citizen_id"), F("instrument")]
    scores = (
        Score.objects.filter(citizen_id__in=by_id, total__isnull=False)
        .annotate(
            first=Window(RowNumber(), partition_by=partition, order_by=[F("effective_at").asc(), F("id").asc()]),
            last=Window(RowNumber(), partition_by=partition, order_by=[F("effective_at").desc(), F("id").desc()]),
        )
        .filter(Q(first=1) | Q(last=1))
        .values_list("citizen_id", "instrument", "total", "effective_at", "first", "last")
    )
    ends = {}
    for citizen_id, instrument, total, effective_at, first, last in scores:
        pair = ends.setdefault((citizen_id, instrument), [None, None])
        if first == 1:
            pair[0] = total
        if last == 1:
            pair[1] = (total, effective_at)
    for (citizen_id, instrument), (first_total, last) in ends.items():
        if first_total is None or last is None or instrument not in scoring.INSTRUMENTS:
            continue
        last_total, when = last
        comparison = scoring.classify_against_first(instrument, first_total, last_total)
        if comparison.get("direction") == "reliable_deterioration":
            yield Item(
                "deterioration",
                OVERDUE,
                when,
                by_id[citizen_id],
                _("%(instrument)s: reliably worse than at the start")
                % {"instrument": scoring.INSTRUMENTS[instrument].title},
                reverse("measures:overview", args=[citizen_id]),
            )


def _plan_revisions(by_id, today):
    versions = PlanVersion.objects.filter(
        citizen_id__in=by_id,
        status=PlanVersion.Status.ACTIVE,
        next_revision__lte=today + datetime.timedelta(days=REVISION_WARNING_DAYS),
    )
    for version in versions:
        due = version.next_revision
        yield Item(
            "plan_revision",
            OVERDUE if due < today else SOON,
            _start_of(due),
            by_id[version.citizen_id],
            _("Individual plan due for revision %(date)s") % {"date": due.strftime("%d.%m.%Y")},
            reverse("plans:plan", args=[version.citizen_id]),
        )


def _unsigned_notes(user):
    for note in unsigned_notes(user, UNSIGNED_AFTER):
        yield Item(
            "unsigned_note",
            OVERDUE,
            note.created_at,
            note.citizen,
            _("Journal note from %(date)s is not signed")
            % {"date": timezone.localtime(note.created_at).strftime("%d.%m.%Y")},
            reverse("journal:note", args=[note.citizen_id, note.pk]),
        )


def _pending_evaluations(by_id, today):
    pending = ScheduledQuestionnaire.objects.filter(
        citizen_id__in=by_id,
        reason=ScheduledQuestionnaire.Reason.EVALUATION,
        answered_at__isnull=True,
        cancelled_at__isnull=True,
    )
    for item in pending:
        yield Item(
            "evaluation",
            SOON,
            _start_of(item.due_on),
            by_id[item.citizen_id],
            _("User evaluation not answered yet (pathway ended %(date)s)") % {"date": item.due_on.strftime("%d.%m.%Y")},
            reverse("pathways:episode", args=[item.citizen_id, item.episode_id]),
        )


def _plan_comments(by_id):
    comments = (
        PlanComment.objects.filter(version__citizen_id__in=by_id, resolved_at__isnull=True)
        .exclude(author__staff_profile__isnull=False)
        .values("version__citizen_id")
        .annotate(latest=Max("created_at"), count=Count("id"))
    )
    for row in comments:
        citizen_id = row["version__citizen_id"]
        yield Item(
            "plan_comment",
            SOON,
            row["latest"],
            by_id[citizen_id],
            ngettext(
                "%(count)d open comment from the citizen on the individual plan",
                "%(count)d open comments from the citizen on the individual plan",
                row["count"],
            )
            % {"count": row["count"]},
            reverse("plans:plan", args=[citizen_id]) + "#comments-heading",
        )
