"""The coordinator's worklist: one list of what needs attention, most urgent first.

One query finds the citizens the user may open (and which of them the user coordinates); then each
source is one query over those ids (the coordinated citizens, or the user's own appointments and
notes with anyone the user may open), so the number of queries does not grow with the caseload.
Sources ask for the columns they show, not model instances: the page stays cheap in Python, and a
citizen's identity number is never loaded. An item disappears when what it points at is handled:
nothing is stored about the list itself.
"""

import datetime
import functools
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, F, Max, OuterRef, Q, RowRange, Subquery, Window
from django.db.models.functions import FirstValue, LastValue
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


class _Links:
    """``reverse(name, args=ids)`` for many items: one ``reverse`` per URL name and request, with markers
    where the ids go, then the ids put in. (A ``reverse`` per item was a tenth of the list's Python.)"""

    MARKER = 987_654_320  # no id is this large; the markers are MARKER + 1, MARKER + 2, …

    def __init__(self):
        self._patterns = {}

    def __call__(self, name, *ids):
        pattern = self._patterns.get((name, len(ids)))
        if pattern is None:
            markers = [str(self.MARKER + n) for n in range(1, len(ids) + 1)]
            pattern = reverse(name, args=markers).replace("{", "{{").replace("}", "}}")
            for n, marker in enumerate(markers):
                pattern = pattern.replace(marker, f"{{{n}}}")
            self._patterns[(name, len(ids))] = pattern
        return pattern.format(*ids)


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
    link = _Links()
    items = []
    items += _first_contacts(mine, today, link)
    items += _appointments(user, visible, mine, today, link)
    items += _checkins_and_children(mine, now, link)
    items += _deteriorations(mine, link)
    items += _plan_revisions(mine, today, link)
    items += _unsigned_notes(user, visible, link)
    items += _pending_evaluations(mine, today, link)
    items += _plan_comments(mine, link)
    items += _group_tasks(user, visible, today, link)
    items += _group_meetings(user, visible, now, today, link)
    items += _unsigned_minutes(mine, now, link)
    items += _declined_agreements(mine, link)
    items += _peer_requests(mine, link)
    return sorted(items, key=lambda item: item.sort_key)


def _first_contacts(by_id, today, link):
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
            link("pathways:episode", citizen_id, pk),
        )


def _appointments(user, visible, mine, today, link):
    """Today's planned appointments the user holds, and missed ones not followed up: the coordinated
    citizens', and the user's own with anyone else. One query for both (the same table).

    The citizen lists are literal ids: with a ``visible_to`` subquery inside the OR instead,
    PostgreSQL planned a scan of every citizen (bench/worklist.py measured it at a third of the
    page's time).
    """
    planned, missed = Appointment.Status.PLANNED, Appointment.Status.MISSED
    todays = Q(
        staff=user,
        status=planned,
        starts_at__gte=_start_of(today),
        starts_at__lt=_start_of(today + datetime.timedelta(days=1)),
        citizen_id__among=visible,
    )
    not_followed_up = Q(status=missed, followed_up_at__isnull=True) & (
        Q(citizen_id__among=mine) | Q(staff=user, citizen_id__among=visible)
    )
    appointments = (
        Appointment.objects.filter(todays | not_followed_up)
        .order_by()
        .values_list("pk", "citizen_id", "starts_at", "title", "kind", "status")
    )
    for pk, citizen_id, starts_at, title, kind, status in appointments:
        if status == missed:
            yield Item(
                "missed",
                OVERDUE,
                starts_at,
                visible[citizen_id],
                _("Missed appointment %(date)s, not followed up") % {"date": _local(starts_at, "%d.%m.%Y %H:%M")},
                link("pathways:appointment", citizen_id, pk),
            )
        else:
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
                link("pathways:appointment", citizen_id, pk),
            )


def _checkins_and_children(by_id, now, link):
    """Two questions about the coordinated citizens themselves, in one query:

    * check-ins: citizens with a login who checked in before (or are on an active pathway) but not
      for 14 days;
    * Health Personnel Act § 10 a: ask whether the citizen has children under 18, then see to each
      child's need for information and follow-up. The item stays until both are done.
    """
    limit = now - datetime.timedelta(days=settings.CHECKIN_MISSED_DAYS)
    checkins = QuestionnaireResponse.objects.filter(
        citizen=OuterRef("pk"),
        status=QuestionnaireResponse.Status.COMPLETED,
        questionnaire__url__endswith=f"/{CHECKIN_KEY}",
    )
    children = Child.objects.filter(citizen=OuterRef("pk"), ended_at__isnull=True)
    rows = (
        Citizen.objects.filter(pk__among=by_id)
        .annotate(
            last_checkin=Subquery(
                checkins.order_by().values("citizen").annotate(last=Max("authored_at")).values("last")
            ),
            on_pathway=Exists(
                Episode.objects.filter(citizen=OuterRef("pk"), status=Episode.Status.ACTIVE, started_at__lte=limit)
            ),
            any_child=Exists(children),
            child_not_seen_to=Exists(children.filter(needs_addressed_on__isnull=True)),
        )
        .order_by()
        .values_list(
            "pk",
            "user_id",
            "last_checkin",
            "on_pathway",
            "created_at",
            "children_question__pk",
            "children_question__has_children",
            "children_question__answered_at",
            "any_child",
            "child_not_seen_to",
        )
    )
    for pk, user_id, last, on_pathway, registered_at, asked, has_children, answered_at, any_child, unseen in rows:
        if user_id is not None and (last < limit if last else on_pathway):
            if last:
                text = _("No check-in since %(date)s") % {"date": _local(last, "%d.%m.%Y")}
            else:
                text = _("No check-in yet")
            yield Item("checkin", SOON, last or limit, by_id[pk], text, link("measures:overview", pk))
        if asked is None:
            text, when = _("Ask whether the citizen has children under 18"), registered_at
        elif has_children and (unseen or not any_child):
            text, when = _("The children's need for information and follow-up is not yet seen to"), answered_at
        else:
            continue
        yield Item("children", SOON, when, by_id[pk], text, link("relatives:children", pk))


def _deteriorations(by_id, link):
    """Reliable deterioration: the latest score against the first, per instrument (one row per pair)."""
    pair = [F("citizen_id"), F("instrument")]
    in_time = [F("effective_at").asc(), F("id").asc()]
    whole_pair = RowRange(start=None, end=None)  # LAST_VALUE over every row, not only those up to this one
    ends = (
        Score.objects.filter(citizen_id__among=by_id, total__isnull=False)
        .annotate(
            first_total=Window(FirstValue("total"), partition_by=pair, order_by=in_time, frame=whole_pair),
            last_total=Window(LastValue("total"), partition_by=pair, order_by=in_time, frame=whole_pair),
            last_at=Window(LastValue("effective_at"), partition_by=pair, order_by=in_time, frame=whole_pair),
        )
        .order_by()
        .values_list("citizen_id", "instrument", "first_total", "last_total", "last_at")
        .distinct()
    )
    for citizen_id, instrument, first_total, last_total, when in ends:
        if last_total == first_total or instrument not in scoring.INSTRUMENTS:  # one score, or no change
            continue
        if _reliably_worse(instrument, first_total, last_total):
            yield Item(
                "deterioration",
                OVERDUE,
                when,
                by_id[citizen_id],
                _("%(instrument)s: reliably worse than at the start")
                % {"instrument": scoring.INSTRUMENTS[instrument].title},
                link("measures:overview", citizen_id),
            )


@functools.lru_cache(maxsize=4096)
def _reliably_worse(instrument, first_total, last_total):
    """``scoring.classify_against_first`` says so; remembered per process (the same few pairs of totals
    come back on every page, and the rule is pure arithmetic on constants)."""
    comparison = scoring.classify_against_first(instrument, first_total, last_total)
    return comparison.get("direction") == "reliable_deterioration"


def _plan_revisions(by_id, today, link):
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
            link("plans:plan", citizen_id),
        )


def _unsigned_notes(user, visible, link):
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
            link("journal:note", citizen_id, pk),
        )


def _pending_evaluations(by_id, today, link):
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
            link("pathways:episode", citizen_id, episode_id),
        )


def _plan_comments(by_id, link):
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
            link("plans:plan", citizen_id) + "#comments-heading",
        )


def _group_tasks(user, visible, today, link):
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
            link("groups:task", citizen_id, pk),
        )


def _group_meetings(user, visible, now, today, link):
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
            link("groups:meeting", citizen_id, meeting_id),
        )


def _unsigned_minutes(by_id, now, link):
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
            link("groups:meeting", citizen_id, pk),
        )


def _declined_agreements(by_id, link):
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
            link("groups:group", citizen_id),
        )


def _peer_requests(by_id, link):
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
            link("recovery:peer_support", citizen_id),
        )
