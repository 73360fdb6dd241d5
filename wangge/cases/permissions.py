"""Who may see a case and as whom they may act on it.

`actor_kinds_for(actor, case)` turns an actor (an account, a resident known by phone, or the
system) into the (kind, relation) pairs of the transition table they hold for this case;
`services.perform()` intersects them with the table. `visible_cases(user)` and
`get_case_for_user(user, number)` are the one list filter and the one lookup: a case outside a
user's reach is indistinguishable from one that does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from wangge.cases.exceptions import NotFound
from wangge.cases.models import (
    AssignmentRole,
    Attachment,
    Case,
    CaseAssignment,
    LoopRules,
    PendingRequest,
)
from wangge.cases.workflow import (
    Actor,
    ActorKind,
    CaseAction,
    CaseState,
    Relation,
    Transition,
    allowed_actions,
)
from wangge.core.crypto import blind_index
from wangge.core.masking import normalize_phone
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.permissions import active_memberships
from wangge.org.roles import Role, UnitKind

PHONE_INDEX_PURPOSE = "phone"
_GRID_WORKER_ROLES = frozenset({Role.GRID_WORKER, Role.PART_TIME_GRID_WORKER})


@dataclass(frozen=True)
class Resident:
    """A member of the public, with no account, known by the phone they reported with."""

    phone: str
    name: str = ""


# None is the system: imports, automatic steps, deadline sweeps.
CaseActor = User | Resident | None


def phone_index(phone: str) -> str:
    digits = normalize_phone(phone)
    return blind_index(digits, PHONE_INDEX_PURPOSE) if digits else ""


def _memberships(user: User | AnonymousUser) -> list[tuple[str, str]]:
    return active_memberships(user)


def _within(path: str | None, root: str) -> bool:
    return bool(path) and path.startswith(root)


def creator_kinds_for(actor: CaseActor, area_path: str) -> set[Actor]:
    """What `actor` holds for a case about to be filed at the unit with `area_path`."""
    if actor is None:
        return {Actor(ActorKind.SYSTEM, Relation.ANY)}
    held = {Actor(ActorKind.REPORTER, Relation.ANY)}
    if isinstance(actor, Resident):
        return held
    if actor.is_superuser:
        held |= {Actor(ActorKind(role), Relation.SCOPED) for role in Role.values}
    for role, root in _memberships(actor):
        if _within(area_path, root):
            held.add(Actor(ActorKind(role), Relation.SCOPED))
    return held


def actor_kinds_for(actor: CaseActor, case: Case, assists: list[str] | None = None) -> set[Actor]:
    """Every (kind, relation) `actor` holds for `case`. `assists`: the paths of the units
    assisting on it now (read once by the caller; None reads them here)."""
    if actor is None:
        return {Actor(ActorKind.SYSTEM, Relation.ANY)}
    held = {Actor(ActorKind.REPORTER, Relation.ANY)}
    if isinstance(actor, Resident):
        index = phone_index(actor.phone)
        if index and index == case.reporter_phone_index:
            held.add(Actor(ActorKind.REPORTER, Relation.CASE_REPORTER))
        return held
    # Staff do not rate their own patrol reports (that would inflate the satisfaction rate):
    # only an account holding no role stands to its case as the resident reporter.
    own = case.reported_by_id is not None and case.reported_by_id == actor.pk
    if own and not _memberships(actor) and not actor.is_superuser:
        held.add(Actor(ActorKind.REPORTER, Relation.CASE_REPORTER))
    if actor.is_superuser:
        held |= {Actor(ActorKind(role), Relation.SCOPED) for role in Role.values}
    area_path = case.area.path
    department = case.department
    department_path = department.path if department is not None else None
    if assists is None:
        assists = assisting_paths(case)
    for role, root in _memberships(actor):
        kind = ActorKind(role)
        if _within(area_path, root):
            held.add(Actor(kind, Relation.SCOPED))
        if role == Role.DEPARTMENT_HANDLER and _within(department_path, root):
            held.add(Actor(kind, Relation.ASSIGNED_DEPARTMENT))
        if role == Role.DEPARTMENT_HANDLER and any(_within(path, root) for path in assists):
            held.add(Actor(kind, Relation.ASSISTING_DEPARTMENT))
        if role in _GRID_WORKER_ROLES:
            assigned_grid = department is not None and department.kind == UnitKind.GRID
            if assigned_grid and _within(department_path, root):
                held.add(Actor(kind, Relation.ASSIGNED_GRID))
            if case.area.kind == UnitKind.GRID and _within(area_path, root):
                held.add(Actor(kind, Relation.CASE_GRID_WORKER))
    return held


def assisting_paths(case: Case) -> list[str]:
    """Paths of the departments assisting on `case` that have not finished their part."""
    return list(
        case.assignments.filter(
            is_active=True, role=AssignmentRole.ASSIST, finished_at__isnull=True
        ).values_list("unit__path", flat=True)
    )


def visible_cases(user: User | AnonymousUser) -> QuerySet[Case]:
    """Every case `user` may see: those in the subtrees of their units, those dispatched to
    (or assisted by) their departments, and those they reported. One query, no duplicates."""
    cases = Case.objects.all()
    if not user.is_authenticated or not user.is_active:
        return cases.none()
    if user.is_superuser:
        return cases
    condition = Q(reported_by=user)
    memberships = _memberships(user)
    if _spans_the_whole_tree({root for _role, root in memberships}):
        return cases  # no condition: lists then walk their own index (newest, due first)
    # Unit ids as subqueries keep the case indexes usable (a join on paths does not, and
    # leaves the planner guessing how many units a path prefix holds).
    if memberships:
        condition |= Q(area__in=_units_under(root for _role, root in memberships))
    department_roots = [
        root for role, root in memberships if role in (Role.DEPARTMENT_HANDLER, *_GRID_WORKER_ROLES)
    ]
    if department_roots:
        # Lead assignments are the case's department already, so only assists are looked up.
        unit_ids = _units_under(department_roots)
        assisted = CaseAssignment.objects.filter(
            is_active=True, role=AssignmentRole.ASSIST, unit__in=unit_ids
        ).values("case_id")
        condition |= Q(department__in=unit_ids) | Q(pk__in=assisted)
    return cases.filter(condition)


def _spans_the_whole_tree(roots: set[str]) -> bool:
    """Whether these subtrees hold every unit: a role at the top of a one-district platform.
    Every case lies in some unit of the tree, so such a user sees every case."""
    tops = {root for root in roots if root.count("/") == 2}  # "/<id>/": a unit with no parent
    if not tops:
        return False
    return not OrgUnit.objects.filter(parent__isnull=True).exclude(path__in=tops).exists()


def _units_under(roots: Iterable[str]) -> QuerySet[OrgUnit]:
    """The ids of every unit in the subtrees of `roots`, as a subquery to filter a case column
    with `IN`."""
    condition = Q(pk__in=[])
    for root in sorted(set(roots)):
        condition |= Q(path__descendant_of=root)
    return OrgUnit.objects.filter(condition).values("pk")


def get_case_for_user(user: User | AnonymousUser, number: str) -> Case:
    """The case with this number if `user` may see it; NotFound otherwise (the same answer)."""
    if "\x00" in number:  # in no number, and PostgreSQL refuses to compare text holding one
        raise NotFound()
    case = (
        visible_cases(user)
        .select_related("category", "category__parent", "area", "department", "handler", "master")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def get_case_for_resident(number: str, phone: str) -> Case:
    """The case with this number if it was reported with this phone; NotFound otherwise."""
    index = phone_index(phone)
    if "\x00" in number:  # in no number, and PostgreSQL refuses to compare text holding one
        raise NotFound()
    case = (
        Case.objects.select_related("category", "area", "department", "master")
        .filter(number=number)
        .first()
    )
    if case is None or not index or case.reporter_phone_index != index:
        raise NotFound()
    return case


def get_attachment_for_user(user: User | AnonymousUser, uid: uuid.UUID | str) -> Attachment:
    """The attachment if `user` uploaded it and it is not linked to a case yet, or may see its
    case; NotFound otherwise (the same answer as for no such file)."""
    try:
        uid = uuid.UUID(str(uid))
    except ValueError:
        raise NotFound(gettext("No such file.")) from None
    attachment = Attachment.objects.filter(uid=uid).first()
    if attachment is None or not user.is_authenticated:
        raise NotFound(gettext("No such file."))
    if attachment.case_id is None and attachment.uploaded_by_id == user.pk:
        return attachment
    if (
        attachment.case_id is not None
        and visible_cases(user).filter(pk=attachment.case_id).exists()
    ):
        return attachment
    raise NotFound(gettext("No such file."))


def actions_for(
    actor: CaseActor, case: Case, *, assists: list[str] | None = None
) -> list[Transition]:
    """The steps `actor` may take on `case` now: the table's, less those the services would
    refuse on the case's own data (a second rating, a reopen past the limit, deciding a request
    that is not pending, finishing before the assisting departments). `assists`: the paths of
    `assisting_paths(case)` when the caller knows them already."""
    if assists is None:
        assists = assisting_paths(case)
    offered = allowed_actions(CaseState(case.state), actor_kinds_for(actor, case, assists))
    return [t for t in offered if _still_possible(t.action, case, assists)]


def _still_possible(action: str, case: Case, assists: list[str]) -> bool:
    pending = case.pending_request
    if action == CaseAction.RATE:
        return not case.rating
    if action == CaseAction.REOPEN:
        rules = LoopRules.objects.filter(pk=1).first()
        limit = rules.max_reopens if rules is not None else 1
        return case.reopen_count < limit and case.department_id is not None
    if action in (CaseAction.REQUEST_EXTENSION, CaseAction.REQUEST_DEFERRAL):
        return not pending
    if action in (CaseAction.APPROVE_EXTENSION, CaseAction.REJECT_EXTENSION):
        return pending == PendingRequest.EXTENSION
    if action in (CaseAction.APPROVE_DEFERRAL, CaseAction.REJECT_DEFERRAL):
        return pending == PendingRequest.DEFERRAL
    if action == CaseAction.FINISH:
        return not assists
    return True
