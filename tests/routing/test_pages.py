"""The routing pages of the whole city's administrator: the versions with the active one's
outcome counts, a version's report (per category, the confusion matrix with category names),
activate / roll back / train / the policy of automatic dispatch by POST, each audited; every
refusal a message on the page with a 4xx, the policy's beside its field with what was typed
kept; anyone else 403, an unknown version 404."""

from __future__ import annotations

import re
from decimal import Decimal
from html import escape

import pytest
from django.urls import reverse
from django.utils import translation

from tests.cases.loop_helpers import act, file_case
from tests.clients import logged_in
from tests.routing.conftest import LAMP, NOISE
from wangge.core.models import AuditEntry
from wangge.routing import services
from wangge.routing.models import ModelVersion
from wangge.routing.notes import described
from wangge.routing.views import report_context

pytestmark = pytest.mark.django_db

VERSIONS = "/routing/"


def audited(user, action: str) -> int:
    return AuditEntry.objects.filter(actor=user, action=action).count()


def active_number() -> int | None:
    return ModelVersion.objects.filter(is_active=True).values_list("number", flat=True).first()


def field_box(page: str, name: str) -> str:
    """The `.field` container holding the input named `name` (its label, help and error)."""
    start = page.rindex('<div class="field', 0, page.index(f'name="{name}"'))
    return page[start : page.index("</div>", start)]


def test_the_administrator_sees_the_versions_and_the_active_one_s_outcomes(trained, cast):
    services.train_from_cases(cast.administrator, activate=False)
    confirmed = file_case(cast.grid_worker_a, description="路灯不亮，晚上很黑，灯杆")
    corrected = file_case(cast.grid_worker_a, description="小区门口垃圾堆放，臭味，苍蝇")
    services.suggest_new_cases()
    act(cast.dispatcher, confirmed, "accept", category=LAMP)
    act(cast.dispatcher, corrected, "accept", category=NOISE)
    services.record_outcomes()

    answer = logged_in(cast.administrator).get(VERSIONS)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Routing models" in page
    assert 'id="version-1" class="is-active"' in page and 'id="version-2"' in page
    assert f"{trained.report['macro_f1']:.3f}" in page
    # Version 2 may be activated; version 1 is the active one.
    assert reverse("routing:activate", args=[2]) in page
    assert reverse("routing:activate", args=[1]) not in page
    counts = dict(re.findall(r'data-outcome="(\w+)"><strong>(\d+)</strong>', page))
    assert counts == {
        "pending": "0",
        "confirmed": "1",
        "corrected": "1",
        "automatic": "0",
        "unused": "0",
    }
    assert "50 % of the cases they accepted" in page
    assert "takes from ten seconds to a minute" in page  # the train button's warning


def test_a_version_s_report_names_the_categories(trained, cast):
    answer = logged_in(cast.administrator).get(reverse("routing:version", args=[1]))
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Model version 1" in page
    for table in ('id="classes"', 'id="confusion"'):
        assert table in page
    assert "路灯" in page and LAMP in page  # the name beside the code
    matrix = page[page.index('id="confusion"') :]
    assert matrix.count("<tr>") == 1 + len(trained.report["labels"])  # head + one per category
    with translation.override("en"):  # the page is read in English (the msgids)
        notes = described(trained.report)
    assert any("closed cases" in note for note in notes)
    assert all(escape(note) in page for note in notes)


def test_the_report_s_rows_cells_and_confusions():
    version = ModelVersion(
        number=7,
        report={
            "labels": ["C0104", "E0101"],
            "confusion": [[8, 2], [0, 10]],
            "classes": [
                {"label": "C0104", "precision": 1, "recall": 0.8, "f1": 0.89, "support": 10}
            ],
            "notes": [],
        },
    )
    context = report_context(version)
    first = context["matrix"][0]
    assert (first["name"], first["total"]) == ("路灯", 10)
    assert [(c["count"], c["is_hit"], c["shade"]) for c in first["cells"]] == [
        (8, True, 3),
        (2, False, 1),
    ]
    assert context["confusions"] == [
        {
            "true": "C0104",
            "true_name": "路灯",
            "predicted": "E0101",
            "predicted_name": context["columns"][1]["name"],
            "count": 2,
            "percent": 20,
        }
    ]
    assert context["classes"][0]["name"] == "路灯"


def test_activate_and_roll_back_by_post_are_audited(trained, cast):
    services.train_from_cases(cast.administrator, activate=False)
    admin = cast.administrator
    client = logged_in(admin)
    before = audited(admin, "routing.model.activate")

    answer = client.post(reverse("routing:activate", args=[2]))
    assert answer.status_code == 302 and answer["Location"] == VERSIONS
    assert active_number() == 2
    assert "Version 2 is active." in client.get(VERSIONS).content.decode()

    answer = client.post(reverse("routing:rollback"))
    assert answer.status_code == 302
    assert active_number() == 1
    assert audited(admin, "routing.model.activate") == before + 2


def test_rolling_back_without_an_earlier_version_says_why(trained, cast):
    answer = logged_in(cast.administrator).post(reverse("routing:rollback"))
    assert answer.status_code == 400
    assert "No earlier active version to go back to." in answer.content.decode()
    assert active_number() == 1


def test_activating_an_unknown_version_is_a_404_with_a_message(trained, cast):
    client = logged_in(cast.administrator)
    answer = client.post(reverse("routing:activate", args=[99]))
    assert answer.status_code == 404
    assert "No such model version." in answer.content.decode()
    assert client.get(reverse("routing:version", args=[99])).status_code == 404
    assert active_number() == 1


def test_training_by_post_makes_an_audited_version_and_shows_its_report(trained, cast):
    admin = cast.administrator
    client = logged_in(admin)
    answer = client.post(reverse("routing:train"), {"activate": "on"})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("routing:version", args=[2])
    assert active_number() == 2
    assert audited(admin, "routing.model.create") == 2

    answer = client.post(reverse("routing:train"))  # the box unticked: keep version 2 active
    assert answer["Location"] == reverse("routing:version", args=[3])
    assert active_number() == 2
    page = client.get(answer["Location"]).content.decode()
    assert "the active version is unchanged" in page
    assert reverse("routing:activate", args=[3]) in page


def test_training_on_too_few_cases_is_refused_on_the_page(cast):
    file_case(cast.grid_worker_a, description="路灯不亮")
    answer = logged_in(cast.administrator).post(reverse("routing:train"), {"activate": "on"})
    assert answer.status_code == 400
    assert "Training needs at least 50 closed cases" in answer.content.decode()
    assert not ModelVersion.objects.exists()


def test_the_policy_is_set_and_turned_off_by_post(cast):
    admin = cast.administrator
    client = logged_in(admin)
    answer = client.post(reverse("routing:policy"), {"confidence": " 0.90 "})
    assert answer.status_code == 302
    assert services.policy().auto_dispatch_confidence == Decimal("0.9")
    page = client.get(VERSIONS).content.decode()
    assert "at least 0.9 confident" in page
    assert 'value="0.9"' in field_box(page, "confidence")

    assert client.post(reverse("routing:policy"), {"confidence": ""}).status_code == 302
    assert services.policy().auto_dispatch_confidence is None
    assert audited(admin, "routing.policy.update") == 2


@pytest.mark.parametrize("typed", ["2", "0.3", "abc"])
def test_a_bad_confidence_is_refused_beside_the_field_as_typed(cast, typed):
    services.set_auto_dispatch_confidence(None, "0.95")
    answer = logged_in(cast.administrator).post(reverse("routing:policy"), {"confidence": typed})
    assert answer.status_code == 400
    box = field_box(answer.content.decode(), "confidence")
    assert "The confidence must be a number from 0.5 to 1." in box
    assert 'class="field-error"' in box
    assert f'value="{typed}"' in box
    assert services.policy().auto_dispatch_confidence == Decimal("0.95")


def test_anyone_but_the_city_s_administrator_is_refused_everywhere(trained, cast):
    services.train_from_cases(cast.administrator, activate=False)
    rows = ModelVersion.objects.count()
    for person in (cast.dispatcher, cast.leader, cast.grid_worker_a):
        client = logged_in(person)
        for url in (VERSIONS, reverse("routing:version", args=[1])):
            assert client.get(url).status_code == 403, (person, url)
        for url, body in (
            (reverse("routing:train"), {"activate": "on"}),
            (reverse("routing:activate", args=[2]), {}),
            (reverse("routing:rollback"), {}),
            (reverse("routing:policy"), {"confidence": "0.5"}),
        ):
            assert client.post(url, body).status_code == 403, (person, url)
    assert ModelVersion.objects.count() == rows
    assert active_number() == 1
    assert services.policy().auto_dispatch_confidence is None


def test_only_the_administrator_finds_the_pages_on_the_workbench(cast):
    assert VERSIONS in logged_in(cast.administrator).get("/").content.decode()
    assert VERSIONS not in logged_in(cast.dispatcher).get("/").content.decode()
