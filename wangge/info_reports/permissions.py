"""Who may see and act on which information reports.

A reporter (REPORT_INFORMATION) sees the reports of the units in their subtree (a grid worker:
their grid's); a receiver (RECEIVE_INFORMATION) sees the reports sent or forwarded to a unit of
their subtree and those of the units below them. The reporting side adds continued and final
reports; the receiving side signs for, asks for more, forwards and closes. A report outside the
user's reach is NotFound, as an unknown one is."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from wangge.core.models import User
from wangge.info_reports.exceptions import NotAllowed, NotFound
from wangge.info_reports.models import InfoReport, Receipt
from wangge.org.models import OrgUnit
from wangge.org.permissions import administers_whole_city, scope_for
from wangge.org.roles import Capability

AnyUser = User | AnonymousUser


def _paths_condition(user: AnyUser, capability: str, field: str) -> Q | None:
    """A condition on `field` (a unit's path) for the user's scope of `capability`; None is
    everything, an empty Q() never matches (see the callers)."""
    scope = scope_for(user, capability)
    if scope.everything:
        return None
    condition = Q(pk__in=[])
    for root in sorted(scope.paths):
        condition |= Q(**{f"{field}__descendant_of": root})
    return condition


def reported_by_units_of(user: AnyUser) -> QuerySet[InfoReport]:
    """The reports of the units where `user` reports ("my reports")."""
    condition = _paths_condition(user, Capability.REPORT_INFORMATION, "from_unit__path")
    reports = InfoReport.objects.all()
    return reports if condition is None else reports.filter(condition)


def received_by_units_of(user: AnyUser) -> QuerySet[InfoReport]:
    """The reports sent or forwarded to a unit of `user`'s receiving subtree, or sent from one
    of the units below them ("received reports")."""
    scope = scope_for(user, Capability.RECEIVE_INFORMATION)
    if scope.everything:
        return InfoReport.objects.all()
    if scope.is_empty:
        return InfoReport.objects.none()
    receipts = scope.filter(Receipt.objects.all(), "unit__path").values("report_id")
    below = _paths_condition(user, Capability.RECEIVE_INFORMATION, "from_unit__path")
    return InfoReport.objects.filter(Q(pk__in=receipts) | below)  # type: ignore[operator]


def visible_reports(user: AnyUser) -> QuerySet[InfoReport]:
    if not user.is_authenticated:
        return InfoReport.objects.none()
    mine = reported_by_units_of(user).values("pk")
    received = received_by_units_of(user).values("pk")
    return InfoReport.objects.filter(Q(pk__in=mine) | Q(pk__in=received))


def get_report_for_user(user: AnyUser, report_id: object) -> InfoReport:
    reports = visible_reports(user).select_related("kind", "from_unit", "to_unit", "reporter")
    try:
        return reports.get(pk=int(str(report_id)))
    except (InfoReport.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None


def may_report(user: AnyUser) -> bool:
    return not scope_for(user, Capability.REPORT_INFORMATION).is_empty


def may_receive(user: AnyUser) -> bool:
    return not scope_for(user, Capability.RECEIVE_INFORMATION).is_empty


def may_follow_up(user: AnyUser | None, report: InfoReport) -> bool:
    """Whether `user` reports for the report's unit (continued and final reports)."""
    if user is None:
        return True
    return scope_for(user, Capability.REPORT_INFORMATION).contains(report.from_unit.path)


def receipts_of(user: AnyUser | None, report: InfoReport) -> list[Receipt]:
    """The report's receiving units where `user` receives: the units they may act for."""
    receipts = list(report.receipts.select_related("unit").order_by("-unit__depth", "pk"))
    if user is None:
        return receipts
    scope = scope_for(user, Capability.RECEIVE_INFORMATION)
    return [receipt for receipt in receipts if scope.contains(receipt.unit.path)]


def may_act_as_receiver(user: AnyUser | None, report: InfoReport) -> bool:
    return bool(receipts_of(user, report))


def require_receiver(user: AnyUser | None, report: InfoReport) -> list[Receipt]:
    receipts = receipts_of(user, report)
    if not receipts:
        raise NotAllowed()
    return receipts


def reporting_units(user: AnyUser) -> QuerySet[OrgUnit]:
    """The units `user` may report for: those where they hold REPORT_INFORMATION themselves."""
    scope = scope_for(user, Capability.REPORT_INFORMATION)
    units = OrgUnit.objects.filter(is_active=True)
    if scope.everything:
        return units.filter(parent__isnull=True) if not scope.paths else units.none()
    return units.filter(path__in=sorted(scope.paths)).order_by("path")


def may_manage_kinds(user: AnyUser) -> bool:
    """Kinds and their limits are the whole city's: an administrator of every root unit."""
    return administers_whole_city(user)
