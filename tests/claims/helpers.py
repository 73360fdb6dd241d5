"""Builders for the claiming tests, all through the real services: member units of 石冲社区
with a contact account, resources, needs, projects, agreements and volunteers."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from PIL import Image

from conftest import Cast, make_user
from wangge.claims import services
from wangge.claims.models import Agreement, MemberUnit, Need, Project, Resource, Volunteer
from wangge.core import clock
from wangge.core.models import User

CONTACT_PHONE = "13912345678"
RESIDENT_PHONE = "13787654321"
VOLUNTEER_PHONE = "13655556666"


def today() -> date:
    from django.utils import timezone

    return timezone.localtime(clock.now()).date()


def photo(color: str = "green") -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(output, format="JPEG")
    return output.getvalue()


def member_unit(
    cast: Cast, name: str = "石冲小学", *, communities: list[Any] | None = None, **given: Any
) -> MemberUnit:
    given.setdefault("kind", "school")
    return services.save_member_unit(
        None,
        services.MemberUnitInput(
            name=name, communities=communities or [cast.tree.community], **given
        ),
    )


def contact_account(unit: MemberUnit, username: str = "unit_contact") -> User:
    """An account linked to a contact of `unit`: it acts for that member unit."""
    user = make_user(username, f"{unit.name}联络员")
    services.save_contact(
        None,
        unit,
        services.ContactInput(name="王联络", role="办公室主任", phone=CONTACT_PHONE, user=user),
    )
    return user


def resource(owner: MemberUnit, community: Any, **given: Any) -> Resource:
    given.setdefault("kind", "venue")
    given.setdefault("title", "学校礼堂")
    return services.save_resource(None, owner, services.ResourceInput(community=community, **given))


def need(community: Any, **given: Any) -> Need:
    given.setdefault("kind", "venue")
    given.setdefault("title", "长者活动场地")
    return services.raise_need(None, community, services.NeedInput(**given))


def project(community: Any, **given: Any) -> Project:
    given.setdefault("title", "楼道照明改造")
    return services.save_project(None, community, services.ProjectInput(**given))


def agreement(cast: Cast, unit: MemberUnit, **need_fields: Any) -> Agreement:
    """`unit` claimed a new need of 石冲社区, by the community's staff on its behalf, with one
    deliverable due in a week."""
    wanted = need(cast.tree.community, **need_fields)
    return services.claim_need(
        cast.community_staff,
        wanted,
        unit,
        services.ClaimInput(
            deliverables=[("开放礼堂", today() + timedelta(days=7))],
            ends_on=today() + timedelta(days=30),
        ),
    )


def volunteer(community: Any, *, phone: str = VOLUNTEER_PHONE, confirmed: bool = True) -> Volunteer:
    found = services.register_volunteer(
        community,
        services.VolunteerInput(name="李志愿", phone=phone, is_party_member=True, skills="维修"),
    )
    if confirmed:
        found = services.confirm_volunteer(None, found)
    return found
