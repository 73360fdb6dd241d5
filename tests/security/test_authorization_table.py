"""Authorization as a table: every route of the platform (pages, the API's operations, Open311,
the Django admin), tried by a user of every role in the subtree that holds none of the data, and
by an anonymous client. Nobody may see or change another subtree's cases, registry or imports.

The routes are not listed by hand: they are read from Django's URL resolver (which includes the
API's and Open311's patterns) and, for the API's methods, from its OpenAPI document. Each path
parameter is filled from the world's objects; a route whose parameters cannot be filled must be
named in UNTESTED with the reason, so a new route cannot slip past the table.

What is checked, for each (route, method, persona):
- never a 5xx;
- a route naming an object of the other subtree answers 403 or 404 (405 when the method is not
  the view's), an anonymous client is sent to the login (pages, the admin) or answered 401 (API);
  routes that are open to everyone, or whose lists are scoped to the caller, are in explicit
  allow-lists with the reason, and may answer 200;
- the body holds none of the world's secrets (descriptions, names, whole and masked ID numbers
  and phones, the organisation, the import file …), except the public fields Open311 publishes;
- a state-changing request (POST/PATCH with a plausible body) changes no row.
"""

from __future__ import annotations

import io
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import cycle, islice
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from conftest import Cast
from tests.cases.loop_helpers import DEPARTMENT, IN_GRID_A, photo_bytes
from tests.clients import logged_in
from tests.security.world import (
    APP_WORLDS,
    PERSONAS,
    World,
    build_world,
    changed_tables,
    snapshot,
)
from wangge.cases.queries import Tab
from wangge.cases.workflow import CaseAction
from wangge.people.imports.columns import KINDS

API_PREFIX = "api/v1/"
ADMIN_PREFIX = "django-admin/"
OPEN311_PREFIX = "open311/v2/"
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/django-admin/login/"
STATE_CHANGING = ("POST", "PATCH", "PUT", "DELETE")

# --- the table --------------------------------------------------------------------------------

# Routes whose parameters are not filled from the world, and why.
UNTESTED: dict[str, str] = {}

# Routes anyone may reach, signed in or not. A 200 is fine; the body is still checked.
PUBLIC: dict[str, str] = {
    "healthz": "the load balancer's health check: only says whether the database answers",
    "accounts/login/": "the login form",
    "accounts/logout/": "logging out touches only the caller's own session",
    "i18n/setlang/": "choosing the language touches only the caller's own cookie",
    "public/*": "residents' pages (/public/): report, look up and rate with the case's phone",
    "people/landlord/*": "landlords sign in with a house code and their phone, not an account",
    f"{OPEN311_PREFIX}*": "GeoReport v2 reads are public (docs/open311.md); POST needs an api_key",
    "campaigns/sw.js": "the canvass pages' service worker: a script served from /campaigns/ so "
    "that it may keep those pages for offline use; code, no data",
    f"{API_PREFIX}openapi.json": "the API's description: no data",
    f"{API_PREFIX}docs": "the API's documentation page: no data",
    API_PREFIX: "the API's root: a 404 for everybody",
    f"{ADMIN_PREFIX}login/": "the Django admin's login form",
    f"{ADMIN_PREFIX}logout/": "logging out touches only the caller's own session",
}

# Secrets that are legitimately shown by a route to whoever may reach it, and why.
PUBLISHED: dict[str, tuple[str, str]] = {
    f"{OPEN311_PREFIX}*": (
        "case ",
        "GeoReport v2 publishes every case's description and address to anyone, as any "
        "public Open311 server does (wangge/open311/queries.py, docs/open311.md); never the "
        "reporter, phone or notes, which stay checked",
    ),
}

# Public routes whose answer is generated from code, the same for every caller: tried once, by
# the anonymous client (the OpenAPI document alone takes a second to build).
SAME_FOR_EVERYONE: dict[str, str] = {
    f"{API_PREFIX}openapi.json": "the OpenAPI document is built from the code, not from data",
    f"{API_PREFIX}docs": "the documentation page only loads the OpenAPI document",
}

# Routes naming an object that every role of the platform may see, and why: a 200 is fine,
# the body is still checked for secrets.
VISIBLE_TO_EVERY_ROLE: dict[str, str] = {
    "org/units/<str:code>/": "the org tree is VIEW_ORG, which every role holds (org/roles.py)",
    "org/units/<str:code>/gaps/": "a unit's coverage gaps are VIEW_ORG, held by every role",
    "org/units/<str:code>/people/": "who works in a unit is VIEW_STAFF, held by most roles",
    f"{API_PREFIX}org/units/<code>": "the org tree is VIEW_ORG, which every role holds",
    f"{API_PREFIX}org/units/<code>/coverage-gaps": "coverage gaps are VIEW_ORG, every role",
    f"{API_PREFIX}categories/<code>": "the category catalogue is the same for everybody",
    "people/import/templates/<str:kind>.xlsx": "a blank import template: no data",
}

# Page routes and API reads without an object in their path answer the caller's own view: lists
# scoped to what the caller may see (empty for the other subtree), empty forms, their own work.
# A 200 is fine there; the body is checked for secrets and the database compared.

# Operations without an object in their path that may answer 2xx to a signed-in user: they
# read, or write only the caller's own rows. The database is still compared.
OWN_ROWS: dict[str, str] = {
    f"POST {API_PREFIX}locate/bulk": "a read sent as POST (many points): grids are VIEW_ORG",
    f"POST {API_PREFIX}notifications/read": "marks the caller's own notices read (none here)",
    f"POST {API_PREFIX}attachments": "an upload is the uploader's own until cited by a case",
}
# Reporting a case is open to every role, anywhere, and to residents without an account
# (/public/report/): the new case is filed into grid A's queue, no existing row changes, and the
# answer shows only the new case. These may answer 2xx; only the intake's tables may change.
REPORTING: dict[str, str] = {
    f"POST {API_PREFIX}cases": "every signed-in role may report a case, in any grid",
    "POST cases/new/": "every signed-in role may report a case, in any grid",
    "POST public/report/": "residents report without an account",
}
_INTAKE = frozenset(
    {"cases.case", "cases.caseevent", "cases.casenumbercounter", "notifications.notification"}
)
# Tables that those may write.
OWN_TABLES: dict[str, frozenset[str]] = {
    f"POST {API_PREFIX}attachments": frozenset({"cases.attachment"}),
    **dict.fromkeys(REPORTING, _INTAKE),
}

# The community-work apps' public operations that write the caller's own rows (their modules'
# docstrings say why): a resident's new topic, need, wish or registration, an invitee signing in
# with their own link, a volunteer acting through theirs.
for _app_world in APP_WORLDS:
    OWN_TABLES.update(getattr(_app_world, "OWN_TABLES", {}))
    PUBLIC.update(getattr(_app_world, "PUBLIC", {}))
    VISIBLE_TO_EVERY_ROLE.update(getattr(_app_world, "VISIBLE_TO_EVERY_ROLE", {}))
    OWN_ROWS.update(getattr(_app_world, "OWN_ROWS", {}))

# Creating operations that name the unit in the body, not the path: another subtree's unit is
# refused as an invalid choice of that field (422, naming it), as a form refuses it beside the
# field; nothing is written and the answer names nothing of the unit.
REFUSED_AS_INVALID: dict[str, str] = {
    f"POST {API_PREFIX}claims/member-units": "communities: only those the caller keeps",
    f"POST {API_PREFIX}claims/needs": "community: only those the caller keeps",
    f"POST {API_PREFIX}claims/projects": "community: only those the caller keeps",
}
for _app_world in APP_WORLDS:
    REFUSED_AS_INVALID.update(getattr(_app_world, "REFUSED_AS_INVALID", {}))

# Holes found by this table: (persona, method, route) → what leaks. Each is xfail(strict=True)
# in test_known_hole, so fixing it makes that test fail and the entry must be removed.
KNOWN_HOLES: dict[tuple[str, str, str], str] = {}

# --- enumerating the routes -------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    pattern: str  # as Django writes it, e.g. "people/persons/<int:person_id>/"
    params: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith(API_PREFIX)

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith(ADMIN_PREFIX)


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.pattern


def _params_of(pattern: Any, full: str) -> tuple[str, ...]:
    names = list(getattr(pattern, "converters", {}) or pattern.regex.groupindex)
    # Converters of an include()'s own pattern are not on the leaf; read them from the text.
    for name in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", full):
        for found in name:
            if found and found not in names:
                names.append(found)
    return tuple(names)


def all_routes() -> list[Route]:
    return [
        Route(full, _params_of(pattern, full))
        for full, pattern in _walk(get_resolver().url_patterns)
    ]


def openapi_path(route: Route) -> str:
    """/api/v1/cases/{number} for the route api/v1/cases/<number>."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.pattern)


# --- filling the parameters -------------------------------------------------------------------

# Which of the world's ids fills a parameter; `code` and `uid` name different things by route.
PARAM_SOURCES: dict[str, str] = {
    "number": "number",
    "token": "number",
    "code": "grid",
    "person_id": "person_id",
    "house_id": "house_id",
    "residence_id": "residence_id",
    "organisation_id": "organisation_id",
    "uid": "import_uid",
    "tab": "tab",
    "action": "action",
    "kind": "import_kind",
    "fmt": "fmt",
    "path": "open311_unknown",
    "object_id": "admin_object",
    "content_type_id": "admin_object",
    "id": "admin_object",
    "app_label": "admin_app",
    "url": "admin_unknown",
}
# (route or `prefix*`, parameter) → source, where a parameter names something else there.
SOURCE_BY_ROUTE: dict[tuple[str, str], str] = {
    ("cases/categories/*", "code"): "category",
    ("people/tags/*", "code"): "tag_kind",
    (f"{OPEN311_PREFIX}services/*", "code"): "category",
    (f"{API_PREFIX}categories/*", "code"): "category",
    (f"{API_PREFIX}attachments/*", "uid"): "attachment_uid",
    # Coverage gaps are counted for a community; a new unit is made under one.
    ("org/units/<str:code>/gaps/", "code"): "community",
    ("org/units/<str:code>/new/", "code"): "community",
    (f"{API_PREFIX}org/units/<code>/coverage-gaps", "code"): "community",
}


def _merge_app_sources() -> None:
    """Each app world's PARAM_SOURCES (a parameter only its routes use) and SOURCE_BY_ROUTE (a
    parameter name another app uses too, e.g. `report_id`, scoped to the app's routes). Two
    apps claiming one bare name would silently fill one's routes with the other's ids (ids
    that agree on a fresh SQLite database and not on PostgreSQL), so that is refused here."""
    for app_world in APP_WORLDS:
        for param, source in app_world.PARAM_SOURCES.items():
            claimed = PARAM_SOURCES.get(param)
            assert claimed in (None, source), (
                f"{app_world.__name__}: the parameter {param!r} already names {claimed!r}; "
                "scope it to the app's routes in SOURCE_BY_ROUTE"
            )
            PARAM_SOURCES[param] = source
        SOURCE_BY_ROUTE.update(getattr(app_world, "SOURCE_BY_ROUTE", {}))


_merge_app_sources()
# Parameters that name an object of the world (the others pick a tab, a format, an action).
OBJECT_PARAMS = frozenset(
    {"number", "token", "code", "person_id", "house_id", "residence_id", "organisation_id", "uid"}
    | {param for app_world in APP_WORLDS for param in app_world.PARAM_SOURCES}
    | {param for app_world in APP_WORLDS for _, param in getattr(app_world, "SOURCE_BY_ROUTE", {})}
)


def _values(world: World, route: Route, param: str) -> list[Any] | None:
    source = next(
        (
            source
            for (pattern, name), source in SOURCE_BY_ROUTE.items()
            if name == param and _listed({pattern: None}, route.pattern)
        ),
        PARAM_SOURCES.get(param),
    )
    fixed: dict[str, Any] = {
        "tab": list(Tab.values),
        "action": list(CaseAction.values),
        "import_kind": list(KINDS)[:1],
        "fmt": ["json"],
        "open311_unknown": ["no-such-resource"],
        "admin_object": ["1"],
        "admin_app": ["people"],
        "admin_unknown": ["no-such-page/"],
    }
    if source is None:
        return None
    value = fixed.get(source, world.ids.get(source))
    if value is None:
        return None
    return value if isinstance(value, list) else [value]


def urls_of(world: World, route: Route) -> list[str] | None:
    """The concrete paths of a route (None when a parameter cannot be filled). Parameters with
    several values are zipped, the shorter lists cycled: each case meets some action."""
    lists = {param: _values(world, route, param) for param in route.params}
    if any(values is None for values in lists.values()):
        return None
    count = max((len(values) for values in lists.values()), default=1)
    columns = {param: list(islice(cycle(values), count)) for param, values in lists.items()}
    urls = []
    for i in range(count):
        path = route.pattern
        if path.startswith("^") or "(?P<" in path:
            for param in route.params:
                path = re.sub(rf"\(\?P<{param}>[^)]*\)", str(columns[param][i]), path)
            path = re.sub(r"\(\?:[^)]*\)\?", "", path).lstrip("^").rstrip("$")
            path = path.replace("^", "").replace("$", "")
        for param in route.params:
            path = re.sub(rf"<(?:\w+:)?{param}>", str(columns[param][i]), path)
        urls.append("/" + path)
    return urls


def _query(world: World) -> str:
    """Filters that aim a list at the world's subtree."""
    grid = world.ids["grid"]
    community = world.ids["community"]
    # `extensions` asks Open311 for the timeline, whose notes only api_key holders may read.
    return urlencode(
        {"grid": grid, "unit": grid, "within": grid, "parent": community, "extensions": "true"}
    )


def _body(world: World) -> dict[str, Any]:
    """One plausible body for every write: each form and schema takes the fields it knows,
    aimed at the world's objects (grid A, its people, its cases)."""
    owner, _tenant = world.ids["person_id"]
    return {
        "grid": world.ids["grid"],
        "name": "越权改名",
        "description": "越权上报",
        "category": world.ids["category"],
        "lon": IN_GRID_A[0],
        "lat": IN_GRID_A[1],
        "compound": "秘密花园小区",
        "building": "1栋",
        "number": "101",
        "address": "越权地址",
        "note": "越权备注",
        "reason": "越权理由",
        "purpose": "越权查看",
        "field": "phone",
        "outcome": "well",
        "found": "越权走访",
        "person_id": owner,
        "person": owner,
        "relation": "tenant",
        "moved_in": "2024-01-01",
        "moved_out": "2024-06-01",
        "department": DEPARTMENT,
        "master": world.ids["number"][0],
        "points": [list(IN_GRID_A)],
        "ids": [],
        "kind": "other",
        "code": "forged",
        "parent": world.ids["community"],
        "phone": "13700000000",
        "rating": "satisfied",
        # The community work's writes (claims, campaigns, meetings).
        "title": "越权标题",
        "community": world.ids["community"],
        "communities": [world.ids["community"]],
        "member_unit_id": world.ids["claims_member_unit_id"],
        "due_on": "2026-12-01",
        "served_on": "2026-11-01",
        "hours": 2,
        "what": "越权服务时长",
    }


def _grid_import(world: World) -> dict[str, Any]:
    """A GeoJSON renaming grid A: importing it needs MANAGE_ORG there."""
    lon, lat = IN_GRID_A
    ring = [[lon - 0.004, lat - 0.004], [lon + 0.004, lat - 0.004], [lon, lat + 0.004]]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "code": world.ids["grid"],
                    "name": "越权网格",
                    "parent_code": world.ids["community"],
                },
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
            }
        ],
    }


# Operations whose schema forbids any field but its own: their plausible body.
ROUTE_BODIES: dict[str, dict[str, Any]] = {
    f"{API_PREFIX}campaign-targets/<target_id>/visits": {
        "client_uuid": "7f1d3c2e-0b8a-4c1e-9a51-2b7c9d0e4f11",
        "outcome": "registered",
        "note": "越权走访",
    },
    f"{API_PREFIX}campaigns": {
        "title": "越权行动",
        "unit_code": "440703006107",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
    },
    f"{API_PREFIX}campaigns/<campaign_id>/questions": {"label": "越权问题", "kind": "text"},
    f"{API_PREFIX}campaigns/<campaign_id>/assignments": {"assignee": None},
}
for _app_world in APP_WORLDS:
    ROUTE_BODIES.update(getattr(_app_world, "ROUTE_BODIES", {}))


def send(client: Client, world: World, route: Route, method: str, url: str) -> Any:
    if method == "GET":
        return client.get(f"{url}?{_query(world)}")
    if route.is_api:
        if route.pattern == f"{API_PREFIX}attachments":
            upload = SimpleUploadedFile("photo.jpg", photo_bytes(), content_type="image/jpeg")
            return client.post(url, {"file": upload})
        if route.pattern in ROUTE_BODIES:
            body = ROUTE_BODIES[route.pattern]
        elif route.pattern.endswith("grids/import"):
            body = _grid_import(world)
        else:
            body = _body(world)
        return client.generic(method, url, json.dumps(body), content_type="application/json")
    form = {k: v for k, v in _body(world).items() if not isinstance(v, list)}
    return client.post(url, form)


# --- what each answer must be -----------------------------------------------------------------


def _listed(table: dict[str, Any], pattern: str) -> str | None:
    """The key of `table` covering the route: itself, or `prefix*` for every route under it."""
    if pattern in table:
        return pattern
    return next((key for key in table if key.endswith("*") and pattern.startswith(key[:-1])), None)


def _names_an_object(route: Route) -> bool:
    return any(param in OBJECT_PARAMS for param in route.params) and not route.is_admin


def readable(response: Any) -> str:
    """The body as a person would read it: JSON without \\u escapes, a workbook's cells."""
    body = b"".join(response) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "json" in kind:
        try:
            return json.dumps(json.loads(body), ensure_ascii=False)
        except ValueError:
            pass
    if "spreadsheetml" in kind:
        cells = load_workbook(io.BytesIO(body), read_only=True).worksheets
        return "\n".join(
            str(value)
            for sheet in cells
            for row in sheet.iter_rows(values_only=True)
            for value in row
        )
    return body.decode("utf-8", errors="replace")


def problems_of(
    persona: str, route: Route, method: str, url: str, response: Any, world: World
) -> list[str]:
    status = response.status_code
    where = f"{persona} {method} {url} → {status}"
    if status >= 500:
        return [f"{where}: server error"]
    problems = []
    published = _listed(PUBLISHED, route.pattern)
    text = readable(response)
    for label, secret in world.secrets.items():
        if published and label.startswith(PUBLISHED[published][0]):
            continue
        if secret and secret in text:
            problems.append(f"{where}: shows the {label} ({secret})")
    location = response.get("Location", "")
    public = _listed(PUBLIC, route.pattern)
    if public:
        return problems
    if route.is_admin:
        if status != 302 or not location.startswith(ADMIN_LOGIN):
            problems.append(f"{where}: the admin should send a non-staff user to its login")
        return problems
    if persona == "anonymous":
        if route.is_api:
            ok = status == 401
        else:
            ok = (status == 302 and location.startswith(LOGIN)) or status == 405
        if not ok:
            problems.append(f"{where}: an anonymous client should be sent to log in")
        return problems
    refused = status in (403, 404, 405) or (
        status == 422 and f"{method} {route.pattern}" in REFUSED_AS_INVALID
    )
    if _names_an_object(route) and not _listed(VISIBLE_TO_EVERY_ROLE, route.pattern):
        if not refused:
            problems.append(f"{where}: another subtree's object should be 403/404")
    elif (
        method in STATE_CHANGING
        and route.is_api
        and f"{method} {route.pattern}" not in {**OWN_ROWS, **REPORTING}
        and not refused
    ):
        problems.append(f"{where}: writing into another subtree should be refused")
    return problems


# --- running the table ------------------------------------------------------------------------


@cache
def api_methods() -> dict[str, list[str]]:
    """Each API path's methods, from the OpenAPI document the API serves."""
    document = Client().get(f"/{API_PREFIX}openapi.json").json()
    return {
        path: sorted(method.upper() for method in operations)
        for path, operations in document["paths"].items()
    }


# Routes of the API that are not operations: the document, its page, the root (a 404).
API_DOCUMENTS = (f"{API_PREFIX}openapi.json", f"{API_PREFIX}docs", API_PREFIX)


def methods_of(route: Route, operations: dict[str, list[str]]) -> list[str] | None:
    """The API's methods from its OpenAPI document; every page is tried with GET and POST."""
    if route.pattern in API_DOCUMENTS:
        return ["GET"]
    if route.is_api:
        return operations.get(openapi_path(route))
    return ["GET", "POST"]


def client_for(world: World, persona: str) -> Client:
    if persona == "anonymous":
        return Client(HTTP_ACCEPT_LANGUAGE="en")
    return logged_in(world.users[persona])


def one_of(urls: list[str], route: Route) -> str:
    """The same one of `urls` for a route on every run."""
    return urls[zlib.crc32(route.pattern.encode()) % len(urls)]


@dataclass
class Tally:
    requests: int = 0
    writes: int = 0


def group_of(route: Route, method: str) -> str:
    """Requests compared against one snapshot: an operation that may write its own rows alone,
    the others by app (one snapshot per request would take most of the table's time)."""
    operation = f"{method} {route.pattern}"
    if operation in OWN_TABLES:
        return operation
    depth = 3 if route.is_api else 1
    return "/".join(route.pattern.split("/")[:depth])


def run_table(world: World, persona: str, tally: Tally) -> list[str]:
    operations = api_methods()
    client = client_for(world, persona)
    failures: list[str] = []
    group, sent = "", []
    before = snapshot()

    def compare() -> None:
        nonlocal before
        after = snapshot()
        changed = set(changed_tables(before, after)) - OWN_TABLES.get(group, frozenset())
        if changed:
            tried = ", ".join(sent[:8]) + (" …" if len(sent) > 8 else "")
            failures.append(f"{persona} in {group!r}: changed {sorted(changed)} (by: {tried})")
        before = after
        sent.clear()

    for route in all_routes():
        if route.pattern in UNTESTED:
            continue
        urls = urls_of(world, route)
        methods = methods_of(route, operations)
        assert urls is not None and methods is not None, route.pattern
        if persona != "anonymous" and route.pattern in SAME_FOR_EVERYONE:
            continue
        for method in methods:
            if (persona, method, route.pattern) in KNOWN_HOLES:
                continue
            if group_of(route, method) != group:
                compare()
                group = group_of(route, method)
            writes = method in STATE_CHANGING
            # One case per write of an API action: seven would only repeat the same refusal.
            for url in [one_of(urls, route)] if writes and route.is_api else urls:
                # Logging out would end the persona's session for the rest of the table.
                sender = Client() if "logout" in route.pattern else client
                response = send(sender, world, route, method, url)
                tally.requests += 1
                tally.writes += writes
                sent.append(f"{method} {url}")
                failures += problems_of(persona, route, method, url, response, world)
    compare()
    return failures


@pytest.fixture
def authz_world(cast: Cast) -> World:
    return build_world(cast)


@pytest.mark.parametrize("persona", PERSONAS)
def test_another_subtree_sees_and_changes_nothing(authz_world: World, persona: str) -> None:
    tally = Tally()
    failures = run_table(authz_world, persona, tally)
    print(f"{persona}: {tally.requests} requests, {tally.writes} writes")
    assert not failures, "\n".join(failures)


def test_every_route_is_filled_or_listed_as_untested(authz_world: World) -> None:
    operations = api_methods()
    unfilled = [
        route.pattern
        for route in all_routes()
        if route.pattern not in UNTESTED
        and (urls_of(authz_world, route) is None or methods_of(route, operations) is None)
    ]
    assert not unfilled, f"routes neither filled nor in UNTESTED: {unfilled}"
    stale = set(UNTESTED) - {route.pattern for route in all_routes()}
    assert not stale, f"UNTESTED names routes that no longer exist: {sorted(stale)}"


# Object routes the world's own people cannot GET either, and why (the control below).
NOT_A_PAGE_OF_ITS_OWN: dict[str, str] = {}


def test_the_world_s_own_people_reach_its_objects(authz_world: World) -> None:
    """The control: the ids filled in are real objects, so a 404 in the table is a refusal and
    not a wrong id. Every GET naming an object answers 200 (or 405, a POST-only view) to one of
    those who work on the world: grid A's worker (who imported the file), the district's
    administrator, 城管局's handler."""
    cast = authz_world.cast
    insiders = [
        logged_in(user)
        for user in (cast.grid_worker_a, cast.administrator, cast.department_handler)
    ]
    unreached = []
    for route in all_routes():
        if not _names_an_object(route) or route.pattern in NOT_A_PAGE_OF_ITS_OWN:
            continue
        if _listed(PUBLIC, route.pattern):
            continue
        urls = urls_of(authz_world, route) or []
        answers = {
            url: [send(client, authz_world, route, "GET", url).status_code for client in insiders]
            for url in urls
        }
        for url, statuses in answers.items():
            if not ({200, 405} & set(statuses)):
                unreached.append(f"GET {url} → {statuses}")
    assert not unreached, "\n".join(unreached)


@pytest.mark.parametrize(
    ("persona", "method", "pattern"),
    [
        pytest.param(*hole, marks=pytest.mark.xfail(strict=True, reason=reason))
        for hole, reason in KNOWN_HOLES.items()
    ],
)
def test_known_hole(authz_world: World, persona: str, method: str, pattern: str) -> None:
    """Each hole of KNOWN_HOLES, tried alone: it fails while the hole is there."""
    route = next(route for route in all_routes() if route.pattern == pattern)
    client = client_for(authz_world, persona)
    failures = []
    for url in urls_of(authz_world, route) or []:
        response = send(client, authz_world, route, method, url)
        failures += problems_of(persona, route, method, url, response, authz_world)
    assert not failures, "\n".join(failures)
