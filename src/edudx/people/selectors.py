"""Every read of people that crosses a permission line. Each takes the acting user and
applies its `Scope`; an object outside the scope is reported as not found (404), never as
forbidden, so its existence does not leak."""

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import CharField, Exists, F, Func, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Contains, In
from django.utils.translation import gettext as _

from edudx.audit.services import audit_record
from edudx.core.errors import NotFound
from edudx.core.rows import fetch as rows_fetch
from edudx.core.scope import Scope, scope_of
from edudx.core.text import fold
from edudx.org.models import SEGMENT, OrgUnit, path_upper

from .models import Enrolment, GuardianLink, Person, StaffMember, Student, StudentStatus


def _units_q(scope: Scope, field: str) -> Q:
    """Rows whose unit (`field`) lies in one of the scope's subtrees."""
    q = Q(pk__in=[])
    for p in scope.unit_paths:
        q |= Q(**{f"{field}__path__gte": p, f"{field}__path__lt": path_upper(p)})
    return q


def _unit_ids(paths) -> QuerySet:
    """Ids of the units in the subtrees at `paths` (index org_unit_path), as a subquery."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(path__gte=p, path__lt=path_upper(p))
    return OrgUnit.objects.filter(q).order_by().values("id")


def student_scope_q(scope: Scope, *, school=None) -> Q | None:
    """None means everything. Unit scopes are a filter on the student row,
    `current_school_id IN (SELECT id FROM org_orgunit WHERE path range)`, not a join: the
    planner may then walk the name index in order and stop after one page. `school` is the
    expression compared (see `_student_rows`)."""
    if scope.everything:
        return None
    q = Q(pk__in=[])
    if scope.unit_paths:
        q = Q(In(school or F("current_school_id"), _unit_ids(scope.unit_paths)))
    if scope.class_ids:
        q |= Q(current_class_id__in=scope.class_ids)
    if scope.student_ids:
        q |= Q(pk__in=scope.student_ids)
    return q


def enrolment_scope_q(scope: Scope) -> Q | None:
    """As `student_scope_q`, for enrolment rows: at a school of the scope's units, in its
    classes, of its students. None means everything."""
    if scope.everything:
        return None
    q = Q(pk__in=[])
    if scope.unit_paths:
        q |= Q(school_id__in=_unit_ids(scope.unit_paths))
    if scope.class_ids:
        q |= Q(class_group_id__in=scope.class_ids)
    if scope.student_ids:
        q |= Q(student_id__in=scope.student_ids)
    return q


def search_terms(text: str | None) -> str:
    return fold(text)


# A list counts at most this many matches; beyond, it says "more than 10,000" (an exact
# COUNT of a province's 300,000 students costs more than the page itself).
COUNT_CAP = 10_000
# Shorter terms have no trigram: the indexes below cannot serve them.
TRIGRAM_MIN = 3


def _unit_path(unit_id: int | None) -> str | None:
    """The path of the `unit_id` filter; "" for an unknown unit (nothing matches)."""
    if not unit_id:
        return None
    unit = OrgUnit.objects.filter(pk=unit_id).only("path").first()
    return unit.path if unit else ""


# Scopes at or above this depth (a whole province: ministry / province) are "wide".
WIDE_DEPTH = 2


def _name_unindexed() -> Func:
    """`search_name || ''`: the same string, which no index on the column serves."""
    return Func(F("search_name"), template="(%(expressions)s || '')", output_field=CharField())


def _is_wide(scope: Scope, *, school_id, class_id, unit_path) -> bool:
    """Whether the list may cover a province's students. Only the SQLite plan depends on it
    (never the rows): a school's or a commune's few thousand students are scanned faster
    through index student_school_name than a common trigram's matches are collected."""
    if school_id or class_id or (unit_path and len(unit_path) > WIDE_DEPTH * SEGMENT):
        return False
    return scope.everything or any(len(p) <= WIDE_DEPTH * SEGMENT for p in scope.unit_paths)


def _student_rows(
    *,
    actor,
    q: str | None,
    school_id: int | None,
    class_id: int | None,
    unit_path: str | None,
    status: str | None,
    plan: str = "",
) -> QuerySet[Student]:
    """The students `actor` may see, filtered, unordered. `plan` steers the engine without
    changing the rows (every variant keeps the exact `search_name LIKE '%term%'`):

    - "count" and "sort" (few matches, all fetched and sorted): on SQLite, find the matches
      of a term through the FTS5 trigram table student_name_fts (migration people 0003)
      when the list is wide (`_is_wide`); PostgreSQL's planner picks its GIN index
      student_name_trgm by itself.
    - "walk" (many matches): read students in name order and stop after the page. On SQLite
      the school test becomes `current_school_id + 0 IN (…)`, which keeps index
      student_school_name out of the plan so that student_search_name is walked.
    - "": the planner's choice.
    """
    scope = scope_of(actor)
    if unit_path == "":
        return Student.objects.none()
    sqlite = connection.vendor == "sqlite"
    school = F("current_school_id") + 0 if plan == "walk" and sqlite else F("current_school_id")
    conds = []
    sq = student_scope_q(scope, school=school)
    if sq is not None:
        conds.append(sq)
    if status:
        conds.append(Q(status=status))
    if school_id:
        conds.append(Q(current_school_id=school_id))
    if class_id:
        conds.append(Q(current_class_id=class_id))
    if unit_path:
        conds.append(In(school, _unit_ids([unit_path])))
    term = search_terms(q)
    if term.isdigit():
        conds.append(Q(person__personal_id=term) | Q(person__moet_id=term) | Q(student_code=term))
    elif term:
        wide = _is_wide(scope, school_id=school_id, class_id=class_id, unit_path=unit_path)
        if wide or sqlite:
            conds.append(Q(search_name__contains=term))
        else:
            # A school's or a commune's students, on PostgreSQL: test the name row by row
            # after index student_school_name, not through student_name_trgm (which the
            # planner would re-scan once per school: "nguyen van" in a commune, 42 ms → 2).
            conds.append(Contains(_name_unindexed(), term))
        if sqlite and wide and plan in ("count", "sort") and len(term) >= TRIGRAM_MIN:
            # A superset of the LIKE matches (the same trigrams); the LIKE decides.
            phrase = '"' + term.replace('"', '""') + '"'
            fts = "SELECT rowid FROM student_name_fts WHERE student_name_fts MATCH %s"
            conds.append(Q(pk__in=RawSQL(fts, [phrase])))  # noqa: S611 — constant SQL
    return Student.objects.filter(*conds)


def student_list(
    *,
    actor,
    q: str | None = None,
    school_id: int | None = None,
    class_id: int | None = None,
    unit_id: int | None = None,
    status: str | None = StudentStatus.STUDYING,
) -> QuerySet[Student]:
    """Students the actor may see, filtered; ordered by name. Search is diacritic-insensitive
    and matches any part of the name ("nguyen van" finds "Nguyễn Văn An"). For a page of a
    long list use `student_page`: same rows, bounded count, engine-aware plans."""
    qs = _student_rows(
        actor=actor,
        q=q,
        school_id=school_id,
        class_id=class_id,
        unit_path=_unit_path(unit_id),
        status=status,
    )
    return qs.select_related("person", "current_school", "current_class").order_by(
        "search_name", "id"
    )


class CountedPaginator(Paginator):
    """A Paginator told its count (at most COUNT_CAP; `capped` when there are more)."""

    def __init__(self, *, count: int, capped: bool, per_page: int):
        super().__init__((), per_page)
        self.count = count  # shadows the cached_property: nothing to count again
        self.capped = capped


def _student_where(
    scope: Scope,
    *,
    q: str | None,
    school_id: int | None,
    class_id: int | None,
    unit_path: str | None,
    status: str | None,
    plan: str = "",
) -> tuple[str, list] | None:
    """`_student_rows` written as SQL over `people_student s`: the WHERE clause and its
    parameters, or None when nothing can match. `student_page` runs it directly: building
    and compiling the ORM query cost two to three times what the database spends on a
    school's page (docs/benchmarks.md, "Scoped list"). The rows are those of
    `_student_rows` for every scope and filter (tests/people/test_student_page_sql.py
    compares the two); a change to one is a change to both."""
    if unit_path == "" or scope.is_empty:
        return None
    sqlite = connection.vendor == "sqlite"
    school = "s.current_school_id + 0" if plan == "walk" and sqlite else "s.current_school_id"
    conds: list[str] = []
    params: list = []

    def units(paths) -> str:
        params.extend(v for p in paths for v in (p, path_upper(p)))
        ranges = " OR ".join("(path >= %s AND path < %s)" for _ in paths)
        return f"{school} IN (SELECT id FROM org_orgunit WHERE {ranges})"

    def members(column: str, ids) -> str:
        ids = sorted(ids)
        params.extend(ids)
        return f"{column} IN ({', '.join(['%s'] * len(ids))})"

    if not scope.everything:
        seen = []
        if scope.unit_paths:
            seen.append(units(scope.unit_paths))
        if scope.class_ids:
            seen.append(members("s.current_class_id", scope.class_ids))
        if scope.student_ids:
            seen.append(members("s.id", scope.student_ids))
        conds.append(f"({' OR '.join(seen)})")
    if status:
        conds.append("s.status = %s")
        params.append(status)
    if school_id:
        conds.append("s.current_school_id = %s")
        params.append(school_id)
    if class_id:
        conds.append("s.current_class_id = %s")
        params.append(class_id)
    if unit_path:
        conds.append(units([unit_path]))
    term = search_terms(q)
    if term.isdigit():
        conds.append(
            "(s.person_id IN (SELECT id FROM people_person WHERE personal_id = %s "
            "OR moet_id = %s) OR s.student_code = %s)"
        )
        params.extend([term, term, term])
    elif term:
        wide = _is_wide(scope, school_id=school_id, class_id=class_id, unit_path=unit_path)
        name = "s.search_name" if wide or sqlite else "(s.search_name || '')"  # as above
        conds.append(f"{name} {connection.operators['contains'] % '%s'}")
        params.append(f"%{connection.ops.prep_for_like_query(term)}%")
        if sqlite and wide and plan in ("count", "sort") and len(term) >= TRIGRAM_MIN:
            conds.append(
                "s.id IN (SELECT rowid FROM student_name_fts WHERE student_name_fts MATCH %s)"
            )
            params.append('"' + term.replace('"', '""') + '"')
    return " AND ".join(conds) or "1 = 1", params


def _db_fields(columns: tuple[str, ...]) -> list[tuple[str, object]]:
    """(SQL column of `people_student s` / `people_person p`, model field) of `values()`
    names: a student field, or `person__<field>`."""
    out = []
    for name in columns:
        model, alias = Student, "s"
        if name.startswith("person__"):
            model, alias, name = Person, "p", name.removeprefix("person__")
        field = model._meta.get_field(name)
        out.append((f"{alias}.{field.column}", field))
    return out


def student_page(
    *,
    actor,
    page: int = 1,
    page_size: int,
    q: str | None = None,
    school_id: int | None = None,
    class_id: int | None = None,
    unit_id: int | None = None,
    status: str | None = StudentStatus.STUDYING,
    columns: tuple[str, ...] | None = None,
    clamp: bool = False,
) -> Page:
    """One page of `student_list` in two queries: a COUNT of at most COUNT_CAP + 1 matches,
    then the page (ids found first, in a subquery; people_person joined for those only).
    Rows are dicts of `columns` (`values()` names of the student and its person) when
    given, else students with their person, school and class. `clamp` turns a page past the
    end into the last page (web pages); the API answers such a page with no items."""
    scope = scope_of(actor)
    filters = {
        "q": q,
        "school_id": school_id,
        "class_id": class_id,
        "unit_path": _unit_path(unit_id),
        "status": status,
    }
    counted = _student_where(scope, **filters, plan="count")
    if counted is None:
        count = 0
    else:
        where, params = counted
        with connection.cursor() as cur:
            cur.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM people_student s "
                f"WHERE {where} LIMIT {COUNT_CAP + 1}) m",
                params,
            )
            count = cur.fetchone()[0]
    capped = count > COUNT_CAP
    count = min(count, COUNT_CAP)
    paginator = CountedPaginator(count=count, capped=capped, per_page=page_size)
    if clamp:
        page = min(max(page, 1), paginator.num_pages)
    if count == 0:
        return Page([], page, paginator)
    start = (page - 1) * page_size
    # Many matches: they are dense in name order, the ordered walk stops early. Few: sort
    # them all (on PostgreSQL, ordering by an expression rather than the column keeps the
    # planner from walking index student_search_name through rows that do not match and
    # makes it sort the bitmap scan of student_name_trgm instead: "nguyen van", 10,000 of
    # 300,000, 30 ms instead of 250 ms).
    plan = "walk" if capped else "sort" if search_terms(q) else ""
    where, params = _student_where(scope, **filters, plan=plan)
    order = "s.search_name"
    if plan == "sort" and connection.vendor == "postgresql":
        order = "(s.search_name || '')"
    ids = (
        f"SELECT s.id FROM people_student s WHERE {where} "
        f"ORDER BY {order}, s.id LIMIT {int(page_size)} OFFSET {int(start)}"
    )
    if columns is None:
        rows = Student.objects.filter(pk__in=RawSQL(ids, params))  # noqa: S611 — built above
        rows = rows.select_related("person", "current_school", "current_class")
        return Page(list(rows.order_by("search_name", "id")), page, paginator)
    select = ", ".join(column for column, _field in _db_fields(columns))
    sql = (
        f"WITH ids AS ({ids}) SELECT {select} FROM ids "
        "JOIN people_student s ON s.id = ids.id JOIN people_person p ON p.id = s.person_id "
        "ORDER BY s.search_name, s.id"
    )
    found = rows_fetch(sql, params, [field for _column, field in _db_fields(columns)])
    return Page([dict(zip(columns, row, strict=True)) for row in found], page, paginator)


def student_get(*, actor, student_id: int) -> Student:
    scope = scope_of(actor)
    qs = Student.objects.select_related(
        "person", "person__commune", "current_school", "current_class"
    )
    sq = student_scope_q(scope)
    if sq is not None:
        qs = qs.filter(sq)
    student = qs.filter(pk=student_id).first()
    if student is None:
        raise NotFound("student.not_found", _("Không tìm thấy học sinh."))
    return student


def student_survivor(*, actor, student_id: int) -> Student | None:
    """The student a merged-away duplicate `student_id` became (`services.person_merge`),
    if `actor` may see it; None when `student_id` is no such duplicate or the survivor is
    outside the actor's scope (the caller answers 404 as for any unknown student)."""
    person_id = (
        Student.objects.filter(pk=student_id).values_list("person__merged_into", flat=True).first()
    )
    if person_id is None:
        return None
    for _hop in range(10):  # a merge of a merge: follow it (a merge never makes a cycle)
        onward = Person.objects.filter(pk=person_id).values_list("merged_into", flat=True)
        if (onward := onward.first()) is None:
            break
        person_id = onward
    survivor = Student.objects.filter(person_id=person_id)
    scoped = student_scope_q(scope_of(actor))
    if scoped is not None:
        survivor = survivor.filter(scoped)
    return survivor.select_related("person").first()


def student_record(*, actor, student_id: int, reason: str = "") -> dict:
    """The full record of a student (identity, enrolment history, guardians). Reading it is
    recorded in the audit trail (DESIGN.md: every view of a full student record)."""
    student = student_get(actor=actor, student_id=student_id)
    enrolments = list(
        Enrolment.objects.filter(student=student)
        .select_related("school", "school_year", "class_group")
        .order_by("start_date", "id")
    )
    guardians = list(GuardianLink.objects.filter(student=student).select_related("guardian"))
    audit_record(
        actor=actor,
        action="view",
        object_type="people.student",
        object_id=student.pk,
        object_repr=student.person.full_name,
        reason=reason,
    )
    return {
        "student": student,
        "person": student.person,
        "enrolments": enrolments,
        "guardians": guardians,
    }


def staff_scope_q(scope: Scope) -> Q | None:
    if scope.everything:
        return None
    q = _units_q(scope, "unit")
    if scope.person_id:
        q |= Q(person_id=scope.person_id)
    return q


# --- change feeds (incremental sync by other systems) --------------------------------------

# The most rows one call of a change feed returns.
CHANGES_MAX = 1000


def _changed_after(
    qs: QuerySet, *, actor, kind: str, since, after_id: int, limit: int, columns
) -> list[dict]:
    """The keyset page of `qs` after (`since`, `after_id`) in (`updated_at`, id) order, at
    most `limit` rows as dicts of `columns` (with `updated_at` and `id`, the row's own:
    the cursor): index `*_changed`
    is walked in order and the walk stops after the page, so a call costs the same at the
    first page as at the last. A page of personal data leaving the platform is one audit
    event ("export": how many rows, from which cursor)."""
    if since is not None:
        qs = qs.filter(Q(updated_at__gt=since) | Q(updated_at=since, pk__gt=after_id))
    names = [*columns, *(c for c in ("updated_at", "id") if c not in columns)]
    rows = list(qs.order_by("updated_at", "pk").values(*names)[: min(limit, CHANGES_MAX)])
    if rows:
        audit_record(
            actor=actor,
            action="export",
            object_type=f"people.{kind}",
            object_id="changes",
            object_repr=f"{len(rows)} {kind} changes",
            changes={
                "rows": len(rows),
                "since": since.isoformat() if since is not None else None,
                "after_id": after_id,
                "first_id": rows[0]["id"],
                "last_id": rows[-1]["id"],
            },
        )
    return rows


def student_changes(*, actor, since=None, after_id: int = 0, limit: int, columns) -> list[dict]:
    """Students changed after (`since`, `after_id`) that `actor` may see, of every status,
    oldest change first: the feed another system (the province's or the ministry's database)
    syncs from. A change of the person (name, identifiers…) counts: the services move the
    student's `updated_at` with the person's. For a unit's officers and staff the feed also
    keeps the students who were ever enrolled at one of its schools, so a student who moved
    to a school outside (or left) is still reported there, with the new status and school;
    and a duplicate merged into another student (`services.person_merge` moves its
    enrolments to the survivor) is reported wherever the survivor was ever enrolled."""
    scope = scope_of(actor)
    sq = student_scope_q(scope)
    if sq is not None and scope.unit_paths:
        schools = _unit_ids(scope.unit_paths)
        sq |= Q(Exists(Enrolment.objects.filter(student=OuterRef("pk"), school_id__in=schools)))
        survivor_here = Enrolment.objects.filter(
            student__person_id=OuterRef("person__merged_into_id"), school_id__in=schools
        )
        sq |= Q(person__merged_into__isnull=False) & Q(Exists(survivor_here))
    qs = Student.objects.filter(sq) if sq is not None else Student.objects.all()
    return _changed_after(
        qs,
        actor=actor,
        kind="student",
        since=since,
        after_id=after_id,
        limit=limit,
        columns=columns,
    )


def enrolment_changes(*, actor, since=None, after_id: int = 0, limit: int, columns) -> list[dict]:
    """Enrolments changed after (`since`, `after_id`) that `actor` may see, oldest change
    first: the history that tells another system who joined or left which school and class
    when (a transfer closes one enrolment and opens another; a duplicate merge moves them to
    the surviving student). Scope: enrolments at a school of the actor's units, in the
    classes they teach, of the students they may see."""
    sq = enrolment_scope_q(scope_of(actor))
    qs = Enrolment.objects.filter(sq) if sq is not None else Enrolment.objects.all()
    return _changed_after(
        qs,
        actor=actor,
        kind="enrolment",
        since=since,
        after_id=after_id,
        limit=limit,
        columns=columns,
    )


def staff_changes(*, actor, since=None, after_id: int = 0, limit: int, columns) -> list[dict]:
    """Staff roles changed after (`since`, `after_id`) that `actor` may see, ended ones
    included (a role that ended is a change: `end_date`), oldest change first."""
    sq = staff_scope_q(scope_of(actor))
    qs = StaffMember.objects.filter(sq) if sq is not None else StaffMember.objects.all()
    return _changed_after(
        qs, actor=actor, kind="staff", since=since, after_id=after_id, limit=limit, columns=columns
    )


def staff_list(
    *,
    actor,
    q: str | None = None,
    unit_id: int | None = None,
    kind: str | None = None,
    active: bool = True,
) -> QuerySet[StaffMember]:
    scope = scope_of(actor)
    qs = StaffMember.objects.all()
    sq = staff_scope_q(scope)
    if sq is not None:
        qs = qs.filter(sq)
    if active:
        qs = qs.filter(end_date__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if unit_id:
        unit = OrgUnit.objects.filter(pk=unit_id).only("path").first()
        if unit is None:
            return qs.none()
        qs = qs.filter(unit__path__gte=unit.path, unit__path__lt=path_upper(unit.path))
    term = fold(q)
    if term:
        qs = qs.filter(search_name__contains=term)
    return qs.select_related("person", "unit").order_by("search_name", "id")


def staff_get(*, actor, staff_id: int) -> StaffMember:
    scope = scope_of(actor)
    qs = StaffMember.objects.select_related("person", "unit")
    sq = staff_scope_q(scope)
    if sq is not None:
        qs = qs.filter(sq)
    staff = qs.filter(pk=staff_id).first()
    if staff is None:
        raise NotFound("staff.not_found", _("Không tìm thấy cán bộ."))
    return staff


def unit_visible(*, actor, unit: OrgUnit) -> bool:
    """Whether people data under `unit` is in the actor's unit-wide scope."""
    scope = scope_of(actor)
    return scope.everything or any(unit.path.startswith(p) for p in scope.unit_paths)


def school_counts(unit: OrgUnit) -> dict:
    """Aggregate counts for a school page (no personal data)."""
    return {
        "classes": unit.class_groups.count(),
        "students": Student.objects.filter(
            current_school=unit, status=StudentStatus.STUDYING
        ).count(),
        "staff": StaffMember.objects.filter(unit=unit, end_date__isnull=True).count(),
    }
