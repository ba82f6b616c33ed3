"""A live server on a copy of the demo database, and Debian's Chromium driven by Playwright.

The browser is the system's (/usr/bin/chromium, installed with apt by .ci/run): nothing
is downloaded. The network is closed, so the flags stop Chromium from trying to reach
its update, sync and component services.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("PLANWORK_REQUIRE_BROWSER") == "1":
            pytest.fail(message)  # CI installs it: a missing browser is a broken run
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(demo_app: Flask) -> Iterator[str]:
    """Serve the demo app on 127.0.0.1 and a free port; yields the base URL."""
    # The test config names a fake host for url_for in tests; the browser uses the real one.
    demo_app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
