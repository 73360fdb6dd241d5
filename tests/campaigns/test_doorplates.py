"""One code per household (一户一码): the doorplate's signed URL takes a helper who may visit the
house to its visit form (the scan proving a visit at the door), and anybody else to the house's
page for residents; a forged, altered or expired code is refused."""

from __future__ import annotations

import time
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import signing
from django.urls import reverse

from tests.campaigns.helpers import answers_for, opened, street
from tests.clients import logged_in
from wangge.campaigns.doorplates import DOORPLATE_MAX_AGE, SALT, doorplate_path, sign_house
from wangge.campaigns.models import DoorProof, Target, Visit
from wangge.cases.public_places import Place, place_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(cast):
    street(cast.tree.grid_a, 2)
    campaign = opened(cast.community_staff, cast.tree.community)
    return Target.objects.filter(campaign=campaign).order_by("pk").first()


def test_a_grid_worker_scanning_lands_on_the_visit_form_and_visits_at_the_door(cast, target):
    client = logged_in(cast.grid_worker_a)
    response = client.get(doorplate_path(target.house))
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:target", args=[target.pk])
    page = client.get(response["Location"])
    assert 'id="at-door"' in page.content.decode()
    client.post(
        reverse("campaigns:visit", args=[target.pk]),
        {
            "client_uuid": str(uuid.uuid4()),
            "outcome": "registered",
            **{f"answer_{k}": v for k, v in answers_for(target.campaign, 租户人数="1").items()},
        },
    )
    stored = Visit.objects.get()
    assert stored.proof == DoorProof.DOORPLATE and stored.door_scanned_at is not None


def test_a_resident_scanning_reaches_the_report_page_with_the_house_filled_in(client, target):
    response = client.get(doorplate_path(target.house))
    html = response.content.decode()
    assert response.status_code == 200
    assert target.house.address in html and target.grid.name in html
    link = next(part for part in html.split('"') if part.startswith(reverse("public:report")))
    query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert place_of(query["place"][0]) == Place(target.house.address, target.grid.code)
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert target.house.address in form  # the report form opens with the house filled in


def test_another_grids_worker_is_treated_as_a_resident(cast, target):
    client = logged_in(cast.grid_worker_b)
    response = client.get(doorplate_path(target.house))
    assert response.status_code == 200
    assert "campaigns_door_scans" not in client.session


def test_a_forged_or_altered_doorplate_is_refused(client, target):
    forged = signing.dumps(target.house.code, salt="another-salt")
    assert client.get(reverse("public_campaigns:door", args=[forged])).status_code == 404
    genuine = sign_house(target.house)
    altered = genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB")
    assert client.get(reverse("public_campaigns:door", args=[altered])).status_code == 404
    unknown = signing.dumps("ZZZZZZZZZZ", salt=SALT)
    assert client.get(reverse("public_campaigns:door", args=[unknown])).status_code == 404


def test_an_expired_doorplate_is_refused(client, target, monkeypatch):
    then = time.time() - DOORPLATE_MAX_AGE.total_seconds() - 60
    monkeypatch.setattr(signing.time, "time", lambda: then)
    old = sign_house(target.house)
    monkeypatch.undo()
    response = client.get(reverse("public_campaigns:door", args=[old]))
    assert response.status_code == 404
    assert target.house.address not in response.content.decode()
