"""Make the README's screenshot of the desk page (docs/desk-made.png).

Starts a real `consent serve` with the example clinic's settings, types a
patient in headless Chromium and saves the "Form made" page, previews and
all. Needs what the browser tests need (chromium, chromium-driver).

Run:  python tools/desk_screenshot.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.served import start_server  # noqa: E402
from tests.test_browser import Browser  # noqa: E402

PATIENT = {
    "given_name": "Ana", "family_name": "Ruiz", "date_of_birth": "1990-03-07", "record_number": "00123",
    "procedure_date": "2026-12-01", "clinician": "Dr Lee",
}  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copytree(ROOT / "examples" / "clinic", work / "clinic")
        settings = (work / "clinic" / "consent.toml").read_text(encoding="utf-8")
        (work / "clinic" / "consent.toml").unlink()
        server = start_server(work / "clinic", settings=settings, env={"CONSENT_TODAY": "2026-11-24"})
        browser = Browser(server.base, work / "downloads")
        try:
            browser.driver.set_window_size(1280, 860)
            browser.open("/")
            from selenium.webdriver.support.select import Select

            Select(browser.find("#form")).select_by_value("laser-acne-scar")
            for field, value in PATIENT.items():
                browser.type(field, value)
            browser.click("form.desk button[type=submit]")
            browser.wait_for(lambda: browser.driver.title.startswith("Form made"))
            time.sleep(1)  # let every preview finish drawing
            target = ROOT / "docs" / "desk-made.png"
            browser.driver.save_screenshot(str(target))
            print(f"wrote {target.relative_to(ROOT)}")
        finally:
            browser.quit()
            server.stop()


if __name__ == "__main__":
    main()
