"""The measures behind `definitions.ROLE_FIGURES`: for a period and a set of subjects (users, or
units), what each subject's figures are made of, read in a few grouped queries over cases and
case events, plus the people and campaigns apps' own rows for care visits and canvassing.

A subject's approved appeals (申诉/核减) take cases out of its own figures only: the caller
(evaluation, which analytics never imports) passes them in as `excluded` {subject id: case
ids}. Grouped sums are read once for everyone, then the excluded cases' own contributions,
computed by the same expressions, are taken away from their subject alone.

Deadlines counted in working time (dispatch, verification) are worked out with the city's
calendar in Python, exactly as the loop sets them (`cases.deadlines`), not re-derived in SQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from wangge.analytics.definitions import VERIFY_WITHIN_WORKING_HOURS, RoleSubject
from wangge.analytics.queries import Period
from wangge.campaigns.models import CampaignState, Target, Visit
from wangge.cases.deadlines import stage_due_at
from wangge.cases.models import Case, CaseEvent, Category
from wangge.cases.workflow import CaseAction, CaseState
from wangge.core import clock
from wangge.core.calendar import WorkingCalendar
from wangge.org.models import Membership, OrgUnit
from wangge.org.roles import GRID_WORKER_ROLES, UnitKind

Measures = Counter  # measure name -> count
Excluded = Mapping[int, Collection[int]]  # subject id -> case ids it is not scored on


def role_measures(
    subject: str,
    subject_ids: Iterable[int],
    period: Period,
    excluded: Excluded | None = None,
    today: date | None = None,
) -> dict[int, Measures]:
    """{subject id: measures} for every subject of that kind (RoleSubject), each with every
    measure its figures need (0 when nothing counted)."""
    ids = sorted(set(subject_ids))
    excluded = excluded or {}
    result: dict[int, Measures] = {pk: Counter() for pk in ids}
    if not ids:
        return result
    if subject == RoleSubject.GRID_WORKER:
        _add(result, report_measures(ids, period, excluded))
        _add(result, verification_measures(ids, period, excluded))
        _add(result, care_visit_measures(ids, period, today or clock.today()))
        _add(result, canvass_measures(ids, period))
    elif subject == RoleSubject.DISPATCHER:
        _add(result, dispatch_measures(ids, period, excluded))
    elif subject == RoleSubject.DEPARTMENT:
        _add(result, department_measures(ids, period, excluded))
        _add(result, closure_measures(ids, period, excluded))
    elif subject == RoleSubject.UNIT:
        _add(result, closure_measures(ids, period, excluded))
    else:
        raise ValueError(f"unknown subject kind: {subject}")
    return result


def _add(result: dict[int, Measures], more: Mapping[int, Mapping[str, int]]) -> None:
    for pk, measures in more.items():
        if pk in result:
            result[pk].update(measures)


# --- grouped case measures, less each subject's excluded cases ---------------------------------


def _grouped(
    cases: QuerySet[Case],
    group: str,
    measures: Mapping[str, Q],
    excluded: Excluded,
    fold: Mapping[int, list[int]] | None = None,
) -> dict[int, Measures]:
    """Sums of `measures` (a condition each; Q() counts every case) over `cases`, grouped by
    `group` (then folded into subjects by `fold` {group value: subject ids}, default the value
    itself), less the excluded cases of each subject."""
    annotations = {name: Count("pk", filter=condition) for name, condition in measures.items()}
    result: dict[int, Measures] = {}

    def subjects_of(value: int | None) -> list[int]:
        if value is None:
            return []
        return fold.get(value, []) if fold is not None else [value]

    for row in cases.values(group).order_by().annotate(**annotations):
        for pk in subjects_of(row[group]):
            result.setdefault(pk, Counter()).update({name: row[name] for name in measures})
    wanted = {case_id for ids in excluded.values() for case_id in ids}
    if wanted:
        rows = cases.filter(pk__in=wanted).values(group, "pk").order_by().annotate(**annotations)
        for row in rows:
            for pk in subjects_of(row[group]):
                if row["pk"] in excluded.get(pk, ()):
                    result.setdefault(pk, Counter()).subtract(
                        {name: row[name] for name in measures}
                    )
    return result


def _in_period(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.starts_at, f"{field}__lt": period.ends_before})


def _event_after_dispatch(*actions: str) -> Exists:
    return Exists(
        CaseEvent.objects.filter(
            case=OuterRef("pk"), action__in=actions, created_at__gte=OuterRef("dispatched_at")
        )
    )


def report_measures(users: list[int], period: Period, excluded: Excluded) -> dict[int, Measures]:
    """reports, reports_decided, reports_valid of each grid worker (the cases they reported in
    the period, merged duplicates decided but not valid)."""
    cases = Case.objects.filter(_in_period("reported_at", period), reported_by_id__in=users)
    invalid = [CaseState.REPORTED, CaseState.DECLINED, CaseState.MERGED]
    measures = {
        "reports": Q(),
        "reports_decided": ~Q(state=CaseState.REPORTED),
        "reports_valid": ~Q(state__in=invalid),
    }
    return _grouped(cases, "reported_by_id", measures, excluded)


def department_measures(
    units: list[int], period: Period, excluded: Excluded
) -> dict[int, Measures]:
    """dispatched, handled, handled_on_time, handled_ever, reworked, closed of each department:
    the cases dispatched to it in the period (its last dispatch) that it still has."""
    cases = (
        Case.objects.filter(_in_period("dispatched_at", period), department_id__in=units)
        .exclude(state=CaseState.MERGED)
        .annotate(
            was_handled=_event_after_dispatch(CaseAction.FINISH),
            was_reworked=_event_after_dispatch(CaseAction.FAIL_VERIFICATION, CaseAction.REOPEN),
        )
    )
    measures = {
        "dispatched": Q(),
        "handled": Q(handled_at__isnull=False),
        "handled_on_time": Q(handled_at__isnull=False, handled_at__lte=F("handle_due_at")),
        "handled_ever": Q(was_handled=True),
        "reworked": Q(was_handled=True, was_reworked=True),
        "closed": Q(state=CaseState.CLOSED),
    }
    return _grouped(cases, "department_id", measures, excluded)


def closure_measures(units: list[int], period: Period, excluded: Excluded) -> dict[int, Measures]:
    """due, deferred, closed_on_time and due_not_deferred of each unit: the cases whose
    handling deadline fell in the period, handled by the department (a department) or lying in
    the unit's subtree (an area)."""
    chosen = list(OrgUnit.objects.filter(pk__in=units).values_list("pk", "path", "kind"))
    granted = CaseEvent.objects.filter(
        case=OuterRef("pk"),
        action__in=[CaseAction.APPROVE_EXTENSION, CaseAction.APPROVE_DEFERRAL],
    )
    due = (
        Case.objects.filter(_in_period("handle_due_at", period))
        .exclude(state=CaseState.MERGED)
        .annotate(was_granted=Exists(granted))
    )
    deferred = Q(was_granted=True) | Q(is_deferred=True)
    measures = {
        "due": Q(),
        "deferred": deferred,
        "closed_on_time": Q(state=CaseState.CLOSED, closed_at__lte=F("handle_due_at")) & ~deferred,
    }
    result: dict[int, Measures] = {}
    departments = [pk for pk, _path, kind in chosen if kind == UnitKind.DEPARTMENT]
    if departments:
        result.update(
            _grouped(due.filter(department_id__in=departments), "department_id", measures, excluded)
        )
    areas = [(pk, path) for pk, path, kind in chosen if kind != UnitKind.DEPARTMENT]
    if areas:
        inside = Q()
        for _pk, path in areas:
            inside |= Q(path__startswith=path)
        area_paths = dict(
            OrgUnit.objects.filter(inside)
            .exclude(kind=UnitKind.DEPARTMENT)
            .values_list("pk", "path")
        )
        fold = {
            area: [pk for pk, path in areas if area_path.startswith(path)]
            for area, area_path in area_paths.items()
        }
        result.update(
            _grouped(due.filter(area_id__in=list(area_paths)), "area_id", measures, excluded, fold)
        )
    for measures_of in result.values():
        measures_of["due_not_deferred"] = measures_of["due"] - measures_of["deferred"]
    return result


# --- measures read event by event (working-time deadlines) -------------------------------------


def _events_of(cases: Iterable[int], actions: Iterable[str]) -> dict[int, list[tuple]]:
    """(seq, action, created_at) of the cases' events of those actions, by case, in order."""
    by_case: dict[int, list[tuple]] = {}
    for case_id, seq, action, at in (
        CaseEvent.objects.filter(case_id__in=set(cases), action__in=list(actions))
        .order_by("case_id", "seq")
        .values_list("case_id", "seq", "action", "created_at")
    ):
        by_case.setdefault(case_id, []).append((seq, action, at))
    return by_case


def _is_excluded(excluded: Excluded, subject: int, case_id: int) -> bool:
    return case_id in excluded.get(subject, ())


def verification_measures(
    users: list[int], period: Period, excluded: Excluded
) -> dict[int, Measures]:
    """verifications and verifications_on_time of each user: verify or fail_verification
    events they made in the period, on time within VERIFY_WITHIN_WORKING_HOURS of the finish
    event before it."""
    made = list(
        CaseEvent.objects.filter(
            _in_period("created_at", period),
            actor_id__in=users,
            action__in=[CaseAction.VERIFY, CaseAction.FAIL_VERIFICATION],
        ).values_list("case_id", "seq", "actor_id", "created_at")
    )
    finished = _events_of((row[0] for row in made), [CaseAction.FINISH])
    calendar = WorkingCalendar()
    result: dict[int, Measures] = {}
    for case_id, seq, actor_id, at in made:
        if _is_excluded(excluded, actor_id, case_id):
            continue
        starts = [moment for s, _a, moment in finished.get(case_id, []) if s < seq]
        counts = result.setdefault(actor_id, Counter())
        counts["verifications"] += 1
        if starts:
            due = calendar.add_working_hours(starts[-1], VERIFY_WITHIN_WORKING_HOURS)
            counts["verifications_on_time"] += at <= due
    return result


def dispatch_measures(users: list[int], period: Period, excluded: Excluded) -> dict[int, Measures]:
    """dispatches, dispatches_on_time and dispatches_kept of each dispatcher: dispatch events
    they made in the period; on time by the category's dispatch deadline counted from the
    acceptance or return before it; kept when no return followed before the next dispatch."""
    made = list(
        CaseEvent.objects.filter(
            _in_period("created_at", period), actor_id__in=users, action=CaseAction.DISPATCH
        ).values_list("case_id", "seq", "actor_id", "created_at", "case__category_id")
    )
    steps = _events_of(
        (row[0] for row in made), [CaseAction.ACCEPT, CaseAction.RETURN_, CaseAction.DISPATCH]
    )
    categories = Category.objects.in_bulk({row[4] for row in made})
    calendar = WorkingCalendar()
    result: dict[int, Measures] = {}
    for case_id, seq, actor_id, at, category_id in made:
        if _is_excluded(excluded, actor_id, case_id):
            continue
        events = steps.get(case_id, [])
        starts = [moment for s, action, moment in events if s < seq and action != "dispatch"]
        later = [action for s, action, _m in events if s > seq]
        counts = result.setdefault(actor_id, Counter())
        counts["dispatches"] += 1
        if starts:
            due = stage_due_at(categories[category_id], "dispatch", starts[-1], calendar)
            counts["dispatches_on_time"] += at <= due
        counts["dispatches_kept"] += not later or later[0] != CaseAction.RETURN_
    return result


# --- people and campaigns ---------------------------------------------------------------------


def care_visit_measures(users: list[int], period: Period, today: date) -> dict[int, Measures]:
    """care_on_time and care_due of each grid worker: the care visits due for the people of the
    grids they work in (the people app's own definition, per grid)."""
    from wangge.people.queries import care_visit_timeliness

    grids: dict[int, set[int]] = {}
    for user_id, grid_id in Membership.objects.filter(
        user_id__in=users, role__in=GRID_WORKER_ROLES, is_active=True
    ).values_list("user_id", "unit_id"):
        grids.setdefault(user_id, set()).add(grid_id)
    answers: dict[frozenset[int], tuple[int, int]] = {}
    result: dict[int, Measures] = {}
    for user_id, grid_ids in grids.items():
        key = frozenset(grid_ids)
        if key not in answers:
            answers[key] = care_visit_timeliness(set(key), period.first, period.last, today)
        on_time, due = answers[key]
        result[user_id] = Counter({"care_on_time": on_time, "care_due": due})
    return result


def canvass_measures(users: list[int], period: Period) -> dict[int, Measures]:
    """canvass_assigned and canvass_visited of each user: targets assigned to them in the
    campaigns running in the period (opened, not drafts), visited by the period's end."""
    ends_before: datetime = period.ends_before
    visited = Visit.objects.filter(target=OuterRef("pk"), visited_at__lt=ends_before)
    rows = (
        Target.objects.filter(
            assignee_id__in=users,
            campaign__state__in=[CampaignState.OPEN, CampaignState.CLOSED],
            campaign__starts_on__lte=period.last,
            campaign__ends_on__gte=period.first,
        )
        .values("assignee_id")
        .order_by()
        .annotate(
            canvass_assigned=Count("pk"), canvass_visited=Count("pk", filter=Q(Exists(visited)))
        )
    )
    return {
        row["assignee_id"]: Counter(
            {"canvass_assigned": row["canvass_assigned"], "canvass_visited": row["canvass_visited"]}
        )
        for row in rows
    }
