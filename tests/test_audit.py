"""The audit trail: one line per document, and never the patient's identity."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from pypdf import PdfReader

from generator.records.audit import AuditEntry, AuditLog
from tests.conftest import LASER_VERSION, as_options
from tests.test_batch import TOMORROW

DEFAULT_NAME = "laser-acne-scar_2026-12-01_00123.pdf"


def log_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_fill_logs_the_document_without_who_the_patient_is(run_cli, fields, tmp_path):
    fields.update(given_name="Zoë", family_name="Ångström", guardian="Rosa Ruiz", date_of_birth="2012-07-19")
    assert run_cli("fill", "laser-acne-scar", *as_options(fields)).exit_code == 0
    log = tmp_path / "consent-audit.jsonl"
    (line,) = log_lines(log)
    assert line["command"] == "fill"
    assert (line["form"], line["form_version"], line["language"]) == ("laser-acne-scar", LASER_VERSION, "en")
    assert line["record_number"] == "00123"
    assert line["file"] == DEFAULT_NAME
    assert line["sha256"] == hashlib.sha256((tmp_path / DEFAULT_NAME).read_bytes()).hexdigest()
    assert line["pages"] == len(PdfReader(tmp_path / DEFAULT_NAME).pages)
    assert len(line["document_id"]) == 16
    assert line["user"] and line["machine"]
    assert datetime.fromisoformat(line["time"]).tzinfo is not None
    text = log.read_text(encoding="utf-8")
    for private in ("Zoë", "Ångström", "Rosa", "Ruiz", "2012-07-19", "19 July 2012", "Dr Lee"):
        assert private not in text


def test_the_same_details_give_the_same_document_id(run_cli, fields, tmp_path):
    run_cli("fill", "laser-acne-scar", *as_options(fields), "-o", "a.pdf")
    run_cli("fill", "laser-acne-scar", *as_options(fields), "-o", "b.pdf")
    run_cli("fill", "laser-acne-scar", *as_options({**fields, "clinician": "Dr Patel"}), "-o", "c.pdf")
    ids = [line["document_id"] for line in log_lines(tmp_path / "consent-audit.jsonl")]
    assert ids[0] == ids[1] != ids[2]


def test_a_chosen_audit_log_and_an_unwritable_one(run_cli, fields, tmp_path):
    result = run_cli("fill", "laser-acne-scar", *as_options(fields), "--audit-log", "logs.jsonl")
    assert result.exit_code == 0
    assert len(log_lines(tmp_path / "logs.jsonl")) == 1
    refused = run_cli("fill", "laser-acne-scar", *as_options(fields), "-o", "x.pdf", "--audit-log", "no/log.jsonl")
    assert refused.exit_code == 1
    assert 'Cannot write the audit log "no/log.jsonl": No such file or directory.' in refused.output
    assert not (tmp_path / "x.pdf").exists(), "a form that cannot be logged is not made"


def test_batch_logs_every_form_it_made(run_cli, tmp_path):
    run_cli("batch", str(TOMORROW), "--out-dir", "out")
    out = tmp_path / "out"
    lines = log_lines(out / "consent-audit.jsonl")
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(line["document_id"] for line in lines) == sorted(d["document_id"] for d in manifest["documents"])
    assert {line["command"] for line in lines} == {"batch"}
    assert "Ruiz" not in (out / "consent-audit.jsonl").read_text(encoding="utf-8")


def test_each_record_is_one_line_stamped_in_utc(tmp_path):
    entry = AuditEntry("0123456789abcdef", "f", "1", "en", "00123", "f.pdf", "ab" * 32, 2)
    clock = lambda: datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # noqa: E731
    with AuditLog(tmp_path / "log.jsonl", command="fill", clock=clock) as log:
        log.record(entry)
        log.record(entry)
    lines = log_lines(tmp_path / "log.jsonl")
    assert len(lines) == 2
    assert lines[0]["time"] == "2026-12-01T09:30:00+00:00"
