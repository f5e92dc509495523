"""Ingrid's responsibility group ("ansvarsgruppe"), through ``groups.actions``: what ``make demo`` shows of it.

Kari Koordinator proposes the group (herself, the GP Finn Fastlege, Nina Navesen from Nav and Ingrid's brother
Odd, who is shielded from the medication plan in minutes and invitations), Ingrid consents, and the group has
met twice: minutes signed by the coordinator that evaluate her goals, the measures of her plan and its parts
(the second meeting rates a goal, which becomes her goal's rating), actions done and open (one on Nav's
worklist, due in the coming days), and a third meeting planned next month, its invitations not yet sent. The
group keeps one learning log (``groups.learning.write_log``).

The demo writes history, which the actions do not: a meeting cannot be planned in the past, so each past
meeting is planned ahead and then moved back with a queryset ``update()`` before its attendance and
minutes (``_moved_back``), and the dates the actions stamp "now" (when the group was proposed and
consented to, when an action was made and closed, when the log was written) are moved back to fit. What
stays "today": the access log, and the time the minutes were signed (signed minutes never change).
"""

import datetime

from django.utils import timezone

from groups import actions, learning
from groups.models import AgendaItem, Agreement, Group, GroupTask, LearningFactor, LearningLog, Meeting, Member
from people.access import grant_for
from people.models import CareTeamMember, Section

PLACE = "Fjordby rådhus, møterom 2"

AGREEMENT = actions.AgreementText(
    purpose="Ingrid vil ha et trygt sted å bo, klare seg selv og få orden på økonomien. Gruppa samordner hjelpen "
    "fra kommunen, fastlegen og Nav, og evaluerer den individuelle planen sammen med Ingrid.",
    meeting_frequency="Hver sjette uke det første halvåret, deretter hver tredje måned",
    ending="Når Ingrid og gruppa er enige om at målene i planen er nådd, eller når Ingrid ønsker det. "
    "Vi tar det opp hver gang planen revideres.",
    citizen_absent=Agreement.CitizenAbsent.POSTPONE,
    citizen_absent_note="Orker ikke Ingrid å møte, ringer koordinatoren henne og finner en ny tid innen to uker.",
    first_name_in_invitations=True,
)
CONSENT_COMMENT = "Jeg vil at Odd er med, men det vi snakker om medisinene skal ikke stå i det han får."

# role on the care team, role in the group, responsible for, shielded from
MEMBERS = (
    (
        CareTeamMember.Role.COORDINATOR,
        Member.Role.MUNICIPAL_COORDINATOR,
        "Leder gruppa, kaller inn, skriver og signerer referatet.",
        [],
    ),
    (CareTeamMember.Role.GP, Member.Role.MEMBER, "Medisiner, søvn og helsesjekk.", []),
    (CareTeamMember.Role.NAV, Member.Role.MEMBER, "Økonomi, husleie og regninger; aktivitet og kurs.", []),
    (
        CareTeamMember.Role.RELATIVE,
        Member.Role.MEMBER,
        "Støtter Ingrid, og er den hun ringer når kriseplanen sier det.",
        [Section.MEDICATION],
    ),
)

# What was said, how it is going (a key of ``actions.PartStatus.CHOICES``), what was agreed, and a rating (a
# goal only): by the agenda point's title (goals, interventions), plan text (parts of the plan) or kind.
FIRST_MEETING = {
    "summary": "Første møte i ansvarsgruppa. Vi gikk gjennom avtalen og Ingrids plan, mål for mål. "
    "Odd hadde meldt avbud.",
    "Sove bedre om natta": (
        "Ingrid sover fortsatt dårlig, verst natt til mandag. Hun våkner ofte ved firetiden og får ikke sove igjen.",
        "partly",
        "Ingrid fører søvndagbok i to uker. Fastlegen ser på søvnen og medisinene med henne.",
        None,
    ),
    "Komme meg ut av huset hver dag": (
        "Ingrid kommer seg ut tre–fire dager i uka. Turen med naboen på mandag er fast og betyr mye.",
        "on_track",
        "Fortsette med turene. Ingrid prøver en kort tur alene på fredager også.",
        None,
    ),
    "Få orden på regningene": (
        "To regninger har gått til inkasso. Ingrid sier at hun ikke åpner brev hun er redd for.",
        "not_working",
        "Nav setter opp et budsjett sammen med Ingrid og tar kontakt med inkassoselskapet.",
        None,
    ),
    "Veiledet selvhjelp": (
        "Ingrid har gjort fire moduler og synes telefonsamtalene hjelper, særlig øvelsene mot uro.",
        "on_track",
        "Fortsetter som før.",
        None,
    ),
    "Oppfølging av medisiner": (
        "Ingrid tar sertralin hver morgen, men kjenner uro den første timen etterpå.",
        "partly",
        "Time hos fastlegen for å se på søvnen og medisinene.",
        None,
    ),
    "Hjelp med økonomien": (
        "Husleien trekkes nå direkte. De gamle regningene er ikke ryddet opp i ennå.",
        "partly",
        "Nav og Ingrid setter opp et budsjett før neste møte.",
        None,
    ),
    "medication": ("Ingen endring i medisinlisten.", "on_track", "", None),
    "finance": (
        "Fredagspengene fungerer. Ingrid vil prøve å betale strømregningen selv.",
        "partly",
        "Vi ser på det når budsjettet er klart.",
        None,
    ),
    "daily_plan": (
        "Samtalen torsdag kl. 14 er tung: Ingrid sover dårlig natta før.",
        "change",
        "Koordinatoren undersøker om samtalen kan flyttes til formiddagen.",
        None,
    ),
    AgendaItem.Kind.PLAN_REVISION: (
        "Planen skal revideres snart.",
        "",
        "Koordinatoren lager et forslag til ny versjon før neste møte.",
        None,
    ),
}
SECOND_MEETING = {
    "summary": "Alle var til stede. Ingrid hadde satt opp et eget punkt: hun vil begynne på et kurs.",
    "Sove bedre om natta": (
        "Søvndagboka viser at Ingrid sover bedre når hun legger seg til faste tider. "
        "Hun sover gjennom de fleste netter nå.",
        "on_track",
        "Fortsette med faste tider. Fastlegen følger opp ved neste time.",
        6,
    ),
    "Komme meg ut av huset hver dag": (
        "Ingrid er ute nesten hver dag og har begynt å gå alene til butikken.",
        "on_track",
        "Fortsette som nå.",
        None,
    ),
    "Få orden på regningene": (
        "Budsjettet er satt opp. Den ene inkassosaken er betalt, den andre gjenstår.",
        "partly",
        "Nav avklarer en nedbetalingsavtale for den siste saken og går gjennom den med Ingrid.",
        None,
    ),
    "Veiledet selvhjelp": (
        "Ingrid er snart ferdig med programmet og vil gjerne fortsette med samtaler etterpå.",
        "on_track",
        "Koordinatoren og Ingrid avtaler oppfølgingen etter programmet i planen.",
        None,
    ),
    "Oppfølging av medisiner": (
        "Fastlegen har sett på dosen sammen med Ingrid. Uroen om morgenen har gått over.",
        "on_track",
        "Ingen endring. Ny time om tre måneder.",
        None,
    ),
    "Hjelp med økonomien": (
        "Ingrid og Nav har satt opp budsjett. Ingrid betaler strømmen selv fra neste måned.",
        "on_track",
        "Nav følger med de første månedene.",
        None,
    ),
    "medication": ("Ingen endring i medisinlisten.", "on_track", "", None),
    "finance": (
        "Strømregningen flyttes til Ingrids egen konto fra neste måned.",
        "change",
        "Tas inn i den nye versjonen av planen.",
        None,
    ),
    "daily_plan": (
        "Ingrid ønsker samtalen på torsdag om formiddagen.",
        "change",
        "Tas inn i den nye versjonen av planen.",
        None,
    ),
    AgendaItem.Kind.PLAN_REVISION: (
        "Forslaget til ny versjon av planen er klart. Ingrid vil lese det hjemme før hun godkjenner det.",
        "",
        "Ingrid sier fra til koordinatoren når hun har lest.",
        None,
    ),
    "Lage forslag til ny versjon av planen": (
        "Forslaget er laget og venter på Ingrid.",
        "partly",
        "Koordinatoren lukker tiltaket når Ingrid har godkjent planen.",
        None,
    ),
    AgendaItem.Kind.CITIZEN_POINT: (
        "Ingrid vil begynne på et kurs, gjerne noe praktisk der hun treffer folk.",
        "",
        "Koordinatoren undersøker tilbudene hos voksenopplæringen og Likepersonstjenesten. "
        "Nav ser på om et kurs kan være en del av en aktivitetsplan.",
        None,
    ),
}
CITIZEN_POINT = "Jeg vil gjerne begynne på et kurs. Hvem kan hjelpe meg å finne et?"
PLAN_CHANGE = "Legge inn kurs, strømregningen på Ingrids egen konto og samtalen på torsdag om formiddagen."

LEARNING_LOG = {
    "outcome": LearningLog.Outcome.FAILURE,
    "event": "Et brev om en ubetalt regning ble liggende uåpnet i flere uker. Verken Nav eller koordinatoren "
    "visste om det før saken hadde gått til inkasso.",
    "causes": "Brev om penger går bare til Ingrid, og ingen hadde avtalt hvem som skulle følge med på posten. "
    "Nav og kommunen trodde begge at den andre gjorde det.",
    "factors": ("information_flow", "economy"),
    "decision": "Ingrid og Nav går gjennom posten sammen annenhver uke, og koordinatoren spør etter brev "
    "i samtalen på torsdag.",
    "evaluation": "Etter seks uker: ingen nye inkassosaker, budsjettet er satt opp og én gammel sak er betalt.",
    "lessons": "Når økonomien er en del av planen, må det avtales tidlig hvem som følger med på posten, "
    "ikke etter det første inkassovarselet. Det holder ikke at to tjenester tror at den andre gjør det.",
}


def add_group(citizen, staff):
    """Ingrid's group, its three meetings, actions and learning log. Needs her active plan and goals."""
    coordinator, gp, nav = staff["koordinator"], staff["fastlege"], staff["nav"]
    grant = grant_for(coordinator, citizen)
    own = grant_for(citizen.user, citizen)
    today = timezone.localdate()
    first_at = _at(_weekday_on_or_before(today - datetime.timedelta(days=43)), 10)
    second_at = _at(_weekday_on_or_before(today - datetime.timedelta(days=8)), 13)

    team = {member.role: member for member in CareTeamMember.objects.active().filter(citizen=citizen)}
    specs = [
        actions.MemberSpec(
            care_team_member=team[role], role=group_role, responsibility=responsibility, shielded_sections=shielded
        )
        for role, group_role, responsibility, shielded in MEMBERS
    ]
    group, agreement = actions.propose_group(grant, acting_user=coordinator, text=AGREEMENT, members=specs)
    actions.answer_agreement(own, agreement, acting_user=citizen.user, consent="yes", comment=CONSENT_COMMENT)
    # History: the group was proposed two weeks before its first meeting, and Ingrid said yes a few days later.
    proposed_at = first_at - datetime.timedelta(days=14)
    Group.objects.filter(pk=group.pk).update(created_at=proposed_at)
    Agreement.objects.filter(pk=agreement.pk).update(
        created_at=proposed_at, citizen_answered_at=proposed_at + datetime.timedelta(days=4)
    )
    group.refresh_from_db()
    members = {member.care_team_member.role: member for member in agreement.members.select_related("care_team_member")}

    # The first meeting: everyone but Odd came.
    first = _held_meeting(grant, group, coordinator, first_at, absent=members[CareTeamMember.Role.RELATIVE])
    _signed_minutes(grant, first, coordinator, FIRST_MEETING)
    seen_by_gp = actions.add_task(
        grant,
        first,
        acting_user=coordinator,
        what="Time med Ingrid om søvn og medisiner",
        responsible=members[CareTeamMember.Role.GP],
        due_on=today,
        section=Section.MEDICATION,
    )
    budget = actions.add_task(
        grant,
        first,
        acting_user=coordinator,
        what="Sette opp budsjett sammen med Ingrid",
        responsible=members[CareTeamMember.Role.NAV],
        due_on=today,
        section=Section.FINANCE,
    )
    new_plan = actions.add_task(
        grant,
        first,
        acting_user=coordinator,
        what="Lage forslag til ny versjon av planen",
        responsible=members[CareTeamMember.Role.COORDINATOR],
        due_on=today,
        section=Section.PLAN,
    )
    actions.set_task_status(grant_for(gp, citizen), seen_by_gp, acting_user=gp, status=GroupTask.Status.COMPLETED)
    actions.set_task_status(grant_for(nav, citizen), budget, acting_user=nav, status=GroupTask.Status.COMPLETED)
    actions.set_task_status(grant, new_plan, acting_user=coordinator, status=GroupTask.Status.IN_PROGRESS)
    # History: the actions were made in the first meeting, the GP's and Nav's done within three weeks; the new
    # version of the plan waits for Ingrid's approval, due next week.
    first_day = timezone.localdate(first_at)
    for task, due_on, closed_in in (
        (seen_by_gp, first_day + datetime.timedelta(days=14), 9),
        (budget, first_day + datetime.timedelta(days=28), 20),
        (new_plan, today + datetime.timedelta(days=7), None),
    ):
        GroupTask.objects.filter(pk=task.pk).update(
            created_at=first_at + datetime.timedelta(hours=1),
            due_on=due_on,
            closed_at=first_at + datetime.timedelta(days=closed_in) if closed_in else None,
        )

    # The second meeting: everyone came, with Ingrid's own point; the coordinator's open action is on the agenda.
    second = _held_meeting(grant, group, coordinator, second_at, citizen_point=(own, citizen.user))
    _signed_minutes(grant, second, coordinator, SECOND_MEETING)
    actions.request_plan_change(grant, second, acting_user=coordinator, text=PLAN_CHANGE)
    after_second = [
        (
            "Avklare nedbetalingsavtale for den siste inkassosaken og gå gjennom den med Ingrid",
            CareTeamMember.Role.NAV,
            3,
            Section.FINANCE,
        ),
        ("Se om et kurs kan være en del av en aktivitetsplan", CareTeamMember.Role.NAV, 21, actions.GROUP),
        ("Finne et kurs sammen med Ingrid", CareTeamMember.Role.COORDINATOR, 21, actions.GROUP),
    ]
    for what, role, due_in, section in after_second:
        task = actions.add_task(
            grant,
            second,
            acting_user=coordinator,
            what=what,
            responsible=members[role],
            due_on=today + datetime.timedelta(days=due_in),
            section=section,
        )
        GroupTask.objects.filter(pk=task.pk).update(created_at=second_at + datetime.timedelta(hours=1))

    # The next meeting, next month: planned, its invitations not yet sent.
    actions.plan_meeting(
        grant,
        group,
        acting_user=coordinator,
        kind=Meeting.Kind.RESPONSIBILITY_GROUP,
        starts_at=_at(_next_month_weekday(today), 10),
        duration_minutes=60,
        place=PLACE,
        members=list(members.values()),
    )
    log = learning.write_log(
        grant,
        group,
        acting_user=coordinator,
        event_on=timezone.localdate(first_at) - datetime.timedelta(days=6),
        evaluated_on=timezone.localdate(second_at),
        **(LEARNING_LOG | {"factors": LearningFactor.objects.filter(key__in=LEARNING_LOG["factors"])}),
    )
    # History: the log was written when it was evaluated, in the second meeting.
    LearningLog.objects.filter(pk=log.pk).update(created_at=second_at + datetime.timedelta(hours=2))
    return group


def _held_meeting(grant, group, coordinator, starts_at, *, absent=None, citizen_point=None):
    """A meeting planned ahead (``plan_meeting`` refuses the past), moved back to ``starts_at``, then held."""
    members = list(actions.current_agreement(group).members.all())
    meeting = actions.plan_meeting(
        grant,
        group,
        acting_user=coordinator,
        kind=Meeting.Kind.RESPONSIBILITY_GROUP,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        duration_minutes=60,
        place=PLACE,
        members=members,
    )
    if citizen_point is not None:
        own, user = citizen_point
        actions.add_agenda_point(own, meeting, acting_user=user, title=CITIZEN_POINT)
    meeting = _moved_back(meeting, starts_at)
    attendance = {
        participant.pk: "apologies" if participant.member_id == getattr(absent, "pk", None) else "present"
        for participant in meeting.participants.all()
    }
    actions.record_attendance(
        grant, meeting, acting_user=coordinator, attendance=attendance, citizen_attendance="took_part"
    )
    meeting.refresh_from_db()
    return meeting


def _moved_back(meeting, starts_at):
    # History: the demo writes meetings that were held weeks ago, which plan_meeting rightly refuses; the meeting
    # is planned ahead and moved back here, as if it had been planned three weeks before it took place.
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=starts_at, created_at=starts_at - datetime.timedelta(days=21)
    )
    meeting.refresh_from_db()
    return meeting


def _signed_minutes(grant, meeting, coordinator, texts):
    """The coordinator writes the minutes from ``texts`` (see ``FIRST_MEETING``) and signs them."""
    minutes = actions.start_minutes(grant, meeting, acting_user=coordinator)
    typed = []
    for part in minutes.parts:
        said, status, agreed, rating = texts.get(_text_key(part), ("", "", "", None))
        typed.append({"said": said, "status": status, "agreed": agreed, "rating": rating})
    minutes = actions.save_minutes(
        grant,
        minutes,
        acting_user=coordinator,
        summary=texts["summary"],
        parts=typed,
        expected_revision=minutes.revision,
    )
    return actions.sign_minutes(grant, minutes, acting_user=coordinator, expected_revision=minutes.revision)


def _text_key(part):
    """The key of ``FIRST_MEETING`` and ``SECOND_MEETING`` for a part of the minutes."""
    if part["kind"] == AgendaItem.Kind.PLAN_PART:
        return part["plan_text"]
    if part["kind"] in (AgendaItem.Kind.PLAN_REVISION, AgendaItem.Kind.CITIZEN_POINT):
        return part["kind"]
    if part["kind"] == AgendaItem.Kind.TASK:
        return GroupTask.objects.get(pk=part["task"]).what
    return part["title"]  # a goal's text, an intervention's "what"


def _at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _weekday_on_or_before(day):
    while day.weekday() > 4:
        day -= datetime.timedelta(days=1)
    return day


def _next_month_weekday(today):
    """The first weekday from the 10th of next month: "next month" on every day of this one."""
    day = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=10)
    while day.weekday() > 4:
        day += datetime.timedelta(days=1)
    return day
