"""--print: the PDF goes to a real CUPS queue (the cups-pdf virtual printer)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

import generator.records.printing
from tests.conftest import as_options

QUEUE = "consent-test"
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
CUPS_PDF_CONF = Path("/etc/cups/cups-pdf.conf")
DEFAULT_NAME = "laser-acne-scar_2026-12-01_00123.pdf"


def _scheduler_running() -> bool:
    return subprocess.run(["lpstat", "-r"], capture_output=True, text=True).stdout.strip() == "scheduler is running"


def _cups_pdf_out_dir() -> Path:
    out = "${HOME}/PDF"
    for line in CUPS_PDF_CONF.read_text().splitlines():
        if line.startswith("Out "):
            out = line.split(None, 1)[1].strip()
    return Path(out.replace("${HOME}", str(Path.home())))


@pytest.fixture(scope="module")
def cups_queue() -> Path:
    """A cups-pdf queue on a running scheduler; returns where printed PDFs land."""
    if not (shutil.which("lp") and shutil.which("lpadmin") and shutil.which("lpstat")):
        pytest.skip("CUPS is not installed (apt-get install cups printer-driver-cups-pdf)")
    if not CUPS_PDF_PPD.is_file():
        pytest.skip("the cups-pdf virtual printer is not installed (apt-get install printer-driver-cups-pdf)")
    if not _scheduler_running() and shutil.which("cupsd"):
        subprocess.run(["cupsd"], capture_output=True)
        for _ in range(50):
            if _scheduler_running():
                break
            time.sleep(0.1)
    if not _scheduler_running():
        pytest.skip("the CUPS scheduler is not running and could not be started (run cupsd as root)")
    if subprocess.run(["lpstat", "-v", QUEUE], capture_output=True).returncode != 0:
        added = subprocess.run(
            ["lpadmin", "-p", QUEUE, "-E", "-v", "cups-pdf:/", "-P", str(CUPS_PDF_PPD)], capture_output=True, text=True
        )
        if added.returncode != 0:
            pytest.skip(f"could not add the {QUEUE} queue: {added.stderr.strip()}")
    return _cups_pdf_out_dir()


def wait_for_printed(out_dir: Path, job_id: str, seconds: float = 60) -> Path:
    number = job_id.rsplit("-", 1)[1]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        printed = [path for path in out_dir.glob(f"*job_{number}.pdf") if path.stat().st_size > 0]
        if printed:
            time.sleep(0.2)  # let cups-pdf finish writing
            return printed[0]
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not come out of the {QUEUE} queue in {seconds} s")


def job_id_in(output: str) -> str:
    match = re.search(r"job (\S+)\)", output)
    assert match, output
    return match.group(1)


def test_fill_print_comes_out_of_a_real_queue(cups_queue, run_cli, fields, tmp_path):
    result = run_cli("fill", "laser-acne-scar", *as_options(fields), "--print", "--printer", QUEUE)
    assert result.exit_code == 0, result.output
    assert f'Sent {DEFAULT_NAME} to printer "{QUEUE}" (1 copy, job {QUEUE}-' in result.output
    printed = wait_for_printed(cups_queue, job_id_in(result.output))
    reader = PdfReader(printed)
    assert len(reader.pages) == 4
    assert "Ana Ruiz" in reader.pages[0].extract_text()
    assert (tmp_path / DEFAULT_NAME).is_file()


def test_batch_print_sends_the_bundle(cups_queue, run_cli, tmp_path):
    rows = "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician\n"
    rows += "laser-acne-scar,Bo,Li,1991-01-01,00777,2026-12-01,Dr Lee\n"
    (tmp_path / "day.csv").write_text(rows)
    result = run_cli("batch", "day.csv", "--out-dir", "out", "--print", "--printer", QUEUE)
    assert result.exit_code == 0, result.output
    assert 'Sent print-bundle.pdf to printer "consent-test"' in result.output
    printed = wait_for_printed(cups_queue, job_id_in(result.output))
    assert len(PdfReader(printed).pages) == 4  # 3 pages and the blank back of the second sheet


def test_an_unknown_printer_keeps_the_pdf_and_exits_4(cups_queue, run_cli, fields, tmp_path):
    # --printer alone is asking to print.
    result = run_cli("fill", "laser-acne-scar", *as_options(fields), "--printer", "no-such-printer")
    assert result.exit_code == 4
    assert f'Error: The form was saved as {DEFAULT_NAME}, but it could not be sent to printer "no-such-printer": ' in (
        result.output
    )
    assert "The printer or class does not exist" in result.output
    assert (tmp_path / DEFAULT_NAME).is_file()


def test_without_cups_the_pdf_is_kept_and_the_message_says_what_to_do(run_cli, fields, tmp_path, monkeypatch):
    monkeypatch.setattr(generator.records.printing.shutil, "which", lambda name: None)
    result = run_cli("fill", "laser-acne-scar", *as_options(fields), "--print")
    assert result.exit_code == 4
    assert "the lp command (CUPS) is not installed on this computer" in result.output
    assert (tmp_path / DEFAULT_NAME).is_file()
