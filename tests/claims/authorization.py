"""The claims app's part of the authorization table's world (tests/security/world.py): one
object of each kind in 石冲社区, built through the services, and every string the other subtree
must never see.

Routes open to anonymous users (under /public/claims/):
- `public/claims/` lists communities by name; `public/claims/<community_code>/` shows the
  community's completed agreements (title, member unit, dates — no person). The world's
  agreement is live, not completed, so its title and the member unit's name stay secret.
- `public/claims/<community_code>/need/`, `…/wish/`, `…/volunteer/`: a resident raises a need
  or a small wish, or registers as a volunteer. A POST writes only the new row (tables
  `claims.need`, `claims.wish`, `claims.volunteer`, `core.auditentry`, and the rate counters),
  like `POST public/report/`.
- `public/claims/me/<volunteer_key>/` and its POSTs (`hours/`, `wishes/<wish_id>/claim|fulfil/`,
  `posts/<post_id>/`): the signed link is the volunteer's credential. Whoever holds it sees that
  volunteer's own page — their name, their hours, the community's open small wishes (wishers'
  names masked) and posts — and acts as them, writing only their own rows (`claims.servicehours`,
  `claims.wish`, `claims.postsignup`, `cases.attachment`, `core.auditentry`). The link-holder's
  own name, the open wish's title and the post's title are therefore not secrets; the other
  volunteer's name and phone, and the link-holder's phone, are.
- `GET claims/agreements/export/` takes no parameter: whoever keeps some community's lists
  downloads the agreements of the communities they keep (another subtree's staff get a workbook
  with none of ours) and the export writes one audit entry of its own (`core.auditentry`).
Every staff route is scoped by community (a grid worker's by their grid's community): another
community's users get 404. A member unit's contact account acts for its own unit only.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from PIL import Image

from conftest import make_user
from wangge.claims import services
from wangge.core import clock
from wangge.core.masking import mask_phone

PARAM_SOURCES: dict[str, str] = {
    "member_unit_id": "claims_member_unit_id",
    "need_id": "claims_need_id",
    "project_id": "claims_project_id",
    "agreement_id": "claims_agreement_id",
    "claim_evidence_id": "claims_evidence_id",
    "volunteer_id": "claims_volunteer_id",
    "hours_id": "claims_hours_id",
    "wish_id": "claims_wish_id",
    "post_id": "claims_post_id",
    "community_code": "claims_community_code",
    "volunteer_key": "claims_volunteer_key",
}

# Public operations that write only the caller's own rows (see the docstring).
_KEY = "public/claims/me/<str:volunteer_key>/"
OWN_TABLES: dict[str, frozenset[str]] = {
    "POST public/claims/<str:community_code>/need/": frozenset({"claims.need", "core.auditentry"}),
    "POST public/claims/<str:community_code>/wish/": frozenset({"claims.wish", "core.auditentry"}),
    "POST public/claims/<str:community_code>/volunteer/": frozenset(
        {"claims.volunteer", "core.auditentry"}
    ),
    f"POST {_KEY}hours/": frozenset({"claims.servicehours", "core.auditentry"}),
    f"POST {_KEY}wishes/<int:wish_id>/claim/": frozenset({"claims.wish", "core.auditentry"}),
    f"POST {_KEY}wishes/<int:wish_id>/fulfil/": frozenset(
        {"claims.wish", "cases.attachment", "core.auditentry"}
    ),
    f"POST {_KEY}posts/<int:post_id>/": frozenset({"claims.postsignup", "core.auditentry"}),
    "GET claims/agreements/export/": frozenset({"core.auditentry"}),
}

CONTACT_PHONE = "13922224444"
RESIDENT_PHONE = "13733335555"
KEY_HOLDER_PHONE = "13644446666"
OTHER_VOLUNTEER_PHONE = "13655557777"


def _photo() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (32, 24), "blue").save(output, format="JPEG")
    return output.getvalue()


def add_to_world(cast: Any, secrets: dict[str, str]) -> dict[str, object]:
    community = cast.tree.community
    staff = cast.community_staff
    today = clock.today()
    unit = services.save_member_unit(
        staff,
        services.MemberUnitInput(name="秘密成员单位", kind="bank", communities=[community]),
    )
    account = make_user("claims_secret_contact", "秘密联络人账号")
    services.save_contact(
        staff,
        unit,
        services.ContactInput(name="秘密联络人", phone=CONTACT_PHONE, user=account),
    )
    services.save_resource(
        staff,
        unit,
        services.ResourceInput(kind="funding", title="秘密资源", community=community),
    )
    need = services.raise_need(
        staff,
        community,
        services.NeedInput(
            kind="funding",
            title="秘密需求",
            contact_name="秘密居民",
            contact_phone=RESIDENT_PHONE,
        ),
    )
    project = services.save_project(
        staff, community, services.ProjectInput(title="秘密微实事项目", budget="1000")
    )
    services.allocate_fund(staff, community, today.year, "5000", "秘密基金备注")
    services.spend_fund(staff, project, "100", today, "秘密支出备注")
    agreement = services.claim_need(
        staff,
        need,
        unit,
        services.ClaimInput(
            title="秘密认领协议",
            terms="秘密协议条款",
            deliverables=[("秘密交付物", today + timedelta(days=3))],
        ),
    )
    evidence = services.store_evidence(staff, _photo(), "秘密证据.jpg")
    entry = services.record_progress(staff, agreement, "秘密进展记录", [evidence])
    holder = services.confirm_volunteer(
        staff,
        services.register_volunteer(
            community, services.VolunteerInput(name="持链志愿者", phone=KEY_HOLDER_PHONE)
        ),
    )
    other = services.register_volunteer(
        community, services.VolunteerInput(name="秘密志愿者", phone=OTHER_VOLUNTEER_PHONE)
    )
    hours = services.record_own_hours(holder, today, "2", "志愿服务")
    wish = services.raise_wish(
        staff,
        community,
        services.WishInput(title="公开心愿", wisher_name="秘密许愿人", wisher_phone="13866668888"),
    )
    post = services.save_post(staff, community, services.PostInput(title="公开岗位", places=2))
    for label, value in {
        "member unit name": "秘密成员单位",
        "contact name": "秘密联络人",
        "contact phone": CONTACT_PHONE,
        "contact phone, masked": mask_phone(CONTACT_PHONE),
        "resource title": "秘密资源",
        "need title": "秘密需求",
        "need resident name": "秘密居民",
        "need resident phone": RESIDENT_PHONE,
        "need resident phone, masked": mask_phone(RESIDENT_PHONE),
        "project title": "秘密微实事项目",
        "fund note": "秘密基金备注",
        "spending note": "秘密支出备注",
        "agreement title": "秘密认领协议",
        "agreement terms": "秘密协议条款",
        "deliverable": "秘密交付物",
        "progress note": "秘密进展记录",
        "evidence file name": "秘密证据.jpg",
        "volunteer name": "秘密志愿者",
        "volunteer phone": OTHER_VOLUNTEER_PHONE,
        "volunteer phone, masked": mask_phone(OTHER_VOLUNTEER_PHONE),
        "link holder's phone": KEY_HOLDER_PHONE,
        "link holder's phone, masked": mask_phone(KEY_HOLDER_PHONE),
        "wisher's name": "秘密许愿人",
    }.items():
        secrets[f"claims: {label}"] = value
    return {
        "claims_member_unit_id": unit.pk,
        "claims_need_id": need.pk,
        "claims_project_id": project.pk,
        "claims_agreement_id": agreement.pk,
        "claims_evidence_id": entry.evidence.get().pk,
        "claims_volunteer_id": [holder.pk, other.pk],
        "claims_hours_id": hours.pk,
        "claims_wish_id": wish.pk,
        "claims_post_id": post.pk,
        "claims_community_code": community.code,
        "claims_volunteer_key": services.volunteer_key(holder),
    }
