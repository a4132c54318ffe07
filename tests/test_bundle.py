"""The print bundle: every page of every form, as the form itself shows it.

consent's own forms (plain, sealed, signed by the patient afterwards) are
copied at the byte level; any other PDF through pypdf. Both are checked the
same way: each bundle page is rendered by PDFium and compared pixel for
pixel with the page of the form it came from.
"""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from generator.api import make_form
from generator.config import Clinic
from generator.definitions.forms import load_form
from generator.intake.patient import Patient
from generator.records.bundle import write_bundle
from generator.records.rawpdf import NotPlain, RawPdf, references
from generator.verify.seal import read_seal_key
from generator.verify.sealing import Sealer
from tests.conftest import assert_qpdf_finds_no_problem
from tests.signing import make_signer, sign
from tests.test_seal import ENV, invoke

ANA = Patient("Ana", "Ruiz", date(1990, 3, 7), "00123", date(2026, 12, 1), "Dr Lee")


def bitmaps(pdf: bytes) -> list[bytes]:
    """Every page drawn by PDFium at 40 dpi, without its form fields (the bundle has none)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [bytes(page.render(scale=40 / 72, draw_annots=False, may_draw_forms=False).buffer) for page in document]
    finally:
        document.close()


@pytest.fixture(scope="module")
def parts(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("parts")
    result = invoke("seal", "new-key", "--name", "Riverside Skin Clinic", "-o", "seal.p12", cwd=folder)
    assert result.exit_code == 0, result.output
    sealer = Sealer(read_seal_key(folder / "seal.p12", ENV))
    form = load_form("laser-acne-scar")
    plain = make_form(form, ANA).pdf
    letter = make_form(form, ANA, Clinic(name="Riverside", paper="letter")).pdf
    sealed = sealer.seal(make_form(form, ANA, seal_field=True).pdf)
    signed = sign(sealed, "patient_signature", make_signer("Ana Ruiz (tablet)")[0])
    # The same form rewritten by another tool, with object streams and a
    # cross-reference stream: not one this bundle copies at the byte level.
    (folder / "plain.pdf").write_bytes(plain)
    subprocess.run(["qpdf", "--object-streams=generate", "plain.pdf", "rewritten.pdf"], cwd=folder, check=True)
    # One page only: an odd count, so a blank page follows it.
    subprocess.run(["qpdf", "plain.pdf", "--pages", ".", "1", "--", "one.pdf"], cwd=folder, check=True)
    return {
        "plain": plain,
        "letter": letter,
        "sealed": sealed,
        "signed": signed,
        "rewritten": (folder / "rewritten.pdf").read_bytes(),
        "one page": (folder / "one.pdf").read_bytes(),
    }


def test_consents_own_forms_are_read_at_the_byte_level_and_others_are_not(parts) -> None:
    for name in ("plain", "letter", "sealed", "signed"):
        pdf = RawPdf(parts[name])
        assert len(pdf.pages()) == len(PdfReader(io.BytesIO(parts[name])).pages), name
    with pytest.raises(NotPlain):
        RawPdf(parts["rewritten"]).pages()


def test_every_bundle_page_is_drawn_exactly_as_its_forms_page(parts, tmp_path: Path) -> None:
    files = []
    for name, pdf in parts.items():
        files.append(tmp_path / f"{name}.pdf")
        files[-1].write_bytes(pdf)
    with (tmp_path / "bundle.pdf").open("wb") as stream:
        pages = write_bundle(files, stream)
    bundle = (tmp_path / "bundle.pdf").read_bytes()
    assert_qpdf_finds_no_problem(bundle, tmp_path)
    drawn = bitmaps(bundle)
    assert len(drawn) == pages
    position = 0
    for name, pdf in parts.items():
        expected = bitmaps(pdf)
        assert drawn[position : position + len(expected)] == expected, name
        position += len(expected)
        if len(expected) % 2:
            assert PdfReader(io.BytesIO(bundle)).pages[position].extract_text() == "", f"blank page after {name}"
            position += 1
    assert position == pages
    # Shared fonts are stored once: the bundle is smaller than its parts.
    assert len(bundle) < sum(len(pdf) for pdf in parts.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_file_is_read_or_refused_as_not_plain_never_misread(parts, data) -> None:
    pdf = bytearray(parts[data.draw(st.sampled_from(["plain", "signed"]))])
    for _ in range(data.draw(st.integers(1, 4))):
        where = data.draw(st.integers(0, len(pdf) - 1))
        pdf[where] = data.draw(st.sampled_from(b"0 1R/<>[]()\\\nxrefobj%"))
    try:
        raw = RawPdf(bytes(pdf))
        for number in raw.pages():
            raw.object(number)
    except NotPlain:
        pass


def tiny_pdf(objects: dict[int, bytes]) -> bytes:
    """A PDF of `objects` (1 is the catalog), with a classic cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[number] for number in sorted(objects))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, table)
    return bytes(out)


PAGE_TREE = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"}


@pytest.mark.parametrize(
    ("page", "extra"),
    [
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Resources " + b"[" * 200 + b"]" * 200 + b" >>", {}),
        (b"<< /Type /Page /Parent 2 0 R /Resources << >> >>", {}),  # its size comes from the page tree
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Resources << >> /Contents 4 0 R >>",
            {4: b"<< /Length 5 0 R >>\nstream\nq Q\nendstream", 5: b"3"},
        ),
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Resources << >> /Contents 4 0 R >>",
            {4: b"<< /Length 99 >>\nstream\nq Q\nendstream"},
        ),
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Resources << >> /Contents 9 0 R >>", {}),
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Resources << /Font (unclosed >> >>", {}),
    ],
    ids=[
        "nested too deeply",
        "inherited media box",
        "indirect stream length",
        "wrong stream length",
        "missing object",
        "unterminated string",
    ],
)
def test_what_consent_never_writes_is_left_to_pypdf(page: bytes, extra: dict[int, bytes]) -> None:
    pdf = RawPdf(tiny_pdf({**PAGE_TREE, 3: page, **extra}))
    with pytest.raises(NotPlain):
        waiting, seen = pdf.pages(), set()
        while waiting:
            number = waiting.pop()
            if number not in seen:
                seen.add(number)
                waiting += references(pdf.object(number).value)


def test_a_string_with_brackets_and_references_in_it_is_copied_as_written() -> None:
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Resources << >> "
            b"/Note (a \\) [3 0 R] << (nested) >> 4 0 R) /Hex <4142> >>")  # fmt: skip
    pdf = RawPdf(tiny_pdf({**PAGE_TREE, 3: page}))
    value = pdf.dictionary(pdf.pages()[0])
    assert value[b"/Note"] == b"(a \\) [3 0 R] << (nested) >> 4 0 R)"
    assert value[b"/Hex"] == b"<4142>"
