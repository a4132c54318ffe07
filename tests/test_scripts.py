"""Patients' names in any script: drawn with embedded fonts, searchable and
copyable as text (read back with poppler's pdftotext, as a viewer copies it)."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata

import pytest
from pypdf import PdfReader

from generator import fill
from tests.conftest import ADULT, TODAY

FORM_ID = "laser-acne-scar"
pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext is not installed (apt-get install poppler-utils)"
)

NAMES = {
    "Latin with diacritics": ("Łucja-Zoë", "Ñúñez-Ångström Dvořák"),
    "Greek": ("Γιώργος", "Παπαδόπουλος"),
    "Cyrillic": ("Сергей", "Иванов"),
    "Arabic": ("محمد", "الأحمد"),
    "Hebrew": ("דוד", "כהן"),
    "Chinese": ("小明", "王"),
    "Japanese": ("さくら", "田中"),
    "Korean": ("민준", "김"),
}


def extracted(pdf: bytes, tmp_path) -> str:
    """The text a viewer would copy, normalised as a search would (NFKC: an
    Arabic presentation form matches its plain letter)."""
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # Drop the directional marks poppler adds around right-to-left runs.
    text = "".join(character for character in text if unicodedata.category(character) != "Cf")
    return unicodedata.normalize("NFKC", " ".join(text.split()))


@pytest.fixture(scope="module")
def plain_size() -> int:
    return len(fill(FORM_ID, ADULT, today=TODAY).pdf)


@pytest.mark.parametrize("script", list(NAMES))
def test_a_name_in_any_script_can_be_found_in_the_pdf_text(script, tmp_path):
    given, family = NAMES[script]
    made = fill(FORM_ID, {**ADULT, "given_name": given, "family_name": family}, today=TODAY)
    text = extracted(made.pdf, tmp_path)
    full_name = f"{given} {family}"
    # Header of every page, the identity block, the consent sentence, the signature block.
    assert text.count(full_name) >= made.page_count + 3, f"{script}: {full_name!r} not found in {text[:300]!r}"
    assert f"I, {full_name}, agree to have a course of laser acne scar treatment" in text


@pytest.mark.parametrize("script", ["Arabic", "Hebrew"])
def test_a_right_to_left_name_is_a_guardian_too(script, tmp_path):
    given, family = NAMES[script]
    guardian = f"{given} {family}"
    made = fill(FORM_ID, {**ADULT, "date_of_birth": "2014-02-02", "guardian": guardian}, today=TODAY)
    text = extracted(made.pdf, tmp_path)
    assert f"I, {guardian}, also agree to this treatment." in text


@pytest.mark.parametrize("script", ["Chinese", "Japanese", "Korean"])
def test_a_cjk_name_adds_kilobytes_not_megabytes(script, plain_size):
    given, family = NAMES[script]
    made = fill(FORM_ID, {**ADULT, "given_name": given, "family_name": family}, today=TODAY)
    assert len(made.pdf) - plain_size < 60_000
    fonts = set()
    for page in PdfReader(io.BytesIO(made.pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert "/FontFile2" in font["/FontDescriptor"].get_object(), f"{font['/BaseFont']} is not embedded"
            fonts.add(str(font["/BaseFont"]).split("+")[1])
    assert fonts == {"DejaVuSans", "DejaVuSans-Bold", "DroidSansFallback"}


def test_the_fallback_font_is_only_embedded_when_needed():
    made = fill(FORM_ID, ADULT, today=TODAY)
    assert b"DroidSansFallback" not in made.pdf


def test_arabic_letters_are_joined_not_isolated():
    """Shaped: "محمد" is drawn with two different glyphs for its two meems
    (initial and medial forms), each of which reads back as the plain letter
    U+0645 in the text layer."""
    from generator.render.fonts import drawn_text

    drawn = drawn_text("محمد")
    assert drawn == "\ufeaa\ufee4\ufea4\ufee3"  # visual order: dal final, meem medial, hah medial, meem initial
    made = fill(FORM_ID, {**ADULT, "given_name": "محمد", "family_name": "Ruiz"}, today=TODAY)
    reader = PdfReader(io.BytesIO(made.pdf))
    targets = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        cmap = font.get_object()["/ToUnicode"].get_object().get_data().decode("ascii")
        targets += [line.split()[1] for line in cmap.splitlines() if line.startswith("<") and " <" in line]
    assert targets.count("<0645>") >= 2  # two glyphs (shapes) for one letter


def test_an_emoji_the_font_has_prints_and_reads_back(tmp_path):
    made = fill(FORM_ID, {**ADULT, "given_name": "Ana 😀"}, today=TODAY)
    assert "Ana 😀 Ruiz" in extracted(made.pdf, tmp_path)


def test_a_long_arabic_name_wraps_in_reading_order_in_a_narrow_column(tmp_path):
    """The printed-name column is narrow: a five-part name takes two lines,
    and the first line holds the first words (bidi is applied line by line)."""
    given, family = "عبد الرحمن محمد", "بن عبد العزيز آل سعود الهاشمي القرشي"
    made = fill(FORM_ID, {**ADULT, "given_name": given, "family_name": family}, today=TODAY)
    path = tmp_path / "form.pdf"
    path.write_bytes(made.pdf)
    raw = subprocess.run(
        ["pdftotext", "-f", str(made.page_count), "-l", str(made.page_count), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [
        unicodedata.normalize("NFKC", "".join(c for c in line if unicodedata.category(c) != "Cf")).strip()
        for line in raw.splitlines()
    ]
    signature_lines = lines[lines.index("Signatures") :]
    first = next(index for index, line in enumerate(signature_lines) if line.startswith("عبد الرحمن"))
    name_lines = []
    for line in signature_lines[first:]:
        if not any("\u0600" <= character <= "\u06ff" for character in line):
            break
        name_lines.append(line)
    assert len(name_lines) >= 2, "a five-part name wraps in the printed-name column"
    assert " ".join(name_lines) == f"{given} {family}"
