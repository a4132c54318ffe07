"""Tests that catch what a clinic would notice: where a thing is and how many
times, not only that it appears somewhere in the text.

Each test here was written against a small, realistic bug put into the code
on purpose (issue 15); its docstring names the bug it catches.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import unicodedata

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from generator import fill
from generator.definitions.labels import labels_for
from generator.records.reports import RowProblem, errors_csv
from tests.conftest import ADULT, TODAY, flat
from tests.signing import rewrite_page

FORM_ID = "laser-acne-scar"
HEADER_BAND = 25  # points from the top of the page: the running header's band


def header_lines(pdf: bytes, tmp_path) -> list[str]:
    """The text each page prints in its running header, read (by poppler, as
    a viewer copies it) from that band at the top of the page only."""
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    lines = []
    for number in range(1, len(PdfReader(io.BytesIO(pdf)).pages) + 1):
        band = ["-f", str(number), "-l", str(number), "-x", "0", "-y", "0", "-W", "700", "-H", str(HEADER_BAND * 2)]
        text = subprocess.run(["pdftotext", *band, str(path), "-"], capture_output=True, text=True, check=True).stdout
        # Drop the directional marks poppler adds around right-to-left runs.
        text = "".join(character for character in text if unicodedata.category(character) != "Cf")
        lines.append(unicodedata.normalize("NFKC", flat(text)))
    return lines


@pytest.mark.parametrize(
    ("given", "family"),
    [("Smith <Jr>", "AT&T"), ("Zoë", "Ångström-Łukasiewicz"), ("{{x*y}}", "O'Brien")],
)
def test_the_header_of_every_page_is_the_name_and_record_exactly(given, family, tmp_path):
    """Slip: the name in every page header printed without escaping ("Smith
    <Jr>" shown as "Smith", "AT&T" as "AT&T;"), while the body stayed right."""
    made = fill(FORM_ID, {**ADULT, "given_name": given, "family_name": family}, today=TODAY)
    lines = header_lines(made.pdf, tmp_path)
    assert len(lines) == made.page_count
    for number, line in enumerate(lines, start=1):
        assert line == f"{given} {family} Record: 00123", f"page {number}"


@pytest.mark.parametrize(("given", "family"), [("محمد", "الأحمد"), ("小明", "王"), ("דוד", "כהן")])
def test_a_right_to_left_or_cjk_name_is_in_every_page_header(given, family, tmp_path):
    made = fill(FORM_ID, {**ADULT, "given_name": given, "family_name": family}, today=TODAY)
    lines = header_lines(made.pdf, tmp_path)
    assert len(lines) == made.page_count
    for number, line in enumerate(lines, start=1):
        # The header holds the name and the record and nothing else (a viewer
        # may put a right-to-left name before or after the rest of the line).
        assert f"{given} {family}" in line, f"page {number}: {line!r}"
        assert line.replace(f"{given} {family}", "").strip() == "Record: 00123", f"page {number}: {line!r}"


# --- verify looks at every page, and at everything each page draws ----------------


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return fill(FORM_ID, dict(ADULT), today=TODAY).pdf


def _verify(run_cli, tmp_path, pdf: bytes) -> tuple[int, dict]:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    result = run_cli("verify", "--json", str(path))
    (report,) = json.loads(result.output)
    return result.exit_code, report


@pytest.mark.parametrize("which", ["first", "middle", "last"])
@pytest.mark.parametrize("incremental", [True, False], ids=["update", "rewritten"])
def test_a_change_to_any_page_is_named_on_that_page(run_cli, tmp_path, unsigned, which, incremental):
    """Slip: verify skipping the last page (the signature page)."""
    pages = len(PdfReader(io.BytesIO(unsigned)).pages)
    page = {"first": 1, "middle": 2, "last": pages}[which]
    exit_code, report = _verify(run_cli, tmp_path, rewrite_page(unsigned, page, incremental=incremental))
    assert exit_code == 1 and report["result"] == "CHANGED"
    assert report["changed_pages"] == [page]


def test_a_removed_page_and_an_added_page_are_each_changes(run_cli, tmp_path, unsigned):
    """Slip: verify noticing added pages but not a removed one."""
    reader = PdfReader(io.BytesIO(unsigned))
    pages = len(reader.pages)
    for keep in ([n for n in range(pages) if n != pages - 1], [*range(pages), 0]):
        writer = PdfWriter(clone_from=reader)
        for _ in range(pages):
            writer.remove_page(0)
        for number in keep:
            writer.add_page(reader.pages[number])
        buffer = io.BytesIO()
        writer.write(buffer)
        exit_code, report = _verify(run_cli, tmp_path, buffer.getvalue())
        assert exit_code == 1 and report["result"] == "CHANGED", keep
        said = f"it was made with {pages} pages, but now has {len(keep)}."
        assert said in report["problems"], report["problems"]


@pytest.mark.parametrize("drawing", ["consentPageTotal", "consentPageCode2"])
def test_a_change_to_what_a_page_draws_from_elsewhere_is_a_change_of_that_page(run_cli, tmp_path, unsigned, drawing):
    """Slip: the page digest leaving out the page-total and page-code
    drawings, so a footer reading "Page 1 of" verified intact."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(unsigned)))
    page = writer.pages[1]
    xobject = page["/Resources"]["/XObject"][f"/FormXob.{drawing}"].get_object()
    emptied = DecodedStreamObject()
    emptied.set_data(b"")
    for key in ("/Type", "/Subtype", "/BBox", "/Resources", "/Matrix", "/FormType"):
        if key in xobject:
            emptied[NameObject(key)] = xobject[key]
    page["/Resources"]["/XObject"][NameObject(f"/FormXob.{drawing}")] = writer._add_object(emptied)
    buffer = io.BytesIO()
    writer.write(buffer)
    exit_code, report = _verify(run_cli, tmp_path, buffer.getvalue())
    assert exit_code == 1 and report["result"] == "CHANGED"
    assert 2 in report["changed_pages"]


def _with_logo(tmp_path, colour: tuple[int, int, int], kind: str = "PNG") -> bytes:
    from PIL import Image

    from generator.config import Clinic

    logo = tmp_path / f"logo-{colour[0]}.{kind.lower()}"
    Image.new("RGB", (120, 60), colour).save(logo, kind)
    return fill(FORM_ID, dict(ADULT), today=TODAY, clinic=Clinic(name="Riverside Skin Clinic", logo=logo)).pdf


def _logo_name(page) -> str:
    (name,) = [name for name, xobject in page["/Resources"]["/XObject"].items() if xobject["/Subtype"] == "/Image"]
    return name


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_another_clinics_logo_put_on_a_form_is_a_change_of_that_page(run_cli, tmp_path, kind):
    """The letterhead's logo says whose record this is: swapped, the page changed."""
    ours, theirs = _with_logo(tmp_path, (30, 120, 200), kind), _with_logo(tmp_path, (200, 30, 30), kind)
    assert _verify(run_cli, tmp_path, ours)[0] == 0
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(ours)))
    other = PdfReader(io.BytesIO(theirs)).pages[0]
    page = writer.pages[0]
    name = _logo_name(page)
    swapped = other["/Resources"]["/XObject"][_logo_name(other)].get_object().clone(writer)
    page["/Resources"]["/XObject"][NameObject(name)] = swapped.indirect_reference or writer._add_object(swapped)
    buffer = io.BytesIO()
    writer.write(buffer)
    exit_code, report = _verify(run_cli, tmp_path, buffer.getvalue())
    assert exit_code == 1 and report["result"] == "CHANGED"
    assert report["changed_pages"] == [1]


def test_a_form_from_before_logos_were_checked_still_verifies(run_cli, tmp_path, monkeypatch):
    """Forms made before consent 0.5.0 left images out of the page digests:
    they are checked as they were made, and a newer form is not let off."""
    import generator.integrity
    from generator import __version__

    counted = generator.integrity.page_digest
    monkeypatch.setattr(
        generator.integrity, "page_digest", lambda content, xobjects, images=(): counted(content, xobjects)
    )
    made_as_before = _with_logo(tmp_path, (30, 120, 200))
    monkeypatch.undo()
    current = f"(consent {__version__})".encode()
    older = made_as_before.replace(current, b"(consent 0.4.0)".ljust(len(current)))
    assert _verify(run_cli, tmp_path, older)[0] == 0
    exit_code, report = _verify(run_cli, tmp_path, made_as_before)
    assert exit_code == 1 and report["changed_pages"] == [1]


# --- each language says its own words ------------------------------------------------


def _captions(table: dict, prefix: str = "") -> dict[str, str]:
    found = {}
    for key, value in table.items():
        if key in ("dates", "date_locale"):
            continue
        if isinstance(value, dict):
            found |= _captions(value, f"{prefix}{key}.")
        elif isinstance(value, str):
            found[prefix + key] = value
    return found


# Wording the same in English and the language, on purpose.
SAME_AS_ENGLISH = {
    "fr": {"layout.signatures_heading", "layout.signature", "layout.date", "layout.document_id", "layout.colon"},
    "es": {"layout.colon", "signers.interpreter", "identity.interpreter", "layout.first_of_month", "first_of_month"},
}


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_caption_is_in_the_forms_language(language):
    """Slip: one French caption ("Nom et prénom") left in English; the tests
    compared the wording files' keys, never their values."""
    english, other = _captions(labels_for("en")), _captions(labels_for(language))
    assert set(other) == set(english)
    same = sorted(key for key in english if english[key] == other[key] and key not in SAME_AS_ENGLISH[language])
    assert same == [], f"{language} says these in English: {same}"


@pytest.mark.parametrize("language", ["fr", "es"])
def test_no_english_caption_is_printed_on_a_translated_form(language):
    english, other = _captions(labels_for("en")), _captions(labels_for(language))
    minor = {
        **ADULT,
        "date_of_birth": "2012-05-05",
        "guardian": "Rosa Ruiz",
        "interpreter": "Li Wei",
        "interpreter_language": "Mandarin",
        "language": language,
    }
    text = " ".join(
        flat(page.extract_text()) for page in PdfReader(io.BytesIO(fill(FORM_ID, minor, today=TODAY).pdf)).pages
    )
    # Captions of two words or more that this language words differently.
    english_only = [
        value for key, value in english.items() if value != other[key] and len(value.split()) >= 2 and "{" not in value
    ]
    assert english_only
    printed = [value for value in english_only if flat(value) in text]
    assert printed == []


# --- lists, rows and files -------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_no_errors_csv_cell_can_start_a_spreadsheet_formula(start):
    """Slip: @ no longer neutralised (only =, + and - were tested). OWASP's
    list: = + - @ tab and carriage return."""
    text = errors_csv([RowProblem(3, f"{start}field", f"{start}cmd|' /C calc'!A0")])
    (row,) = list(csv.reader(io.StringIO(text)))[1:]
    assert row[1] == f"'{start}field" and row[2] == f"'{start}cmd|' /C calc'!A0"


def test_a_name_no_font_can_print_is_refused_in_a_batch_as_at_the_desk(run_cli, tmp_path):
    """Slip: the batch skipping the glyph check that fill applies, so a row
    with "✅" in the name was made (with an empty box in its place)."""
    rows = [
        "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician",
        "laser-acne-scar,Ana ✅,Ruiz,1990-03-07,1,2026-12-01,Dr Lee",
        "laser-acne-scar,Bo,Li,1991-01-01,2,2026-12-01,Dr Lee",
    ]
    (tmp_path / "list.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run_cli("batch", "list.csv", "--out-dir", "out")
    assert result.exit_code == 3, result.output
    with (tmp_path / "out" / "errors.csv").open(encoding="utf-8-sig", newline="") as stream:
        (refused,) = list(csv.DictReader(stream))
    assert (refused["row"], refused["field"]) == ("2", "given_name")
    assert "cannot be printed" in refused["message"] and "U+2705" in refused["message"]
    desk = run_cli("fill", FORM_ID, *_options({**ADULT, "given_name": "Ana ✅"}))
    assert desk.exit_code == 1 and "cannot be printed" in desk.output


def _options(fields: dict[str, str]) -> list[str]:
    return [part for name, value in fields.items() for part in ("--" + name.replace("_", "-"), value)]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("given_name", "Anna"),
        ("family_name", "Ruiz-Lopez"),
        ("date_of_birth", "1990-03-08"),
        ("procedure_date", "2026-12-02"),
        ("clinician", "Dr Patel"),
        ("language", "fr"),
        ("interpreter", "Li Wei"),
    ],
)
def test_two_appointments_that_differ_in_any_one_detail_make_two_forms(run_cli, tmp_path, column, value):
    """Slip: two appointments of one patient on one day with different
    clinicians collapsed into one form (duplicates were only tested as exact copies)."""
    header = ["form", "given_name", "family_name", "date_of_birth", "record_number", "procedure_date", "clinician"]
    header += ["language", "interpreter", "interpreter_language"]
    first = ["laser-acne-scar", "Ana", "Ruiz", "1990-03-07", "00123", "2026-12-01", "Dr Lee", "en", "", ""]
    second = list(first)
    second[header.index(column)] = value
    if column == "interpreter":
        second[header.index("interpreter_language")] = "Mandarin"
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, first, second])
    (tmp_path / "list.csv").write_text(buffer.getvalue(), encoding="utf-8")
    result = run_cli("batch", "list.csv", "--out-dir", "out")
    problems = (tmp_path / "out" / "errors.csv").read_text(encoding="utf-8-sig")
    if column in ("given_name", "family_name", "date_of_birth"):
        # Another person under the same record number is refused, never merged.
        assert result.exit_code == 3 and "record_number" in problems
        return
    assert result.exit_code == 0, result.output + problems
    documents = json.loads((tmp_path / "out" / "manifest.json").read_text())["documents"]
    assert [document["row"] for document in documents] == [2, 3]
    assert len({document["file"] for document in documents}) == 2


def _identity_block(pdf: bytes) -> str:
    """Page 1's text between the form line and the first heading of the body:
    the patient's details block, and nothing else."""
    text = flat(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    start = text.index("effective ")
    return text[start : text.index("What are acne scars?")]


def test_the_guardian_is_in_the_patients_details_block_itself():
    """Slip: the guardian's row dropped from the identity block; the test
    found the guardian's name in the signature block instead."""
    minor = {**ADULT, "date_of_birth": "2012-05-05", "guardian": "Rosa Ruiz", "guardian_relationship": "mother"}
    block = _identity_block(fill(FORM_ID, minor, today=TODAY).pdf)
    assert "Parent or guardian Rosa Ruiz" in block
    assert "Relationship to the patient mother" in block
    assert "Patient Ana Ruiz" in block and "Record number 00123" in block
    adult = _identity_block(fill(FORM_ID, dict(ADULT), today=TODAY).pdf)
    assert "guardian" not in adult.lower()


def test_a_failed_write_leaves_the_earlier_file_exactly_as_it_was(run_cli, tmp_path, monkeypatch):
    """Slip (caught before only by a timed kill test): the save writing
    straight into the target file. Here the disk fills while the new version
    is written, deterministically: the earlier version must be untouched."""
    import generator.records.output as output

    assert run_cli("fill", FORM_ID, *_options(ADULT), "-o", "form.pdf").exit_code == 0
    before = (tmp_path / "form.pdf").read_bytes()
    real_fsync = output.os.fsync
    synced: list[int] = []

    def disk_full_on_the_new_file(descriptor: int) -> None:
        # The new version's bytes are written; making them durable fails.
        synced.append(descriptor)
        if len(synced) == 1:
            raise OSError(28, "No space left on device")
        real_fsync(descriptor)

    monkeypatch.setattr(output.os, "fsync", disk_full_on_the_new_file)
    changed = {**ADULT, "clinician": "Dr Patel"}
    result = run_cli("fill", FORM_ID, *_options(changed), "-o", "form.pdf", "--replace")
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.output
    assert (tmp_path / "form.pdf").read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["consent-audit.jsonl", "form.pdf"]


def test_the_manifest_says_exactly_what_a_rerun_and_a_refusal_did(run_cli, tmp_path):
    """Every key of manifest.json, with its value, for a list with one good
    row, one refused row and a second run: a program filing the forms reads
    these names."""
    rows = [
        "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician",
        "laser-acne-scar,Ana,Ruiz,1990-03-07,00123,2026-12-01,Dr Lee",
        "laser-acne-scar,Bo,Li,1991-01-01,,2026-12-01,Dr Lee",
    ]
    (tmp_path / "day.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    for run in ("first", "again"):
        assert run_cli("batch", "day.csv", "--out-dir", "out").exit_code == 3
        manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
        (document,) = manifest["documents"]
        pages = document["pages"]
        assert manifest == {
            "appointments": "day.csv",
            "documents": [
                {
                    "row": 2,
                    "file": document["file"],
                    "status": "made" if run == "first" else "already there",
                    "sha256": document["sha256"],
                    "pages": pages,
                    "form": FORM_ID,
                    "form_version": document["form_version"],
                    "document_id": document["document_id"],
                }
            ],
            "totals": {
                "rows": 2,
                "documents": 1,
                "made": 1 if run == "first" else 0,
                "already_there": 0 if run == "first" else 1,
                "replaced": 0,
                "refused_rows": 1,
                "pages": pages,
                "bundle": "print-bundle.pdf",
                "bundle_pages": pages + pages % 2,
            },
            "refused_rows": [3],
            "stopped": None,
        }


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o640), (0o077, 0o600), (0o000, 0o640)])
def test_a_saved_form_is_private_whatever_the_umask(run_cli, tmp_path, umask, mode):
    import os
    import stat

    previous = os.umask(umask)
    try:
        assert run_cli("fill", FORM_ID, *_options(ADULT), "-o", "form.pdf").exit_code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "form.pdf").stat().st_mode) == mode


# One table of refusals, run through every way a patient reaches consent:
# the desk's command (fill), the clinic day's list (batch) and the desk web
# page (consent serve). Each must refuse the same detail, naming the same
# field, in the same words.
REFUSALS = [
    ("digits in a name", {"given_name": "07/03/1990"}, "given_name", "contains digits"),
    ("a bidi override", {"family_name": "Ruiz\u202e"}, "family_name", "U+202E"),
    ("an impossible date", {"date_of_birth": "1990-13-45"}, "date_of_birth", "is not a real date"),
    ("a record number too long", {"record_number": "0" * 41}, "record_number", "41 characters long"),
    ("a date years ahead", {"procedure_date": "2030-01-01"}, "procedure_date", "more than a year ahead"),
    ("a date as the clinician", {"clinician": "2026-12-01"}, "clinician", "looks like a date or a number"),
    ("a minor without a guardian", {"date_of_birth": "2012-05-05"}, "guardian", "a parent or guardian must sign"),
    ("an interpreter without a language", {"interpreter": "Li Wei"}, "interpreter_language", "not the language"),
    ("a character no font has", {"given_name": "Ana ✅"}, "given_name", "cannot be printed"),
    (
        "a relationship without a guardian",
        {"guardian_relationship": "mother"},
        "guardian_relationship",
        "but no guardian is named",
    ),
    ("a language the form lacks", {"language": "de"}, "language", "is not available in"),
    ("a name of punctuation only", {"family_name": "--"}, "family_name", "has no letter in it"),
    (
        "a control character in a record number",
        {"record_number": "00123\x07"},
        "record_number",
        "contains a control character",
    ),
    ("a birth date in the future", {"date_of_birth": "2027-01-01"}, "date_of_birth", "is in the future"),
]


@pytest.fixture(scope="module")
def web_desk(tmp_path_factory):
    from tests.served import start_server

    server = start_server(tmp_path_factory.mktemp("web-desk"))
    yield server
    server.stop()


@pytest.mark.parametrize(("case", "change", "field", "says"), REFUSALS, ids=[case[0] for case in REFUSALS])
def test_the_desk_the_list_and_the_web_page_refuse_alike(run_cli, tmp_path, web_desk, case, change, field, says):
    details = {**ADULT, **change}
    desk = run_cli("fill", FORM_ID, *_options(details), "-o", "desk.pdf")
    assert desk.exit_code == 1, desk.output
    assert says in desk.output
    assert not (tmp_path / "desk.pdf").exists()
    columns = list(details)
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([["form", *columns], [FORM_ID, *(details[column] for column in columns)]])
    (tmp_path / "list.csv").write_text(buffer.getvalue(), encoding="utf-8")
    day = run_cli("batch", "list.csv", "--out-dir", "out")
    assert day.exit_code == 3, day.output
    with (tmp_path / "out" / "errors.csv").open(encoding="utf-8-sig", newline="") as stream:
        refused = [row for row in csv.DictReader(stream) if row["field"] == field]
    assert len(refused) == 1, f"{case}: {refused}"
    assert says in refused[0]["message"]
    # The same words at the desk as in the list.
    assert refused[0]["message"] in desk.output
    # And on the web page, beside the field, with nothing made.
    from tests.served import Client, text_of

    browser = Client(web_desk.base)
    browser.get("/")
    page = browser.post("/make", {"form": FORM_ID, "language": "en", **details})
    assert page.status == 422, case
    # The same words; only a pointer to a command-line option ("--guardian, or the
    # guardian column") names the page's box instead.
    from generator.serve.wording import for_the_page

    assert text_of(page.text, f"{field}-error") == "Error: " + " ".join(for_the_page(refused[0]["message"]).split())
    assert not list(web_desk.out_dir.glob("*.pdf"))


def test_the_manifest_names_a_replaced_form_and_the_file_it_replaced(run_cli, tmp_path):
    """Run again with another letterhead and --replace: the unsigned form is
    replaced, and manifest.json says so, with the replaced file's sha256."""
    import hashlib

    rows = [
        "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician",
        "laser-acne-scar,Ana,Ruiz,1990-03-07,00123,2026-12-01,Dr Lee",
    ]
    (tmp_path / "day.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert run_cli("batch", "day.csv", "--out-dir", "out").exit_code == 0
    (made,) = (tmp_path / "out").glob("laser-acne-scar_*.pdf")
    before = hashlib.sha256(made.read_bytes()).hexdigest()
    (tmp_path / "consent.toml").write_text('[clinic]\nname = "Riverside Skin Clinic"\n', encoding="utf-8")
    again = run_cli("--config", "consent.toml", "batch", "day.csv", "--out-dir", "out", "--replace")
    assert again.exit_code == 0, again.output
    text = (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    assert text.startswith('{\n  "appointments": "day.csv",\n')  # indented for a person to read
    manifest = json.loads(text)
    (document,) = manifest["documents"]
    assert document["status"] == "replaced" and document["replaced_sha256"] == before
    assert manifest["totals"]["replaced"] == 1 and manifest["totals"]["made"] == 0


def test_a_list_with_nothing_made_names_no_bundle(run_cli, tmp_path):
    rows = [
        "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician",
        "laser-acne-scar,Bo,Li,1991-01-01,,2026-12-01,Dr Lee",
    ]
    (tmp_path / "day.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert run_cli("batch", "day.csv", "--out-dir", "out").exit_code == 3
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["totals"]["bundle"] is None and not (tmp_path / "out" / "print-bundle.pdf").exists()
