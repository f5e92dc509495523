"""The coordinator's worklist: one list of what needs attention, most urgent first.

One query finds the citizens the user may open (and which of them the user coordinates); then each
source is one query over those ids (the coordinated citizens, or the user's own appointments and
notes with anyone the user may open), so the number of queries does not grow with the caseload.
Sources ask for the columns they show, not model instances: the page stays cheap in Python, and a
citizen's identity number is never loaded. An item disappears when what it points at is handled:
nothing is stored about the list itself.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Window
from django.db.models.functions import FirstValue
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from groups.models import Agreement, Group, GroupTask, Meeting, Minutes, Participant
from journal.queries import unsigned_notes
from measures import scoring
from measures.models import QuestionnaireResponse, Score
from pathways.models import Appointment, ContactKind, Episode, ScheduledQuestionnaire
from people import access
from people.models import CareTeamMember, Citizen
from plans.models import PlanComment, PlanVersion
from recovery.models import PeerRequest
from relatives.models import Child

# How urgent an item is; the list is sorted by this, then by when.
OVERDUE, TODAY, SOON = 0, 1, 2
URGENCY_LABELS = {OVERDUE: gettext_lazy("Overdue"), TODAY: gettext_lazy("Today"), SOON: gettext_lazy("To do")}

CHECKIN_KEY = "checkin"
UNSIGNED_AFTER = datetime.timedelta(days=1)
FIRST_CONTACT_WARNING_DAYS = 2
GROUP_MEETING_DAYS = 14  # unanswered invitations this far ahead are listed


@dataclass(frozen=True)
class Person:
    """A citizen as the worklist shows and logs them (``people.access.log_list_read`` reads these fields)."""

    pk: int
    given_name: str
    family_name: str
    user_id: int | None
    via_care_team: bool


@dataclass
class Item:
    kind: str
    urgency: int
    when: datetime.datetime
    citizen: Person
    text: str
    url: str

    @property
    def urgency_label(self):
        return URGENCY_LABELS[self.urgency]

    @property
    def sort_key(self):
        return (self.urgency, self.when, self.citizen.family_name, self.kind)


def _local(moment, format):
    return timezone.localtime(moment).strftime(format)


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _is_coordinator(user):
    return Exists(
        CareTeamMember.objects.active().filter(citizen=OuterRef("pk"), user=user, role=CareTeamMember.Role.COORDINATOR)
    )


def coordinated(user):
    """The citizens ``user`` may open and is the active coordinator for."""
    return access.visible_to(user).filter(_is_coordinator(user))


def _visible(user):
    """``(everyone the user may open, the ones the user coordinates)``, both by id, in one query."""
    rows = (
        access.visible_to(user)
        .annotate(coordinating=_is_coordinator(user))
        .order_by()
        .values_list("pk", "given_name", "family_name", "user_id", "via_care_team", "coordinating")
    )
    visible, mine = {}, {}
    for *fields, coordinating in rows:
        person = visible[fields[0]] = Person(*fields)
        if coordinating:
            mine[person.pk] = person
    return visible, mine


def worklist_for(user, now=None):
    """Everything that needs ``user``'s attention now, most urgent first."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    visible, mine = _visible(user)
    items = []
    items += _first_contacts(mine, today)
    items += _todays_appointments(user, visible, today)
    items += _missed_appointments(user, visible, mine)
    items += _missed_checkins(mine, now)
    items += _deteriorations(mine)
    items += _plan_revisions(mine, today)
    items += _unsigned_notes(user, visible)
    items += _pending_evaluations(mine, today)
    items += _plan_comments(mine)
    items += _group_tasks(user, visible, today)
    items += _group_meetings(user, visible, now, today)
    items += _unsigned_minutes(mine, now)
    items += _declined_agreements(mine)
    items += _children(mine)
    items += _peer_requests(mine)
    return sorted(items, key=lambda item: item.sort_key)


def _first_contacts(by_id, today):
    episodes = (
        Episode.objects.filter(
            citizen_id__among=by_id,
            status__in=Episode.OPEN,
            first_contact_on__isnull=True,
            first_contact_due__lte=today + datetime.timedelta(days=FIRST_CONTACT_WARNING_DAYS),
        )
        .order_by()
        .values_list("pk", "citizen_id", "first_contact_due", "template__name")
    )
    for pk, citizen_id, due, pathway in episodes:
        urgency = OVERDUE if due < today else TODAY if due == today else SOON
        yield Item(
            "first_contact",
            urgency,
            _start_of(due),
            by_id[citizen_id],
            _("First contact due %(date)s (%(pathway)s)") % {"date": due.strftime("%d.%m.%Y"), "pathway": pathway},
            reverse("pathways:episode", args=[citizen_id, pk]),
        )


def _todays_appointments(user, visible, today):
    appointments = (
        Appointment.objects.filter(
            staff=user,
            status=Appointment.Status.PLANNED,
            starts_at__gte=_start_of(today),
            starts_at__lt=_start_of(today + datetime.timedelta(days=1)),
            citizen_id__among=visible,
        )
        .order_by()
        .values_list("pk", "citizen_id", "starts_at", "title", "kind")
    )
    for pk, citizen_id, starts_at, title, kind in appointments:
        yield Item(
            "appointment",
            TODAY,
            starts_at,
            visible[citizen_id],
            _("%(time)s: %(title)s (%(kind)s)")
            % {
                "time": _local(starts_at, "%H:%M"),
                "title": title,
                "kind": ContactKind(kind).label,
            },
            reverse("pathways:appointment", args=[citizen_id, pk]),
        )


def _missed_appointments(user, visible, mine):
    """Missed and not followed up: the coordinated citizens', and the user's own with anyone else.

    Both citizen lists are literal ids: with a ``visible_to`` subquery inside the OR instead,
    PostgreSQL planned a scan of every citizen (bench/worklist.py measured it at a third of the
    page's time).
    """
    missed = (
        Appointment.objects.filter(
            Q(citizen_id__among=mine) | Q(staff=user, citizen_id__among=visible),
            status=Appointment.Status.MISSED,
            followed_up_at__isnull=True,
        )
        .order_by()
        .values_list("pk", "citizen_id", "starts_at")
    )
    for pk, citizen_id, starts_at in missed:
        yield Item(
            "missed",
            OVERDUE,
            starts_at,
            visible[citizen_id],
            _("Missed appointment %(date)s, not followed up") % {"date": _local(starts_at, "%d.%m.%Y %H:%M")},
            reverse("pathways:appointment", args=[citizen_id, pk]),
        )


def _missed_checkins(by_id, now):
    """Citizens with a login who checked in before (or are on an active pathway) but not for 14 days."""
    limit = now - datetime.timedelta(days=settings.CHECKIN_MISSED_DAYS)
    with_login = [pk for pk, citizen in by_id.items() if citizen.user_id]
    rows = (
        Citizen.objects.filter(pk__among=with_login)
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
        .order_by()
        .values_list("pk", "last_checkin")
    )
    for pk, last in rows:
        text = _("No check-in since %(date)s") % {"date": _local(last, "%d.%m.%Y")} if last else _("No check-in yet")
        yield Item("checkin", SOON, last or limit, by_id[pk], text, reverse("measures:overview", args=[pk]))


def _deteriorations(by_id):
    """Reliable deterioration: the latest score against the first, per instrument (one row per pair)."""
    pair = [F("citizen_id"), F("instrument")]
    oldest_first = [F("effective_at").asc(), F("id").asc()]
    newest_first = [F("effective_at").desc(), F("id").desc()]
    ends = (
        Score.objects.filter(citizen_id__among=by_id, total__isnull=False)
        .annotate(
            first_total=Window(FirstValue("total"), partition_by=pair, order_by=oldest_first),
            last_total=Window(FirstValue("total"), partition_by=pair, order_by=newest_first),
            last_at=Window(FirstValue("effective_at"), partition_by=pair, order_by=newest_first),
        )
        .order_by()
        .values_list("citizen_id", "instrument", "first_total", "last_total", "last_at")
        .distinct()
    )
    for citizen_id, instrument, first_total, last_total, when in ends:
        if last_total == first_total or instrument not in scoring.INSTRUMENTS:  # one score, or no change
            continue
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
    versions = (
        PlanVersion.objects.due_for_revision(today)
        .filter(citizen_id__among=by_id)
        .order_by()
        .values_list("citizen_id", "next_revision")
    )
    for citizen_id, due in versions:
        yield Item(
            "plan_revision",
            OVERDUE if due < today else SOON,
            _start_of(due),
            by_id[citizen_id],
            _("Individual plan due for revision %(date)s") % {"date": due.strftime("%d.%m.%Y")},
            reverse("plans:plan", args=[citizen_id]),
        )


def _unsigned_notes(user, visible):
    notes = (
        unsigned_notes(user, UNSIGNED_AFTER, citizen_ids=visible)
        .order_by()
        .values_list("pk", "citizen_id", "created_at")
    )
    for pk, citizen_id, created_at in notes:
        yield Item(
            "unsigned_note",
            OVERDUE,
            created_at,
            visible[citizen_id],
            _("Journal note from %(date)s is not signed") % {"date": _local(created_at, "%d.%m.%Y")},
            reverse("journal:note", args=[citizen_id, pk]),
        )


def _pending_evaluations(by_id, today):
    pending = (
        ScheduledQuestionnaire.objects.filter(
            citizen_id__among=by_id,
            reason=ScheduledQuestionnaire.Reason.EVALUATION,
            answered_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .order_by()
        .values_list("citizen_id", "episode_id", "due_on")
    )
    for citizen_id, episode_id, due in pending:
        yield Item(
            "evaluation",
            SOON,
            _start_of(due),
            by_id[citizen_id],
            _("User evaluation not answered yet (pathway ended %(date)s)") % {"date": due.strftime("%d.%m.%Y")},
            reverse("pathways:episode", args=[citizen_id, episode_id]),
        )


def _plan_comments(by_id):
    comments = (
        PlanComment.objects.filter(version__citizen_id__among=by_id, resolved_at__isnull=True)
        .exclude(author__staff_profile__isnull=False)
        .order_by()
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


def _group_tasks(user, visible, today):
    """Actions the responsibility group gave the user, open until done or cancelled."""
    tasks = (
        GroupTask.objects.filter(responsible_user=user, status__in=GroupTask.OPEN, citizen_id__among=visible)
        .order_by()
        .values_list("pk", "citizen_id", "what", "due_on")
    )
    for pk, citizen_id, what, due in tasks:
        yield Item(
            "group_task",
            OVERDUE if due < today else TODAY if due == today else SOON,
            _start_of(due),
            visible[citizen_id],
            _("Action from the responsibility group: %(what)s (due %(date)s)")
            % {"what": what, "date": due.strftime("%d.%m.%Y")},
            reverse("groups:task", args=[citizen_id, pk]),
        )


def _group_meetings(user, visible, now, today):
    """Group meetings the user is invited to: unanswered invitations in the next weeks, and today's meetings."""
    invitations = (
        Participant.objects.filter(
            member__care_team_member__user=user,
            meeting__status=Meeting.Status.PLANNED,
            meeting__starts_at__gte=_start_of(today),
            meeting__starts_at__lte=now + datetime.timedelta(days=GROUP_MEETING_DAYS),
            meeting__citizen_id__among=visible,
        )
        .order_by()
        .values_list("meeting_id", "meeting__citizen_id", "meeting__starts_at", "answer")
    )
    for meeting_id, citizen_id, starts_at, answer in invitations:
        is_today = timezone.localdate(starts_at) == today
        if answer != Participant.Answer.NEEDS_ACTION and not is_today:
            continue
        if answer == Participant.Answer.NEEDS_ACTION:
            text = _("Responsibility group meeting %(when)s: answer the invitation") % {
                "when": _local(starts_at, "%d.%m.%Y %H:%M")
            }
        else:
            text = _("%(time)s: responsibility group meeting") % {"time": _local(starts_at, "%H:%M")}
        yield Item(
            "group_meeting",
            TODAY if is_today else SOON,
            starts_at,
            visible[citizen_id],
            text,
            reverse("groups:meeting", args=[citizen_id, meeting_id]),
        )


def _unsigned_minutes(by_id, now):
    """Meetings of the coordinated citizens that took place without signed minutes."""
    signed = Minutes.objects.filter(meeting=OuterRef("pk"), status=Minutes.Status.SIGNED)
    meetings = (
        Meeting.objects.filter(
            citizen_id__among=by_id,
            status__in=[Meeting.Status.PLANNED, Meeting.Status.HELD],
            starts_at__lt=now - UNSIGNED_AFTER,
        )
        .filter(~Exists(signed))
        .order_by()
        .values_list("pk", "citizen_id", "starts_at")
    )
    for pk, citizen_id, starts_at in meetings:
        yield Item(
            "unsigned_minutes",
            OVERDUE,
            starts_at,
            by_id[citizen_id],
            _("Minutes of the group meeting %(date)s are not signed") % {"date": _local(starts_at, "%d.%m.%Y")},
            reverse("groups:meeting", args=[citizen_id, pk]),
        )


def _declined_agreements(by_id):
    """Groups whose agreement as it stands now the citizen (or the guardian) said no to: talk, then change it."""
    newer = Agreement.objects.filter(group=OuterRef("group"), number__gt=OuterRef("number"))
    declined = (
        Agreement.objects.filter(
            Q(citizen_consent="no") | Q(guardian_consent="no"),
            group__citizen_id__among=by_id,
            group__status__in=[Group.Status.PROPOSED, Group.Status.ACTIVE],
        )
        .filter(~Exists(newer))
        .order_by()
        .values_list("group__citizen_id", "number", "citizen_answered_at", "guardian_answered_at", "citizen_consent")
    )
    for citizen_id, number, citizen_at, guardian_at, citizen_consent in declined:
        who = _("The citizen") if citizen_consent == "no" else _("The guardian")
        yield Item(
            "declined_agreement",
            SOON,
            (citizen_at if citizen_consent == "no" else guardian_at) or timezone.now(),
            by_id[citizen_id],
            _("%(who)s said no to the responsibility group's agreement (version %(number)s)")
            % {"who": who, "number": number},
            reverse("groups:group", args=[citizen_id]),
        )


def _children(by_id):
    """Health Personnel Act § 10 a: ask whether the citizen has children under 18, then see to each
    child's need for information and follow-up. The item stays until both are done."""
    children = Child.objects.filter(citizen=OuterRef("pk"), ended_at__isnull=True)
    rows = (
        Citizen.objects.filter(pk__among=by_id)
        .annotate(
            any_child=Exists(children),
            child_not_seen_to=Exists(children.filter(needs_addressed_on__isnull=True)),
        )
        .filter(
            Q(children_question__isnull=True)
            | Q(children_question__has_children=True) & (Q(child_not_seen_to=True) | Q(any_child=False))
        )
        .order_by()
        .values_list("pk", "created_at", "children_question__answered_at")
    )
    for citizen_id, registered_at, answered_at in rows:
        if answered_at is None:
            text, when = _("Ask whether the citizen has children under 18"), registered_at
        else:
            text, when = _("The children's need for information and follow-up is not yet seen to"), answered_at
        yield Item("children", SOON, when, by_id[citizen_id], text, reverse("relatives:children", args=[citizen_id]))


def _peer_requests(by_id):
    """The citizen asked for a peer worker: until one is on the team or the coordinator has answered."""
    peer_worker = CareTeamMember.objects.active().filter(
        citizen=OuterRef("citizen"), role=CareTeamMember.Role.PEER_WORKER
    )
    requests = (
        PeerRequest.objects.filter(citizen_id__among=by_id, answered_at__isnull=True)
        .filter(~Exists(peer_worker))
        .order_by()
        .values_list("citizen_id", "asked_at")
    )
    for citizen_id, asked_at in requests:
        yield Item(
            "peer_request",
            TODAY,
            asked_at,
            by_id[citizen_id],
            _("Asks for a peer worker (%(date)s)") % {"date": _local(asked_at, "%d.%m.%Y")},
            reverse("recovery:peer_support", args=[citizen_id]),
        )
