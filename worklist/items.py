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
from dataclasses import dataclass, field

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
from measures.models import Questionnaire, QuestionnaireResponse, Score
from pathways.models import Appointment, ContactKind, Episode, ScheduledQuestionnaire
from people import access
from people.models import CareTeamMember, Citizen
from plans.models import REVISION_WARNING_DAYS, PlanComment, PlanVersion
from recovery.models import PeerRequest
from relatives.models import Child
from samplan.prepared import Prepared

# How urgent an item is; the list is sorted by this, then by when.
OVERDUE, TODAY, SOON = 0, 1, 2
URGENCY_LABELS = {OVERDUE: gettext_lazy("Overdue"), TODAY: gettext_lazy("Today"), SOON: gettext_lazy("To do")}
URGENCY_COLORS = {OVERDUE: "danger", TODAY: "warning", SOON: "info"}  # the tag's data-color

CHECKIN_KEY = "checkin"
UNSIGNED_AFTER = datetime.timedelta(days=1)
FIRST_CONTACT_WARNING_DAYS = 2
GROUP_MEETING_DAYS = 14  # unanswered invitations this far ahead are listed


class _Subscriptable:
    """Fields read as ``item["text"]`` too: Django's template variables try a subscript before an
    attribute, and the failed subscript's exception, for every variable of every item, was a third of
    the list's rendering."""

    def __getitem__(self, name):
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None


@dataclass(frozen=True)
class Person(_Subscriptable):
    """A citizen as the worklist shows and logs them (``people.access.log_list_read`` reads these fields)."""

    pk: int
    given_name: str
    family_name: str
    user_id: int | None
    via_care_team: bool


@dataclass
class Item(_Subscriptable):
    kind: str
    urgency: int
    when: datetime.datetime
    citizen: Person
    text: str
    url: str
    # In the request's language, set by worklist_for: translated once per page, not once per item.
    urgency_label: str = field(default="", compare=False)

    @property
    def urgency_color(self):
        return URGENCY_COLORS[self.urgency]

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


def coordinated(user):
    """The citizens ``user`` may open and is the active coordinator for."""
    return access.visible_to(user).filter(access.coordinating(user.pk))


def _visible(user):
    """``(everyone the user may open, the ones the user coordinates)``, both by id, in one query."""
    visible, mine = {}, {}
    for *fields, coordinating in access.caseload(user):
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
    items += _appointments(user.pk, visible, mine, today, link)
    items += _checkins_and_children(mine, now, link)
    items += _deteriorations(mine, link)
    items += _plan_revisions(mine, today, link)
    items += _unsigned_notes(user.pk, visible, now, link)
    items += _pending_evaluations(mine, link)
    items += _plan_comments(mine, link)
    items += _group_tasks(user.pk, visible, today, link)
    items += _group_meetings(user.pk, visible, now, today, link)
    items += _unsigned_minutes(mine, now, link)
    items += _declined_agreements(mine, link)
    items += _peer_requests(mine, today, link)
    labels = {urgency: str(label) for urgency, label in URGENCY_LABELS.items()}
    for item in items:
        item.urgency_label = labels[item.urgency]
    return sorted(items, key=lambda item: item.sort_key)


# Each source is one ORM query compiled once per process (samplan.prepared): building and compiling
# them again on every request was most of the page's Python (docs/benchmarks.md). Every value that
# changes (the user, the citizens, today, now) is an argument.

_FIRST_CONTACTS = Prepared(
    lambda citizens, due_by: (
        Episode.objects.filter(
            citizen_id__among=citizens,
            status__in=Episode.OPEN,
            first_contact_on__isnull=True,
            first_contact_due__lte=due_by,
        )
        .order_by()
        .values_list("pk", "citizen_id", "first_contact_due", "template__name")
    ),
    citizens=list,
    due_by=datetime.date,
)


def _first_contacts(by_id, today, link):
    due_by = today + datetime.timedelta(days=FIRST_CONTACT_WARNING_DAYS)
    for pk, citizen_id, due, pathway in _FIRST_CONTACTS.rows(citizens=list(by_id), due_by=due_by):
        urgency = OVERDUE if due < today else TODAY if due == today else SOON
        yield Item(
            "first_contact",
            urgency,
            _start_of(due),
            by_id[citizen_id],
            _("First contact due %(date)s (%(pathway)s)") % {"date": due.strftime("%d.%m.%Y"), "pathway": pathway},
            link("pathways:episode", citizen_id, pk),
        )


def _appointments_query(user, visible, mine, day_starts, day_ends):
    todays = Q(
        staff_id=user,
        status=Appointment.Status.PLANNED,
        starts_at__gte=day_starts,
        starts_at__lt=day_ends,
        citizen_id__among=visible,
    )
    not_followed_up = Q(status=Appointment.Status.MISSED, followed_up_at__isnull=True) & (
        Q(citizen_id__among=mine) | Q(staff_id=user, citizen_id__among=visible)
    )
    return (
        Appointment.objects.filter(todays | not_followed_up)
        .order_by()
        .values_list("pk", "citizen_id", "starts_at", "title", "kind", "status")
    )


_APPOINTMENTS = Prepared(
    _appointments_query, user=int, visible=list, mine=list, day_starts=datetime.datetime, day_ends=datetime.datetime
)


def _appointments(user, visible, mine, today, link):
    """Today's planned appointments the user holds, and missed ones not followed up: the coordinated
    citizens', and the user's own with anyone else. One query for both (the same table).

    The citizen lists are literal ids: with a ``visible_to`` subquery inside the OR instead,
    PostgreSQL planned a scan of every citizen (bench/worklist.py measured it at a third of the
    page's time).
    """
    appointments = _APPOINTMENTS.rows(
        user=user,
        visible=list(visible),
        mine=list(mine),
        day_starts=_start_of(today),
        day_ends=_start_of(today + datetime.timedelta(days=1)),
    )
    for pk, citizen_id, starts_at, title, kind, status in appointments:
        if status == Appointment.Status.MISSED:
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


def _checkins_and_children_query(citizens, limit):
    # The latest check-in: the newest of the citizen's completed responses to a check-in form, read
    # from the index on (citizen, status, authored_at) until the first one (not all of them, as MAX would).
    checkins = QuestionnaireResponse.objects.filter(
        citizen=OuterRef("pk"),
        status=QuestionnaireResponse.Status.COMPLETED,
        authored_at__isnull=False,
        questionnaire__in=Questionnaire.objects.filter(url__endswith=f"/{CHECKIN_KEY}").values("pk"),
    )
    children = Child.objects.filter(citizen=OuterRef("pk"), ended_at__isnull=True)
    return (
        Citizen.objects.filter(pk__among=citizens)
        .annotate(
            last_checkin=Subquery(checkins.order_by("-authored_at").values("authored_at")[:1]),
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


_CHECKINS_AND_CHILDREN = Prepared(_checkins_and_children_query, citizens=list, limit=datetime.datetime)


def _checkins_and_children(by_id, now, link):
    """Two questions about the coordinated citizens themselves, in one query:

    * check-ins: citizens with a login who checked in before (or are on an active pathway) but not
      for 14 days;
    * Health Personnel Act § 10 a: ask whether the citizen has children under 18, then see to each
      child's need for information and follow-up. The item stays until both are done.
    """
    limit = now - datetime.timedelta(days=settings.CHECKIN_MISSED_DAYS)
    rows = _CHECKINS_AND_CHILDREN.rows(citizens=list(by_id), limit=limit)
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


def _score_ends_query(citizens):
    """The first and the latest total per citizen and instrument, one row per pair."""
    pair = [F("citizen_id"), F("instrument")]
    in_time = [F("effective_at").asc(), F("id").asc()]
    whole_pair = RowRange(start=None, end=None)  # LAST_VALUE over every row, not only those up to this one
    return (
        Score.objects.filter(citizen_id__among=citizens, total__isnull=False)
        .annotate(
            first_total=Window(FirstValue("total"), partition_by=pair, order_by=in_time, frame=whole_pair),
            last_total=Window(LastValue("total"), partition_by=pair, order_by=in_time, frame=whole_pair),
            last_at=Window(LastValue("effective_at"), partition_by=pair, order_by=in_time, frame=whole_pair),
        )
        .order_by()
        .values_list("citizen_id", "instrument", "first_total", "last_total", "last_at")
        .distinct()
    )


_SCORE_ENDS = Prepared(_score_ends_query, citizens=list)


def _deteriorations(by_id, link):
    """Reliable deterioration: the latest score against the first, per instrument."""
    for citizen_id, instrument, first_total, last_total, when in _SCORE_ENDS.rows(citizens=list(by_id)):
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


_WARNING = datetime.timedelta(days=REVISION_WARNING_DAYS)
# ``due_for_revision(today)`` asks for a revision up to ``today`` + the warning; built with the
# argument less the warning, the compiled query holds the argument itself: the rule stays in plans.
_PLAN_REVISIONS = Prepared(
    lambda citizens, due_by: (
        PlanVersion.objects.due_for_revision(due_by - _WARNING)
        .filter(citizen_id__among=citizens)
        .order_by()
        .values_list("citizen_id", "next_revision")
    ),
    citizens=list,
    due_by=datetime.date,
)


def _plan_revisions(by_id, today, link):
    for citizen_id, due in _PLAN_REVISIONS.rows(citizens=list(by_id), due_by=today + _WARNING):
        yield Item(
            "plan_revision",
            OVERDUE if due < today else SOON,
            _start_of(due),
            by_id[citizen_id],
            _("Individual plan due for revision %(date)s") % {"date": due.strftime("%d.%m.%Y")},
            link("plans:plan", citizen_id),
        )


_UNSIGNED_NOTES = Prepared(
    lambda user, citizens, started_before: (
        unsigned_notes(user, citizen_ids=citizens, started_before=started_before)
        .order_by()
        .values_list("pk", "citizen_id", "created_at")
    ),
    user=int,
    citizens=list,
    started_before=datetime.datetime,
)


def _unsigned_notes(user, visible, now, link):
    notes = _UNSIGNED_NOTES.rows(user=user, citizens=list(visible), started_before=now - UNSIGNED_AFTER)
    for pk, citizen_id, created_at in notes:
        yield Item(
            "unsigned_note",
            OVERDUE,
            created_at,
            visible[citizen_id],
            _("Journal note from %(date)s is not signed") % {"date": _local(created_at, "%d.%m.%Y")},
            link("journal:note", citizen_id, pk),
        )


_PENDING_EVALUATIONS = Prepared(
    lambda citizens: (
        ScheduledQuestionnaire.objects.filter(
            citizen_id__among=citizens,
            reason=ScheduledQuestionnaire.Reason.EVALUATION,
            answered_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .order_by()
        .values_list("citizen_id", "episode_id", "due_on")
    ),
    citizens=list,
)


def _pending_evaluations(by_id, link):
    for citizen_id, episode_id, due in _PENDING_EVALUATIONS.rows(citizens=list(by_id)):
        yield Item(
            "evaluation",
            SOON,
            _start_of(due),
            by_id[citizen_id],
            _("User evaluation not answered yet (pathway ended %(date)s)") % {"date": due.strftime("%d.%m.%Y")},
            link("pathways:episode", citizen_id, episode_id),
        )


_PLAN_COMMENTS = Prepared(
    lambda citizens: (
        PlanComment.objects.filter(version__citizen_id__among=citizens, resolved_at__isnull=True)
        .exclude(author__staff_profile__isnull=False)
        .order_by()
        .values("version__citizen_id")
        .annotate(latest=Max("created_at"), count=Count("id"))
        .values_list("version__citizen_id", "latest", "count")
    ),
    citizens=list,
)


def _plan_comments(by_id, link):
    for citizen_id, latest, count in _PLAN_COMMENTS.rows(citizens=list(by_id)):
        yield Item(
            "plan_comment",
            SOON,
            latest,
            by_id[citizen_id],
            ngettext(
                "%(count)d open comment from the citizen on the individual plan",
                "%(count)d open comments from the citizen on the individual plan",
                count,
            )
            % {"count": count},
            link("plans:plan", citizen_id) + "#comments-heading",
        )


_GROUP_TASKS = Prepared(
    lambda user, citizens: (
        GroupTask.objects.filter(responsible_user_id=user, status__in=GroupTask.OPEN, citizen_id__among=citizens)
        .order_by()
        .values_list("pk", "citizen_id", "what", "due_on")
    ),
    user=int,
    citizens=list,
)


def _group_tasks(user, visible, today, link):
    """Actions the responsibility group gave the user, open until done or cancelled."""
    for pk, citizen_id, what, due in _GROUP_TASKS.rows(user=user, citizens=list(visible)):
        yield Item(
            "group_task",
            OVERDUE if due < today else TODAY if due == today else SOON,
            _start_of(due),
            visible[citizen_id],
            _("Action from the responsibility group: %(what)s (due %(date)s)")
            % {"what": what, "date": due.strftime("%d.%m.%Y")},
            link("groups:task", citizen_id, pk),
        )


_INVITATIONS = Prepared(
    lambda user, citizens, starts_from, starts_until: (
        Participant.objects.filter(
            member__care_team_member__user_id=user,
            meeting__status=Meeting.Status.PLANNED,
            meeting__starts_at__gte=starts_from,
            meeting__starts_at__lte=starts_until,
            meeting__citizen_id__among=citizens,
        )
        .order_by()
        .values_list("meeting_id", "meeting__citizen_id", "meeting__starts_at", "answer")
    ),
    user=int,
    citizens=list,
    starts_from=datetime.datetime,
    starts_until=datetime.datetime,
)


def _group_meetings(user, visible, now, today, link):
    """Group meetings the user is invited to: unanswered invitations in the next weeks, and today's meetings."""
    invitations = _INVITATIONS.rows(
        user=user,
        citizens=list(visible),
        starts_from=_start_of(today),
        starts_until=now + datetime.timedelta(days=GROUP_MEETING_DAYS),
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


def _unsigned_minutes_query(citizens, started_before):
    signed = Minutes.objects.filter(meeting=OuterRef("pk"), status=Minutes.Status.SIGNED)
    return (
        Meeting.objects.filter(
            citizen_id__among=citizens,
            status__in=[Meeting.Status.PLANNED, Meeting.Status.HELD],
            starts_at__lt=started_before,
        )
        .filter(~Exists(signed))
        .order_by()
        .values_list("pk", "citizen_id", "starts_at")
    )


_UNSIGNED_MINUTES = Prepared(_unsigned_minutes_query, citizens=list, started_before=datetime.datetime)


def _unsigned_minutes(by_id, now, link):
    """Meetings of the coordinated citizens that took place without signed minutes."""
    meetings = _UNSIGNED_MINUTES.rows(citizens=list(by_id), started_before=now - UNSIGNED_AFTER)
    for pk, citizen_id, starts_at in meetings:
        yield Item(
            "unsigned_minutes",
            OVERDUE,
            starts_at,
            by_id[citizen_id],
            _("Minutes of the group meeting %(date)s are not signed") % {"date": _local(starts_at, "%d.%m.%Y")},
            link("groups:meeting", citizen_id, pk),
        )


def _declined_agreements_query(citizens):
    newer = Agreement.objects.filter(group=OuterRef("group"), number__gt=OuterRef("number"))
    return (
        Agreement.objects.filter(
            Q(citizen_consent="no") | Q(guardian_consent="no"),
            group__citizen_id__among=citizens,
            group__status__in=[Group.Status.PROPOSED, Group.Status.ACTIVE],
        )
        .filter(~Exists(newer))
        .order_by()
        .values_list("group__citizen_id", "number", "citizen_answered_at", "guardian_answered_at", "citizen_consent")
    )


_DECLINED_AGREEMENTS = Prepared(_declined_agreements_query, citizens=list)


def _declined_agreements(by_id, link):
    """Groups whose agreement as it stands now the citizen (or the guardian) said no to: talk, then change it."""
    declined = _DECLINED_AGREEMENTS.rows(citizens=list(by_id))
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


def _peer_requests_query(citizens, today):
    peer_worker = CareTeamMember.objects.active(today).filter(
        citizen=OuterRef("citizen"), role=CareTeamMember.Role.PEER_WORKER
    )
    return (
        PeerRequest.objects.filter(citizen_id__among=citizens, answered_at__isnull=True)
        .filter(~Exists(peer_worker))
        .order_by()
        .values_list("citizen_id", "asked_at")
    )


_PEER_REQUESTS = Prepared(_peer_requests_query, citizens=list, today=datetime.date)


def _peer_requests(by_id, today, link):
    """The citizen asked for a peer worker: until one is on the team or the coordinator has answered."""
    for citizen_id, asked_at in _PEER_REQUESTS.rows(citizens=list(by_id), today=today):
        yield Item(
            "peer_request",
            TODAY,
            asked_at,
            by_id[citizen_id],
            _("Asks for a peer worker (%(date)s)") % {"date": _local(asked_at, "%d.%m.%Y")},
            link("recovery:peer_support", citizen_id),
        )
