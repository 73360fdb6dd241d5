"""The security headers on every kind of answer (a workbench page, a residents' page, the API,
Open311, a static file), and what WANGGE_BEHIND_TLS turns on: HSTS, secure cookies and the
proxy's X-Forwarded-Proto. Settings read at import are checked in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.clients import logged_in

REPO = Path(__file__).resolve().parents[2]

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
TLS_SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
]


def policy_of(response: Any) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def assert_secure_headers(response: Any) -> None:
    assert policy_of(response) == POLICY
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def settings_with(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """The settings a fresh interpreter reads with only these WANGGE_* variables set."""
    program = (
        "import json, wangge.settings as s;"
        "from django.conf import global_settings as default;"
        f"names = {TLS_SETTINGS!r};"
        "values = {name: getattr(s, name, getattr(default, name)) for name in names};"
        "values['img-src'] = s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'];"
        "print(json.dumps(values))"
    )
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("WANGGE_")
    } | {"WANGGE_VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def loaded(result: subprocess.CompletedProcess) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- every kind of answer ------------------------------------------------------------------


def test_a_workbench_page_carries_every_security_header(cast):
    response = logged_in(cast.dispatcher).get(reverse("cases:my_work"))
    assert response.status_code == 200
    assert_secure_headers(response)


def test_a_residents_page_carries_every_security_header(client, db):
    response = client.get(reverse("public:report"))
    assert response.status_code == 200
    assert_secure_headers(response)


def test_an_api_answer_carries_every_security_header(cast):
    response = logged_in(cast.dispatcher).get("/api/v1/cases")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert_secure_headers(response)


def test_an_open311_answer_carries_every_security_header(client, db):
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200
    assert_secure_headers(response)


def test_a_static_file_from_whitenoise_carries_every_security_header(client, db):
    response = client.get("/static/wangge/css/app.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert_secure_headers(response)


def test_the_landlord_notice_has_no_inline_event_handler(cast):
    from tests.people.helpers import house_in

    house = house_in(cast.tree.grid_a, use="rented")
    response = logged_in(cast.grid_worker_a).get(reverse("people:house_notice", args=[house.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "onclick" not in html
    assert "people/js/notice.js" in html


def test_htmx_is_told_to_use_no_eval_and_no_inline_style(client, db):
    html = client.get(reverse("login")).content.decode()
    assert """<meta name="htmx-config" content='{"allowEval": false""" in html
    assert '"includeIndicatorStyles": false' in html


# --- behind TLS ----------------------------------------------------------------------------


def test_without_tls_cookies_are_not_secure_and_there_is_no_hsts(tmp_path):
    values = loaded(settings_with(tmp_path))
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_PROXY_SSL_HEADER"] is None


def test_behind_tls_cookies_are_secure_and_hsts_lasts_a_year_for_this_host_only(tmp_path):
    values = loaded(settings_with(tmp_path, WANGGE_BEHIND_TLS="true"))
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.fixture
def behind_tls(settings, tmp_path) -> None:
    """This process's settings as WANGGE_BEHIND_TLS=true makes them (read per request)."""
    values = loaded(settings_with(tmp_path, WANGGE_BEHIND_TLS="true"))
    for name in TLS_SETTINGS:
        value = values[name]
        setattr(settings, name, tuple(value) if isinstance(value, list) else value)


def test_behind_tls_an_https_answer_carries_hsts(behind_tls, client, db):
    response = client.get(reverse("public:report"), headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert policy_of(response) == POLICY


def test_behind_tls_a_plain_http_answer_carries_no_hsts(behind_tls, client, db):
    response = client.get(reverse("public:report"))
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_behind_tls_the_session_and_csrf_cookies_are_secure_and_httponly(behind_tls, db):
    user = get_user_model().objects.create_user("tls-user", password="a-long-pass-phrase")
    browser = Client(headers={"X-Forwarded-Proto": "https"})
    form = browser.get(reverse("login"))
    csrf = form.cookies["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"
    answer = browser.post(
        reverse("login"),
        {"username": user.username, "password": "a-long-pass-phrase"},
    )
    assert answer.status_code == 302
    session = answer.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_the_map_tile_host_is_allowed_as_an_image_source(tmp_path):
    tiles = "https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png"
    values = loaded(settings_with(tmp_path, WANGGE_MAP_TILE_URL=tiles))
    assert values["img-src"] == ["'self'", "data:", "blob:", "https://*.tiles.example.gov.cn"]
    on_a_port = "http://10.20.0.5:8080/tiles/{z}/{x}/{y}.png"
    values = loaded(settings_with(tmp_path, WANGGE_MAP_TILE_URL=on_a_port))
    assert values["img-src"][-1] == "http://10.20.0.5:8080"
    same_site = loaded(settings_with(tmp_path, WANGGE_MAP_TILE_URL="/tiles/{z}/{x}/{y}.png"))
    assert same_site["img-src"] == ["'self'", "data:", "blob:"]


def test_a_tile_url_with_a_placeholder_deep_in_its_host_stops_start_up(tmp_path):
    result = settings_with(tmp_path, WANGGE_MAP_TILE_URL="https://tiles.{s}.example.org/{z}.png")
    assert result.returncode != 0
    assert "WANGGE_MAP_TILE_URL" in result.stderr
