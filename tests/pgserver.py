"""Where the tests find a real PostgreSQL server and Debian's Chromium.

`scripts/system-setup.sh` (run by `make test`) installs both when missing and starts a private
PostgreSQL server on 127.0.0.1:54329 with `scripts/pg-test-server.sh`. Tests that need either
call :func:`require`: when the part is not there they skip with the reason below, except under
CI (`CI=true`), where they fail with it, so a CI machine that lost a part cannot go green by
skipping the tests that needed it.
"""

from __future__ import annotations

import functools
import os
from typing import TypeVar

import pytest

T = TypeVar("T")

SKIP_REASON = (
    "no PostgreSQL server for the tests: run `sudo bash scripts/system-setup.sh` "
    "(installs and starts PostgreSQL on 127.0.0.1:54329) or set WORKBOOK_TEST_POSTGRES_URL"
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_SKIP_REASON = (
    "no Chromium for the tests: run `sudo bash scripts/system-setup.sh` "
    "(installs Debian's chromium)"
)
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def under_ci() -> bool:
    """True when the CI system says so: CI services set the environment variable CI=true."""
    return os.environ.get("CI", "").strip().lower() == "true"


def require(part: T | None, reason: str) -> T:
    """`part` when the system part is there; else skip the test with `reason`, or fail under CI.

    Call it with the probe's result, e.g. ``url = require(postgres_url(), SKIP_REASON)``.
    """
    if part:
        return part
    if under_ci():
        pytest.fail(f"{reason} [CI=true: a missing system part fails instead of skipping]",
                    pytrace=False)
    pytest.skip(reason)


def pg_test_server_url() -> str:
    """The URL of the server `scripts/pg-test-server.sh` runs (reachable or not)."""
    port = os.environ.get("WORKBOOK_PG_PORT") or "54329"
    return f"postgresql+psycopg://workbook@127.0.0.1:{port}/workbook_test"


@functools.cache
def postgres_url() -> str | None:
    """A PostgreSQL URL (SQLAlchemy form) for the tests, or None when there is no server.

    $WORKBOOK_TEST_POSTGRES_URL wins when set; else the test server of
    scripts/pg-test-server.sh when it accepts a connection within 2 seconds.
    """
    env = os.environ.get("WORKBOOK_TEST_POSTGRES_URL")
    if env:
        return env
    url = pg_test_server_url()
    try:
        import psycopg
    except ImportError:
        return None
    try:
        libpq_url = url.replace("postgresql+psycopg://", "postgresql://", 1)
        conn = psycopg.connect(libpq_url, connect_timeout=2)
    except Exception:
        return None
    conn.close()
    return url


def chromium_path() -> str | None:
    """Debian's Chromium when installed and executable, else None."""
    return CHROMIUM if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK) else None


#: Chromium resolves no host but loopback: a page that reaches for the network fails visibly.
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def offline_chromium():
    """A headless Debian Chromium that can reach only 127.0.0.1 (for module fixtures:
    `yield from offline_chromium()`); missing Chromium skips, or fails under CI."""
    from playwright.sync_api import sync_playwright

    path = require(chromium_path(), CHROMIUM_SKIP_REASON)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=[*CHROMIUM_ARGS, *OFFLINE_ARGS])
        yield browser
        browser.close()


def open_app(page, server, app: str, query: str = "", timeout: float = 90_000) -> None:
    """Open a served app and wait for it to draw. When it does not, the failure says what
    the page showed and what the server logged meanwhile (a browser timeout alone says
    neither, and a flaky failure on a loaded machine is then undiagnosable)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    offset = len(server.log())
    page.goto(f"{server.base}/voila/render/{app}.ipynb{query}")
    try:
        page.wait_for_selector(f".wb-app-{app}", timeout=timeout)
    except PlaywrightTimeout:
        try:
            shown = page.inner_text("body", timeout=5_000)[:1500]
        except Exception as e:  # the page itself may be gone
            shown = f"(could not read the page: {e})"
        raise AssertionError(
            f"{app}{query} did not draw in {timeout / 1000:.0f} s; the page showed:\n{shown}\n"
            f"the server logged meanwhile ({server.log_path}):\n"
            f"{server.log()[offset:][-4000:]}") from None
