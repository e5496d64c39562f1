"""What an acting user may see, as plain data. Built once per request by
`accounts.scope.build_scope` (the user's `scope` property) and applied by every selector."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RoleUnit:
    """One role the user holds at a unit that still exists."""

    role: str
    unit_id: int
    path: str


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    unit_paths: tuple[str, ...] = ()  # whole subtrees (officers, principals, clerks)
    class_ids: frozenset[int] = field(default_factory=frozenset)  # classes taught
    homeroom_class_ids: frozenset[int] = field(default_factory=frozenset)
    student_ids: frozenset[int] = field(default_factory=frozenset)  # self, or children
    person_id: int | None = None
    # Every role at a live unit, for the apps' own rules ("the principal or clerk of this
    # school", "the head who signs for this unit") without a query of their own.
    role_units: tuple[RoleUnit, ...] = ()
    roles: frozenset[str] = field(default_factory=frozenset)  # every role held, anywhere

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.unit_paths or self.class_ids or self.student_ids)

    def paths_where(self, roles) -> tuple[str, ...]:
        """Paths of the units where one of `roles` is held."""
        return tuple(r.path for r in self.role_units if r.role in roles)

    def units_where(self, roles) -> frozenset[int]:
        """Ids of the units where one of `roles` is held."""
        return frozenset(r.unit_id for r in self.role_units if r.role in roles)


EMPTY = Scope()


def scope_of(actor) -> Scope:
    """The scope of an acting user; anonymous or unknown actors see nothing."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return EMPTY
    return getattr(actor, "scope", EMPTY)
