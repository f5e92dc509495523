"""The login backend loads with the user what every page asks: staff profile and unit, citizen record,
whether they lead a unit; in one query, and as the ORM would have loaded them."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.backends import UserBackend
from people.models import Citizen, StaffProfile, UnitLeadership


def test_staff_come_with_profile_and_unit_in_one_query(coordinator, municipality, django_assert_num_queries):
    profile = StaffProfile.objects.get(user=coordinator)
    with django_assert_num_queries(1):
        user = UserBackend().get_user(coordinator.pk)
        assert (user.pk, user.username, user.get_full_name()) == (coordinator.pk, "coordinator", "Coordinator Test")
        assert (user.staff_profile.pk, user.staff_profile.profession) == (profile.pk, profile.profession)
        assert user.staff_profile.organisation.name == municipality.name
        assert user.staff_profile.user is user
        assert not hasattr(user, "citizen")
        assert user.leads_units is False
        assert user.check_password("not the password") is False


def test_a_citizen_comes_with_the_citizen_record_and_no_profile(citizen, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = UserBackend().get_user(citizen.user.pk)
        assert (user.citizen.pk, user.citizen.given_name) == (citizen.pk, "Ingrid")
        assert user.citizen.user is user
        assert not hasattr(user, "staff_profile")


def test_leading_a_unit_counts_only_while_the_charge_lasts(coordinator, municipality):
    today = timezone.localdate()
    leadership = UnitLeadership.objects.create(user=coordinator, organisation=municipality, active_from=today)
    assert UserBackend().get_user(coordinator.pk).leads_units is True
    UnitLeadership.objects.filter(pk=leadership.pk).update(active_to=today - datetime.timedelta(days=1))
    assert UserBackend().get_user(coordinator.pk).leads_units is False


def test_no_user_for_an_unknown_id_or_an_inactive_account(coordinator):
    assert UserBackend().get_user(coordinator.pk + 1000) is None
    get_user_model().objects.filter(pk=coordinator.pk).update(is_active=False)
    assert UserBackend().get_user(coordinator.pk) is None


def test_the_user_saves_as_a_loaded_model_does(coordinator):
    user = UserBackend().get_user(coordinator.pk)
    user.first_name = "Renamed"
    user.save(update_fields=["first_name"])
    assert get_user_model().objects.get(pk=coordinator.pk).first_name == "Renamed"
    assert Citizen.objects.count() == 0
