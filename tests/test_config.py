"""Clinic settings: letterhead, logo, paper size, the clinic's own forms."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from generator.config import load_settings
from generator.errors import ConfigError
from tests.conftest import ADULT, as_options, full_text, page_texts
from tests.helpers import build_form

LETTER = (612.0, 792.0)
A4 = (595.28, 841.89)


def write_logo_png(path):
    image = Image.new("RGB", (400, 160), "white")
    ImageDraw.Draw(image).rectangle((10, 10, 150, 150), fill=(31, 111, 120))
    image.save(path)


def write_settings(folder, text: str):
    (folder / "consent.toml").write_text(text, encoding="utf-8")
    return folder / "consent.toml"


CLINIC = """\
[clinic]
name = "Riverside Skin Clinic"
address = ["12 River Street", "London N1 2AB"]
phone = "020 7946 0000"
logo = "logo.png"
paper = "letter"
"""


def page_sizes(path) -> set[tuple[float, float]]:
    return {(round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) for page in read(path).pages}


def read(path) -> PdfReader:
    return PdfReader(io.BytesIO(path.read_bytes()))


def images_on_first_page(path) -> list:
    page = read(path).pages[0]
    return [x.get_object() for x in page["/Resources"]["/XObject"].values() if x.get_object()["/Subtype"] == "/Image"]


def test_a_letter_size_form_with_a_logo_renders_on_letter_pages(run_cli, tmp_path):
    write_logo_png(tmp_path / "logo.png")
    settings = write_settings(tmp_path, CLINIC)
    result = run_cli("--config", str(settings), "fill", "laser-acne-scar", *as_options(ADULT), "-o", "ana.pdf")
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "ana.pdf"
    assert page_sizes(pdf) == {LETTER}
    logo = images_on_first_page(pdf)
    assert len(logo) == 1 and (logo[0]["/Width"], logo[0]["/Height"]) == (400, 160)
    pages = page_texts(pdf)
    assert all("Riverside Skin Clinic" in text for text in pages)
    assert "12 River Street London N1 2AB 020 7946 0000" in pages[0]
    assert len(pages) == 5  # the shorter paper and the letterhead take one page more than plain A4's four
    verified = run_cli("verify", "ana.pdf")
    assert verified.exit_code == 0, verified.output


def test_without_settings_forms_are_a4_with_no_letterhead(run_cli, tmp_path):
    result = run_cli("fill", "laser-acne-scar", *as_options(ADULT), "-o", "ana.pdf")
    assert result.exit_code == 0
    assert page_sizes(tmp_path / "ana.pdf") == {A4}
    assert "Riverside" not in full_text(tmp_path / "ana.pdf")


def test_consent_toml_in_the_current_folder_is_used(run_cli, tmp_path):
    write_logo_png(tmp_path / "logo.png")
    write_settings(tmp_path, CLINIC.replace('paper = "letter"', 'paper = "A4"'))
    result = run_cli("fill", "laser-acne-scar", *as_options(ADULT), "-o", "ana.pdf")
    assert result.exit_code == 0, result.output
    assert page_sizes(tmp_path / "ana.pdf") == {A4}
    assert "Riverside Skin Clinic" in page_texts(tmp_path / "ana.pdf")[1]


def test_consent_config_names_the_settings_file(run_cli, tmp_path, monkeypatch):
    (tmp_path / "settings").mkdir()
    write_logo_png(tmp_path / "settings" / "logo.png")
    settings = write_settings(tmp_path / "settings", CLINIC)
    monkeypatch.setenv("CONSENT_CONFIG", str(settings))
    result = run_cli("fill", "laser-acne-scar", *as_options(ADULT), "-o", "ana.pdf")
    assert result.exit_code == 0, result.output
    assert page_sizes(tmp_path / "ana.pdf") == {LETTER}  # the logo was found beside the settings file


def test_an_svg_logo_is_drawn_with_embedded_fonts_only(run_cli, tmp_path):
    from generator.resources import builtin_forms_dir

    examples = builtin_forms_dir().parent / "examples" / "clinic"
    if not examples.is_dir():
        pytest.skip("the examples folder is not beside an installed package")
    result = run_cli(
        "--config", str(examples / "consent.toml"), "fill", "laser-acne-scar", *as_options(ADULT), "-o", "a.pdf"
    )
    assert result.exit_code == 0, result.output
    reader = read(tmp_path / "a.pdf")
    first = reader.pages[0]
    forms = [x.get_object() for x in first["/Resources"].get("/XObject", {}).values()]
    assert not [x for x in forms if x["/Subtype"] == "/Image"]  # vector, not an image
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            assert "/FontFile2" in font.get_object()["/FontDescriptor"].get_object()


def test_a_settings_file_that_is_a_pipe_is_refused_not_waited_on(run_cli, tmp_path):
    import os

    os.mkfifo(tmp_path / "consent.toml")
    result = run_cli("--config", "consent.toml", "forms")
    assert result.exit_code == 1
    assert "consent.toml cannot be used" in result.output


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        (
            CLINIC + 'colour = "blue"\n',
            f', line {CLINIC.count(chr(10)) + 1}: unknown key "colour" in [clinic]. The keys allowed here are: '
            "address, logo, name, paper, phone.",
        ),
        (CLINIC.replace("name =", "nmae ="), 'unknown key "nmae" in [clinic]. Did you mean "name"?'),
        ("[letterhead]\nname = 'x'\n", "unknown section [letterhead]"),
        (CLINIC.replace("logo.png", "missing.png"), "[clinic] logo missing.png was not found"),
        (CLINIC.replace("logo.png", "logo.gif"), "must be a PNG, JPEG or SVG file"),
        (CLINIC.replace('"letter"', '"legal"'), '[clinic] paper must be "A4" or "letter", not \'legal\''),
        ('[forms]\ndirs = ["nowhere"]\n', "[forms] dirs names nowhere, but"),
        ("[clinic\n", "is not valid TOML"),
    ],
)
def test_mistakes_in_the_settings_file_are_named(run_cli, tmp_path, settings, says):
    write_logo_png(tmp_path / "logo.png")
    (tmp_path / "logo.gif").write_bytes(b"GIF89a")
    path = write_settings(tmp_path, settings)
    result = run_cli("--config", str(path), "fill", "laser-acne-scar", *as_options(ADULT), "-o", "ana.pdf")
    assert result.exit_code == 1
    assert str(path) in result.output and says in result.output
    assert not (tmp_path / "ana.pdf").exists()


def test_a_missing_settings_file_is_named(run_cli, tmp_path):
    result = run_cli("--config", "nope.toml", "forms")
    assert result.exit_code == 1
    assert "The settings file nope.toml does not exist" in result.output


def test_the_settings_forms_folder_and_letterhead_reach_a_batch(run_cli, tmp_path):
    write_logo_png(tmp_path / "logo.png")
    build_form(tmp_path / "clinic-forms")
    write_settings(tmp_path, CLINIC + '\n[forms]\ndirs = ["clinic-forms"]\n')
    rows = [
        "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician",
        "tiny,Ana,Ruiz,1990-03-07,1,2026-12-01,Dr Lee",
        "laser-acne-scar,Bo,Li,1991-01-01,2,2026-12-01,Dr Lee",
    ]
    (tmp_path / "day.csv").write_text("\n".join(rows) + "\n")
    result = run_cli("batch", "day.csv", "--out-dir", "out")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    for document in manifest["documents"]:
        pdf = tmp_path / "out" / document["file"]
        assert page_sizes(pdf) == {LETTER}
        assert "Riverside Skin Clinic" in full_text(pdf)


@pytest.mark.parametrize(("name", "content"), [("logo.png", b"not a picture"), ("logo.svg", b"<html>nope</html>")])
def test_a_logo_that_cannot_be_read_is_named_before_any_form_is_made(run_cli, tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    path = write_settings(tmp_path, f'[clinic]\nname = "Riverside"\nlogo = "{name}"\n')
    result = run_cli("--config", str(path), "fill", "laser-acne-scar", *as_options(ADULT), "-o", "ana.pdf")
    assert result.exit_code == 1
    assert f"{path}: [clinic] The logo {tmp_path / name} is not" in result.output
    assert "Save it again from your drawing program." in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "ana.pdf").exists()


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ('name = "Riverside \u2705 Clinic"', "[clinic] name cannot be printed: the form's font has no"),
        (
            'address = ["12 River Street", "\u0e01\u0e23\u0e38\u0e07\u0e40\u0e17\u0e1e"]',
            "[clinic] address cannot be printed",
        ),
        ('phone = "020\\u202e7946"', "invisible formatting character"),
    ],
    ids=["an emoji in the name", "Thai in the address", "a bidi override in the phone"],
)
def test_clinic_text_is_checked_like_patient_text(tmp_path, setting, says):
    (tmp_path / "consent.toml").write_text(f"[clinic]\n{setting}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(tmp_path / "consent.toml")
    assert says in str(refused.value)


def _png_header(width: int, height: int) -> bytes:
    """A PNG that says it is `width` x `height` pixels, and holds no pixels:
    enough for anything that trusts the header to try to decode it."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def _nested_svg(depth: int) -> bytes:
    return (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40">'
        + b"<g>" * depth
        + b'<rect width="10" height="10"/>'
        + b"</g>" * depth
        + b"</svg>"
    )


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("logo.png", _png_header(60000, 60000), "has far more pixels than a letterhead needs"),
        ("logo.png", _png_header(8000, 8000), "is 8000 x 8000 pixels: far more pixels than a letterhead needs"),
        ("logo.svg", _nested_svg(5000), "is nested 65 levels deep"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" '
            b'height="10"><image xlink:href="../secret.png" width="10" height="10"/></svg>',
            'refers to "../secret.png": a logo may not use other files or addresses',
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="https://example.org/a.png"'
            b' width="10" height="10"/></svg>',
            'refers to "https://example.org/a.png"',
        ),
        (
            "logo.svg",
            b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "declares a DOCTYPE or entities",
        ),
        ("logo.png", b"\x89PNG" + b"\0" * (6 << 20), "larger than any file of this kind"),
    ],
    ids=[
        "a decompression bomb",
        "too many pixels",
        "5,000 nested groups",
        "a file outside",
        "a web address",
        "entities",
        "6 MB",
    ],
)
def test_a_logo_is_bounded_before_it_is_decoded(run_cli, tmp_path, name, content, says):
    (tmp_path / name).write_bytes(content)
    path = write_settings(tmp_path, f'[clinic]\nname = "Riverside"\nlogo = "{name}"\n')
    result = run_cli("--config", str(path), "fill", "laser-acne-scar", *as_options(ADULT))
    assert result.exit_code == 1
    assert says in result.output, result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("*.pdf"))


def test_an_svg_logo_whose_size_is_not_a_number_is_refused(run_cli, tmp_path):
    (tmp_path / "logo.svg").write_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="nan" height="10"><rect/></svg>'
    )
    path = write_settings(tmp_path, '[clinic]\nname = "Riverside"\nlogo = "logo.svg"\n')
    result = run_cli("--config", str(path), "fill", "laser-acne-scar", *as_options(ADULT))
    assert result.exit_code == 1
    assert "its width or height is not a size" in result.output


def test_without_a_clinic_the_form_has_a_line_to_write_it(run_cli, tmp_path):
    result = run_cli("fill", "laser-acne-scar", *as_options(ADULT), "-o", "plain.pdf")
    assert result.exit_code == 0
    assert result.stderr.count("no clinic is set, so each form has a blank line for the clinic's name") == 1
    assert "Clinic" in page_texts(tmp_path / "plain.pdf")[0]
    path = write_settings(tmp_path, '[clinic]\nname = "Riverside Skin Clinic"\n')
    named = run_cli("--config", str(path), "fill", "laser-acne-scar", *as_options(ADULT), "-o", "named.pdf")
    assert named.exit_code == 0 and "no clinic is set" not in named.stderr
    first_page = page_texts(tmp_path / "named.pdf")[0]
    assert "Riverside Skin Clinic" in first_page and "Clinic " not in first_page.replace("Skin Clinic", "")
