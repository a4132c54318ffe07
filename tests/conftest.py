"""Shared fixtures: real forms, real PDFs read back with pypdf."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings
from pypdf import PdfReader

from generator.cli import main
from generator.definitions.forms import load_form

TESTS = Path(__file__).parent
# The built-in form's version, as its form.toml says: a new wording raises it.
LASER_VERSION = load_form("laser-acne-scar").version
TODAY = date(2026, 11, 24)
# The clinic's date for every `consent` the tests run, in this process or in
# a child: the fixtures' procedure dates (2026-12-01) stay ahead of it
# whatever the real date is.
os.environ["CONSENT_TODAY"] = TODAY.isoformat()

# In CI the property tests run the same examples every time (derandomized),
# so a run cannot fail on a new random draw that no developer saw; at a
# developer's desk they draw anew, to keep finding what nobody thought of.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def flat(text: str) -> str:
    """Text with every run of white space as one space (PDF line breaks vary)."""
    return " ".join(text.split())


def page_texts(pdf: bytes | Path) -> list[str]:
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    return [flat(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def full_text(pdf: bytes | Path) -> str:
    return " ".join(page_texts(pdf))


needs_qpdf = pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed (apt-get install qpdf)")


def assert_qpdf_finds_no_problem(pdf: bytes, tmp_path: Path) -> None:
    """qpdf --check, the structural check of a PDF, passes on `pdf`."""
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


# An ordinary adult patient, as staff would type them.
ADULT = {
    "given_name": "Ana",
    "family_name": "Ruiz",
    "date_of_birth": "1990-03-07",
    "record_number": "00123",
    "procedure_date": "2026-12-01",
    "clinician": "Dr Lee",
}


@pytest.fixture
def fields() -> dict[str, str]:
    """A fresh copy of ADULT for a test to change."""
    return dict(ADULT)


def as_options(fields: dict[str, str]) -> list[str]:
    options: list[str] = []
    for name, value in fields.items():
        options += ["--" + name.replace("_", "-"), value]
    return options


@pytest.fixture
def run_cli(tmp_path, monkeypatch):
    """Run `consent ...` in an empty working folder; returns click's Result."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return run
