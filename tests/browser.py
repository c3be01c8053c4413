"""A real headless Chromium for browser tests (Playwright driving the system browser, which it cannot
download here); the tests skip with a visible reason where no Chromium is installed (CI installs it)."""

import os
import shutil

import pytest


def chromium_path() -> str | None:
    for c in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if c and os.path.exists(c):
            return c
    return None


def launch():
    """A generator fixture body: yields a launched browser, closes it afterwards."""
    exe = chromium_path()
    if exe is None:
        pytest.skip("Chromium not installed (/usr/bin/chromium or chromium on PATH); apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed: pip install -e '.[test]'")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        yield b
        b.close()
