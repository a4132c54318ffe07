"""`consent verify`: a form signed field by field with a standard signing tool
(pyHanko), then checked, then tampered with."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject
from reportlab.pdfgen.canvas import Canvas

from generator import __version__, fill
from tests.conftest import ADULT, LASER_VERSION, TODAY, assert_qpdf_finds_no_problem, needs_qpdf
from tests.signing import crop, fill_fields, make_signer, relabel, sign, white_box_over

FORM_ID = "laser-acne-scar"
SIGNERS = ("patient_signature", "clinician_signature", "witness_signature")


@pytest.fixture(scope="module")
def certificate():
    """A self-signed signing certificate, made for this test run only."""
    return make_signer("Test Clinic Signing")


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return fill(FORM_ID, ADULT, today=TODAY).pdf


@pytest.fixture(scope="module")
def fully_signed(unsigned, certificate) -> bytes:
    pdf = unsigned
    for field in SIGNERS:
        pdf = sign(pdf, field, certificate[0])
    return pdf


def verify(run_cli, tmp_path, pdf: bytes, *options: str):
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return run_cli("verify", str(path), *options)


def verify_json(run_cli, tmp_path, pdf: bytes, *options: str) -> tuple[int, dict]:
    result = verify(run_cli, tmp_path, pdf, "--json", *options)
    (report,) = json.loads(result.output)
    return result.exit_code, report


def states(report: dict) -> dict[str, str]:
    return {signature["name"]: signature["state"] for signature in report["signatures"]}


def test_a_new_form_is_intact_and_says_what_it_is(run_cli, tmp_path, unsigned):
    result = verify(run_cli, tmp_path, unsigned)
    assert result.exit_code == 0, result.output
    assert f"laser-acne-scar, version {LASER_VERSION}, language en" in result.output
    assert "Record:       00123" in result.output
    assert "Pages:        4, all unchanged" in result.output
    assert "Made with:    consent " in result.output
    assert "patient_signature    empty (not signed yet)" in result.output
    assert "Result:       intact" in result.output


def test_each_field_signed_in_turn_leaves_earlier_signatures_intact(run_cli, tmp_path, unsigned, certificate):
    signer, _ = certificate
    pdf = unsigned
    for count, field in enumerate(SIGNERS, start=1):
        pdf = sign(pdf, field, signer)
        exit_code, report = verify_json(run_cli, tmp_path, pdf)
        assert exit_code == 0, report["problems"]
        assert report["intact"] and report["changed_pages"] == []
        signed = [name for name, state in states(report).items() if state == "signed, intact"]
        assert signed == list(SIGNERS[:count])
        assert all(state == "empty" for name, state in states(report).items() if name not in signed)


def test_signatures_from_a_trusted_certificate_are_reported_trusted(run_cli, tmp_path, fully_signed, certificate):
    (tmp_path / "clinic-ca.pem").write_bytes(certificate[1])
    result = verify(run_cli, tmp_path, fully_signed, "--trust", str(tmp_path / "clinic-ca.pem"))
    assert result.exit_code == 0
    assert result.output.count("signed, intact") == 3
    assert result.output.count("by Test Clinic Signing") == 3
    assert result.output.count("trusted certificate") == 3
    not_checked = verify(run_cli, tmp_path, fully_signed)
    assert not_checked.exit_code == 0, "without --trust, trust is not checked and does not decide"
    assert not_checked.output.count("trust not checked (give --trust CERT)") == 3


def test_a_changed_page_is_named_and_exits_1(run_cli, tmp_path, unsigned):
    reader = PdfReader(io.BytesIO(unsigned))
    writer = PdfWriter(clone_from=reader)
    page = writer.pages[1]
    content = page.get_contents().get_data()
    changed = DecodedStreamObject()
    changed.set_data(content.replace(b"1 0 0 1", b"1 0 0 1.02", 1))
    page[NameObject("/Contents")] = writer._add_object(changed)
    buffer = io.BytesIO()
    writer.write(buffer)
    result = verify(run_cli, tmp_path, buffer.getvalue())
    assert result.exit_code == 1
    assert "CHANGED since the form was made: 2" in result.output
    assert "The content of page 2 changed since the form was made." in result.output


def test_a_page_changed_after_signing_breaks_the_signature_and_the_page(run_cli, tmp_path, fully_signed):
    writer = PdfWriter(io.BytesIO(fully_signed), incremental=True)
    page = writer.pages[0]
    extra = DecodedStreamObject()
    extra.set_data(b"0 g 100 100 50 50 re f")
    page[NameObject("/Contents")] = writer._add_object(extra)
    buffer = io.BytesIO()
    writer.write(buffer)
    exit_code, report = verify_json(run_cli, tmp_path, buffer.getvalue())
    assert exit_code == 1
    assert report["result"] == "CHANGED"
    assert "the content of page 1 was changed." in report["problems"]
    assert set(states(report).values()) == {"signed, broken"}
    assert any("patient_signature is broken" in problem for problem in report["problems"])


def test_a_changed_signed_byte_breaks_that_signature(run_cli, tmp_path, unsigned, certificate):
    signed = sign(unsigned, "patient_signature", certificate[0])
    # A byte inside the signed range (the document title), changed in place.
    at = signed.index(b"Laser acne scar treatment")
    tampered = signed[:at] + b"l" + signed[at + 1 :]
    result = verify(run_cli, tmp_path, tampered)
    assert result.exit_code == 1
    assert "patient_signature    SIGNED, BROKEN: the signed content was changed after signing." in result.output
    assert "Result:       CHANGED" in result.output


def test_a_file_that_is_not_a_pdf_is_refused_plainly(run_cli, tmp_path):
    (tmp_path / "notes.pdf").write_text("Ana Ruiz, 00123\n")
    result = run_cli("verify", str(tmp_path / "notes.pdf"))
    assert result.exit_code == 1
    assert "notes.pdf: NOT CHECKED - it is not a PDF file." in result.output
    assert "Traceback" not in result.output


def test_a_pdf_not_made_by_consent_is_refused(run_cli, tmp_path):
    canvas = Canvas(str(tmp_path / "other.pdf"))
    canvas.drawString(100, 700, "Some other consent form")
    canvas.save()
    result = run_cli("verify", str(tmp_path / "other.pdf"))
    assert result.exit_code == 1
    assert "it is a PDF without the details of a form made by consent" in result.output


def test_a_truncated_pdf_is_refused_without_a_traceback(run_cli, tmp_path, unsigned):
    (tmp_path / "cut.pdf").write_bytes(unsigned[: len(unsigned) // 3])
    result = run_cli("verify", str(tmp_path / "cut.pdf"))
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_a_missing_file_is_named(run_cli, tmp_path):
    result = run_cli("verify", str(tmp_path / "nowhere.pdf"))
    assert result.exit_code == 1
    assert "nowhere.pdf: NOT CHECKED - there is no such file." in result.output


def test_verify_json_lists_every_file_and_exits_1_if_any_changed(run_cli, tmp_path, unsigned):
    (tmp_path / "good.pdf").write_bytes(unsigned)
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 nothing else")
    result = run_cli("verify", "--json", str(tmp_path / "good.pdf"), str(tmp_path / "bad.pdf"))
    assert result.exit_code == 1
    good, bad = json.loads(result.output)
    assert good["intact"] is True and good["record_number"] == "00123" and good["pages"] == 4
    assert bad["intact"] is False and bad["is_form"] is False


@needs_qpdf
def test_a_signed_form_stays_a_valid_pdf(fully_signed, tmp_path):
    assert_qpdf_finds_no_problem(fully_signed, tmp_path)


def font_object_span(pdf: bytes, marker: bytes) -> int:
    """Offset of the middle of the first object whose dictionary contains `marker`."""
    at = pdf.index(marker)
    start = pdf.rindex(b" obj", 0, at)
    end = pdf.index(b"endobj", at)
    return (start + end) // 2


@pytest.mark.parametrize("marker", [b"/Length1", b"/Widths"], ids=["font glyphs", "font widths"])
def test_a_damaged_embedded_font_is_reported(run_cli, tmp_path, unsigned, marker):
    """A damaged font changes what every page shows without touching any
    page's content: verify must still say so."""
    at = font_object_span(unsigned, marker)
    original = unsigned[at : at + 1]
    replacement = b"6" if original != b"6" else b"7"
    if marker == b"/Widths":
        # Change one width digit, keeping the file's structure.
        digits = [i for i in range(at, at + 400) if unsigned[i : i + 1].isdigit()]
        at = digits[len(digits) // 2]
        replacement = b"1" if unsigned[at : at + 1] != b"1" else b"2"
    tampered = unsigned[:at] + replacement + unsigned[at + 1 :]
    result = verify(run_cli, tmp_path, tampered)
    assert result.exit_code == 1, result.output
    assert "Its embedded fonts changed since the form was made" in result.output


def test_a_form_with_a_cjk_name_verifies_intact(run_cli, tmp_path):
    made = fill(FORM_ID, {**ADULT, "given_name": "小明", "family_name": "王"}, today=TODAY)
    result = verify(run_cli, tmp_path, made.pdf)
    assert result.exit_code == 0, result.output


def test_a_form_from_before_font_digests_is_checked_without_its_fonts(run_cli, tmp_path, unsigned):
    """Forms made before 0.2.0 have no font digest: their pages are still
    checked, and the report says the fonts were not."""
    key = b"/ConsentFontsDigest"
    at = unsigned.index(key)
    older = unsigned[:at] + b"/ConsentFontsDigesX" + unsigned[at + len(key) :]
    result = verify(run_cli, tmp_path, older)
    assert result.exit_code == 0, result.output
    assert "Its fonts were not checked: it was made by a consent version that records no font digest." in result.output


def test_the_tablet_workflow_initials_then_signatures_stays_intact(run_cli, tmp_path, unsigned, certificate):
    """The patient types initials and the date, signs; the clinician signs.
    Each box shows its own value, and verify finds everything intact."""
    initials = [name for name in PdfReader(io.BytesIO(unsigned)).get_fields() if name.startswith("initials_")]
    pdf = fill_fields(
        unsigned, {**dict.fromkeys(initials, "AR"), "patient_date": "01/12/2026", "patient_time": "09:30"}
    )
    pdf = sign(pdf, "patient_signature", certificate[0])
    pdf = fill_fields(pdf, {"clinician_date": "01/12/2026", "clinician_time": "09:45"})
    pdf = sign(pdf, "clinician_signature", certificate[0])
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    second_page = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert second_page.count("AR") == len(initials) and "01/12/2026" not in second_page
    exit_code, report = verify_json(run_cli, tmp_path, pdf)
    assert exit_code == 0, report["problems"]
    assert states(report) == {
        "patient_signature": "signed, intact",
        "clinician_signature": "signed, intact",
        "witness_signature": "empty",
    }


def test_a_trust_file_that_is_not_a_certificate_is_named(run_cli, tmp_path, fully_signed):
    (tmp_path / "clinic-ca.pem").write_text("-----BEGIN NOTHING-----\nhello\n")
    result = verify(run_cli, tmp_path, fully_signed, "--trust", str(tmp_path / "clinic-ca.pem"))
    assert result.exit_code == 1
    assert f"{tmp_path / 'clinic-ca.pem'} is not a certificate" in result.output
    assert "exported as a .pem or .cer file" in result.output
    assert "Traceback" not in result.output


UNSEALED_EDITS = {
    "a white annotation over a side effect": (
        lambda pdf, incremental: white_box_over(pdf, 2, incremental=incremental),
        "an annotation (Square) was added on page 2.",
    ),
    "a crop box hiding half of page 2": (
        lambda pdf, incremental: crop(pdf, 2, incremental=incremental),
        "page 2 has a CropBox that shows only part of the page.",
    ),
    "another patient's record number": (
        lambda pdf, incremental: relabel(pdf, "00999", incremental=incremental),
        "the form's details in the document information (form, version, language, record number or document id) "
        "were changed after it was made.",
    ),
}


@pytest.mark.parametrize("edit", list(UNSEALED_EDITS), ids=list(UNSEALED_EDITS))
@pytest.mark.parametrize("incremental", [True, False], ids=["incremental update", "file rewritten"])
def test_cheap_edits_of_an_unsealed_form_are_caught(run_cli, tmp_path, unsigned, edit, incremental):
    change, named = UNSEALED_EDITS[edit]
    tampered = change(unsigned, incremental)
    exit_code, report = verify_json(run_cli, tmp_path, tampered)
    assert exit_code == 1
    assert report["result"] == "CHANGED"
    assert named in report["problems"]
    text = verify(run_cli, tmp_path, tampered).output
    assert "Without a clinic seal, only accidental damage can be detected, not deliberate edits" in text


def test_an_unsealed_signed_form_relabelled_after_signing_shows_the_signed_record(
    run_cli, tmp_path, unsigned, certificate
):
    signed = sign(unsigned, "patient_signature", certificate[0])
    exit_code, report = verify_json(run_cli, tmp_path, relabel(signed, "00999"))
    assert exit_code == 1
    assert report["record_number"] == "00123", "the record the patient signed, not a later edit"
    assert any(
        "record number in the document information was changed from '00123' to '00999'" in problem
        for problem in report["problems"]
    )


def test_a_signature_from_a_certificate_that_did_not_issue_it_is_untrusted(run_cli, tmp_path, fully_signed):
    _, stranger = make_signer("Not The Clinic")
    (tmp_path / "stranger.pem").write_bytes(stranger)
    exit_code, report = verify_json(run_cli, tmp_path, fully_signed, "--trust", str(tmp_path / "stranger.pem"))
    assert exit_code == 1
    assert report["result"] == "UNTRUSTED"
    assert len(report["trust_problems"]) == 3
    assert "by Test Clinic Signing, does not come from a --trust certificate" in report["trust_problems"][0]


def _fifo(tmp_path):
    path = tmp_path / "pipe.pdf"
    os.mkfifo(path)
    return path


NOT_A_FILE = "it is not an ordinary file (a pipe, a device or a socket)."


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda tmp_path: "/dev/zero", NOT_A_FILE),
        (_fifo, NOT_A_FILE),
        (lambda tmp_path: tmp_path, "it is a folder, not a file."),
    ],
    ids=["/dev/zero", "a FIFO", "a folder"],
)
def test_what_is_not_a_file_is_refused_at_once(tmp_path, make, reason):
    """Run as a real process: a hang shows as a timeout, not a slow test."""
    target = str(make(tmp_path))
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "generator", "verify", target], capture_output=True, text=True, timeout=30
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert f"{target}: NOT CHECKED - {reason}" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    print(f"verify {target}: {elapsed:.2f} s, including Python's start")


@pytest.mark.parametrize("make", [lambda tmp_path: "/dev/zero", _fifo], ids=["/dev/zero", "a FIFO"])
def test_a_trust_file_that_is_not_a_file_is_refused_at_once(tmp_path, unsigned, make):
    form = tmp_path / "form.pdf"
    form.write_bytes(unsigned)
    result = subprocess.run(
        [sys.executable, "-m", "generator", "verify", "--trust", str(make(tmp_path)), str(form)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 1
    assert NOT_A_FILE in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_trust_file_larger_than_a_certificate_is_refused(run_cli, tmp_path, unsigned):
    (tmp_path / "huge.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\n" + b"A" * 200_000)
    result = verify(run_cli, tmp_path, unsigned, "--trust", str(tmp_path / "huge.pem"))
    assert result.exit_code == 1
    assert "larger than any file of this kind" in result.output


def test_a_form_from_consent_0_2_is_checked_for_what_it_records(run_cli, tmp_path, unsigned):
    """0.2.0 forms carry no view or identity digest: their pages are still
    checked, and the report says what was not."""
    older = unsigned
    for key, hidden in ((b"/ConsentPageViewDigests", b"/ConsentPageViewDigestX"),
                        (b"/ConsentIdentityDigest", b"/ConsentIdentityDigesX"),
                        (f"(consent {__version__})".encode(), b"(consent 0.2.0)")):  # fmt: skip
        older = older.replace(key, hidden)
    result = verify(run_cli, tmp_path, older)
    assert result.exit_code == 0, result.output
    assert "Its page boxes and annotations were not checked" in result.output
    assert "Its record number was not checked" in result.output
    # The same keys missing from a form that says it is from 0.3.0 or later is damage.
    newer = older.replace(b"(consent 0.2.0)", b"(consent 0.3.0)")
    assert verify(run_cli, tmp_path, newer).exit_code == 1


def test_with_trust_a_form_nothing_trusted_vouches_for_is_untrusted(run_cli, tmp_path, unsigned, certificate):
    """Anyone can make a PDF that carries consent's digests: with --trust, an
    unsealed, unsigned form is not taken as the clinic's."""
    (tmp_path / "clinic.pem").write_bytes(certificate[1])
    exit_code, report = verify_json(run_cli, tmp_path, unsigned, "--trust", str(tmp_path / "clinic.pem"))
    assert exit_code == 1
    assert report["result"] == "UNTRUSTED"
    assert "it carries no clinic seal and no signature from a --trust certificate" in report["trust_problems"][0]


def test_a_removed_page_is_not_reported_as_all_pages_unchanged(run_cli, tmp_path, fully_signed):
    writer = PdfWriter(io.BytesIO(fully_signed), incremental=True)
    writer.remove_page(2)
    buffer = io.BytesIO()
    writer.write(buffer)
    result = verify(run_cli, tmp_path, buffer.getvalue())
    assert result.exit_code == 1
    assert "all unchanged" not in result.output
    assert "It had 4 pages, and now has 3." in result.output


def test_an_encrypted_copy_is_named_as_such(run_cli, tmp_path, unsigned):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(unsigned)))
    writer.encrypt(user_password="", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    result = verify(run_cli, tmp_path, buffer.getvalue())
    assert result.exit_code == 1
    assert "NOT CHECKED - it is encrypted (saved with a password)" in result.output


def test_a_field_name_damaged_into_bytes_is_reported_not_a_traceback(run_cli, tmp_path, unsigned):
    """Found by the property test of test_seal.py: one changed byte can turn a
    field's name into bytes that are not text (here UTF-16 with a lone
    surrogate), and sorting the names failed with a TypeError."""
    name = b"(photographs_record_agree)"
    assert unsigned.count(name) == 1
    damaged = unsigned.replace(name, b"<FEFFD800>".ljust(len(name)))
    result = verify(run_cli, tmp_path, damaged)
    assert isinstance(result.exception, SystemExit | None), result.exception
    assert "Result:" in result.output


# What verify says when several things changed, or its own checks are gone: in
# these exact words (mutation testing showed "contains" could not tell).


def _problems(pdf: bytes) -> tuple[list[int], list[str], list[str]]:
    from generator.verify.digests import digest_checks

    reader = PdfReader(io.BytesIO(pdf))
    return digest_checks(reader, reader.metadata)


def test_two_changed_pages_are_listed_together(unsigned):
    from tests.signing import rewrite_page

    changed, problems, _ = _problems(rewrite_page(rewrite_page(unsigned, 1, incremental=True), 3, incremental=True))
    assert changed == [1, 3]
    assert problems == ["the content of pages 1, 3 changed since the form was made."]


def test_a_page_changed_and_another_cropped_are_both_reported(unsigned):
    from tests.signing import crop, rewrite_page

    changed, problems, _ = _problems(crop(rewrite_page(unsigned, 1, incremental=True), 2))
    assert changed == [1, 2]
    assert problems[0] == "the content of page 1 changed since the form was made."
    assert len(problems) == 2 and "page 2" in problems[1]


def test_a_view_change_alone_names_its_page(unsigned):
    from tests.signing import crop

    changed, problems, _ = _problems(crop(unsigned, 3))
    assert changed == [3] and len(problems) == 1


def test_a_form_whose_own_checks_are_gone_says_so_in_these_words(unsigned):
    keys = (b"/ConsentPageDigests", b"/ConsentPageViewDigests", b"/ConsentIdentityDigest")
    stripped = unsigned
    for key in keys:
        stripped = stripped.replace(key, key[:-1] + b"X")
    _, problems, _ = _problems(stripped)
    assert problems == [
        "its page checks are missing or damaged, so its pages cannot be checked.",
        "its page view checks are missing or damaged.",
        "its identity check is missing.",
    ]


def test_a_form_from_consent_0_2_gets_these_notes(unsigned):
    older = unsigned.replace(f"(consent {__version__})".encode(), b"(consent 0.2.0)")
    for key in (b"/ConsentPageViewDigests", b"/ConsentIdentityDigest", b"/ConsentFontsDigest"):
        older = older.replace(key, key[:-1] + b"X")
    changed, problems, notes = _problems(older)
    assert (changed, problems) == ([], [])
    assert notes == [
        "Its page boxes and annotations were not checked: its consent version records no digest of them.",
        "Its record number was not checked: its consent version records no digest of it.",
        "Its fonts were not checked: it was made by a consent version that records no font digest.",
    ]


def test_a_version_that_cannot_be_read_is_taken_as_the_oldest(unsigned):
    from generator.verify.digests import version_of

    assert version_of("consent 0.5.0") == (0, 5, 0)
    assert version_of("consent x.y") == version_of(None) == version_of("") == (0,)
