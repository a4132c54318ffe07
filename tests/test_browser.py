"""The desk in a real browser: Debian's Chromium, headless, driven by
Selenium through chromedriver, against a real `consent serve`; printing to a
real CUPS queue; axe-core checking every page for WCAG 2.1 A and AA.

Skipped, saying what is missing, on a computer without chromium,
chromium-driver or axe-core (`npm install --prefix tests/browser`); with
CONSENT_BROWSER_TESTS=required (as in CI) a missing part is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.verify.verification import verify_file
from tests.served import start_server
from tests.test_printing import QUEUE, cups_queue, wait_for_printed  # noqa: F401 (cups_queue is a fixture)

AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PASSWORD = "correct horse battery"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SHOTS = os.environ.get("CONSENT_SCREENSHOTS")  # a folder: every page is saved there as PNG


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        return "Chromium is not installed (apt-get install chromium chromium-driver)"
    if not AXE.is_file():
        return "axe-core is not installed (npm install --prefix tests/browser)"
    return None


@pytest.fixture(scope="module", autouse=True)
def _browser_parts():
    missing = _missing()
    if missing and os.environ.get("CONSENT_BROWSER_TESTS") == "required":
        pytest.fail(f"CONSENT_BROWSER_TESTS=required, but {missing}")
    if missing:
        pytest.skip(missing)


@pytest.fixture(scope="module")
def desk(tmp_path_factory, cups_queue):  # noqa: F811
    work = tmp_path_factory.mktemp("browser-desk")
    settings = f'[serve]\nusers = "staff.users"\nprinter = "{QUEUE}"\n'
    (work / "consent.toml").write_text(settings, encoding="utf-8")
    for name in ("j.smith", "a.other"):
        subprocess.run(
            [sys.executable, "-m", "generator", "--config", str(work / "consent.toml"), "serve", "add-user", name,
             "--password-stdin"],
            input=PASSWORD + "\n", text=True, check=True, capture_output=True,
        )  # fmt: skip
    server = start_server(work, settings=settings)
    yield server
    server.stop()


class Browser:
    """One Chromium window (its own profile, so its own cookies)."""

    def __init__(self, base: str, downloads: Path) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
            options.add_argument(argument)
        options.add_experimental_option(
            "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
        )
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        self.base = base
        self.downloads = downloads

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def find(self, selector: str):  # type: ignore[no-untyped-def]
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def type(self, field: str, text: str) -> None:
        box = self.find(f"#{field}")
        box.clear()
        box.send_keys(text)

    def click(self, selector: str) -> None:
        self.find(selector).click()

    def sign_in(self, name: str = "j.smith") -> None:
        self.open("/signin")
        self.type("name", name)
        self.type("password", PASSWORD)
        self.click("form button[type=submit]")
        self.wait_for(lambda: self.driver.title.startswith("Fill a form"))

    def wait_for(self, condition, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
        from selenium.common.exceptions import WebDriverException

        deadline = time.monotonic() + seconds
        while True:
            try:
                if condition():
                    return
            except WebDriverException:
                pass  # the page is being replaced by the next one (stale, missing or detached elements)
            assert time.monotonic() < deadline, f"waited {seconds} s on {self.driver.current_url}"
            time.sleep(0.1)

    def axe_violations(self) -> list[dict]:
        """axe-core's WCAG 2.1 A and AA findings on the page now."""
        self.driver.execute_script(AXE.read_text(encoding="utf-8"))
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}}).then(r => done(JSON.stringify("
            "r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))));",
            WCAG,
        )
        return json.loads(result)

    def check_page(self, name: str) -> None:
        """No axe-core violation; and a screenshot, if asked for."""
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            height = self.driver.execute_script("return document.documentElement.scrollHeight")
            self.driver.set_window_size(1280, min(max(height, 800), 4000))
            self.driver.save_screenshot(str(Path(SHOTS) / f"{name}.png"))
            self.driver.set_window_size(1280, 1000)
        assert self.axe_violations() == [], f"axe-core on the {name} page"

    def quit(self) -> None:
        self.driver.quit()


@pytest.fixture
def browser(desk, tmp_path):
    opened = Browser(desk.base, tmp_path / "downloads")
    yield opened
    opened.quit()


def _type_patient(browser: Browser, **changes: str) -> None:
    details = {
        "given_name": "Ana", "family_name": "Ruiz", "date_of_birth": "1990-03-07", "record_number": "00123",
        "procedure_date": "2026-12-01", "clinician": "Dr Lee", **changes,
    }  # fmt: skip
    for field, value in details.items():
        browser.type(field, value)


def test_the_desk_flow_from_a_mistake_to_a_printed_downloaded_verified_form(browser, desk, cups_queue):  # noqa: F811
    browser.sign_in()
    browser.check_page("desk")
    _type_patient(browser, date_of_birth="1990-13-07")
    browser.click("form.desk button[type=submit]")
    browser.wait_for(
        lambda: "has-error" in browser.find("#date_of_birth").find_element("xpath", "..").get_attribute("class")
    )
    # The message is beside its field, tied to it, and what was typed is kept.
    message = browser.find("#date_of_birth-error").text
    assert 'Date of birth "1990-13-07" is not a real date' in message
    assert "date_of_birth-error" in browser.find("#date_of_birth").get_attribute("aria-describedby")
    assert browser.find("#date_of_birth").get_attribute("aria-invalid") == "true"
    assert browser.find("#given_name").get_attribute("value") == "Ana"
    assert browser.driver.switch_to.active_element.get_attribute("id") == "problems"
    browser.check_page("desk-refused")
    browser.type("date_of_birth", "1990-03-07")
    browser.click("form.desk button[type=submit]")
    browser.wait_for(lambda: browser.driver.title.startswith("Form made"))
    # Every page's preview has loaded.
    images = browser.driver.find_elements("css selector", "ol.pages img")
    assert len(images) == 4
    browser.wait_for(
        lambda: all(
            browser.driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", i)
            for i in images
        )
    )
    browser.check_page("made")
    browser.click("form.inline button[type=submit]")  # Print
    browser.wait_for(lambda: "job" in browser.find("main").text)
    sent = next(line for line in browser.find("main").text.splitlines() if line.startswith("Sent "))
    assert f'to printer "{QUEUE}" (1 copy, job {QUEUE}-' in sent
    wait_for_printed(cups_queue, sent.rsplit("job ", 1)[1].rstrip(")."))
    browser.click("a[download]")
    saved = desk.out_dir / "laser-acne-scar_2026-12-01_00123.pdf"
    downloaded = browser.downloads / saved.name
    browser.wait_for(lambda: downloaded.is_file() and downloaded.stat().st_size == saved.stat().st_size)
    assert downloaded.read_bytes() == saved.read_bytes()
    assert verify_file(downloaded).intact


def test_the_guardian_is_marked_required_when_the_patient_is_a_minor(browser):
    browser.sign_in()
    note = browser.find("[data-minor-only]")
    assert not note.is_displayed()
    browser.type("procedure_date", "2026-12-01")
    browser.type("date_of_birth", "2012-05-05")
    assert note.is_displayed() and browser.find("#guardian").get_attribute("aria-required") == "true"
    browser.type("date_of_birth", "1990-05-05")
    assert not note.is_displayed() and browser.find("#guardian").get_attribute("aria-required") is None


def test_a_day_list_with_a_refused_row_is_made_and_its_bundle_printed(browser, tmp_path, cups_queue):  # noqa: F811
    listed = tmp_path / "tomorrow.csv"
    listed.write_text(
        "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician\n"
        "laser-acne-scar,Dana,Ng,1988-01-02,00201,2026-12-02,Dr Lee\n"
        "laser-acne-scar,Eli,Moss,1988-02-30,00202,2026-12-02,Dr Lee\n"
        "laser-acne-scar,Fay,Ode,1979-09-09,00203,2026-12-02,Dr Lee\n",
        encoding="utf-8",
    )
    browser.sign_in()
    browser.open("/day")
    browser.check_page("day-empty")
    browser.find("#appointments").send_keys(str(listed))
    browser.click("form.upload button[type=submit]")
    browser.wait_for(lambda: browser.driver.find_elements("css selector", "#row-3"))
    assert "Refused" in browser.find("#row-3").text and "is not a real date" in browser.find("#row-3").text
    assert "Ready" in browser.find("#row-2").text and "Ready" in browser.find("#row-4").text
    browser.check_page("day-checked")
    browser.click("form[action='/day/make-all'] button")
    browser.wait_for(lambda: "Finished" in browser.find("main").text, 120)
    assert "2 of 2 forms" in browser.find("#progress-text").text
    assert "Already made" in browser.find("#row-2").text and "Already made" in browser.find("#row-4").text
    browser.check_page("day-made")
    # Row 2's form and the bundle, downloaded: the form verifies intact, the bundle holds both forms.
    browser.click("#row-2 a[download]")
    browser.wait_for(lambda: any(browser.downloads.glob("laser-acne-scar_2026-12-02_00201_*.pdf")))
    (row_form,) = browser.downloads.glob("laser-acne-scar_2026-12-02_00201_*.pdf")
    browser.wait_for(lambda: verify_file(row_form).intact)
    browser.driver.find_element("link text", "Download print-bundle.pdf").click()
    bundle = browser.downloads / "print-bundle.pdf"
    browser.wait_for(lambda: bundle.is_file() and len(PdfReader(bundle).pages) == 8)
    browser.click("form[action='/print'] button")
    browser.wait_for(lambda: "job" in browser.find("main").text)
    sent = next(line for line in browser.find("main").text.splitlines() if line.startswith("Sent print-bundle.pdf"))
    wait_for_printed(cups_queue, sent.rsplit("job ", 1)[1].rstrip(")."))


def test_verify_page_reports_a_form(browser, desk):
    browser.sign_in()
    _type_patient(browser, record_number="00777")  # its own form: the test stands alone
    browser.click("form.desk button[type=submit]")
    browser.wait_for(lambda: browser.driver.title.startswith("Form made"))
    browser.open("/verify")
    browser.check_page("verify")
    browser.find("#pdf").send_keys(str(desk.out_dir / "laser-acne-scar_2026-12-01_00777.pdf"))
    browser.click("form.upload button[type=submit]")
    browser.wait_for(lambda: browser.driver.find_elements("css selector", "#report"))
    assert "Result: intact" in browser.find("main").text
    browser.check_page("verify-report")


def test_the_sign_in_page_passes_axe_and_another_browser_cannot_reach_a_made_file(browser, desk, tmp_path):
    browser.sign_in()
    _type_patient(browser, record_number="00999")
    browser.click("form.desk button[type=submit]")
    browser.wait_for(lambda: browser.driver.title.startswith("Form made"))
    download = browser.find("a[download]").get_attribute("href")
    stranger = Browser(desk.base, tmp_path / "stranger")
    try:
        stranger.open("/signin")
        stranger.check_page("signin")
        stranger.driver.get(download)
        assert "Not found." in stranger.find("body").text
        assert not list((tmp_path / "stranger").glob("*.pdf")) if (tmp_path / "stranger").exists() else True
        stranger.sign_in("a.other")
        stranger.driver.get(download)
        assert "Not found." in stranger.find("body").text
        stranger.open("/no-such-page")
        stranger.check_page("not-found")
    finally:
        stranger.quit()


def test_the_desk_works_with_the_keyboard_alone_with_focus_always_visible(browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.sign_in()

    def focused():  # type: ignore[no-untyped-def]
        return browser.driver.switch_to.active_element

    def press(*strokes: str) -> None:
        ActionChains(browser.driver).send_keys(*strokes).perform()

    def focus_is_visible() -> bool:
        style = browser.driver.execute_script(
            "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.boxShadow];"
        )
        return style[0] != "none" or style[1] != "none"

    for _ in range(15):
        press(Keys.TAB)
        assert focus_is_visible(), focused().get_attribute("outerHTML")[:80]
        if focused().get_attribute("id") == "given_name":
            break
    else:
        raise AssertionError("Tab never reached the given name")
    for value in ("Ana", "Ruiz", "1990-03-07", "00124", "2026-12-01", ""):
        press(value, Keys.TAB)
    assert focused().get_attribute("id") == "guardian"
    press(Keys.ENTER)  # Enter in a text box sends the form
    browser.wait_for(
        lambda: browser.driver.title.startswith("Fill a form") and "Please fix" in browser.find("main").text
    )
    assert focused().get_attribute("id") == "problems"
    press(Keys.TAB)
    assert "Clinician is missing" in focused().text
    press(Keys.ENTER)
    assert focused().get_attribute("id") == "clinician"
    press("Dr Lee", Keys.ENTER)
    browser.wait_for(lambda: browser.driver.title.startswith("Form made"))


def test_a_form_on_another_sites_page_cannot_make_a_form(browser, desk):
    import urllib.parse

    browser.sign_in()
    before = sorted(desk.out_dir.glob("*.pdf"))
    fields = "".join(
        f'<input name="{name}" value="{value}">'
        for name, value in {"form": "laser-acne-scar", "given_name": "Eve", "family_name": "Attack",
                            "date_of_birth": "1990-01-01", "record_number": "66666",
                            "procedure_date": "2026-12-01", "clinician": "Dr X"}.items()
    )  # fmt: skip
    attacker = f'<form method="post" action="{desk.base}/make">{fields}<button id="go">Win a prize</button></form>'
    browser.driver.get("data:text/html," + urllib.parse.quote(attacker))
    browser.click("#go")
    browser.wait_for(lambda: browser.driver.current_url.startswith(desk.base))
    assert "another site" in browser.find("body").text
    assert sorted(desk.out_dir.glob("*.pdf")) == before
