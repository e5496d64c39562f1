"""What an acting user may see, as plain data. Built once per request by
`accounts.scope.build_scope` (the user's `scope` property) and applied by every selector."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    unit_paths: tuple[str, ...] = ()  # whole subtrees (officers, principals, clerks)
    class_ids: frozenset[int] = field(default_factory=frozenset)  # classes taught
    homeroom_class_ids: frozenset[int] = field(default_factory=frozenset)
    student_ids: frozenset[int] = field(default_factory=frozenset)  # self, or children
    person_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.unit_paths or self.class_ids or self.student_ids)


EMPTY = Scope()


def scope_of(actor) -> Scope:
    """The scope of an acting user; anonymous or unknown actors see nothing."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return EMPTY
    return getattr(actor, "scope", EMPTY)
