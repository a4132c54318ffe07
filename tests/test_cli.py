"""`consent` as the front desk uses it: messages, exit codes, files on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

import generator.cli.desk
import generator.records.output
from tests.conftest import LASER_VERSION, as_options, full_text

DEFAULT_NAME = "laser-acne-scar_2026-12-01_00123.pdf"
AUDIT = "consent-audit.jsonl"


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_forms_lists_id_title_version_and_languages(run_cli):
    result = run_cli("forms")
    assert result.exit_code == 0
    header, *rows = result.output.splitlines()
    assert header.split() == ["ID", "TITLE", "VERSION", "LANGUAGES"]
    row = next(row for row in rows if row.startswith("laser-acne-scar"))
    assert "Laser acne scar treatment" in row and LASER_VERSION in row and row.endswith("en, fr, es")


def test_fill_writes_the_pdf_under_a_name_without_the_patient(run_cli, fields, tmp_path):
    result = run_cli("fill", "laser-acne-scar", *as_options(fields))
    assert result.exit_code == 0, result.output
    assert files_in(tmp_path) == [AUDIT, DEFAULT_NAME]
    assert f"Saved {DEFAULT_NAME} (laser-acne-scar v{LASER_VERSION}, " in result.output
    assert "Ana Ruiz" in full_text(tmp_path / DEFAULT_NAME)


def test_fill_to_a_chosen_file_and_into_a_folder(run_cli, fields, tmp_path):
    assert run_cli("fill", "laser-acne-scar", *as_options(fields), "-o", "ana.pdf").exit_code == 0
    (tmp_path / "desk").mkdir()
    assert run_cli("fill", "laser-acne-scar", *as_options(fields), "-o", "desk").exit_code == 0
    assert files_in(tmp_path) == ["ana.pdf", AUDIT, "desk"]
    assert files_in(tmp_path / "desk") == [AUDIT, DEFAULT_NAME]


def test_a_record_number_cannot_steer_the_default_name_out_of_the_folder(run_cli, fields, tmp_path):
    fields["record_number"] = "../../etc/passwd"
    result = run_cli("fill", "laser-acne-scar", *as_options(fields))
    assert result.exit_code == 0, result.output
    audit, name = files_in(tmp_path)
    assert audit == AUDIT
    assert name.startswith("laser-acne-scar_2026-12-01_etc-passwd-") and name.endswith(".pdf")
    assert "/" not in name and ".." not in name


def test_missing_details_in_a_script_exit_1_naming_each_option(run_cli, fields, tmp_path):
    del fields["date_of_birth"], fields["clinician"]
    result = run_cli("fill", "laser-acne-scar", *as_options(fields))
    assert result.exit_code == 1
    assert "Error: Missing --date-of-birth, --clinician." in result.output
    assert "Traceback" not in result.output
    assert files_in(tmp_path) == []


def test_an_impossible_date_exits_1_with_a_fix_and_leaves_no_file(run_cli, fields, tmp_path):
    fields["date_of_birth"] = "1990-13-45"
    result = run_cli("fill", "laser-acne-scar", *as_options(fields))
    assert result.exit_code == 1
    assert 'Error: Date of birth "1990-13-45" is not a real date.' in result.output
    assert "YYYY-MM-DD" in result.output
    assert files_in(tmp_path) == []


def test_several_problems_are_listed_together(run_cli, fields, tmp_path):
    fields.update(date_of_birth="2012-01-01", given_name="Ana ✅")
    result = run_cli("fill", "laser-acne-scar", *as_options(fields))
    assert result.exit_code == 1
    assert "the form was not made. Please fix:" in result.output
    assert "- Given name cannot be printed" in result.output
    assert "- The patient will be 14 on the procedure date" in result.output
    assert files_in(tmp_path) == []


def test_a_minor_with_a_guardian_is_filled(run_cli, fields, tmp_path):
    options = as_options({**fields, "date_of_birth": "2012-01-01", "guardian": "Rosa Ruiz"})
    assert run_cli("fill", "laser-acne-scar", *options).exit_code == 0
    assert "Rosa Ruiz" in full_text(tmp_path / DEFAULT_NAME)


def test_an_unknown_form_names_the_forms_there_are(run_cli, fields):
    result = run_cli("fill", "tattoo-removal", *as_options(fields))
    assert result.exit_code == 1
    assert 'There is no form called "tattoo-removal". Available forms: ' in result.output
    assert "laser-acne-scar" in result.output
    # A clinic's own form is found only where consent is told to look.
    assert "give the folder it is in with --forms-dir (or [forms] dirs in the settings)" in result.output


def test_a_language_the_form_lacks_names_the_ones_it_has(run_cli, fields, tmp_path):
    result = run_cli("fill", "laser-acne-scar", *as_options(fields), "--language", "de")
    assert result.exit_code == 1
    assert "It is available in: en, fr, es" in result.output
    assert files_in(tmp_path) == []


def test_a_missing_output_folder_is_explained(run_cli, fields, tmp_path):
    result = run_cli("fill", "laser-acne-scar", *as_options(fields), "-o", "nowhere/ana.pdf")
    assert result.exit_code == 1
    assert 'The folder "nowhere" does not exist.' in result.output
    assert files_in(tmp_path) == []


def test_an_output_that_is_not_a_pdf_is_a_usage_error(run_cli, fields, tmp_path):
    result = run_cli("fill", "laser-acne-scar", *as_options(fields), "-o", "ana.docx")
    assert result.exit_code == 2
    assert "must end in .pdf" in result.output
    assert files_in(tmp_path) == []


def test_an_unknown_option_is_a_usage_error(run_cli):
    assert run_cli("fill", "laser-acne-scar", "--surname", "Ruiz").exit_code == 2


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary(run_cli, fields, tmp_path, monkeypatch):
    def disk_full(*args):
        raise OSError(28, "No space left on device")

    # The moment the finished file is put in place is the last that can fail.
    monkeypatch.setattr(generator.records.output.os, "link", disk_full)
    result = run_cli("fill", "laser-acne-scar", *as_options(fields))
    assert result.exit_code == 1
    assert f'Cannot save "{DEFAULT_NAME}": No space left on device.' in result.output
    assert files_in(tmp_path) == [AUDIT]
    assert (tmp_path / AUDIT).read_text() == "", "a form that was not saved is not logged"


def test_at_a_terminal_missing_and_refused_details_are_asked_for(run_cli, fields, tmp_path, monkeypatch):
    monkeypatch.setattr(generator.cli.desk, "_at_terminal", lambda: True)
    del fields["date_of_birth"], fields["clinician"]
    # Each answer is checked as it is typed: the impossible date is asked
    # again at once, not after the last question.
    answers = "1990-13-45\n1990-03-07\n\nDr Lee\n\n\n\n"
    result = run_cli("fill", "laser-acne-scar", *as_options(fields), input=answers)
    assert result.exit_code == 0, result.output
    output = result.output
    assert output.index("is not a real date") < output.index("Clinician:")
    assert "Clinician is needed for the form." in output
    assert "Language (en, fr, es) [en]:" in output
    assert "Interpreter, if one helps the patient (blank: none):" in output
    assert "Please check before the form is made:" in output
    assert "Patient:         Ana Ruiz, born 7 March 1990" in output
    assert "Make this form? [Y/n]:" in output
    assert files_in(tmp_path) == [AUDIT, DEFAULT_NAME]


def test_at_a_terminal_the_form_and_language_are_checked_before_any_question(run_cli, fields, monkeypatch):
    monkeypatch.setattr(generator.cli.desk, "_at_terminal", lambda: True)
    unknown = run_cli("fill", "tattoo-removal", input="Ana\n")
    assert unknown.exit_code == 1 and 'There is no form called "tattoo-removal"' in unknown.output
    assert "Given name" not in unknown.output
    no_language = run_cli("fill", "laser-acne-scar", "--language", "de", input="Ana\n")
    assert no_language.exit_code == 1 and "Given name" not in no_language.output


def test_at_a_terminal_declining_the_summary_makes_nothing(run_cli, fields, tmp_path, monkeypatch):
    monkeypatch.setattr(generator.cli.desk, "_at_terminal", lambda: True)
    result = run_cli("fill", "laser-acne-scar", *as_options(fields), input="\n\nn\n")
    assert result.exit_code == 1
    assert "Stopped at the summary: nothing was made." in result.output
    assert files_in(tmp_path) == []


def test_at_a_terminal_a_minor_prompts_for_the_guardian(run_cli, fields, tmp_path, monkeypatch):
    monkeypatch.setattr(generator.cli.desk, "_at_terminal", lambda: True)
    fields["date_of_birth"] = "2012-01-01"
    result = run_cli("fill", "laser-acne-scar", *as_options(fields), input="\n\nRosa Ruiz\nmother\n\n")
    assert result.exit_code == 0, result.output
    assert "Guardian:" in result.output
    assert "Guardian's relationship to the patient, e.g. mother" in result.output
    assert "Guardian:        Rosa Ruiz (mother)" in result.output
    assert "Relationship to the patient: mother Signature Printed name Rosa Ruiz" in full_text(tmp_path / DEFAULT_NAME)


def test_at_a_terminal_an_interpreter_is_asked_the_language_they_interpret(run_cli, fields, tmp_path, monkeypatch):
    monkeypatch.setattr(generator.cli.desk, "_at_terminal", lambda: True)
    # language (default), interpreter, their language (blank: asked again), summary
    result = run_cli("fill", "laser-acne-scar", *as_options(fields), input="\nLi Wei\n\nMandarin\n\n")
    assert result.exit_code == 0, result.output
    assert "Interpreter's language is needed for the form." in result.output
    assert "Interpreter:     Li Wei (Mandarin)" in result.output
    assert "Language interpreted: Mandarin Signature Printed name Li Wei" in full_text(tmp_path / DEFAULT_NAME)


def test_in_a_script_an_interpreter_without_their_language_is_refused(run_cli, fields, tmp_path):
    result = run_cli("fill", "laser-acne-scar", *as_options(fields), "--interpreter", "Li Wei")
    assert result.exit_code == 1
    assert "An interpreter (Li Wei) is named, but not the language they interpret." in result.output
    assert "--interpreter-language" in result.output
    assert not (tmp_path / DEFAULT_NAME).exists()


@pytest.mark.parametrize("command", [[], ["fill"], ["forms"]])
def test_help_teaches(run_cli, command):
    result = run_cli(*command, "--help")
    assert result.exit_code == 0
    if command == ["fill"]:
        for option in ("--given-name", "--date-of-birth", "--record-number", "--guardian", "-o"):
            assert option in result.output
        assert "Example:" in result.output


def test_a_past_procedure_date_in_a_script_needs_allow_past_date(run_cli, fields, tmp_path):
    fields["procedure_date"] = "2026-11-20"
    refused = run_cli("fill", "laser-acne-scar", *as_options(fields))
    assert refused.exit_code == 1
    assert "Procedure date 2026-11-20 is in the past (today is 2026-11-24)." in refused.output
    assert "run again with --allow-past-date" in refused.output
    assert files_in(tmp_path) == [AUDIT] or files_in(tmp_path) == []
    allowed = run_cli("fill", "laser-acne-scar", *as_options(fields), "--allow-past-date")
    assert allowed.exit_code == 0, allowed.output


def test_at_a_terminal_a_past_procedure_date_is_confirmed(run_cli, fields, tmp_path, monkeypatch):
    monkeypatch.setattr(generator.cli.desk, "_at_terminal", lambda: True)
    fields["procedure_date"] = "2026-11-20"
    declined = run_cli("fill", "laser-acne-scar", *as_options(fields), input="\n\nn\n2026-12-01\n\n")
    assert declined.exit_code == 0, declined.output
    assert "Procedure date 2026-11-20 is in the past. Make the form for that date? [y/N]" in declined.output
    assert files_in(tmp_path)[-1] == DEFAULT_NAME  # made for the date typed again
    confirmed = run_cli("fill", "laser-acne-scar", *as_options(fields), "-o", "past.pdf", input="\n\ny\n\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert (tmp_path / "past.pdf").exists()
