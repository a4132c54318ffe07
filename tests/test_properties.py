"""Property-based tests: whatever staff type, whatever a practice system
exports, whatever a clinic writes in its form, consent either makes a PDF
that is whole (qpdf --check) and shows the names typed, or refuses with
exit 1 or 3 and a message. Never a traceback, a partial file or a hang."""

from __future__ import annotations

import json
import subprocess
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from generator.cli import main
from tests.conftest import ADULT, flat, needs_qpdf
from tests.helpers import build_form

# A hang guard, not a speed test: each example runs one whole command.
GUARD = settings(
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Letters from scripts the embedded fonts draw, the punctuation of real
# names, and the characters a hostile or careless entry brings.
_LATIN_GREEK_CYRILLIC = st.characters(
    codec="utf-8", categories=["Lu", "Ll"], max_codepoint=0x04FF, exclude_characters="\u0149"
)
_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)
_HOSTILE = st.sampled_from(
    [*" -'.,&<>*_`{}%#|\\/\"", "\n", "\t", "\u202e", "\u200b", "\u3164", "\u2800", "\x00", "\ufeff", "😀", "✅"]
)
NAMES = st.one_of(
    st.text(st.one_of(_LATIN_GREEK_CYRILLIC, _HOSTILE), min_size=0, max_size=30),
    st.text(_CJK, min_size=1, max_size=6),
    st.text(st.one_of(_LATIN_GREEK_CYRILLIC, st.just(" ")), min_size=1, max_size=120),
)
DATES = st.one_of(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2008, 12, 31)).map(date.isoformat),
    st.dates(min_value=date(1890, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat),
    st.text(st.sampled_from("0123456789-/. "), max_size=12),
)
RECORDS = st.one_of(st.text(st.sampled_from("0123456789"), min_size=1, max_size=8), st.text(max_size=45))


def run(tmp_path: Path, *args: str) -> object:
    result = CliRunner().invoke(main, list(args), catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}\n{result.output}"
    )
    assert "Traceback" not in result.output
    assert not list(tmp_path.rglob(".consent-*.partial")), "a partial file was left behind"
    return result


def normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def qpdf_check(path: Path) -> None:
    checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@needs_qpdf
@settings(GUARD, max_examples=40)
@given(given_name=NAMES, family_name=NAMES, born=DATES, record=RECORDS, clinician=NAMES)
def test_any_patient_details_make_a_whole_form_or_a_message(tmp_path_factory, given_name, family_name, born, record,
                                                            clinician):  # fmt: skip
    folder = tmp_path_factory.mktemp("desk")
    details = {**ADULT, "given_name": given_name, "family_name": family_name, "date_of_birth": born,
               "record_number": record, "clinician": clinician}  # fmt: skip
    options = [part for name, value in details.items() for part in ("--" + name.replace("_", "-"), value)]
    pdf = folder / "form.pdf"
    if any("\x00" in value for value in details.values()):
        return  # no command line can carry a NUL byte; the CSV and xlsx tests send them
    result = run(folder, "fill", "laser-acne-scar", *options, "-o", str(pdf), "--audit-log", str(folder / "a.jsonl"))
    event("made a form" if result.exit_code == 0 else "refused")
    if result.exit_code == 0:
        qpdf_check(pdf)
        text = flat(" ".join(page.extract_text() for page in PdfReader(pdf).pages))
        assert normal(given_name) in text and normal(family_name) in text
    else:
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error:")
        assert not pdf.exists()


HEADER = b"form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician,guardian,interpreter\n"
GOOD_ROW = b"laser-acne-scar,Ana,Ruiz,1990-03-07,00123,2026-12-01,Dr Lee,,\n"


@settings(GUARD, max_examples=40)
@given(body=st.binary(max_size=400), rows=st.integers(0, 3), separator=st.sampled_from([b",", b";", b"\t"]))
def test_any_csv_bytes_give_forms_or_messages(tmp_path_factory, body, rows, separator):
    folder = tmp_path_factory.mktemp("list")
    data = HEADER.replace(b",", separator) + GOOD_ROW.replace(b",", separator) * rows + body
    (folder / "day.csv").write_bytes(data)
    result = run(folder, "batch", str(folder / "day.csv"), "--out-dir", str(folder / "out"), "--jobs", "1")
    event(f"exit {result.exit_code}")
    _a_batch_answered(result, folder / "out")


def _a_batch_answered(result, out: Path) -> None:
    assert result.exit_code in (0, 1, 3), result.output
    if result.exit_code == 1:
        assert "Error:" in result.output
        return
    manifest = json.loads((out / "manifest.json").read_text())
    listed = sorted(document["file"] for document in manifest["documents"])
    assert listed == sorted(path.name for path in out.glob("laser*.pdf"))
    assert manifest["totals"]["refused_rows"] == len(manifest["refused_rows"])


CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2099, 12, 31)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40),
)


@settings(GUARD, max_examples=25)
@given(cells=st.lists(st.lists(CELLS, min_size=0, max_size=10), min_size=0, max_size=4))
def test_any_xlsx_cells_give_forms_or_messages(tmp_path_factory, cells):
    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError

    folder = tmp_path_factory.mktemp("sheet")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.decode().strip().split(","))
    sheet.append(GOOD_ROW.decode().strip().split(","))
    for row in cells:
        try:
            sheet.append(row)
        except (IllegalCharacterError, ValueError):
            return  # a value Excel itself cannot store (a control character)
    workbook.save(folder / "day.xlsx")
    result = run(folder, "batch", str(folder / "day.xlsx"), "--out-dir", str(folder / "out"), "--jobs", "1")
    _a_batch_answered(result, folder / "out")


_SNIPPETS = st.sampled_from(
    [
        "## Risks\n",
        '{{ items("side_effects") }}\n',
        "{{ patient.full_name }}",
        "{{ patient.nope }}",
        "{{ clinician | upper }}",
        "{% if guardian %}Guardian: {{ guardian }}{% endif %}\n",
        "{% for i in range(3) %}- item {{ i }}\n{% endfor %}",
        "{% for i in range(100000) %}x{% endfor %}",
        "{{ 'x' * 10 }}",
        "{{ 'x' * 10000000 }}",
        "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
        '{% include "x" %}',
        "{{ ''.__class__ }}",
        "{% if %}",
        "{{",
        "**bold** and _italic_",
        "[a link](http://example.org)",
        "<b>html</b>",
        "# Heading\n",
        "\n\n",
        "Plain words. ",
        "{{ items }}",
    ]
)


@settings(GUARD, max_examples=40)
@given(pieces=st.lists(_SNIPPETS, min_size=0, max_size=8))
def test_any_small_clinic_form_is_filled_or_refused(tmp_path_factory, pieces):
    folder = tmp_path_factory.mktemp("forms")
    build_form(folder, {"en/body.md.j2": "".join(pieces)})
    checked = run(folder, "check-form", str(folder / "tiny"))
    assert checked.exit_code in (0, 1)
    filled = run(folder, "--forms-dir", str(folder), "fill", "tiny", *[
        part for name, value in ADULT.items() for part in ("--" + name.replace("_", "-"), value)
    ], "-o", str(folder / "tiny.pdf"), "--audit-log", str(folder / "a.jsonl"))  # fmt: skip
    assert filled.exit_code in (0, 1), filled.output
    event("filled" if filled.exit_code == 0 else "refused")
    if filled.exit_code == 0:
        assert checked.exit_code == 0, "check-form must not pass a form that cannot be filled, nor refuse one that can"
        assert "Ana Ruiz" in flat(" ".join(page.extract_text() for page in PdfReader(folder / "tiny.pdf").pages)) or (
            "patient.full_name" not in "".join(pieces)
        )
    else:
        assert filled.output.startswith("Error:")
        assert not (folder / "tiny.pdf").exists()
