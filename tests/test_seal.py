"""The clinic seal: made with `consent seal new-key`, put on every form,
kept by filling and signing, broken by anything else, and named by verify."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from generator.cli import main
from generator.verify.verification import verify_file
from tests.conftest import ADULT, as_options
from tests.signing import (
    crop,
    field_names,
    fill_fields,
    hide_field,
    make_signer,
    relabel,
    rewrite_page,
    set_info,
    sign,
    white_box_over,
)

PASSWORD = "correct horse battery"
ENV = {"CONSENT_SEAL_PASSWORD": PASSWORD}


def invoke(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    runner = CliRunner()
    previous = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return runner.invoke(main, list(args), env=env if env is not None else ENV, catch_exceptions=False)
    finally:
        os.chdir(previous)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Path:
    """A clinic folder with a new self-signed seal and settings that use it."""
    folder = tmp_path_factory.mktemp("clinic")
    result = invoke("seal", "new-key", "--name", "Riverside Skin Clinic", "-o", "clinic-seal.p12", cwd=folder)
    assert result.exit_code == 0, result.output
    (folder / "consent.toml").write_text('[seal]\nkey = "clinic-seal.p12"\n', encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def sealed(clinic) -> bytes:
    result = invoke("--config", str(clinic / "consent.toml"), "fill", "laser-acne-scar", *as_options(ADULT),
                    "-o", str(clinic / "sealed.pdf"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "sealed" in result.output
    return (clinic / "sealed.pdf").read_bytes()


@pytest.fixture(scope="module")
def patient_signer():
    return make_signer("Ana Ruiz (tablet)")


def verify(tmp_path: Path, pdf: bytes, *trust: Path) -> tuple[int, dict, str]:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    options = [part for certificate in trust for part in ("--trust", str(certificate))]
    as_json = invoke("verify", "--json", *options, str(path))
    as_text = invoke("verify", *options, str(path))
    (report,) = json.loads(as_json.output)
    assert as_json.exit_code == as_text.exit_code
    return as_json.exit_code, report, as_text.output


def test_new_key_writes_a_private_key_and_its_certificate(clinic):
    key, certificate = clinic / "clinic-seal.p12", clinic / "clinic-seal.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600, "nobody but the owner reads the seal's key"
    assert not stat.S_IMODE(certificate.stat().st_mode) & 0o007
    assert certificate.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    again = invoke("seal", "new-key", "--name", "Other", "-o", "clinic-seal.p12", cwd=clinic)
    assert again.exit_code == 1
    assert "consent never overwrites a seal" in again.output


def test_new_key_without_a_password_names_the_variable(tmp_path):
    result = invoke("seal", "new-key", "--name", "Clinic", "-o", "seal.p12", env={"CONSENT_SEAL_PASSWORD": ""},
                    cwd=tmp_path)  # fmt: skip
    assert result.exit_code == 1
    assert "CONSENT_SEAL_PASSWORD" in result.output
    assert not list(tmp_path.iterdir())


def test_a_fresh_form_is_sealed_intact_and_trusted(tmp_path, clinic, sealed):
    exit_code, report, text = verify(tmp_path, sealed, clinic / "clinic-seal.pem")
    assert exit_code == 0, text
    assert report["result"] == "intact" and report["sealed"] is True
    assert report["seal"]["signer"] == "Riverside Skin Clinic" and report["seal"]["trusted"] is True
    assert "Seal:         sealed, intact, by Riverside Skin Clinic" in text
    assert "trusted certificate" in text
    assert "Without a clinic seal" not in text


def test_without_trust_the_seal_is_intact_and_trust_not_checked(tmp_path, sealed):
    exit_code, report, text = verify(tmp_path, sealed)
    assert exit_code == 0
    assert report["seal"]["trusted"] is None and report["trust_checked"] is False
    assert "trust not checked (give --trust CERT)" in text


def test_signing_and_typing_into_fields_keep_the_seal(tmp_path, clinic, sealed, patient_signer):
    signer, signer_pem = patient_signer
    initials = field_names(sealed, "initials_")
    pdf = sign(sealed, "patient_signature", signer)
    pdf = sign(pdf, "clinician_signature", signer)
    pdf = fill_fields(pdf, {initials[0]: "AR", "patient_date": "01/12/2026", "patient_time": "09:30"})
    (tmp_path / "tablet.pem").write_bytes(signer_pem)
    exit_code, report, text = verify(tmp_path, pdf, clinic / "clinic-seal.pem", tmp_path / "tablet.pem")
    assert exit_code == 0, text
    assert report["result"] == "intact" and report["seal"]["problem"] is None
    states = {signature["name"]: signature["state"] for signature in report["signatures"]}
    assert states == {
        "patient_signature": "signed, intact",
        "clinician_signature": "signed, intact",
        "witness_signature": "empty",
    }


TAMPERING = {
    "an annotation laid over a side effect": (
        lambda pdf: white_box_over(pdf, 2),
        "an annotation (Square) was added on page 2.",
    ),
    "a crop box": (lambda pdf: crop(pdf, 2), "page 2's CropBox was changed"),
    "the record number in the document information": (
        lambda pdf: relabel(pdf, "00999"),
        "the record number in the document information was changed from '00123' to '00999'",
    ),
    "page 2 rewritten whole": (
        lambda pdf: rewrite_page(pdf, 2, incremental=False),
        "the clinic seal is broken: the signed content was changed after signing.",
    ),
    "page 2 as an incremental update": (
        lambda pdf: rewrite_page(pdf, 2, incremental=True),
        "the content of page 2 was changed.",
    ),
    "the title a viewer shows": (
        lambda pdf: set_info(pdf, "/Title", "Botox injection — Informed consent"),
        "the document information (Title) was changed",
    ),
    "an initials box hidden": (
        lambda pdf: hide_field(pdf, "initials_side_effects_sunburn-feeling"),
        'the form field "initials_side_effects_sunburn-feeling" on page 2 was hidden or no longer prints.',
    ),
    "bytes after the end": (lambda pdf: pdf + b"hello world\n", "bytes were added after the end"),
}


@pytest.mark.parametrize("edit", list(TAMPERING), ids=list(TAMPERING))
def test_each_edit_of_a_sealed_form_is_named_and_exits_1(tmp_path, clinic, sealed, patient_signer, edit):
    change, named = TAMPERING[edit]
    signed = sign(sealed, "patient_signature", patient_signer[0])
    for before in (sealed, signed):
        exit_code, report, text = verify(tmp_path, change(before), clinic / "clinic-seal.pem")
        assert exit_code == 1, text
        assert report["result"] == "CHANGED"
        assert any(named in problem for problem in report["problems"]), report["problems"]
        assert "Traceback" not in text
        # What the form says it is comes from what was sealed, never from a later update.
        assert report["record_number"] == "00123"
        if "page 2" in named or "Square" in named:
            assert report["changed_pages"] == [2]
            assert "CHANGED since the form was made: 2" in text


def test_a_seal_from_another_certificate_is_untrusted(tmp_path, sealed):
    _, other_pem = make_signer("Some Other Clinic")
    (tmp_path / "other.pem").write_bytes(other_pem)
    exit_code, report, text = verify(tmp_path, sealed, tmp_path / "other.pem")
    assert exit_code == 1
    assert report["result"] == "UNTRUSTED" and report["problems"] == []
    assert (
        "the clinic seal (Riverside Skin Clinic) does not come from a --trust certificate." in report["trust_problems"]
    )
    assert "Result:       UNTRUSTED" in text


def test_a_signature_from_another_certificate_is_untrusted_and_named(tmp_path, clinic, sealed, patient_signer):
    signed = sign(sealed, "patient_signature", patient_signer[0])
    exit_code, report, _ = verify(tmp_path, signed, clinic / "clinic-seal.pem")
    assert exit_code == 1
    assert report["result"] == "UNTRUSTED", report["problems"]
    assert report["trust_problems"] == [
        "the signature in patient_signature, by Ana Ruiz (tablet), does not come from a --trust certificate."
    ]


def test_the_seal_is_deterministic_apart_from_its_signature(clinic, sealed, tmp_path):
    """Two fills of the same details differ only inside the seal's signature
    dictionary (its time and signature value)."""
    result = invoke("--config", str(clinic / "consent.toml"), "fill", "laser-acne-scar", *as_options(ADULT),
                    "-o", str(tmp_path / "again.pdf"))  # fmt: skip
    assert result.exit_code == 0
    again = (tmp_path / "again.pdf").read_bytes()
    unsealed_length = sealed.index(b"%%EOF") + len(b"%%EOF")
    assert again[:unsealed_length] == sealed[:unsealed_length]
    assert len(again) == len(sealed)
    reader = PdfReader(io.BytesIO(again))
    assert reader.metadata["/ConsentRecordNumber"] == "00123"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "is locked with a password. Set the environment variable CONSENT_SEAL_PASSWORD"),
        ("wrong password", "The password in CONSENT_SEAL_PASSWORD does not open the seal key"),
    ],
    ids=["missing", "wrong"],
)
def test_a_missing_or_wrong_password_stops_before_anything_is_written(tmp_path, clinic, password, message):
    result = invoke("--config", str(clinic / "consent.toml"), "fill", "laser-acne-scar", *as_options(ADULT),
                    "-o", str(tmp_path / "form.pdf"), env={"CONSENT_SEAL_PASSWORD": password})  # fmt: skip
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.iterdir())


def test_a_batch_seals_every_form(tmp_path, clinic):
    from tests.test_batch import TOMORROW

    result = invoke("--config", str(clinic / "consent.toml"), "batch", str(TOMORROW), "--out-dir", str(tmp_path))
    assert result.exit_code == 3  # the fixture's bad rows
    pdfs = sorted(tmp_path.glob("laser-acne-scar_*.pdf"))
    assert len(pdfs) == 4
    checked = invoke("verify", "--trust", str(clinic / "clinic-seal.pem"), *map(str, pdfs))
    assert checked.exit_code == 0, checked.output
    assert checked.output.count("Seal:         sealed, intact, by Riverside Skin Clinic") == 4
    rerun = invoke("--config", str(clinic / "consent.toml"), "batch", str(TOMORROW), "--out-dir", str(tmp_path))
    assert "4 of 8 rows done (4 already there, unchanged)" in rerun.output


def test_a_removed_seal_is_noticed(tmp_path, sealed):
    """Taking the seal out (and the certification with it) does not turn a
    sealed form into an unsealed one that passes."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(sealed)))
    del writer._root_object["/Perms"]
    for field in writer._root_object["/AcroForm"]["/Fields"]:
        field = field.get_object()
        if field.get("/T") == "consent_seal":
            del field["/V"]
    buffer = io.BytesIO()
    writer.write(buffer)
    exit_code, report, _ = verify(tmp_path, buffer.getvalue())
    assert exit_code == 1
    assert report["sealed"] is False
    assert "it was made to carry the clinic's seal, but the seal has been removed." in report["problems"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_changed_byte_of_a_sealed_form_passes_as_intact(tmp_path, sealed, data):
    """Any byte the seal covers, changed to any other value, is noticed."""
    hole_start = sealed.index(b"/Contents <") + len(b"/Contents ")
    hole_end = sealed.index(b">", hole_start) + 1
    at = data.draw(st.integers(0, len(sealed) - 1).filter(lambda i: not hole_start <= i < hole_end), label="offset")
    value = data.draw(st.integers(0, 255).filter(lambda b: b != sealed[at]), label="new byte")
    path = tmp_path / "flipped.pdf"
    path.write_bytes(sealed[:at] + bytes([value]) + sealed[at + 1 :])
    result = verify_file(path, trust_roots=None)
    assert result.result != "intact", (at, value)


@pytest.mark.parametrize(
    ("name", "why"),
    [("Skin Clinic \U0001f3e5", "certificates cannot hold the character"), ("Evil\nResult: intact", "control")],
    ids=["an emoji", "a line break"],
)
def test_a_seal_name_no_checker_could_use_is_refused(tmp_path, name, why):
    result = invoke("seal", "new-key", "--name", name, "-o", "seal.p12", cwd=tmp_path)
    assert result.exit_code == 2
    assert why in result.output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("sealed_form", [True, False], ids=["sealed", "unsealed"])
def test_every_field_can_be_filled_and_signed_in_turn_and_the_form_stays_intact(
    tmp_path, clinic, sealed, patient_signer, sealed_form
):
    """The clinic day as it happens: the patient initials, ticks the photograph
    boxes and signs; the clinician ticks each teach-back question, initials and
    signs; the witness signs last. Each step is an incremental update by an
    outside tool (pypdf types and ticks, pyHanko signs)."""
    from generator import fill
    from tests.conftest import ADULT, TODAY

    signer, signer_pem = patient_signer
    pdf = sealed if sealed_form else fill("laser-acne-scar", dict(ADULT), today=TODAY).pdf
    ticks = {name: "/Yes" for name in field_names(pdf, "teach_back_") if name != "teach_back_initials"}
    initials = {name: "AR" for name in field_names(pdf, "initials_")}
    steps = [
        lambda pdf: fill_fields(pdf, initials),
        lambda pdf: fill_fields(pdf, {"photographs_record_agree": "/Yes", "photographs_teaching_decline": "/Yes"}),
        lambda pdf: fill_fields(pdf, {"patient_date": "01/12/2026", "patient_time": "09:30"}),
        lambda pdf: sign(pdf, "patient_signature", signer),
        lambda pdf: fill_fields(pdf, {**ticks, "teach_back_initials": "JL"}),
        lambda pdf: fill_fields(pdf, {"clinician_date": "01/12/2026", "clinician_time": "09:40"}),
        lambda pdf: sign(pdf, "clinician_signature", signer),
        lambda pdf: fill_fields(pdf, {"witness_date": "01/12/2026", "witness_time": "09:41"}),
        lambda pdf: sign(pdf, "witness_signature", signer),
    ]
    for step in steps:
        pdf = step(pdf)
    values = {name: field.get("/V") for name, field in PdfReader(io.BytesIO(pdf)).get_fields().items()}
    assert values["photographs_record_agree"] == "/Yes" and values["photographs_record_decline"] == "/Off"
    assert values["photographs_teaching_decline"] == "/Yes" and values["teach_back_initials"] == "JL"
    assert all(values[name] == "/Yes" for name in ticks) and len(ticks) == 6
    (tmp_path / "tablet.pem").write_bytes(signer_pem)
    trust = [clinic / "clinic-seal.pem"] if sealed_form else []
    exit_code, report, text = verify(tmp_path, pdf, *trust, tmp_path / "tablet.pem")
    assert exit_code == 0, text
    assert report["result"] == "intact", text
    states = {signature["name"]: signature["state"] for signature in report["signatures"]}
    assert set(states.values()) == {"signed, intact"} and len(states) == 3


def test_a_photograph_question_ticked_both_ways_is_pointed_out(tmp_path):
    from generator import fill
    from tests.conftest import TODAY

    pdf = fill("laser-acne-scar", dict(ADULT), today=TODAY).pdf
    both = fill_fields(pdf, {"photographs_record_agree": "/Yes", "photographs_record_decline": "/Yes"})
    exit_code, report, text = verify(tmp_path, both)
    assert exit_code == 0 and report["result"] == "intact"  # the form is as it was made
    assert 'both "photographs_record_agree" and "photographs_record_decline" are ticked' in text
    one = fill_fields(pdf, {"photographs_record_agree": "/Yes"})
    assert "are ticked" not in verify(tmp_path, one)[2]
