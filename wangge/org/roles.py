"""Roles, what each may do, and where each may be held: pure data, read by permissions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    TOWN = "town", _("Town")
    SUBDISTRICT = "subdistrict", _("Subdistrict")
    COMMUNITY = "community", _("Community")
    VILLAGE = "village", _("Village")
    GRID = "grid", _("Grid")
    DEPARTMENT = "department", _("Department")


# Which kinds of unit may stand directly under which.
PARENT_KINDS: dict[str, frozenset[str]] = {
    UnitKind.CITY: frozenset(),
    UnitKind.DISTRICT: frozenset({UnitKind.CITY}),
    UnitKind.TOWN: frozenset({UnitKind.DISTRICT}),
    UnitKind.SUBDISTRICT: frozenset({UnitKind.DISTRICT}),
    UnitKind.COMMUNITY: frozenset({UnitKind.TOWN, UnitKind.SUBDISTRICT}),
    UnitKind.VILLAGE: frozenset({UnitKind.TOWN, UnitKind.SUBDISTRICT}),
    UnitKind.GRID: frozenset({UnitKind.COMMUNITY, UnitKind.VILLAGE}),
    UnitKind.DEPARTMENT: frozenset(
        {UnitKind.CITY, UnitKind.DISTRICT, UnitKind.TOWN, UnitKind.SUBDISTRICT}
    ),
}
# Kinds that may be the root of the tree (no parent).
ROOT_KINDS = frozenset({UnitKind.CITY, UnitKind.DISTRICT})
# The geographic units that grids are grouped under.
AREA_KINDS = frozenset({UnitKind.COMMUNITY, UnitKind.VILLAGE})


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Full-time grid worker")
    PART_TIME_GRID_WORKER = "part_time_grid_worker", _("Part-time grid worker")
    BUILDING_VOLUNTEER = "building_volunteer", _("Building volunteer")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    DISPATCHER = "dispatcher", _("Dispatcher")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")
    LEADER = "leader", _("Leader")
    ADMINISTRATOR = "administrator", _("Administrator")


class Capability(models.TextChoices):
    VIEW_ORG = "view_org", _("See org units and grids")
    VIEW_STAFF = "view_staff", _("See who works in a unit")
    MANAGE_ORG = "manage_org", _("Change org units and grid boundaries")
    MANAGE_MEMBERS = "manage_members", _("Manage accounts and their roles")
    # The person-house registry (wangge.people).
    VIEW_PEOPLE = "view_people", _("See the registry of houses and residents (masked)")
    MANAGE_PEOPLE = "manage_people", _("Keep the registry of houses and residents")
    REVEAL_PERSONAL_DATA = (
        "reveal_personal_data",
        _("Reveal a whole ID or phone number, with a reason"),
    )
    READ_AUDIT = "read_audit", _("Read who saw or changed personal data")
    MANAGE_PERSON_TAGS = "manage_person_tags", _("Define the tags people are given")
    # Community work (wangge.campaigns, wangge.claims, wangge.meetings).
    RUN_CAMPAIGNS = "run_campaigns", _("Run canvass campaigns and assign their visits")
    CANVASS = "canvass", _("Make the canvass visits assigned to you")
    VIEW_CAMPAIGNS = "view_campaigns", _("See canvass campaigns and their progress")
    MANAGE_CLAIMS = "manage_claims", _("Keep the lists of resources, needs and services")
    VIEW_CLAIMS = "view_claims", _("See resources, needs, services and agreements")
    RUN_MEETINGS = "run_meetings", _("Hold meetings and votes and record their decisions")
    VIEW_MEETINGS = "view_meetings", _("See meetings, decisions and votes")
    # Evaluation (wangge.evaluation).
    MANAGE_EVALUATION = (
        "manage_evaluation",
        _("Set up evaluations, enter manual scores, decide appeals and publish results"),
    )
    VIEW_EVALUATION = "view_evaluation", _("See evaluation results of your area")
    APPEAL_EVALUATION = "appeal_evaluation", _("Appeal a case your unit should not be scored on")
    # Information reports (wangge.info_reports).
    REPORT_INFORMATION = "report_information", _("Send urgent information reports upward")
    RECEIVE_INFORMATION = (
        "receive_information",
        _("Receive and follow the information reports of the units below"),
    )
    # Periodic reports (wangge.analytics.reports).
    MANAGE_REPORTS = "manage_reports", _("Schedule the weekly and monthly reports")


_EVERYONE = frozenset({Capability.VIEW_ORG, Capability.VIEW_STAFF})
# Those who keep the registry where they work; dispatchers and departments have no need of it
# (the least personal data each role needs, as PIPL asks).
_REGISTRY_KEEPERS = frozenset(
    {Capability.VIEW_PEOPLE, Capability.MANAGE_PEOPLE, Capability.REVEAL_PERSONAL_DATA}
)

# Community work: staff of a community run it, grid workers and building volunteers visit and
# take part, leaders watch it.
_COMMUNITY_WORK_VIEWS = frozenset(
    {Capability.VIEW_CAMPAIGNS, Capability.VIEW_CLAIMS, Capability.VIEW_MEETINGS}
)
_COMMUNITY_WORK_RUNNERS = _COMMUNITY_WORK_VIEWS | {
    Capability.RUN_CAMPAIGNS,
    Capability.CANVASS,
    Capability.MANAGE_CLAIMS,
    Capability.RUN_MEETINGS,
}
_GRID_WORK = _COMMUNITY_WORK_VIEWS | {Capability.CANVASS}
# Evaluation: every scored role sees its results and may appeal a case; leaders run it.
_SCORED = frozenset({Capability.VIEW_EVALUATION, Capability.APPEAL_EVALUATION})
_EVALUATORS = frozenset({Capability.VIEW_EVALUATION, Capability.MANAGE_EVALUATION})

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.GRID_WORKER: _EVERYONE
    | _REGISTRY_KEEPERS
    | _GRID_WORK
    | _SCORED
    | {Capability.REPORT_INFORMATION},
    Role.PART_TIME_GRID_WORKER: _EVERYONE
    | _REGISTRY_KEEPERS
    | _GRID_WORK
    | _SCORED
    | {Capability.REPORT_INFORMATION},
    Role.BUILDING_VOLUNTEER: frozenset({Capability.VIEW_ORG, Capability.CANVASS}),
    Role.COMMUNITY_STAFF: _EVERYONE
    | _REGISTRY_KEEPERS
    | _COMMUNITY_WORK_RUNNERS
    | _SCORED
    | {Capability.REPORT_INFORMATION},
    Role.DISPATCHER: _EVERYONE
    | _SCORED
    | {Capability.REPORT_INFORMATION, Capability.RECEIVE_INFORMATION},
    Role.DEPARTMENT_HANDLER: frozenset({Capability.VIEW_ORG})
    | _SCORED
    | {Capability.REPORT_INFORMATION},
    Role.LEADER: _EVERYONE
    | _COMMUNITY_WORK_VIEWS
    | _EVALUATORS
    | {
        Capability.VIEW_PEOPLE,
        Capability.READ_AUDIT,
        Capability.RECEIVE_INFORMATION,
        Capability.MANAGE_REPORTS,
    },
    Role.ADMINISTRATOR: _EVERYONE
    | _REGISTRY_KEEPERS
    | _COMMUNITY_WORK_RUNNERS
    | _EVALUATORS
    | {
        Capability.REPORT_INFORMATION,
        Capability.RECEIVE_INFORMATION,
        Capability.MANAGE_REPORTS,
        Capability.MANAGE_ORG,
        Capability.MANAGE_MEMBERS,
        Capability.READ_AUDIT,
        Capability.MANAGE_PERSON_TAGS,
    },
}

# Where each role may be held: a grid worker belongs to a grid, a handler to a department.
ROLE_UNIT_KINDS: dict[str, frozenset[str]] = {
    Role.GRID_WORKER: frozenset({UnitKind.GRID}),
    Role.PART_TIME_GRID_WORKER: frozenset({UnitKind.GRID}),
    Role.BUILDING_VOLUNTEER: frozenset({UnitKind.GRID}),
    Role.COMMUNITY_STAFF: AREA_KINDS,
    Role.DISPATCHER: frozenset(
        {UnitKind.CITY, UnitKind.DISTRICT, UnitKind.TOWN, UnitKind.SUBDISTRICT}
    ),
    Role.DEPARTMENT_HANDLER: frozenset({UnitKind.DEPARTMENT}),
    Role.LEADER: frozenset(set(UnitKind) - {UnitKind.GRID, UnitKind.DEPARTMENT}),
    Role.ADMINISTRATOR: frozenset(set(UnitKind) - {UnitKind.GRID}),
}
GRID_WORKER_ROLES = frozenset({Role.GRID_WORKER, Role.PART_TIME_GRID_WORKER})

# Django model permissions that come with a role held at the top of the tree (a whole-city
# administrator), for apps that cannot read roles themselves (notifications sits below org).
ROOT_ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMINISTRATOR: frozenset(
        {
            "notifications.add_webhook",
            "notifications.change_webhook",
            "notifications.view_webhook",
            "notifications.change_webhookdelivery",
        }
    ),
}
