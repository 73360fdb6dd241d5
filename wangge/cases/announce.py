"""Who hears of a case event: inbox notices for the people it now waits for, and a webhook
event for upper-level platforms following every case (纵向贯通).

Called by `services.perform()` inside its transaction: the notices and the webhook deliveries
commit with the event or not at all (an outbox), and are sent after commit by the worker.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from wangge.cases.models import Case, CaseAssignment, CaseEvent
from wangge.cases.workflow import CaseAction
from wangge.notifications.models import NotificationKind
from wangge.notifications.services import enqueue_webhook_event, notify
from wangge.org.models import Membership, OrgUnit
from wangge.org.roles import Role, UnitKind

_GRID_WORKERS = (Role.GRID_WORKER, Role.PART_TIME_GRID_WORKER)


def case_link(case: Case) -> str:
    return f"/cases/{case.number}/"


def _ancestor_pks(unit: OrgUnit) -> list[int]:
    return [int(pk) for pk in unit.path.strip("/").split("/")]


def _over(unit: OrgUnit, roles: Iterable[str]) -> Q:
    """Holders of `roles` in `unit` or any unit above it."""
    return Q(role__in=list(roles), unit_id__in=_ancestor_pks(unit))


def _within(unit: OrgUnit, roles: Iterable[str]) -> Q:
    """Holders of `roles` in `unit` or any unit below it."""
    return Q(role__in=list(roles), unit__path__descendant_of=unit.path)


def _handlers(case: Case) -> Q:
    units = list(CaseAssignment.objects.filter(case=case, is_active=True).select_related("unit"))
    condition = Q(pk__in=[])
    for assignment in units:
        roles = (
            _GRID_WORKERS if assignment.unit.kind == UnitKind.GRID else (Role.DEPARTMENT_HANDLER,)
        )
        condition |= _within(assignment.unit, roles)
    if not units and case.department is not None:
        condition |= _within(case.department, (Role.DEPARTMENT_HANDLER, *_GRID_WORKERS))
    return condition


def _recipients(case: Case, event: CaseEvent) -> tuple[str, Q | None]:
    action = event.action
    dispatchers = _over(case.area, (Role.DISPATCHER,))
    if action in (CaseAction.REPORT, CaseAction.ASSIGN_GRID, CaseAction.VERIFY):
        return NotificationKind.CASE_QUEUED, dispatchers
    if action in (CaseAction.REQUEST_EXTENSION, CaseAction.REQUEST_DEFERRAL):
        return NotificationKind.CASE_QUEUED, dispatchers
    if action == CaseAction.RETURN_:
        return NotificationKind.CASE_RETURNED, dispatchers
    if action in (CaseAction.DISPATCH, CaseAction.REASSIGN, CaseAction.REOPEN):
        return NotificationKind.CASE_QUEUED, _handlers(case)
    if action == CaseAction.FAIL_VERIFICATION:
        return NotificationKind.CASE_RETURNED, _handlers(case)
    if action in (
        CaseAction.APPROVE_EXTENSION,
        CaseAction.REJECT_EXTENSION,
        CaseAction.APPROVE_DEFERRAL,
        CaseAction.REJECT_DEFERRAL,
    ):
        return NotificationKind.OTHER, _handlers(case)
    if action == CaseAction.FINISH:
        if case.area.kind == UnitKind.GRID:
            return NotificationKind.CASE_QUEUED, _within(case.area, _GRID_WORKERS)
        return NotificationKind.CASE_QUEUED, dispatchers
    if action == CaseAction.SUPERVISE:
        escalated = OrgUnit.objects.filter(code=event.data.get("escalated_to", "")).first()
        condition = _handlers(case) if case.stage == "handle" else dispatchers
        if escalated is not None:
            condition |= Q(role=Role.LEADER, unit=escalated)
        return NotificationKind.CASE_SUPERVISED, condition
    if action == CaseAction.INSTRUCT:
        return NotificationKind.CASE_INSTRUCTED, _handlers(case) | dispatchers
    return NotificationKind.OTHER, None


_TITLES = {
    NotificationKind.CASE_QUEUED: _("%(number)s is waiting for you: %(title)s"),
    NotificationKind.CASE_RETURNED: _("%(number)s came back to you: %(title)s"),
    NotificationKind.CASE_SUPERVISED: _("%(number)s is supervised: %(title)s"),
    NotificationKind.CASE_INSTRUCTED: _("A leader instructed on %(number)s: %(title)s"),
    NotificationKind.CASE_CLOSED: _("%(number)s is closed: %(title)s"),
    NotificationKind.OTHER: _("%(number)s changed: %(title)s"),
}


def case_event(case: Case, event: CaseEvent) -> None:
    """Write the inbox notices and the webhook delivery for `event`."""
    kind, condition = _recipients(case, event)
    users = []
    if condition is not None:
        users = list(
            Membership.objects.filter(condition, is_active=True, user__is_active=True)
            .exclude(user_id=event.actor_id)
            .values_list("user_id", flat=True)
            .distinct()
        )
    if (
        event.action == CaseAction.CLOSE
        and case.reported_by_id
        and case.reported_by_id != event.actor_id
    ):
        _notify(case, event, [case.reported_by_id], NotificationKind.CASE_CLOSED)
    if users:
        _notify(case, event, users, kind)
    enqueue_webhook_event(
        f"case.{event.action}", f"{case.number}-{event.seq}", webhook_payload(case, event)
    )


def due_soon(case: Case) -> None:
    """The current stage of `case` turned yellow: tell whoever it waits for, once."""
    handling = case.stage == "handle"
    condition = _handlers(case) if handling else _over(case.area, (Role.DISPATCHER,))
    users = list(
        Membership.objects.filter(condition, is_active=True, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    if not users:
        return
    notify(
        users,
        NotificationKind.CASE_DUE_SOON,
        title=(
            _("%(number)s is due soon: %(title)s") % {"number": case.number, "title": case.title}
        )[:200],
        link=case_link(case),
        subject=case.number,
        dedupe_key=f"case:{case.number}:due-soon:{case.stage}:{case.due_at.isoformat()}",
    )


def _notify(case: Case, event: CaseEvent, user_ids: list[int], kind: str) -> None:
    title = _TITLES.get(kind, _TITLES[NotificationKind.OTHER]) % {
        "number": case.number,
        "title": case.title,
    }
    notify(
        user_ids,
        kind,
        title=title[:200],
        body=event.note[:500],
        link=case_link(case),
        subject=case.number,
        dedupe_key=f"case:{case.number}:{event.seq}:{kind}",
    )


def duplicates_closed(master: Case, event: CaseEvent) -> None:
    """A master case closed: the reporters of its duplicates hear of it too (those with an
    account in their inbox; every duplicate also as a webhook event, so a hotline platform can
    call its callers back). A duplicate merged before its own master was merged hangs one level
    further down; it is told as well."""
    for duplicate in _duplicates_of(master):
        duplicate_of_closed(duplicate, master, closing=str(event.seq))


def _duplicates_of(master: Case) -> list[Case]:
    """Every case merged into `master`, directly or through another duplicate (one query per
    level; merges into a merged case are refused, so chains stay short)."""
    found: list[Case] = []
    level = [master.pk]
    while level:
        rows = list(
            Case.objects.filter(master_id__in=level)
            .exclude(pk__in=[master.pk, *(c.pk for c in found)])
            .select_related("area", "category", "department")
        )
        found += rows
        level = [row.pk for row in rows]
    return found


def duplicate_of_closed(duplicate: Case, master: Case, closing: str = "merged") -> None:
    """Tell `duplicate`'s reporter (if an account) and the webhooks that `master` is closed.
    `closing` tells the closings of a reopened master apart ("merged": it was closed already
    when the duplicate was merged into it)."""
    if duplicate.reported_by_id:
        notify(
            [duplicate.reported_by_id],
            NotificationKind.CASE_CLOSED,
            title=(
                _("%(number)s, which yours duplicates, is closed: %(title)s")
                % {"number": master.number, "title": master.title}
            )[:200],
            link=case_link(duplicate),
            subject=duplicate.number,
            dedupe_key=f"case:{duplicate.number}:master-closed:{master.number}:{closing}",
        )
    payload = webhook_payload(duplicate, None)
    payload["master"] = master.number
    enqueue_webhook_event(
        "case.master_closed", f"{duplicate.number}-master-{master.number}-{closing}", payload
    )


def webhook_payload(case: Case, event: CaseEvent | None) -> dict:
    """What an upper-level platform learns of a case event: no personal data."""
    payload = {
        "number": case.number,
        "state": case.state,
        "version": case.version,
        "category": case.category.code,
        "channel": case.channel,
        "area": case.area.code,
        "department": case.department.code if case.department_id else None,
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "lon": case.lon,
        "lat": case.lat,
    }
    if event is not None:
        payload["event"] = {
            "seq": event.seq,
            "action": event.action,
            "from_state": event.from_state or None,
            "to_state": event.to_state,
            "actor_kind": event.actor_kind,
            "note": event.note,
            "at": event.created_at.isoformat(),
        }
    return payload
