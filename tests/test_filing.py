"""A made form is never lost: no command replaces a signed or filled form,
a rerun writes nothing, and every file is private to the clinic's accounts."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from generator import KeptFileError, fill, save
from tests.conftest import ADULT, TODAY, as_options
from tests.signing import fill_fields, ink_signature, make_signer, rewrite_page, sign
from tests.test_batch import TOMORROW

DEFAULT_NAME = "laser-acne-scar_2026-12-01_00123.pdf"
AUDIT = "consent-audit.jsonl"


@pytest.fixture(scope="module")
def signer():
    return make_signer("Front Desk Tablet")[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def log_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_signed_form_survives_a_second_fill_with_the_same_details(run_cli, tmp_path, signer):
    assert run_cli("fill", "laser-acne-scar", *as_options(ADULT)).exit_code == 0
    form = tmp_path / DEFAULT_NAME
    form.write_bytes(sign(form.read_bytes(), "patient_signature", signer))
    signed = sha256(form)
    for options in ([], ["-o", DEFAULT_NAME], ["-o", "."], ["--replace"]):
        again = run_cli("fill", "laser-acne-scar", *as_options(ADULT), *options)
        assert again.exit_code == 5, again.output
        assert f'"{DEFAULT_NAME}" is already there and has been signed (patient_signature)' in again.output.replace(
            "./", ""
        )
        assert "consent never replaces" in again.output
        assert "move that file away" in again.output
        assert sha256(form) == signed
    assert len(log_lines(tmp_path / AUDIT)) == 1, "nothing was made, so nothing more was logged"


def test_a_form_with_typed_initials_is_never_replaced(run_cli, tmp_path):
    run_cli("fill", "laser-acne-scar", *as_options(ADULT))
    form = tmp_path / DEFAULT_NAME
    form.write_bytes(fill_fields(form.read_bytes(), {"patient_date": "01/12/2026"}))
    kept = sha256(form)
    result = run_cli("fill", "laser-acne-scar", *as_options({**ADULT, "clinician": "Dr Patel"}), "--replace")
    assert result.exit_code == 5
    assert "has been filled in (patient_date)" in result.output
    assert sha256(form) == kept


def test_the_same_form_again_is_already_there_and_nothing_is_written(run_cli, tmp_path):
    run_cli("fill", "laser-acne-scar", *as_options(ADULT))
    before = (tmp_path / DEFAULT_NAME).stat()
    again = run_cli("fill", "laser-acne-scar", *as_options(ADULT))
    assert again.exit_code == 0
    assert f"{DEFAULT_NAME} is already there: the same form, byte for byte. Nothing was written." in again.output
    after = (tmp_path / DEFAULT_NAME).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert len(log_lines(tmp_path / AUDIT)) == 1


def test_an_unsigned_earlier_version_is_replaced_only_when_asked(run_cli, tmp_path):
    run_cli("fill", "laser-acne-scar", *as_options(ADULT), "-o", "form.pdf")
    earlier = sha256(tmp_path / "form.pdf")
    changed = {**ADULT, "clinician": "Dr Patel"}
    refused = run_cli("fill", "laser-acne-scar", *as_options(changed), "-o", "form.pdf")
    assert refused.exit_code == 5
    assert "an unsigned form that differs from this one" in refused.output
    assert "run again with --replace" in refused.output
    assert sha256(tmp_path / "form.pdf") == earlier
    replaced = run_cli("fill", "laser-acne-scar", *as_options(changed), "-o", "form.pdf", "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "Replaced the earlier unsigned form.pdf" in replaced.output
    first, second = log_lines(tmp_path / AUDIT)
    assert second["replaced_sha256"] == earlier == first["sha256"]
    assert second["sha256"] == sha256(tmp_path / "form.pdf") != earlier
    assert "replaced_sha256" not in first


def test_a_file_consent_did_not_make_is_never_replaced(run_cli, tmp_path):
    (tmp_path / "form.pdf").write_bytes(b"%PDF-1.4\nsomeone else's scan\n")
    result = run_cli("fill", "laser-acne-scar", *as_options(ADULT), "-o", "form.pdf", "--replace")
    assert result.exit_code == 5
    assert "is not a form made by consent" in result.output
    assert (tmp_path / "form.pdf").read_bytes() == b"%PDF-1.4\nsomeone else's scan\n"


def test_a_batch_rerun_keeps_a_form_signed_since_and_reports_its_row(run_cli, tmp_path, signer):
    first = run_cli("batch", str(TOMORROW), "--out-dir", "out")
    assert first.exit_code == 3  # the fixture's four bad rows
    out = tmp_path / "out"
    documents = json.loads((out / "manifest.json").read_text())["documents"]
    signed_row, signed_file = documents[1]["row"], out / documents[1]["file"]
    signed_file.write_bytes(sign(signed_file.read_bytes(), "patient_signature", signer))
    signed = sha256(signed_file)
    rerun = run_cli("batch", str(TOMORROW), "--out-dir", "out")
    assert rerun.exit_code == 3
    assert "3 of 8 rows done (3 already there, unchanged)" in rerun.output
    assert f"refused (rows {signed_row}, 5, 6, 7, 8)" in rerun.output
    assert sha256(signed_file) == signed
    errors = list(csv.DictReader(io.StringIO((out / "errors.csv").read_text(encoding="utf-8-sig"))))
    (kept,) = [error for error in errors if error["row"] == str(signed_row)]
    assert kept["field"] == "file"
    assert "has been signed (patient_signature)" in kept["message"]
    assert "or run the batch into another --out-dir" in kept["message"]


def test_the_library_save_follows_the_same_rules(tmp_path, signer):
    made = fill("laser-acne-scar", ADULT, today=TODAY)
    target = tmp_path / "form.pdf"
    assert save(made, target).outcome.value == "made"
    assert save(made, target).outcome.value == "already there"
    target.write_bytes(sign(target.read_bytes(), "patient_signature", signer))
    with pytest.raises(KeptFileError) as kept:
        save(fill("laser-acne-scar", {**ADULT, "clinician": "Dr Patel"}, today=TODAY), target, replace=True)
    assert kept.value.signed
    assert len(log_lines(tmp_path / AUDIT)) == 1


def test_two_desks_filling_the_same_form_at_once_make_it_once(tmp_path):
    desks = [
        subprocess.Popen(
            [sys.executable, "-m", "generator", "fill", "laser-acne-scar", *as_options(ADULT)],
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [desk.communicate(timeout=120) for desk in desks]
    assert [desk.returncode for desk in desks] == [0] * 4, outputs
    assert sum("Saved" in out for out, _ in outputs) == 1
    assert sum("already there" in out for out, _ in outputs) == 3
    assert len(log_lines(tmp_path / AUDIT)) == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == [AUDIT, DEFAULT_NAME]


@pytest.mark.parametrize(
    ("target", "exit_code", "why"),
    [
        ("appointments.csv", 1, "is not a consent audit log"),
        (DEFAULT_NAME, 1, "is not a consent audit log"),
        ("a-folder", 2, "is a directory"),  # refused by the option's type, as a usage error
        ("a-pipe", 1, "is not an ordinary file"),
    ],
)
def test_the_audit_log_refuses_a_file_that_is_not_one(run_cli, tmp_path, target, exit_code, why):
    (tmp_path / "appointments.csv").write_bytes(TOMORROW.read_bytes())
    run_cli("fill", "laser-acne-scar", *as_options(ADULT))
    (tmp_path / "a-folder").mkdir()
    os.mkfifo(tmp_path / "a-pipe")
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir() if path.is_file()}
    result = run_cli("fill", "laser-acne-scar", *as_options(ADULT), "-o", "other.pdf", "--audit-log", target)
    assert result.exit_code == exit_code
    assert why in result.output
    assert not (tmp_path / "other.pdf").exists()
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir() if path.is_file()} == before


def test_an_audit_log_of_an_earlier_run_is_appended_to(run_cli, tmp_path):
    run_cli("fill", "laser-acne-scar", *as_options(ADULT), "--audit-log", "log.jsonl")
    result = run_cli(
        "fill", "laser-acne-scar", *as_options({**ADULT, "record_number": "7"}), "--audit-log", "log.jsonl"
    )
    assert result.exit_code == 0, result.output
    assert len(log_lines(tmp_path / "log.jsonl")) == 2


def test_nothing_a_batch_or_fill_writes_is_readable_by_others_even_with_umask_0(tmp_path):
    def no_umask() -> None:
        os.umask(0)

    command = [sys.executable, "-m", "generator"]
    batch = subprocess.run([*command, "batch", str(TOMORROW), "--out-dir", "out"], cwd=tmp_path,
                           capture_output=True, text=True, preexec_fn=no_umask)  # fmt: skip
    assert batch.returncode == 3, batch.stderr
    filled = subprocess.run([*command, "fill", "laser-acne-scar", *as_options(ADULT)], cwd=tmp_path,
                            capture_output=True, text=True, preexec_fn=no_umask, stdin=subprocess.DEVNULL)  # fmt: skip
    assert filled.returncode == 0, filled.stderr
    written = [*sorted((tmp_path / "out").iterdir()), tmp_path / DEFAULT_NAME, tmp_path / AUDIT]
    assert len(written) == 4 + 5 + 2  # 4 PDFs, bundle, manifest, errors.csv, audit log, lock; and fill's two
    for path in written:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert not mode & 0o007, f"{path.name} is {oct(mode)}"
    assert not stat.S_IMODE((tmp_path / "out").stat().st_mode) & 0o007


@pytest.mark.parametrize(
    "signed_by_hand",
    [lambda pdf: ink_signature(pdf, 3), lambda pdf: rewrite_page(pdf, 3, incremental=False)],
    ids=["an ink annotation, file saved whole", "a stroke drawn into the page"],
)
def test_a_form_signed_by_hand_on_a_tablet_is_never_replaced(run_cli, tmp_path, signed_by_hand):
    run_cli("fill", "laser-acne-scar", *as_options(ADULT), "-o", "form.pdf")
    form = tmp_path / "form.pdf"
    form.write_bytes(signed_by_hand(form.read_bytes()))
    kept = sha256(form)
    result = run_cli("fill", "laser-acne-scar", *as_options({**ADULT, "clinician": "Dr Kim"}), "-o", "form.pdf",
                     "--replace")  # fmt: skip
    assert result.exit_code == 5
    assert "has been changed since consent made it" in result.output
    assert sha256(form) == kept


def test_the_audit_log_cannot_be_the_pdf_itself(run_cli, tmp_path):
    result = run_cli("fill", "laser-acne-scar", *as_options(ADULT), "-o", "p1.pdf", "--audit-log", "p1.pdf")
    assert result.exit_code == 2
    assert "the audit log cannot be the PDF itself" in result.output
    assert not list(tmp_path.iterdir())


def test_a_link_at_the_pdfs_name_is_never_written_through(run_cli, tmp_path):
    (tmp_path / "elsewhere.pdf").write_bytes(b"someone's file")
    (tmp_path / "form.pdf").symlink_to(tmp_path / "elsewhere.pdf")
    result = run_cli("fill", "laser-acne-scar", *as_options(ADULT), "-o", "form.pdf", "--replace")
    assert result.exit_code == 5
    assert "is a link to another file" in result.output
    assert (tmp_path / "elsewhere.pdf").read_bytes() == b"someone's file"
