"""CSRF on every form: each page of the app, as the person who uses it, holds a CSRF token in
every form that posts (and posts nothing through htmx outside such a form); and a post without
the token to representative endpoints (a case action, revealing a number, the residents'
report, the landlord's sign-in, the login) is refused with 403 and changes nothing."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases.loop_helpers import RESIDENT_PHONE, drive_to
from tests.e2e.test_every_page import Visit, visits
from tests.people.helpers import house_in, person_in
from wangge.cases.models import Case
from wangge.cases.workflow import CaseState
from wangge.people.models import HouseUse, Reveal

TOKEN = "csrfmiddlewaretoken"
LANDLORD_PHONE = "13712345678"
HTMX_WRITES = ("hx-post", "hx-put", "hx-patch", "hx-delete")


class PostingForms(HTMLParser):
    """The post forms of a page, each as whether it holds a CSRF token, and htmx writes found
    outside a form that holds one."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.open_form: dict[str, Any] | None = None
        self.stray_writes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.open_form = {
                "action": found.get("action") or "",
                "posts": (found.get("method") or "get").lower() == "post",
                "has_token": False,
                "htmx_writes": [name for name in HTMX_WRITES if name in found],
            }
            self.forms.append(self.open_form)
            return
        if tag == "input" and found.get("name") == TOKEN and self.open_form is not None:
            self.open_form["has_token"] = bool(found.get("value"))
        if any(name in found for name in HTMX_WRITES) and self.open_form is None:
            self.stray_writes.append(f"<{tag} {found}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.open_form = None

    def faults(self) -> list[str]:
        untokened = [
            form["action"] or "(this page)"
            for form in self.forms
            if (form["posts"] or form["htmx_writes"]) and not form["has_token"]
        ]
        return [f"post form without a CSRF token: {action}" for action in untokened] + [
            f"htmx write outside a form: {write}" for write in self.stray_writes
        ]


def posting_forms(html: str) -> PostingForms:
    parser = PostingForms()
    parser.feed(html)
    parser.close()
    return parser


def more_visits(cast: Any) -> list[Visit]:
    """Pages with forms the sweep of test_every_page does not show: a case waiting for the grid
    worker's verification, and the landlord's house with its tenants."""
    handled = drive_to(cast, CaseState.HANDLED)
    return [
        Visit("case-to-verify", "grid_worker_a", reverse("cases:detail", args=[handled.number])),
        Visit("landlord-house", "landlord", reverse("people:landlord_house")),
    ]


def browser_of(cast: Any, account: str) -> Client:
    """A browser as `account`: a cast member, a landlord signed in to their house, or nobody."""
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    if account == "landlord":
        house = house_in(cast.tree.grid_a, "502", use=HouseUse.RENTED, rooms=2)
        house.landlord = person_in(cast.tree.grid_a, "房东梁", phone=LANDLORD_PHONE)
        house.save(update_fields=["landlord"])
        person_in(cast.tree.grid_a, "欧阳明", house=house, relation="tenant")
        signed_in = browser.post(
            reverse("people:landlord"), {"code": house.code, "phone": LANDLORD_PHONE}
        )
        assert signed_in.status_code == 302
    elif account:
        browser.force_login(getattr(cast, account))
    return browser


def test_every_form_that_posts_holds_a_csrf_token(cast):
    open_case = drive_to(cast, CaseState.REPORTED)
    handling = drive_to(cast, CaseState.HANDLING)
    drive_to(cast, CaseState.CLOSED)
    drive_to(cast, CaseState.ACCEPTED)
    browsers: dict[str, Client] = {}
    faults: dict[str, list[str]] = {}
    post_forms = 0
    for visit in [*visits(cast, open_case.number, handling.number), *more_visits(cast)]:
        browser = browsers.get(visit.account)
        if browser is None:
            browser = browsers[visit.account] = browser_of(cast, visit.account)
        response = browser.get(visit.path, follow=True)
        if response.status_code != 200:
            faults[visit.name] = [f"HTTP {response.status_code}"]
            continue
        page = posting_forms(response.content.decode())
        post_forms += sum(form["posts"] for form in page.forms)
        if found := page.faults():
            faults[visit.name] = found
    assert not faults, faults
    assert post_forms > 100  # the sweep saw the forms (every page posts at least its language)


# --- posts without the token -----------------------------------------------------------------


def strict(user: Any = None) -> Client:
    """A browser whose posts Django checks for the CSRF token, as a real browser's are."""
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        browser.force_login(user)
    return browser


def token_from(browser: Client, path: str) -> str:
    html = browser.get(path).content.decode()
    return re.search(rf'name="{TOKEN}" value="([^"]+)"', html).group(1)


def hidden_fields(html: str, action: str) -> dict[str, str]:
    """The hidden inputs (the token, the case version …) of the form posting to `action`."""
    form = re.search(rf'<form[^>]* action="{re.escape(action)}".*?</form>', html, re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


@pytest.mark.parametrize("with_token", [False, True], ids=["without-token", "with-token"])
def test_a_case_action_needs_the_csrf_token(cast, with_token):
    case = drive_to(cast, CaseState.REPORTED)
    browser = strict(cast.dispatcher)
    action = reverse("cases:action", args=[case.number, "accept"])
    page = browser.get(reverse("cases:detail", args=[case.number])).content.decode()
    data = hidden_fields(page, action) | {"accept-category": case.category.code}
    if not with_token:
        del data[TOKEN]
    response = browser.post(action, data)
    state = Case.objects.get(pk=case.pk).state
    if with_token:  # the control: the same post with its token goes through
        assert response.status_code == 302 and state == CaseState.ACCEPTED
    else:
        assert response.status_code == 403 and state == CaseState.REPORTED


def test_revealing_a_number_needs_the_csrf_token(cast):
    person = person_in(cast.tree.grid_a, house=house_in(cast.tree.grid_a))
    response = strict(cast.grid_worker_a).post(
        reverse("people:person_reveal", args=[person.pk]),
        {"field": "phone", "reveal_phone-field": "phone", "reveal_phone-reason": "联系家属送医"},
    )
    assert response.status_code == 403
    assert not Reveal.objects.exists()


def test_the_public_report_needs_the_csrf_token(db):
    response = strict().post(
        reverse("public:report"),
        {"description": "路灯不亮", "phone": RESIDENT_PHONE, "address": "石冲路 3 号"},
    )
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_the_landlord_sign_in_needs_the_csrf_token(cast):
    house = house_in(cast.tree.grid_a, use="rented")
    response = strict().post(
        reverse("people:landlord"), {"code": house.code, "phone": "13800138000"}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in response.wsgi_request.session


@pytest.mark.parametrize("with_token", [False, True], ids=["without-token", "with-token"])
def test_the_login_needs_the_csrf_token(cast, with_token):
    user = cast.outsider
    user.set_password("a-long-pass-phrase")
    user.save(update_fields=["password"])
    browser = strict()
    data = {"username": user.username, "password": "a-long-pass-phrase"}
    if with_token:
        data[TOKEN] = token_from(browser, reverse("login"))
    response = browser.post(reverse("login"), data)
    assert response.status_code == (302 if with_token else 403)
