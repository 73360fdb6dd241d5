"""A world for the authorization table: data in one subtree (环市街道 → 石冲社区 → grid A) and a
user holding every role in the other one (白沙街道 → 东成社区 → grid C, and another department).

Everything is built through the real services; every value the other subtree must never see is
collected in `World.secrets`, and every object a route can name in `World.ids`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import Cast
from tests.analytics import authorization_hotspots as analytics_hotspots_world
from tests.analytics import authorization_reports as analytics_reports_world
from tests.analytics import authorization_screen as analytics_screen_world
from tests.campaigns import authorization as campaigns_world
from tests.cases.loop_helpers import (
    DEPARTMENT_CATEGORY,
    GRID_ENTRY_CATEGORY,
    IN_GRID_A,
    act,
    add_department,
    add_person,
    drive_to,
    file_case,
    upload,
)
from tests.claims import authorization as claims_world
from tests.evaluation import authorization as evaluation_world
from tests.info_reports import authorization as info_reports_world
from tests.meetings import authorization as meetings_world
from tests.people.helpers import house_in, id_number, person_in, tag_kind
from tests.people.test_imports import csv_bytes, ledger_row
from tests.routing import authorization as routing_world
from wangge.cases.models import Case
from wangge.cases.permissions import Resident
from wangge.cases.workflow import CaseState
from wangge.core.masking import mask_id_number, mask_phone
from wangge.core.models import User
from wangge.org.roles import Role
from wangge.people.import_jobs import run_import_job, start_import
from wangge.people.models import HouseUse, ImportJob, Residence
from wangge.people.services import reveal
from wangge.people.services.care import record_visit
from wangge.people.services.organisations import OrganisationInput, save_organisation

REPORTER = Resident(phone="13712345678", name="欧阳秘报")
OWNER_PHONE = "13698761234"
TENANT_PHONE = "13587654321"
ORGANISATION_PHONE = "13476543210"

# The roles held in the other subtree, as (persona, unit attribute of the tree, role).
OTHER_SUBTREE_ROLES: dict[str, tuple[str, str]] = {
    "grid_worker": ("grid_c", Role.GRID_WORKER),
    "part_time_grid_worker": ("grid_c", Role.PART_TIME_GRID_WORKER),
    "building_volunteer": ("grid_c", Role.BUILDING_VOLUNTEER),
    "community_staff": ("other_community", Role.COMMUNITY_STAFF),
    "dispatcher": ("other_town", Role.DISPATCHER),
    "department_handler": ("", Role.DEPARTMENT_HANDLER),  # of 水务局, another department
    "leader": ("other_town", Role.LEADER),
    "administrator": ("other_town", Role.ADMINISTRATOR),
}
PERSONAS = [*OTHER_SUBTREE_ROLES, "anonymous"]
# The apps above the case loop add their own objects and secrets (tests/<app>/authorization.py).
APP_WORLDS = (
    campaigns_world,
    claims_world,
    meetings_world,
    info_reports_world,
    analytics_reports_world,
    analytics_screen_world,
    analytics_hotspots_world,
    evaluation_world,
    routing_world,
)

# The apps whose rows are compared before and after a write. Left out: sessions (a request may
# touch the caller's own), axes (a login form posted with wrong credentials logs the attempt),
# auth and contenttypes (no request writes them), and the rate limits' counters.
TRACKED_APPS = frozenset(
    {
        "core",
        "org",
        "cases",
        "people",
        "campaigns",
        "claims",
        "meetings",
        "info_reports",
        "routing",
        "analytics",
        "evaluation",
        "notifications",
        "django_tasks_database",
        "admin",
    }
)
UNTRACKED_MODELS = frozenset({"core.ratecounter"})


@dataclass
class World:
    cast: Cast
    users: dict[str, User]
    ids: dict[str, Any]
    secrets: dict[str, str] = field(default_factory=dict)


def build_world(cast: Cast) -> World:
    tree = cast.tree
    secrets: dict[str, str] = {}

    def case_in(state: CaseState) -> Case:
        description = f"秘密案件描述{state.value}：石冲路路灯不亮"
        address = f"石冲路秘密{state.value}号"
        secrets[f"case {state.value} description"] = description
        secrets[f"case {state.value} address"] = address
        return drive_to(cast, state, reporter=REPORTER, description=description, address=address)

    cases = {
        state: case_in(state)
        for state in (
            CaseState.REPORTED,
            CaseState.DISPATCHED,
            CaseState.HANDLING,
            CaseState.HANDLED,
            CaseState.CLOSED,
        )
    }
    act(cast.dispatcher, cases[CaseState.HANDLING], "comment", note="秘密内部备注：勿外传")
    secrets["internal note on a case"] = "秘密内部备注：勿外传"
    merged = drive_to(cast, CaseState.MERGED, reporter=REPORTER, address="石冲路秘密合并号")
    secrets["case merged address"] = "石冲路秘密合并号"
    photo = upload(cast.grid_worker_a, name="secret-evidence.jpg")
    with_photo = file_case(
        cast.grid_worker_a,
        at=IN_GRID_A,
        category=GRID_ENTRY_CATEGORY,
        description="秘密巡查发现：暴露垃圾",
        attachments=[photo],
    )
    secrets["case by a grid worker, description"] = "秘密巡查发现：暴露垃圾"
    secrets["attachment name"] = "secret-evidence.jpg"
    secrets["reporter name"] = REPORTER.name
    secrets["reporter phone"] = REPORTER.phone
    secrets["reporter phone, masked"] = mask_phone(REPORTER.phone)

    house = house_in(tree.grid_a, "101", use=HouseUse.RENTED, rooms=3, compound="秘密花园小区")
    secrets["house code"] = house.code
    secrets["compound name"] = "秘密花园小区"
    owner_id = id_number()
    owner = person_in(
        tree.grid_a, "欧阳秘主", house=house, document_number=owner_id, phone=OWNER_PHONE
    )
    tenant_id = id_number(born=date(1990, 1, 2), sex="male")
    tenant = person_in(
        tree.grid_a,
        "司马秘租",
        house=house,
        relation="tenant",
        document_number=tenant_id,
        phone=TENANT_PHONE,
    )
    for name, person_id, phone in (
        ("owner", owner_id, OWNER_PHONE),
        ("tenant", tenant_id, TENANT_PHONE),
    ):
        secrets[f"{name} ID number"] = person_id
        secrets[f"{name} ID number, masked"] = mask_id_number(person_id)
        secrets[f"{name} phone"] = phone
        secrets[f"{name} phone, masked"] = mask_phone(phone)
    secrets["owner name"] = owner.name
    secrets["tenant name"] = tenant.name
    reveal(cast.grid_worker_a, owner, "phone", "核实秘密联系方式")
    secrets["reveal reason"] = "核实秘密联系方式"
    record_visit(cast.grid_worker_a, owner, outcome="needs_help", found="秘密走访发现：行动不便")
    secrets["visit finding"] = "秘密走访发现：行动不便"
    organisation = save_organisation(
        cast.grid_worker_a,
        tree.grid_a,
        OrganisationInput(
            name="秘密五金店",
            kind="self_employed",
            representative="秘密法人",
            contact_phone=ORGANISATION_PHONE,
            house=house,
        ),
    )
    secrets["organisation name"] = "秘密五金店"
    secrets["organisation representative"] = "秘密法人"
    secrets["organisation phone"] = ORGANISATION_PHONE
    secrets["organisation phone, masked"] = mask_phone(ORGANISATION_PHONE)
    job = start_import(
        cast.grid_worker_a,
        SimpleUploadedFile(
            "秘密名单.csv",
            csv_bytes([ledger_row(tree.grid_a, "秘密坏号码", number="440703199001021235")]),
        ),
        "",
        False,
    )
    # Run at once (the worker would): a refused import leaves an error sheet to download.
    run_import_job.call(str(job.uid))
    assert ImportJob.objects.get(pk=job.pk).error_sheet_path, "the import left no error sheet"
    secrets["import file name"] = "秘密名单.csv"
    kind = tag_kind("secret_watch", "重点关注", is_sensitive=True)

    handler = add_department(cast, "SW440703", "水务局", "handler_sw").handler
    users: dict[str, User] = {}
    for persona, (unit, role) in OTHER_SUBTREE_ROLES.items():
        if role == Role.DEPARTMENT_HANDLER:
            users[persona] = handler
        else:
            users[persona] = add_person(f"other_{persona}", getattr(tree, unit), role)

    residence = Residence.objects.filter(person=tenant).get()
    ids: dict[str, Any] = {
        "number": [case.number for case in [*cases.values(), merged, with_photo]],
        "grid": tree.grid_a.code,
        "community": tree.community.code,
        "town": tree.town.code,
        "category": DEPARTMENT_CATEGORY,
        "tag_kind": kind.code,
        "person_id": [owner.pk, tenant.pk],
        "house_id": house.pk,
        "residence_id": residence.pk,
        "organisation_id": organisation.pk,
        "import_uid": str(job.uid),
        "attachment_uid": photo,
    }
    for app_world in APP_WORLDS:
        ids.update(app_world.add_to_world(cast, secrets))
    return World(cast=cast, users=users, ids=ids, secrets=secrets)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the app writes (the world is small), for "nothing changed"."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in TRACKED_APPS or label in UNTRACKED_MODELS:
            continue
        rows[label] = sorted(model.objects.values_list(), key=repr)
    return rows


def changed_tables(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))
