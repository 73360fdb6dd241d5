"""The routing part of the authorization table's world (tests/security/world.py): one model
version, trained on small synthetic texts of three categories and installed as the operator
(the CLI's `wangge routing install`), its report carrying a note that is a secret; how its routes'
path parameter is filled; and `pages(ids)` for the every-page sweep.

Every routing page is the whole city's administrator's (`services.may_manage_routing`): 403 for
everyone in the other subtree, before anything is read or written, whether the route names a
version (`<int:version>`: not `number`, which names a case) or not (train, roll back, policy).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.routing.examples import labelled
from wangge.routing import classifier, services

PARAM_SOURCES: dict[str, str] = {"version": "routing_version"}

SECRET_NOTE = "秘密模型说明：石冲试点数据"


def add_to_world(cast: Any, secrets: dict[str, str]) -> dict[str, object]:
    texts, labels = labelled(12)
    model, _report = classifier.train(texts, labels)
    model.report["notes"].append(SECRET_NOTE)
    version = services.install_model(None, classifier.to_bytes(model))
    secrets["routing model note"] = SECRET_NOTE
    return {"routing_version": version.number}


def pages(ids: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    admin = "administrator"
    return [
        ("routing-versions", admin, reverse("routing:versions"), "#versions"),
        (
            "routing-version",
            admin,
            reverse("routing:version", args=[ids["routing_version"]]),
            "#confusion",
        ),
    ]
