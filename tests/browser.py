"""Real headless Chromium for the browser tests (the report, `policyx browse`): Debian's
chromium and chromedriver, installed by .ci/setup-chromium.sh."""
from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = ("Chromium or chromedriver not installed: run .ci/setup-chromium.sh "
           "(apt-get install chromium chromium-driver)")


def start_chromium(profile: Path, window: str):
    """A headless Chromium with a fresh profile and the flags this closed network needs
    (no background networking, no component updates); its console log is kept."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", f"--window-size={window}", "--lang=zh-CN"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=CHROMEDRIVER, log_output=str(profile.parent / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(60)
    return driver
