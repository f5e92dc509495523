"""The people every story needs: a citizen, their coordinator, a GP from another
organisation with limited sight, and an outsider with no role at all."""

import datetime
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache

from people.access import coordinator_sections
from people.models import CareTeamMember, Citizen, Organisation, Section, StaffProfile
from relatives.models import ChildrenQuestion
from tests.helpers import make_national_id

PASSWORD = "correct-horse-battery"
_serial = itertools.count(100)

__all__ = ["PASSWORD", "make_national_id"]


@pytest.fixture
def municipality(db):
    return Organisation.objects.create(name="Fjordby kommune", org_type=Organisation.Type.MUNICIPAL)


@pytest.fixture
def gp_office(db):
    return Organisation.objects.create(name="Sentrum legekontor", org_type=Organisation.Type.GP)


@pytest.fixture
def make_staff(db, municipality):
    def make(username, organisation=None, **extra):
        user = get_user_model().objects.create_user(
            username=username, password=PASSWORD, first_name=username.title(), last_name="Test", **extra
        )
        StaffProfile.objects.create(user=user, organisation=organisation or municipality, profession="Test")
        return user

    return make


@pytest.fixture
def coordinator(make_staff):
    return make_staff("coordinator")


@pytest.fixture
def gp(make_staff, gp_office):
    return make_staff("gp", gp_office)


@pytest.fixture
def outsider(make_staff):
    return make_staff("outsider")


@pytest.fixture
def leader(make_staff):
    user = make_staff("leader")
    user.user_permissions.add(Permission.objects.get(codename="review_emergencyaccess"))
    return user


@pytest.fixture
def make_citizen(db, municipality):
    def make(coordinator, given_name="Ingrid", *, with_login=False, children_asked=True):
        """A citizen with ``coordinator``. The children question (Health Personnel Act § 10 a) is
        answered "no children under 18" unless ``children_asked`` is False: otherwise every
        worklist would open with it."""
        user = None
        if with_login:
            user = get_user_model().objects.create_user(username=f"citizen{next(_serial)}", password=PASSWORD)
        citizen = Citizen.objects.create(
            user=user,
            given_name=given_name,
            family_name="Innbygger",
            date_of_birth=datetime.date(1990, 5, 17),
            national_id=make_national_id(),
        )
        CareTeamMember.objects.create(
            citizen=citizen,
            user=coordinator,
            role=CareTeamMember.Role.COORDINATOR,
            organisation=coordinator.staff_profile.organisation,
            sections=coordinator_sections(),
        )
        if children_asked:
            ChildrenQuestion.objects.create(citizen=citizen, has_children=False, answered_by=coordinator)
        return citizen

    return make


@pytest.fixture
def citizen(make_citizen, coordinator):
    return make_citizen(coordinator, with_login=True)


@pytest.fixture
def care_team_member(citizen, gp, gp_office):
    """The GP, on the team with sight of the overview and measures only."""
    return CareTeamMember.objects.create(
        citizen=citizen,
        user=gp,
        role=CareTeamMember.Role.GP,
        organisation=gp_office,
        sections=[Section.OVERVIEW, Section.MEASURES],
    )


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user, backend="accounts.backends.UserBackend")
        return client

    return as_user


@pytest.fixture(autouse=True)
def quick_password_hashing(request, settings):
    """Argon2 is meant to be slow; every fixture's user paid for it (a second per test on these
    machines). Tests hash with MD5 unless they are about hashing (``@pytest.mark.real_hashing``)."""
    if request.node.get_closest_marker("real_hashing") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]


@pytest.fixture(autouse=True)
def empty_cache():
    """Nothing cached by one test (the menu's permission answer, say) is seen by the next."""
    cache.clear()


@pytest.fixture(autouse=True)
def english_pages(settings):
    """Assertions read the English source strings; tests/test_translations.py checks bokmål."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def shipped(db):
    """Import the questionnaires Samplan ships, as `import_questionnaire --shipped` does."""
    import json
    from pathlib import Path

    from measures.actions import import_questionnaire

    folder = Path(__file__).parent / "measures" / "questionnaires"
    return {
        path.stem: import_questionnaire(json.loads(path.read_text(encoding="utf-8")))[0]
        for path in sorted(folder.glob("*.json"))
    }


@pytest.fixture
def phq9(shipped):
    return shipped["phq9"]


# --- The test database -----------------------------------------------------------------------
# On PostgreSQL with DATABASE_OWNER_URL set (as in CI) the test database is made and migrated by
# the owner, the runtime role gets its grants, and the tests then connect as the runtime role, as
# the app does in production (samplan.db_roles). The owner drops the database at the end.


def _connect_as(role):
    from django.db import connection

    connection.close()
    connection.settings_dict.update(USER=role["USER"], PASSWORD=role["PASSWORD"])


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    from django.conf import settings

    if settings.DATABASE_OWNER:
        _connect_as(settings.DATABASE_OWNER)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.conf import settings
    from django.db import connection

    from samplan import db_roles

    # Transactional tests end with a flush; it may empty the append-only tables of the test
    # database only (samplan/management/commands/flush.py).
    settings.TESTS_MAY_FLUSH_APPEND_ONLY_TABLES = True
    if not settings.DATABASE_OWNER or connection.vendor != "postgresql":
        yield
        return
    runtime = settings.DATABASE_RUNTIME
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            db_roles.grant(cursor, runtime=runtime["USER"])
        _connect_as(runtime)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == runtime["USER"]
    yield
    with django_db_blocker.unblock():
        _connect_as(settings.DATABASE_OWNER)
