"""The campaigns' part of the authorization table's world (tests/security/world.py).

Routes open to anyone:
- `/public/campaigns/door/<doorplate>/` answers every caller, anonymous or of another subtree,
  with the house's address and grid for a valid doorplate (a forged or expired one is a 404):
  whoever holds the printed doorplate may see where it hangs. It redirects to the visit form
  only a signed-in user who may visit the house now. Nothing is written but the caller's own
  session (the scan, for a helper).
- `/campaigns/sw.js` is the service worker script: static text, no data.

Routes that write only the caller's own rows: none (a visit is written only by a user who may
visit the target, who is in this subtree).
"""

from __future__ import annotations

import uuid
from io import BytesIO
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.campaigns.helpers import END, START, street
from tests.people.helpers import person_in, tag_kind
from wangge.campaigns import services
from wangge.campaigns.doorplates import sign_house
from wangge.campaigns.models import QuestionKind, Target, TargetKind
from wangge.cases.services import store_attachment
from wangge.people.services import give_tag

PARAM_SOURCES: dict[str, str] = {
    "campaign_id": "campaign_id",
    "target_id": "campaign_target_id",
    "question_id": "campaign_question_id",
    "visit_id": "campaign_visit_id",
    "photo_uid": "campaign_photo_uid",
    "doorplate": "campaign_doorplate",
}


def add_to_world(cast: Any, secrets: dict[str, str]) -> dict[str, object]:
    tree = cast.tree
    staff = cast.community_staff
    houses = street(tree.grid_a, 2, building="秘97栋", compound="敲门花园")
    campaign = services.create_campaign(
        staff,
        services.CampaignInput(
            title="秘密敲门行动",
            description="秘密行动说明",
            unit=tree.community,
            starts_on=START,
            ends_on=END,
            units=[tree.grid_a],
        ),
    )
    question = services.add_question(
        staff,
        campaign,
        services.QuestionInput(label="秘密问题甲", kind=QuestionKind.TEXT, is_required=True),
    )
    photo_question = services.add_question(
        staff, campaign, services.QuestionInput(label="秘密照片题", kind=QuestionKind.PHOTO)
    )
    services.open_campaign(staff, campaign)
    target = Target.objects.filter(campaign=campaign, house=houses[0]).get()
    image = BytesIO()
    Image.new("RGB", (20, 20), "blue").save(image, "JPEG")
    photo = store_attachment(
        cast.grid_worker_a,
        SimpleUploadedFile("door.jpg", image.getvalue()),
        name="door.jpg",
        photo_only=True,
    )
    visit, _created = services.record_visit(
        cast.grid_worker_a,
        target,
        services.VisitInput(
            client_uuid=uuid.uuid4(),
            outcome="registered",
            answers={str(question.pk): "秘密回答内容", str(photo_question.pk): str(photo.uid)},
            note="秘密走访备注",
        ),
    )
    draft = services.create_campaign(
        staff,
        services.CampaignInput(
            title="秘密草稿行动", unit=tree.community, starts_on=START, ends_on=END
        ),
    )
    draft_question = services.add_question(
        staff, draft, services.QuestionInput(label="秘密草稿问题", kind=QuestionKind.NUMBER)
    )
    # A campaign of persons: their names are the targets' labels.
    kind = tag_kind("elderly_alone", "独居长者")
    elder = person_in(tree.grid_a, "秘密长者", house=houses[1])
    give_tag(None, elder, kind)
    persons = services.create_campaign(
        staff,
        services.CampaignInput(
            title="秘密长者走访",
            unit=tree.community,
            starts_on=START,
            ends_on=END,
            target_kind=TargetKind.PERSONS,
            tags=[kind.code],
        ),
    )
    persons_question = services.add_question(
        staff, persons, services.QuestionInput(label="秘密身体状况", kind=QuestionKind.TEXT)
    )
    services.open_campaign(staff, persons)
    person_target = Target.objects.get(campaign=persons, person=elder)
    secrets.update(
        {
            "campaign title": "秘密敲门行动",
            "campaign description": "秘密行动说明",
            "campaign question": "秘密问题甲",
            "campaign answer": "秘密回答内容",
            "campaign visit note": "秘密走访备注",
            "campaign draft title": "秘密草稿行动",
            "campaign draft question": "秘密草稿问题",
            "campaign of persons, title": "秘密长者走访",
            "campaign person target": "秘密长者",
            "campaign compound": "敲门花园",
        }
    )
    return {
        "campaign_id": [campaign.pk, draft.pk, persons.pk],
        "campaign_target_id": [target.pk, person_target.pk],
        # Zipped with campaign_id by the table: each question of the campaign beside it.
        "campaign_question_id": [question.pk, draft_question.pk, persons_question.pk],
        "campaign_visit_id": visit.pk,
        "campaign_photo_uid": str(photo.uid),
        "campaign_doorplate": sign_house(houses[0]),
    }
