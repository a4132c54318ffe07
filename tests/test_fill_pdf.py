"""The finished PDF, read back as a patient or an auditor would read it."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from generator import fill, load_form
from generator.definitions.labels import labels_for
from generator.errors import PatientError
from tests.conftest import (
    ADULT,
    LASER_VERSION,
    TODAY,
    assert_qpdf_finds_no_problem,
    flat,
    full_text,
    needs_qpdf,
    page_texts,
)

FORM_ID = "laser-acne-scar"


def make(fields, **changes) -> bytes:
    return fill(FORM_ID, {**fields, **changes}, today=TODAY).pdf


@pytest.fixture(scope="module")
def form():
    return load_form(FORM_ID)


@pytest.fixture(scope="module")
def ordinary_pdf() -> bytes:
    return fill(FORM_ID, ADULT, today=TODAY).pdf


def test_every_listed_item_of_the_form_is_in_the_pdf(form, ordinary_pdf):
    text = full_text(ordinary_pdf)
    lists = form.text("en").lists
    assert lists["side_effects"] and lists["precautions"]
    for name, items in lists.items():
        for item in items:
            assert flat(item.text) in text, f"{name} item {item.id!r} is missing from the PDF"


def test_each_side_effect_and_precaution_has_its_own_initials_box(form, ordinary_pdf):
    lists = form.text("en").lists
    expected = len(lists["side_effects"]) + len(lists["precautions"])
    assert full_text(ordinary_pdf).count("Initials") == expected


def test_identity_and_page_x_of_y_on_every_page(ordinary_pdf):
    pages = page_texts(ordinary_pdf)
    assert len(pages) >= 2, "the form is expected to run over more than one page"
    for number, text in enumerate(pages, start=1):
        assert "Ana Ruiz" in text
        assert "Record: 00123" in text
        assert f"{FORM_ID} v{LASER_VERSION}" in text
        assert f"Page {number} of {len(pages)}" in text


def test_the_identity_block_holds_the_patient_details(ordinary_pdf):
    first = page_texts(ordinary_pdf)[0]
    for expected in ("Ana Ruiz", "7 March 1990", "00123", "1 December 2026", "Dr Lee"):
        assert expected in first


STATEMENTS = labels_for("en")["statements"]


def whole_block(role: str) -> str:
    """A signature block as one page's text reads it: the role, what it
    attests (nothing of another block in between), then its lines."""
    return rf"{role} (?:(?!Signature Printed name).)*Signature Printed name .*?Date Time"


def test_signature_blocks_for_patient_clinician_and_witness(ordinary_pdf):
    text = full_text(ordinary_pdf)
    assert "Signatures Patient Signature Printed name Ana Ruiz Date Time" in text
    assert f"Clinician {STATEMENTS['clinician']} Signature Printed name Dr Lee Date Time" in text
    assert f"Witness {STATEMENTS['witness']} Signature Printed name Date Time" in text
    assert "Parent or legal guardian" not in text
    assert "Interpreter" not in text
    assert STATEMENTS["patient_minor"] not in text


@pytest.mark.parametrize("length", [5, 60, 100])
def test_the_consent_statement_is_on_the_page_the_patient_signs(fields, length):
    pages = page_texts(make(fields, family_name="R" * length))
    (signing_page,) = [page for page in pages if re.search(whole_block("Patient"), page)]
    # A long unbroken name wraps mid-word, and extraction puts a space at the break.
    statement = f"I, Ana {'R' * length}, agree to have a course of laser acne scar treatment"
    assert statement.replace(" ", "") in signing_page.replace(" ", "")


def test_a_minor_gets_a_guardian_block_and_an_interpreter_when_named(fields):
    minor = dict(date_of_birth="2012-05-05", guardian="Rosa Ruiz", guardian_relationship="mother")
    text = full_text(make(fields, **minor, interpreter="Li Wei", interpreter_language="Mandarin"))
    assert f"Patient {STATEMENTS['patient_minor']} Signature Printed name Ana Ruiz Date Time" in text
    assert (
        "Parent or legal guardian, signing for the patient Relationship to the patient: mother "
        "Signature Printed name Rosa Ruiz Date Time"
    ) in text
    interpreter = f"Interpreter {STATEMENTS['interpreter']} Language interpreted: Mandarin"
    assert f"{interpreter} Signature Printed name Li Wei Date Time" in text
    assert f"Clinician {STATEMENTS['clinician_guardian']} Signature Printed name Dr Lee Date Time" in text
    assert f"Witness {STATEMENTS['witness_guardian']} Signature Printed name Date Time" in text
    # Both are in the patient's details at the top of the form too.
    assert "Relationship to the patient mother" in text and "Language interpreted Mandarin" in text


def test_a_guardian_relationship_not_given_gets_a_line_to_write_it_on(fields):
    text = full_text(make(fields, date_of_birth="2012-05-05", guardian="Rosa Ruiz"))
    assert "signing for the patient Relationship to the patient: Signature Printed name Rosa Ruiz" in text
    assert "Relationship to the patient mother" not in text


@pytest.mark.parametrize("length", [5, 40, 70, 100])
@pytest.mark.parametrize("extras", [{}, {"interpreter": "Li Wei", "interpreter_language": "Mandarin"}])
def test_signature_blocks_never_split_across_pages(fields, length, extras):
    pdf = make(fields, family_name="R" * length, **extras)
    pages = page_texts(pdf)
    roles = ["Patient", "Clinician", "Witness"] + (["Interpreter"] if extras else [])
    for role in roles:
        whole = [page for page in pages if re.search(whole_block(role), page)]
        assert len(whole) == 1, f"the {role} block is not whole on one page"


@pytest.mark.parametrize(
    "name",
    [
        "Smith <Jr>",
        "AT&T",
        "{{x*y}} {% raw %}",
        "O'Brien-Łukasiewicz",
        "Zoë Ångström",
        "Ærøskøbing Çelik",
        "Δημήτρης",
        "Юлия",
    ],
)
def test_hostile_and_accented_names_print_exactly(fields, name):
    text = full_text(make(fields, family_name=name))
    assert f"Ana {name}" in text


def test_template_syntax_in_any_field_is_printed_not_run(fields):
    text = full_text(make(fields, clinician="{{7*7}} {{ config }}"))
    assert "It will be done by {{7*7}} {{ config }}." in text
    # As a word: the footer's hexadecimal document id may contain the digits 49.
    assert re.search(r"\b49\b", text) is None


def test_a_100_character_name_prints_whole_on_every_page(fields):
    name = "Abcdefghij" * 10
    pages = page_texts(make(fields, family_name=name))
    for text in pages:
        assert name in text.replace(" ", "")


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("สมชาย", 'has no "ส" (U+0E2A THAI CHARACTER SO SUA)'),
        ("Ana ✅", 'has no "✅" (U+2705 WHITE HEAVY CHECK MARK)'),
        ("𠮷野", 'has no "𠮷" (U+20BB7 CJK UNIFIED IDEOGRAPH-20BB7)'),
        ("Ana 🧑‍⚕️", 'has no "🧑" (U+1F9D1 ADULT)'),
        ("x" * 300, "is 300 characters long"),
    ],
)
def test_names_that_cannot_print_exactly_are_refused_naming_the_character(fields, name, says):
    with pytest.raises(PatientError) as caught:
        make(fields, given_name=name)
    assert caught.value.problems[0].field == "given_name"
    assert says in caught.value.problems[0].message


def test_same_input_gives_byte_identical_pdfs(fields):
    assert make(fields) == make(fields)
    assert make(fields) != make(fields, record_number="00124")


def test_only_embedded_fonts_are_used(ordinary_pdf):
    reader = PdfReader(io.BytesIO(ordinary_pdf))
    seen = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for font in fonts.values():
            font = font.get_object()
            seen.add(font["/BaseFont"])
            descriptor = font.get("/FontDescriptor")
            assert descriptor is not None, f"{font['/BaseFont']} is a base-14 font"
            assert "/FontFile2" in descriptor.get_object(), f"{font['/BaseFont']} is not embedded"
    assert {name.split("+")[1] for name in seen} == {"DejaVuSans", "DejaVuSans-Bold"}


def test_metadata_names_the_form_and_never_the_patient(ordinary_pdf):
    info = PdfReader(io.BytesIO(ordinary_pdf)).metadata
    assert info.title == "Laser acne scar treatment \u2014 Informed consent"
    assert info.subject == f"Consent form {FORM_ID} version {LASER_VERSION}"
    assert f"consent-form:{FORM_ID}" in info["/Keywords"]
    for value in info.values():
        assert "Ruiz" not in str(value)


def test_the_pdf_is_a4(ordinary_pdf):
    for page in PdfReader(io.BytesIO(ordinary_pdf)).pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


@needs_qpdf
def test_qpdf_finds_no_structural_problem(ordinary_pdf, tmp_path):
    assert_qpdf_finds_no_problem(ordinary_pdf, tmp_path)


def test_a_long_form_title_is_shortened_in_the_footer_not_overprinted(tmp_path, fields):
    from tests.helpers import CONTENT_TOML, build_form

    long_title = "Freezing treatment for common warts and verrucas on the hands and feet with liquid nitrogen"
    build_form(tmp_path / "forms", {"en/content.toml": CONTENT_TOML.replace("Tiny form", long_title)})
    made = fill("tiny", fields, today=TODAY, search_path=[tmp_path / "forms"])
    reader = PdfReader(io.BytesIO(made.pdf))
    footer = []
    reader.pages[0].extract_text(visitor_text=lambda text, cm, tm, font, size: footer.append((tm[5], text)))
    bottom_line = " ".join(text for y, text in footer if 30 < y < 40)
    assert "\u2026 \u2014 tiny v1.0" in bottom_line and "Page 1 of" in bottom_line
    assert long_title in full_text(made.pdf)  # whole in the title block
