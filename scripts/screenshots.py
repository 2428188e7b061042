"""Take screenshots of Sportello pages at laptop and phone widths, for a look by eye.

Usage: python scripts/screenshots.py BASE_URL EMAIL PASSWORD OUT_DIR PATH [PATH ...]
Signs in once, then saves OUT_DIR/<name>-desktop.png and -phone.png for each path.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    base, email, password, out, *paths = sys.argv[1:]
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for size_name, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(base + "/login")
            page.screenshot(path=str(folder / f"login-{size_name}.png"))
            page.fill("#email", email)
            page.fill("#password", password)
            page.click("button[type=submit]")
            for path in paths:
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                page.screenshot(path=str(folder / f"{name}-{size_name}.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
