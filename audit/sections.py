"""The parts of a citizen's record, each registered by the app that owns it.

A section is what a care-team member may be allowed to see (a *grantable* section, e.g. the
crisis plan) or a part that is only ever logged (the care team itself, blocks). Every access
event names one, and ``audit.log`` refuses a section nobody registered, so the log holds a
closed, growing vocabulary instead of free strings. Apps register theirs in
``AppConfig.ready()``, as Django apps register admin classes; this module imports nothing.
"""

from dataclasses import dataclass

ALL_ROLES = "*"


@dataclass(frozen=True)
class SectionSpec:
    key: str
    label: object  # a lazy translation
    grantable: bool = True
    # Care-team roles that get this section when they are added, unless the coordinator unticks
    # it; ``ALL_ROLES`` for everyone. The citizen decides in the end, as always.
    default_for: frozenset = frozenset()
    # A report over many citizens (insights): logged as an aggregate read, never granted.
    aggregate: bool = False

    def is_default_for(self, role):
        return ALL_ROLES in self.default_for or role in self.default_for


_registry: dict[str, SectionSpec] = {}


def register(key, label, *, grantable=True, default_for=(), aggregate=False):
    """Add a section. Registering the same key twice with a different meaning is a programming error."""
    spec = SectionSpec(
        key=key,
        label=label,
        grantable=grantable and not aggregate,
        default_for=frozenset(default_for),
        aggregate=aggregate,
    )
    existing = _registry.get(key)
    if existing is not None and existing != spec:
        raise ValueError(f"section {key!r} is already registered differently")
    _registry[key] = spec
    return spec


def is_registered(key):
    return key in _registry


def get(key):
    return _registry[key]


def label(key):
    spec = _registry.get(key)
    return spec.label if spec is not None else key


def grantable():
    """The sections a care-team member (or a system client) may be given, in registration order."""
    return [spec for spec in _registry.values() if spec.grantable]


def grantable_keys():
    return frozenset(spec.key for spec in grantable())


def grantable_choices():
    return [(spec.key, spec.label) for spec in grantable()]


def defaults_for(role):
    """The sections a new care-team member in ``role`` starts with."""
    return [spec.key for spec in grantable() if spec.is_default_for(role)]


def in_order(keys):
    """``keys`` in registration order, unknown ones dropped: how a member's sections are stored."""
    wanted = set(keys)
    return [spec.key for spec in grantable() if spec.key in wanted]
