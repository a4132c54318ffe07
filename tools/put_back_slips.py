"""Put each of the ten slips issue 15 found back into the code (and the
logo's, since), one at a time, and run the tests that must catch it: every
line must say CAUGHT. Every file
is restored afterwards, whatever happens.

Run:  python tools/put_back_slips.py
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHERE = "tests/test_where.py::"


@dataclass(frozen=True)
class Slip:
    name: str
    file: str
    correct: str  # the code as it is
    slipped: str  # the code with the slip put back
    tests: tuple[str, ...]


WRITE_ATOMICALLY = (
    "def write_atomically(target: Path, data: bytes, *, owner_only: bool = False) -> None:\n"
    '    """Replace `target` with `data` all at once, or leave it untouched.\n'
    '    `owner_only` (for password hashes) leaves the group no access either."""\n'
)
SLIPS = [
    Slip(
        "the page header printed without escaping",
        "generator/render/pdf.py",
        'f"<b>{lines_markup(document.patient_name, header_name_style, patient_width * 0.7)}</b>',
        'f"<b>{document.patient_name}</b>',
        (WHERE + "test_the_header_of_every_page_is_the_name_and_record_exactly",),
    ),
    Slip(
        "verify skipping the last page",
        "generator/verify/digests.py",
        "for number, (page, digest) in enumerate(zip(pages, expected, strict=False), start=1):",
        "for number, (page, digest) in enumerate(zip(pages[:-1], expected, strict=False), start=1):",
        (WHERE + "test_a_change_to_any_page_is_named_on_that_page",),
    ),
    Slip(
        "verify noticing an added page but not a removed one",
        "generator/verify/digests.py",
        "if len(expected) != len(pages):",
        "if len(pages) > len(expected):",
        (WHERE + "test_a_removed_page_and_an_added_page_are_each_changes",),
    ),
    Slip(
        "the page digest leaving out the page total and page code drawings",
        "generator/integrity.py",
        "    for name, data in sorted(xobjects):",
        "    for name, data in sorted(xobjects)[:0]:",
        (WHERE + "test_a_change_to_what_a_page_draws_from_elsewhere_is_a_change_of_that_page",),
    ),
    Slip(
        "a French caption left in English",
        "generator/definitions/labels/fr.toml",
        'printed_name = "Nom et prénom"',
        'printed_name = "Printed name"',
        (
            WHERE + "test_every_caption_is_in_the_forms_language",
            WHERE + "test_no_english_caption_is_printed_on_a_translated_form",
        ),
    ),
    Slip(
        "the batch skipping the glyph check fill applies",
        "generator/records/rows.py",
        "check_glyphs=glyph_problem,",
        "check_glyphs=None,",
        (WHERE + "test_a_name_no_font_can_print_is_refused_in_a_batch_as_at_the_desk",),
    ),
    Slip(
        "@ no longer neutralised in errors.csv",
        "generator/records/reports.py",
        '_FORMULA_STARTS = ("=", "+", "-", "@", "\\t", "\\r")',
        '_FORMULA_STARTS = ("=", "+", "-", "\\t", "\\r")',
        (WHERE + "test_no_errors_csv_cell_can_start_a_spreadsheet_formula",),
    ),
    Slip(
        "two appointments with different clinicians made into one form",
        "generator/records/rows.py",
        "patient.clinician, patient.guardian, patient.interpreter,",
        "patient.guardian, patient.interpreter,",
        (WHERE + "test_two_appointments_that_differ_in_any_one_detail_make_two_forms",),
    ),
    Slip(
        "the guardian's row dropped from the identity block",
        "generator/compose/filling.py",
        'identity.append((identity_labels["guardian"], patient.guardian))',
        "pass",
        (WHERE + "test_the_guardian_is_in_the_patients_details_block_itself",),
    ),
    Slip(
        "the save writing straight into the target file",
        "generator/records/output.py",
        WRITE_ATOMICALLY,
        WRITE_ATOMICALLY
        + '    with open(target, "wb") as stream:\n'
        + "        stream.write(data[: len(data) // 2])\n"
        + "        os.fsync(stream.fileno())\n"
        + "        stream.write(data[len(data) // 2 :])\n"
        + "    return\n",
        (WHERE + "test_a_failed_write_leaves_the_earlier_file_exactly_as_it_was",),
    ),
    # Not one of the ten: the eleventh drawing issue 15 names, the logo.
    Slip(
        "the page digest leaving out the logo",
        "generator/integrity.py",
        "    for name, data in sorted(images):\n",
        "    for name, data in sorted(images[:0] if isinstance(images, list) else ()):\n",
        (WHERE + "test_another_clinics_logo_put_on_a_form_is_a_change_of_that_page",),
    ),
]


def main() -> int:
    missed = 0
    for slip in SLIPS:
        path = ROOT / slip.file
        original = path.read_text(encoding="utf-8")
        if slip.correct not in original:
            print(f"CANNOT PUT BACK: {slip.name} (the code it changes has moved)")
            missed += 1
            continue
        path.write_text(original.replace(slip.correct, slip.slipped, 1), encoding="utf-8")
        try:
            command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *slip.tests]
            result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
        finally:
            path.write_text(original, encoding="utf-8")
        caught = result.returncode != 0
        missed += not caught
        print(f"{'CAUGHT' if caught else 'MISSED'}: {slip.name}: {result.stdout.strip().splitlines()[-1]}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
