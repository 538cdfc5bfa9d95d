from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def pleo_in_process():
    """Here the hub reaches the sandbox over HTTP through the live server (no in-process
    transport), as it would reach Pleo."""


@pytest.fixture
def browser(monkeypatch, django_db_setup):
    """Debian's Chromium driven by Playwright. Fails (never skips) when Chromium is missing:
    `make test` installs it.

    It asks for the test database first, so the session's live server (which the tests ask for
    next) starts after the database and stops before it is dropped, its connections closed.
    """
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        violations = _watch_content_security_policy(chromium)
        yield chromium
        chromium.close()
    # The pages work under the Content-Security-Policy: nothing inline was blocked.
    assert not violations, violations
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _watch_content_security_policy(chromium) -> list[str]:
    """Collect the CSP violations Chromium reports on the console of every page it opens."""
    violations: list[str] = []
    new_context = chromium.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and violations.append(message.text)
            ),
        )
        return context

    chromium.new_context = watched_context
    return violations
