"""`consent batch` on a clinic day's export, checked row by row."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.records.reports import MANIFEST_NAME as MANIFEST
from generator.records.reports import RowProblem, errors_csv
from tests.conftest import LASER_VERSION, TESTS, full_text

TOMORROW = TESTS / "data" / "tomorrow.csv"
GOOD_ROWS = [2, 3, 4, 9]
REFUSED = {(5, "guardian"), (6, "form"), (7, "date_of_birth"), (8, "record_number")}
PATIENT_BY_ROW = {2: "Ana Ruiz", 3: "María José Ruiz, Gómez", 4: "Tom Smith", 9: "Élodie Dupont"}


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def error_rows(out: Path) -> list[dict[str, str]]:
    with (out / "errors.csv").open(newline="", encoding="utf-8-sig") as stream:
        return list(csv.DictReader(stream))


def assert_day_done_right(out: Path) -> None:
    """What the realistic list must produce, whatever format it came in."""
    documents = manifest(out)["documents"]
    assert [document["row"] for document in documents] == GOOD_ROWS
    pdfs = sorted(path.name for path in out.glob("*.pdf") if path.name != "print-bundle.pdf")
    assert pdfs == sorted(document["file"] for document in documents)
    for document in documents:
        path = out / document["file"]
        assert document["file"].startswith("laser-acne-scar_2026-12-01_")
        assert document["form"] == "laser-acne-scar" and document["form_version"] == LASER_VERSION
        assert PATIENT_BY_ROW[document["row"]] in full_text(path)
        assert not any(part in document["file"] for part in ("Ana", "Ruiz", "Smith", "Dupont"))
        import hashlib

        assert hashlib.sha256(path.read_bytes()).hexdigest() == document["sha256"]
        assert len(PdfReader(path).pages) == document["pages"]
    by_row = {document["row"]: out / document["file"] for document in documents}
    # The list's guardian relationship and interpreter's language reach the signature blocks.
    assert "Relationship to the patient: mother Signature Printed name Jane Smith" in full_text(by_row[4])
    assert "Language interpreted: French Signature Printed name Marc Martin" in full_text(by_row[9])
    assert {(int(row["row"]), row["field"]) for row in error_rows(out)} == REFUSED
    bundle = PdfReader(out / "print-bundle.pdf")
    assert len(bundle.pages) == sum(d["pages"] + d["pages"] % 2 for d in documents)
    parts = sum((out / d["file"]).stat().st_size for d in documents)
    assert (out / "print-bundle.pdf").stat().st_size <= parts


def test_a_realistic_export_row_by_row(run_cli, tmp_path):
    result = run_cli("batch", str(TOMORROW), "--out-dir", "out", "--jobs", "2")
    assert result.exit_code == 3, result.output
    out = tmp_path / "out"
    assert_day_done_right(out)
    names = {document["row"]: document["file"] for document in manifest(out)["documents"]}
    assert names[2].startswith("laser-acne-scar_2026-12-01_00123_")
    assert names[3].startswith("laser-acne-scar_2026-12-01_000456_")
    messages = {int(row["row"]): row["message"] for row in error_rows(out)}
    assert messages[5].startswith("The patient will be 13 on the procedure date")
    assert messages[6].startswith('There is no form called "tattoo-removal".')
    assert messages[7].startswith('Date of birth "1990-02-30" is not a real date.')
    assert messages[8] == "Record number is missing. Fill it in; it is printed on the form."
    assert "4 of 8 rows done" in result.stdout
    assert "4 refused (rows 5, 6, 7, 8)" in result.stdout
    assert "Warning: column notes is not one consent uses; it was ignored." in result.stderr
    assert manifest(out)["totals"]["documents"] == 4


def test_each_form_starts_on_a_fresh_sheet_in_the_bundle(run_cli, tmp_path):
    run_cli("batch", str(TOMORROW), "--out-dir", "out")
    out = tmp_path / "out"
    bundle = PdfReader(out / "print-bundle.pdf")
    start = 0
    for document in manifest(out)["documents"]:
        assert start % 2 == 0, "a form starts on the back of a sheet"
        first_page = " ".join(bundle.pages[start].extract_text().split())
        assert PATIENT_BY_ROW[document["row"]] in first_page
        if document["pages"] % 2:
            assert bundle.pages[start + document["pages"]].extract_text().strip() == ""
        start += document["pages"] + document["pages"] % 2
    assert start == len(bundle.pages)


def _rows_of_fixture() -> list[list[str]]:
    with TOMORROW.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def test_the_same_list_as_an_excel_workbook(run_cli, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    for row in _rows_of_fixture():
        cells: list[object] = list(row)
        if cells and cells[3][:4].isdigit() and cells[3] != "1990-02-30":
            cells[3] = datetime.fromisoformat(cells[3])  # a real Excel date cell
            cells[5] = date.fromisoformat(cells[5])
        workbook.active.append(cells)
    workbook.save(tmp_path / "tomorrow.xlsx")
    result = run_cli("batch", "tomorrow.xlsx", "--out-dir", "out")
    assert result.exit_code == 3, result.output
    assert_day_done_right(tmp_path / "out")


def _write_variant(path: Path, delimiter: str, encoding: str) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(_rows_of_fixture())
    path.write_bytes(buffer.getvalue().encode(encoding))


def test_semicolons_in_cp1252_need_and_honour_encoding(run_cli, tmp_path):
    _write_variant(tmp_path / "excel.csv", ";", "cp1252")
    refused = run_cli("batch", "excel.csv", "--out-dir", "out")
    assert refused.exit_code == 1
    assert "excel.csv line 3 is not valid UTF-8 text (byte 0xED)." in refused.output
    assert "--encoding cp1252" in refused.output
    assert not (tmp_path / "out").exists()
    result = run_cli("batch", "excel.csv", "--out-dir", "out", "--encoding", "cp1252")
    assert result.exit_code == 3, result.output
    assert_day_done_right(tmp_path / "out")


def test_a_day_first_list_with_a_date_format(run_cli, tmp_path):
    rows = _rows_of_fixture()
    for row in rows[1:]:
        for index in (3, 5):
            if len(row) > index and row[index].count("-") == 2:
                year, month, day = row[index].split("-")
                row[index] = f"{day}/{month}/{year}"
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    (tmp_path / "uk.csv").write_text(buffer.getvalue(), encoding="utf-8")
    result = run_cli("batch", "uk.csv", "--out-dir", "out", "--date-format", "%d/%m/%Y")
    assert result.exit_code == 3, result.output
    assert [d["row"] for d in manifest(tmp_path / "out")["documents"]] == GOOD_ROWS


def test_a_missing_column_stops_before_any_file_is_written(run_cli, tmp_path):
    (tmp_path / "list.csv").write_text("form,given_name,family_name\nlaser-acne-scar,Ana,Ruiz\n")
    result = run_cli("batch", "list.csv", "--out-dir", "out")
    assert result.exit_code == 1
    assert "list.csv has no column date_of_birth, record_number, procedure_date, clinician." in result.output
    assert not (tmp_path / "out").exists()


def test_an_interpreter_without_their_language_refuses_only_that_row(run_cli, tmp_path):
    rows = [
        "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician,interpreter",
        "laser-acne-scar,Ana,Ruiz,1990-03-07,1,2026-12-01,Dr Lee,",
        "laser-acne-scar,Élodie,Dupont,1988-08-08,2,2026-12-01,Dr Lee,Marc Martin",
    ]
    (tmp_path / "list.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run_cli("batch", "list.csv", "--out-dir", "out")
    assert result.exit_code == 3, result.output
    (refused,) = error_rows(tmp_path / "out")
    assert (refused["row"], refused["field"]) == ("3", "interpreter_language")
    assert refused["message"].startswith("An interpreter (Marc Martin) is named, but not the language they interpret.")
    assert "the interpreter_language column" in refused["message"]
    assert [document["row"] for document in manifest(tmp_path / "out")["documents"]] == [2]


def test_one_record_number_for_two_different_patients_refuses_the_later_row(run_cli, tmp_path):
    rows = [
        "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician",
        "laser-acne-scar,Bob,Ruiz,1990-01-01,00201,2026-12-01,Dr Lee",
        "laser-acne-scar,Carl,Other,1960-01-01,00201,2026-12-01,Dr Lee",
        # The same patient twice on one day, with two clinicians: two forms.
        "laser-acne-scar,Bob,Ruiz,1990-01-01,00201,2026-12-01,Dr Patel",
    ]
    (tmp_path / "list.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run_cli("batch", "list.csv", "--out-dir", "out")
    assert result.exit_code == 3, result.output
    (refused,) = error_rows(tmp_path / "out")
    assert (refused["row"], refused["field"]) == ("3", "record_number")
    assert refused["message"].startswith("Record number 00201 is also in row 2, for a patient with another name")
    made = manifest(tmp_path / "out")["documents"]
    assert [document["row"] for document in made] == [2, 4]
    assert len({document["file"] for document in made}) == 2


def test_all_good_rows_exit_0_with_an_empty_errors_file(run_cli, tmp_path):
    rows = _rows_of_fixture()[:4]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    (tmp_path / "good.csv").write_text(buffer.getvalue(), encoding="utf-8")
    result = run_cli("batch", "good.csv", "--out-dir", "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "errors.csv").read_bytes() == "\ufeffrow,field,message\r\n".encode()
    assert result.stdout.count("\n") == 1, "only the summary when not at a terminal"


def test_a_rerun_finds_every_form_already_there_and_clears_leftovers(run_cli, tmp_path):
    run_cli("batch", str(TOMORROW), "--out-dir", "out")
    out = tmp_path / "out"
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    (out / ".consent-abc123.partial").write_bytes(b"half a PDF")
    result = run_cli("batch", str(TOMORROW), "--out-dir", "out")
    assert result.exit_code == 3  # the fixture's four bad rows are refused again
    assert "4 of 8 rows done (4 already there, unchanged)" in result.output
    after = {path.name: path.read_bytes() for path in out.iterdir()}
    # Nothing was made, so the audit log has no new line either.
    manifest_before, manifest_after = json.loads(before.pop(MANIFEST)), json.loads(after.pop(MANIFEST))
    before.pop(".consent-batch.lock"), after.pop(".consent-batch.lock")  # who ran, and when
    assert after == before
    assert [document["status"] for document in manifest_after["documents"]] == ["already there"] * 4
    assert [d["sha256"] for d in manifest_after["documents"]] == [d["sha256"] for d in manifest_before["documents"]]


def test_exact_duplicate_rows_make_one_form(run_cli, tmp_path):
    rows = _rows_of_fixture()[:2]
    rows.append(rows[1])
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    (tmp_path / "dup.csv").write_text(buffer.getvalue(), encoding="utf-8")
    result = run_cli("batch", "dup.csv", "--out-dir", "out")
    assert result.exit_code == 0
    assert "row 3 repeats row 2 exactly; one form was made for both." in result.stderr
    assert len(manifest(tmp_path / "out")["documents"]) == 1


def test_errors_csv_cannot_run_as_a_spreadsheet_formula():
    text = errors_csv([RowProblem(7, "=cmd", '=HYPERLINK("http://x")'), RowProblem(8, "+1", "-2 @3")])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["7", "'=cmd", '\'=HYPERLINK("http://x")']
    assert rows[2] == ["8", "'+1", "'-2 @3"]


def test_a_batch_killed_mid_run_leaves_only_whole_pdfs(tmp_path):
    rows = _rows_of_fixture()[:2]
    header, good = rows
    big = [header] + [[*good[:4], f"{index:05d}", *good[5:]] for index in range(60)]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(big)
    (tmp_path / "big.csv").write_text(buffer.getvalue(), encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "generator", "batch", "big.csv", "--out-dir", "out", "--jobs", "2"]
    process = subprocess.Popen(command, cwd=tmp_path, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("laser*.pdf"))) < 3:
        assert process.poll() is None, "the batch ended before it could be killed"
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    made = list(out.glob("*.pdf"))
    assert 3 <= len(made) < 60, "the kill should land mid-batch"
    for path in made:
        reader = PdfReader(path, strict=True)
        assert len(reader.pages) >= 1 and "Ana Ruiz" in reader.pages[0].extract_text()
    assert all(path.name.startswith(".") for path in out.iterdir() if path.suffix not in (".pdf", ".jsonl"))
    # Every form the log names is whole and on disk.
    logged = [json.loads(line)["file"] for line in (out / "consent-audit.jsonl").read_text().splitlines()]
    assert logged and all((out / name).is_file() for name in logged)
    rerun = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert not list(out.glob(".consent-*.partial"))
    assert len(manifest(out)["documents"]) == 60


def test_a_form_that_breaks_for_one_row_costs_only_that_row(run_cli, tmp_path):
    from tests.helpers import BODY, build_form

    # This form's template only fails when a guardian signs: the row passes
    # checking, then cannot be laid out.
    build_form(tmp_path / "forms", {"en/body.md.j2": BODY + "{% if guardian %}{{ guardian.nope }}{% endif %}\n"})
    rows = [
        "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician,guardian",
        "tiny,Ana,Ruiz,1990-03-07,1,2026-12-01,Dr Lee,",
        "tiny,Tom,Smith,2012-05-05,2,2026-12-01,Dr Lee,Jane Smith",
        "tiny,Bo,Li,1991-01-01,3,2026-12-01,Dr Lee,",
    ]
    (tmp_path / "list.csv").write_text("\n".join(rows) + "\n")
    from generator.records.batch import run_batch

    result = run_batch(
        tmp_path / "list.csv", tmp_path / "out", today=date(2026, 11, 24), workers=2, search_path=[tmp_path / "forms"]
    )
    assert [made.row for made in result.made] == [2, 4]
    (problem,) = result.problems
    line = BODY.count("\n") + 1
    assert problem.row == 3 and f'body.md.j2, line {line}: "guardian" has no field "nope"' in problem.message
    assert len(PdfReader(tmp_path / "out" / "print-bundle.pdf").pages) == 4


def test_a_quote_that_swallows_rows_names_the_lines_it_swallowed(run_cli, tmp_path):
    data = (
        "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician\n"
        "laser-acne-scar,Ana,Ruiz,1990-03-07,00123,2026-12-01,Dr Lee\n"
        'laser-acne-scar,"Bo,Li,1991-01-01,00124,2026-12-01,Dr Lee\n'
        'laser-acne-scar,Cy",Zhou,1992-02-02,00125,2026-12-01,Dr Lee\n'
        "laser-acne-scar,Dee,Okafor,1993-03-03,00126,2026-12-01,Dr Lee\n"
    )
    (tmp_path / "day.csv").write_text(data, encoding="utf-8")
    result = run_cli("batch", "day.csv", "--out-dir", "out")
    assert result.exit_code == 3
    errors = (tmp_path / "out" / "errors.csv").read_text(encoding="utf-8-sig")
    assert "Row 3 runs over lines 3 to 4 of the file: a quote mark opened on line 3 is closed only on line 4" in errors


def test_a_batch_refuses_past_and_far_future_procedure_dates(run_cli, tmp_path):
    data = (
        "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician\n"
        "laser-acne-scar,Ana,Ruiz,07/03/1990,00123,12/01/2026,Dr Lee\n"
        "laser-acne-scar,Bo,Li,01/01/1991,00124,31/12/9999,Dr Lee\n"
        "laser-acne-scar,Cy,Zhou,02/02/1992,00125,01/12/2026,2030-01-01\n"
        "laser-acne-scar,Dee,Okafor,03/03/1993,00126,01/12/2026,Dr Lee\n"
    )
    (tmp_path / "day.csv").write_text(data, encoding="utf-8")
    result = run_cli("batch", "day.csv", "--out-dir", "out", "--date-format", "%d/%m/%Y")
    assert result.exit_code == 3
    errors = list(csv.DictReader(io.StringIO((tmp_path / "out" / "errors.csv").read_text(encoding="utf-8-sig"))))
    by_row = {error["row"]: error for error in errors}
    assert "read the other way round it is 2026-12-01" in by_row["2"]["message"]
    assert "--date-format %m/%d/%Y" in by_row["2"]["message"]
    assert "more than a year ahead" in by_row["3"]["message"]
    assert by_row["4"]["field"] == "clinician" and "looks like a date or a number" in by_row["4"]["message"]
    assert "1 of 4 rows done" in result.output


def test_small_things_a_clinic_would_notice(run_cli, tmp_path):
    """A folder for a list, a UTF-16 list, an impossible --date-format, too
    many --jobs, and thousands of unknown columns: each gets one clear line."""
    folder = run_cli("batch", str(tmp_path), "--out-dir", "out")
    assert folder.exit_code == 1 and "is a folder. Give the appointment list file in it" in folder.output
    header = "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician"
    row = "laser-acne-scar,Ana,Ruiz,1990-03-07,00123,2026-12-01,Dr Lee"
    (tmp_path / "unicode.csv").write_bytes((header + "\r\n" + row + "\r\n").encode("utf-16"))
    utf16 = run_cli("batch", "unicode.csv", "--out-dir", "out")
    assert utf16.exit_code == 1 and "run again with --encoding utf-16" in utf16.output
    assert "cp1252" not in utf16.output
    for bad in ("%Y", "%d/%m", "day-month-year", "%d/%d/%Y"):
        refused = run_cli("batch", str(TOMORROW), "--out-dir", "out", "--date-format", bad)
        assert refused.exit_code == 2 and "does not read a day, a month and a year" in refused.output, bad
    assert not (tmp_path / "out").exists(), "nothing is read or written before the options are checked"
    wide_header = header + "," + ",".join(f"day{index}" for index in range(10_000))
    (tmp_path / "wide.csv").write_text(wide_header + "\n" + row + "\n", encoding="utf-8")
    wide = run_cli("batch", "wide.csv", "--out-dir", "out", "--jobs", "500")
    assert wide.exit_code == 0, wide.output
    warnings = [line for line in wide.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 2
    assert "10000 columns are not ones consent uses (day0, day1, day2, day3, day4 and 9995 more)" in warnings[0]
    assert "--jobs 500 is more than this computer's" in warnings[1]
