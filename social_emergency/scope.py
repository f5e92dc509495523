"""Who may record in, and read the figures of, which contact register.

Staff whose own unit (``StaffProfile.organisation``) is the register's unit or a unit under it record contacts
and read the unit's figures. The unit's leaders (``people.access.units_led_by``: the units they lead and those
under them) read the figures. Everyone else — staff of other units, a GP, Nav, citizens, administrators without
a unit — gets nothing: the list is empty and a register's pages are a 404, as if it did not exist.
"""

from dataclasses import dataclass

from django.http import Http404

from people.access import AggregateScope, is_staff_member, units_led_by
from people.models import Organisation

from .models import ContactRegister


def _own_units(user):
    """The staff member's own unit and every unit above it: a register of any of them is theirs to record in."""
    parents = dict(Organisation.objects.order_by().values_list("pk", "parent_id"))
    unit, found = user.staff_profile.organisation_id, set()
    while unit is not None and unit not in found:
        found.add(unit)
        unit = parents.get(unit)
    return frozenset(found)


@dataclass(frozen=True)
class RegisterAccess:
    register: ContactRegister
    records: bool  # staff of the unit: record contacts (when the register is open) and read the figures
    leads: bool  # a leader of the unit: read the figures

    @property
    def reads(self):
        return self.records or self.leads

    @property
    def may_record(self):
        return self.records and self.register.active

    def for_log(self, user):
        """What ``people.access.log_aggregate`` records: the register's unit."""
        return AggregateScope(user=user, unit_ids=frozenset({self.register.unit_id}))


def registers_for(user):
    """Every register ``user`` may use, with how, by unit name; empty for anyone but the unit's staff and leaders."""
    if not is_staff_member(user):
        return []
    own, led = _own_units(user), units_led_by(user)
    found = []
    for register in ContactRegister.objects.filter(unit_id__in=own | led).select_related("unit"):
        found.append(RegisterAccess(register, records=register.unit_id in own, leads=register.unit_id in led))
    return found


def register_or_404(user, register_id, *, to_record=False):
    """The register's access for ``user``; a 404 when they may not read it (or record in it, ``to_record``)."""
    for entry in registers_for(user):
        if entry.register.pk == register_id and (entry.may_record if to_record else entry.reads):
            return entry
    raise Http404
