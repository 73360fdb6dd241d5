"""Browser journeys: Playwright's sync API driving Debian's Chromium against the live server.

Every page a journey visits is saved under tests/e2e/screenshots/<test>-<step>.png (git-ignored)
so a person can look at what the browser saw. The whole folder is skipped, saying why, when
/usr/bin/chromium is missing (`make system-deps` installs it).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.shipped_data import restore_shipped_rows

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body (building the cast) would otherwise be refused as "async unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is missing: install Debian's chromium (make system-deps)"
    )
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)


_map_versions = itertools.count(1_000_000, 1_000)


@pytest.fixture(autouse=True)
def _migration_data(transactional_db: None) -> None:
    """Put back the rows the migrations ship, which the flush after each journey removes.

    (Django's serialized rollback would do this, but its saved copy is not seen once Playwright
    has started.) Each journey also starts from a map version no earlier journey used, so that
    no process keeps a grid index built from the previous journey's grids.
    """
    from wangge.org.models import MapVersion

    restore_shipped_rows()
    MapVersion.objects.filter(pk=1).update(version=next(_map_versions))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    playwright = sync_api.sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """open_page(viewport, **context_options) -> a new page in a fresh browser context."""
    contexts: list[Any] = []

    def open_(viewport: dict[str, int], **options: Any) -> Any:
        phone = viewport["width"] < 768
        context = browser.new_context(
            viewport=viewport,
            device_scale_factor=2 if phone else 1,
            is_mobile=phone,
            has_touch=phone,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            **options,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: pytest.fail(f"JavaScript error: {error}"))
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """screenshot(page, step): save the whole page as <test>-<step>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page: Any, step: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
