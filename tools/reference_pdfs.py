"""Print the SHA-256 of a fixed set of filled forms, one line each, so a change
that must not change any PDF (a refactor) can be checked byte for byte:

    python tools/reference_pdfs.py > before.txt
    ... change the code ...
    python tools/reference_pdfs.py > after.txt && diff before.txt after.txt

The set: the example clinic day (examples/appointments.csv as `consent batch`
makes it, with its print bundle), and every built-in and example form in
every language for edge patients (adult; minor with guardian, relationship,
interpreter and language; right-to-left, CJK and long wrapping names), on
plain A4 and on the example clinic's letter paper with letterhead and logo.
The clinic's date is fixed, so the output does not depend on today.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 25)

ADULT = {
    "given_name": "Ana",
    "family_name": "Ruiz",
    "date_of_birth": "1990-03-07",
    "record_number": "00123",
    "procedure_date": "2026-12-01",
    "clinician": "Dr Lee",
}
PATIENTS = {
    "adult": ADULT,
    "minor": {
        **ADULT,
        "date_of_birth": "2012-05-05",
        "guardian": "Rosa Ruiz",
        "guardian_relationship": "mother",
        "interpreter": "Li Wei",
        "interpreter_language": "Mandarin",
    },
    "arabic": {**ADULT, "given_name": "محمد", "family_name": "الأحمد"},
    "cjk": {**ADULT, "given_name": "小明", "family_name": "王"},
    "long": {**ADULT, "given_name": "Maria-Alexandrina Bartholomea", "family_name": "Featherstonehaugh-Smythe " * 3},
    "markup": {**ADULT, "given_name": "Smith <Jr> & {{x}}", "family_name": "O'Brien"},
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def forms_and_pdfs() -> list[tuple[str, str]]:
    from generator import fill, load_form
    from generator.config import load_settings

    clinic = load_settings(ROOT / "examples" / "clinic" / "consent.toml").clinic
    example_forms = ROOT / "examples" / "clinic" / "forms"
    lines = []
    for form_id, search_path in (("laser-acne-scar", None), ("wart-cryotherapy", [example_forms])):
        form = load_form(form_id, search_path) if search_path else load_form(form_id)
        for language in form.languages:
            for who, details in PATIENTS.items():
                for setup, settings in (("A4", None), ("clinic", clinic)):
                    made = fill(
                        form_id,
                        {**details, "language": language},
                        today=TODAY,
                        search_path=search_path,
                        clinic=settings,
                    )
                    lines.append((f"{form_id}/{language}/{who}/{setup}", _sha(made.pdf)))
    return lines


def example_day() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "day"
        environment = {**os.environ, "CONSENT_TODAY": "2027-05-01"}
        command = [sys.executable, "-m", "generator", "batch", str(ROOT / "examples" / "appointments.csv")]
        command += ["--out-dir", str(out), "--jobs", "2"]
        subprocess.run(command, env=environment, check=True, capture_output=True)
        return [(f"day/{path.name}", _sha(path.read_bytes())) for path in sorted(out.glob("*.pdf"))]


def main() -> None:
    os.environ.setdefault("CONSENT_TODAY", TODAY.isoformat())
    for name, digest in [*forms_and_pdfs(), *example_day()]:
        print(f"{digest}  {name}")


if __name__ == "__main__":
    main()
