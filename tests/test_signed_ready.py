"""Signed-ready: each page's code scans to the right record and page, and the
form fields sit invisibly on the printed lines and boxes."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from generator import fill
from generator.definitions.forms import load_form
from generator.render.pagecode import PageCode, decode_page_code, encode_page_code
from tests.conftest import ADULT, LASER_VERSION, TODAY

FORM_ID = "laser-acne-scar"
SCAN_DPI = 150  # a plain office scan


@pytest.fixture(scope="module")
def filled():
    return fill(FORM_ID, ADULT, today=TODAY)


def page_images(pdf: bytes, dpi: int = SCAN_DPI):
    document = pdfium.PdfDocument(pdf)
    return [document[index].render(scale=dpi / 72).to_pil() for index in range(len(document))]


def scanned_codes(pdf: bytes, dpi: int = SCAN_DPI) -> list[list[str]]:
    return [[found.text for found in zxingcpp.read_barcodes(image)] for image in page_images(pdf, dpi)]


def test_each_page_code_scans_to_the_form_record_and_page(filled):
    codes = scanned_codes(filled.pdf)
    assert len(codes) == filled.page_count == 4
    for page, texts in enumerate(codes, start=1):
        assert len(texts) == 1, f"page {page} should carry exactly one code"
        assert decode_page_code(texts[0]) == PageCode(
            form_id=FORM_ID,
            form_version=LASER_VERSION,
            record_number="00123",
            page=page,
            pages=4,
            document_id=filled.document_id,
        )


def test_the_page_code_never_holds_the_name_or_birth_date(filled):
    for texts in scanned_codes(filled.pdf):
        for text in texts:
            for private in ("Ana", "Ruiz", "1990", "03-07", "07/03"):
                assert private not in text


def test_a_missing_page_shows_in_the_codes(filled):
    # The scan of a form with page 2 lost: the codes say which page is missing.
    reader = PdfReader(io.BytesIO(filled.pdf))
    writer = PdfWriter()
    for number, page in enumerate(reader.pages, start=1):
        if number != 2:
            writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    found = [decode_page_code(texts[0]) for texts in scanned_codes(buffer.getvalue())]
    pages = found[0].pages
    assert sorted(set(range(1, pages + 1)) - {code.page for code in found}) == [2]


@pytest.mark.parametrize("record", ["A|B%7C|9", "ÄÖ-0042/ñ", "MRN 00123-4567-890-XYZ-ABCDEFGHIJKLMNOPQ"])
def test_any_record_number_survives_the_code(fields, record):
    fields["record_number"] = record
    made = fill(FORM_ID, fields, today=TODAY)
    (first, *_rest) = scanned_codes(made.pdf)
    assert decode_page_code(first[0]).record_number == record


@pytest.mark.parametrize(
    "code",
    [
        PageCode("f", "1.0", "|%|%7C%25", 1, 2, "0" * 16),
        PageCode("laser-acne-scar", "2.1", "", 10, 12, "abcdef0123456789"),
    ],
)
def test_page_code_text_round_trips(code):
    assert decode_page_code(encode_page_code(code)) == code


@pytest.mark.parametrize("text", ["", "hello", "CONSENT1|a|b|c|x|2|d", "CONSENT2|a|b|c|1|2|d"])
def test_text_that_is_not_a_page_code_is_not_read_as_one(text):
    assert decode_page_code(text) is None


def test_the_codes_are_drawn_as_vectors_not_images(filled):
    for page in PdfReader(io.BytesIO(filled.pdf)).pages:
        for xobject in page["/Resources"]["/XObject"].values():
            assert xobject.get_object()["/Subtype"] == "/Form"


# --- form fields -------------------------------------------------------------


def test_every_tick_box_is_an_unticked_check_box_with_a_tick_to_show(filled):
    boxes = [widget for _, widget in widgets(filled.pdf) if widget["/FT"] == "/Btn"]
    assert len(boxes) == 6 + 4  # six teach-back questions; two photograph questions, agree or not
    for box in boxes:
        assert (box["/V"], box["/AS"]) == ("/Off", "/Off")
        assert set(box["/AP"]["/N"]) == {"/Yes", "/Off"}
        assert box["/AP"]["/N"]["/Yes"].get_data().strip(), "a ticked box must show a tick"
        assert not box["/AP"]["/N"]["/Off"].get_data().strip()
        left, bottom, right, top = (float(value) for value in box["/Rect"])
        assert round(right - left, 1) == round(top - bottom, 1) >= 12  # square, and big enough to tick with a pen


def widgets(pdf: bytes) -> list[tuple[int, dict]]:
    found = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        for annotation in page.get("/Annots", []):
            found.append((number, annotation.get_object()))
    return found


def test_fields_for_each_signer_and_each_initialled_item(form_items, filled):
    names = {str(widget["/T"]): str(widget["/FT"]) for _, widget in widgets(filled.pdf)}
    expected = {f"{role}_signature": "/Sig" for role in ("patient", "clinician", "witness")}
    expected |= {f"{role}_{kind}": "/Tx" for role in ("patient", "clinician", "witness") for kind in ("date", "time")}
    expected |= {f"initials_{list_name}_{item_id}": "/Tx" for list_name, item_id in form_items}
    questions = [item.id for item in load_form(FORM_ID).text("en").lists["teach_back"]]
    expected |= {f"teach_back_{question}": "/Btn" for question in questions} | {"teach_back_initials": "/Tx"}
    expected |= {
        f"photographs_{use}_{answer}": "/Btn" for use in ("record", "teaching") for answer in ("agree", "decline")
    }
    assert names == expected


@pytest.fixture(scope="module")
def form_items():
    from generator import load_form

    form = load_form(FORM_ID)
    text = form.text("en")
    return [(name, item.id) for name in ("side_effects", "precautions") for item in text.lists[name]]


def test_guardian_and_interpreter_get_their_own_fields(fields):
    fields.update(
        date_of_birth="2012-05-05", guardian="Jane Smith", interpreter="Karim Haddad", interpreter_language="Arabic"
    )
    made = fill(FORM_ID, fields, today=TODAY)
    names = {str(widget["/T"]) for _, widget in widgets(made.pdf)}
    for role in ("patient", "guardian", "interpreter", "clinician", "witness"):
        assert {f"{role}_signature", f"{role}_date", f"{role}_time"} <= names


def test_signature_fields_are_unsigned_and_printable(filled):
    for _, widget in widgets(filled.pdf):
        assert widget["/F"] == 4  # printed once filled or signed
        assert "/MK" not in widget and "/BS" not in widget  # no border, no background
        if widget["/FT"] == "/Sig":
            assert "/V" not in widget


def test_each_signature_field_sits_on_its_printed_line(filled):
    """The bottom edge of every signature field is the printed signature line:
    rendered, the pixel row at the field's bottom is dark along its width."""
    dpi = 144
    images = page_images(filled.pdf, dpi)
    checked = 0
    for page_number, widget in widgets(filled.pdf):
        if widget["/FT"] != "/Sig":
            continue
        image = images[page_number - 1].convert("L")
        left, bottom, right, _top = (float(value) * dpi / 72 for value in widget["/Rect"])
        row = round(image.height - bottom)
        dark = max(
            sum(image.getpixel((x, y)) < 128 for x in range(round(left) + 2, round(right) - 2))
            for y in (row - 1, row, row + 1)
        )
        assert dark >= 0.95 * (right - left - 4), f"{widget['/T']} is not on its line"
        checked += 1
    assert checked == 3


def test_fields_change_nothing_on_the_printed_page(filled):
    """The pages render pixel-identical with and without their fields."""
    reader = PdfReader(io.BytesIO(filled.pdf))
    writer = PdfWriter(clone_from=reader)
    for page in writer.pages:
        if "/Annots" in page:
            del page[NameObject("/Annots")]
    buffer = io.BytesIO()
    writer.write(buffer)
    with_fields = page_images(filled.pdf, 100)
    without_fields = page_images(buffer.getvalue(), 100)
    for page, (one, other) in enumerate(zip(with_fields, without_fields, strict=True), start=1):
        assert one.tobytes() == other.tobytes(), f"page {page} prints differently with its fields"
