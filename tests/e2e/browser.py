"""What the browser journeys share: how Chromium is started, the two screen sizes, and small
steps (log in through the form, check that a page does not scroll sideways)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PASSWORD = "e2e-correct-horse-battery"
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1440, "height": 900}


def give_password(user: Any) -> Any:
    """The cast cannot log in (no usable password); journeys log in through the form."""
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def log_in(page: Any, base_url: str, username: str, next_path: str = "/") -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit].primary")


def assert_no_horizontal_scroll(page: Any) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths[0]} > {widths[1]} px"
