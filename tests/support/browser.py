"""A real headless Chromium for the tests: Debian's binary, driven by Playwright.

The flags are the ones a closed network needs: without the background-networking and
component-update switches Chromium keeps trying to reach Google's hosts and its connections
are refused many at a time.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import BrowserContext, sync_playwright

CHROMIUM = os.environ.get("SCP_CHROMIUM", "/usr/bin/chromium")

CLOSED_NETWORK_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@contextmanager
def chromium() -> Iterator[BrowserContext]:
    """Yields a headless Chromium browser context with a fresh, throw-away profile."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `bash scripts/install_chromium.sh`")
    with tempfile.TemporaryDirectory(prefix="scp-chromium-") as profile:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CLOSED_NETWORK_FLAGS,
            )
            try:
                yield context
            finally:
                context.close()
