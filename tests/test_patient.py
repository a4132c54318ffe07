"""The one validation path every patient goes through, and its messages."""

from __future__ import annotations

from datetime import date

import pytest

from generator.errors import FieldError, PatientError
from generator.intake.fields import FIELD_LABELS
from generator.intake.patient import age_on, read_patient
from tests.conftest import TODAY


def problems(raw: dict[str, str | None], **kwargs) -> dict[str, str]:
    with pytest.raises(PatientError) as caught:
        read_patient(raw, today=TODAY, **kwargs)
    return {problem.field: problem.message for problem in caught.value.problems}


def test_an_ordinary_patient_is_accepted_and_normalised(fields):
    fields["given_name"] = "  Ana   María  "
    patient = read_patient(fields, today=TODAY)
    assert patient.given_name == "Ana María"
    assert patient.full_name == "Ana María Ruiz"
    assert patient.record_number == "00123"
    assert patient.date_of_birth == date(1990, 3, 7)
    assert patient.language == "en"
    assert not patient.is_minor


def test_decomposed_accents_are_stored_composed(fields):
    fields["family_name"] = "Mu\u0301n\u0303oz"  # u + combining acute, n + combining tilde
    assert read_patient(fields, today=TODAY).family_name == "M\u00fa\u00f1oz"


def test_every_missing_field_is_reported_at_once():
    found = problems({})
    assert set(found) == {
        "given_name", "family_name", "date_of_birth", "record_number", "procedure_date", "clinician",
    }  # fmt: skip
    assert found["given_name"] == "Given name is missing. Fill it in; it is printed on the form."


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1990-13-45", 'Date of birth "1990-13-45" is not a real date.'),
        ("07/03/1990", 'Date of birth "07/03/1990" is not in the form YYYY-MM-DD.'),
        ("1990-02-30", 'Date of birth "1990-02-30" is not a real date.'),
    ],
)
def test_a_bad_date_says_what_is_wrong_and_how_to_type_it(fields, typed, expected):
    fields["date_of_birth"] = typed
    message = problems(fields)["date_of_birth"]
    assert message.startswith(expected)
    assert "YYYY-MM-DD" in message


def test_a_birth_date_in_the_future_is_refused(fields):
    fields["date_of_birth"] = "2030-01-01"
    assert "is in the future" in problems(fields)["date_of_birth"]


def test_a_procedure_before_birth_is_refused(fields):
    fields["date_of_birth"] = "2020-01-01"
    fields["procedure_date"] = "2019-06-01"
    assert "before the date of birth" in problems(fields)["procedure_date"]


def test_a_minor_needs_a_guardian(fields):
    fields["date_of_birth"] = "2010-06-01"
    message = problems(fields)["guardian"]
    assert "will be 16 on the procedure date" in message
    assert "--guardian" in message
    fields["guardian"] = "Rosa Ruiz"
    patient = read_patient(fields, today=TODAY)
    assert patient.is_minor and patient.guardian == "Rosa Ruiz"


def test_age_is_counted_on_the_procedure_date_not_today(fields):
    fields["date_of_birth"] = "2008-12-01"  # 17 today, 18 on the procedure date
    assert read_patient(fields, today=TODAY).age_at_procedure == 18
    fields["date_of_birth"] = "2008-12-02"
    assert "guardian" in problems(fields)


def test_age_on_a_leap_day_birthday():
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("Ana\nRuiz", "a line break"),
        ("Ana\tRuiz", "a control character"),
        ("Ana\u202eziuR", "invisible formatting character (U+202E RIGHT-TO-LEFT OVERRIDE)"),
        ("Ana\u200bRuiz", "U+200B ZERO WIDTH SPACE"),
    ],
)
def test_hidden_characters_are_refused_by_name(fields, typed, says):
    fields["family_name"] = typed
    assert says in problems(fields)["family_name"]


def test_a_name_too_long_for_the_form_is_refused_with_its_length(fields):
    fields["family_name"] = "x" * 300
    assert problems(fields)["family_name"].startswith("Family name is 300 characters long")


def test_record_number_stays_text(fields):
    fields["record_number"] = "  000123-A "
    assert read_patient(fields, today=TODAY).record_number == "000123-A"


def test_glyph_checker_problems_name_the_field(fields):
    found = problems(fields, check_glyphs=lambda text: "no" if "Lee" in text else None)
    assert found == {"clinician": "Clinician cannot be printed: no"}


def test_a_clinic_date_format_is_honoured_and_explained(fields):
    fields.update(date_of_birth="07/03/1990", procedure_date="01/12/2026")
    patient = read_patient(fields, today=TODAY, date_format="%d/%m/%Y")
    assert patient.date_of_birth == date(1990, 3, 7)
    fields["date_of_birth"] = "31/02/1990"
    with pytest.raises(PatientError) as caught:
        read_patient(fields, today=TODAY, date_format="%d/%m/%Y")
    assert caught.value.problems[0].message == (
        'Date of birth "31/02/1990" is not a real date in the format %d/%m/%Y '
        "(for example 07/03/1990). Check the day, month and year."
    )


def test_a_spreadsheet_date_cell_is_taken_as_the_date(fields):
    fields["date_of_birth"] = date(1990, 3, 7)
    assert read_patient(fields, today=TODAY).date_of_birth == date(1990, 3, 7)


@pytest.mark.parametrize("field", ["given_name", "family_name", "guardian", "interpreter"])
def test_digits_in_a_persons_name_are_refused(fields, field):
    fields.update(
        date_of_birth="2012-01-01", guardian="Rosa Ruiz", interpreter="Li Wei", interpreter_language="Mandarin"
    )
    fields[field] = "07/03/1990"
    assert problems(fields)[field] == (
        f'{FIELD_LABELS[field]} "07/03/1990" contains digits. Check that the name, and not '
        "another detail, was typed here."
    )


def test_a_clinician_may_carry_a_room_number(fields):
    fields["clinician"] = "Dr Lee (room 2)"
    assert read_patient(fields, today=TODAY).clinician == "Dr Lee (room 2)"


def test_a_procedure_date_more_than_a_year_ahead_is_refused(fields):
    for far in ("9999-12-31", "2027-11-26", "2126-11-24"):
        fields["procedure_date"] = far
        assert "is more than a year ahead. Check the year" in problems(fields)["procedure_date"]
    fields["procedure_date"] = "2027-11-24"
    assert read_patient(fields, today=TODAY).procedure_date == date(2027, 11, 24)


def test_a_past_procedure_date_is_refused_where_asked_with_the_callers_hint(fields):
    fields["procedure_date"] = "2026-11-20"
    assert read_patient(fields, today=TODAY).procedure_date == date(2026, 11, 20)  # the library allows it
    with pytest.raises(PatientError) as refused:
        read_patient(fields, today=TODAY, past_procedure=False, past_procedure_hint="Ask the desk.")
    (problem,) = refused.value.problems
    assert problem.message == "Procedure date 2026-11-20 is in the past (today is 2026-11-24). Ask the desk."


def test_a_day_first_date_that_lands_in_the_past_gets_the_month_first_hint(fields):
    fields.update(procedure_date="12/01/2026", date_of_birth="07/03/1990")
    with pytest.raises(PatientError) as refused:
        read_patient(fields, today=TODAY, date_format="%d/%m/%Y", past_procedure=False)
    (problem,) = refused.value.problems
    assert problem.message == (
        'Procedure date "12/01/2026" read as %d/%m/%Y is 2026-01-12, in the past; read the other way round it '
        "is 2026-12-01. If the list writes the month first, run again with --date-format %m/%d/%Y."
    )


@pytest.mark.parametrize("shifted", ["2030-01-01", "00123", "12/01/2026", "+44 20 7946 0000"])
def test_a_clinician_that_is_a_date_or_a_number_is_refused(fields, shifted):
    fields["clinician"] = shifted
    assert "looks like a date or a number, not a name" in problems(fields)["clinician"]


@pytest.mark.parametrize("blank", ["\u3164", "\u2800", "\u3164\u3164", "Ana\u3164"])
def test_a_name_needs_a_visible_letter(fields, blank):
    fields["given_name"] = blank
    message = problems(fields)["given_name"]
    assert "prints as nothing" in message or "has no letter in it" in message


def test_a_name_of_punctuation_alone_is_refused(fields):
    fields["family_name"] = "--"
    assert (
        problems(fields)["family_name"] == 'Family name "--" has no letter in it. Type the name as it is on their ID.'
    )


def test_an_interpreter_needs_the_language_they_interpret(fields):
    fields["interpreter"] = "Li Wei"
    assert problems(fields) == {
        "interpreter_language": "An interpreter (Li Wei) is named, but not the language they interpret. Give it "
        "(--interpreter-language, or the interpreter_language column), e.g. Polish; it is printed on the "
        "interpreter's statement."
    }
    fields["interpreter_language"] = "  Mandarin  "
    assert read_patient(fields, today=TODAY).interpreter_language == "Mandarin"


@pytest.mark.parametrize(
    ("detail", "person"), [("interpreter_language", "interpreter"), ("guardian_relationship", "guardian")]
)
def test_a_detail_about_someone_not_named_is_refused(fields, detail, person):
    fields[detail] = "mother" if person == "guardian" else "Polish"
    message = problems(fields)[detail]
    assert f"but no {person} is named" in message and f"--{person}" in message


@pytest.mark.parametrize("value", ["07/03/1990", "12", "2nd cousin"])
def test_a_relationship_or_language_with_digits_is_another_columns_value(fields, value):
    fields.update(date_of_birth="2012-01-01", guardian="Rosa Ruiz", guardian_relationship=value)
    assert "contains digits" in problems(fields)["guardian_relationship"]


def test_a_guardians_relationship_is_optional_and_kept_as_typed(fields):
    fields.update(date_of_birth="2012-01-01", guardian="Rosa Ruiz")
    assert read_patient(fields, today=TODAY).guardian_relationship is None
    fields["guardian_relationship"] = "legal  guardian"
    assert read_patient(fields, today=TODAY).guardian_relationship == "legal guardian"


# One good and one bad value for every detail, as staff might type them.
AS_TYPED = {
    "given_name": ("Zoë", "07/03/1990"),
    "family_name": ("Ruiz-López", "Ruiz\u202e"),
    "date_of_birth": ("1990-03-07", "1990-13-45"),
    "record_number": ("00123", "0" * 41),
    "procedure_date": ("2026-12-01", "2030-01-01"),
    "clinician": ("Dr Lee", "2026-12-01"),
    "guardian": ("Rosa Ruiz", "Rosa 2"),
    "guardian_relationship": ("mother", "12"),
    "interpreter": ("Li Wei", "\t"),
    "interpreter_language": ("Mandarin", "x" * 61),
    "language": ("fr", "french!"),
}


@pytest.mark.parametrize("field", list(AS_TYPED))
def test_each_detail_checked_as_it_is_typed_gets_the_verdict_of_the_whole_record(fields, field):
    """The desk checks each answer on its own (read_field) before the record
    is read whole (read_patient): the two must agree, for every detail."""
    from generator.intake.patient import read_field

    good, bad = AS_TYPED[field]
    assert FIELD_LABELS[field]
    assert read_field(field, good, today=TODAY) not in (None, "")
    with pytest.raises(FieldError) as caught:
        read_field(field, bad, today=TODAY)
    assert caught.value.field == field
    whole = {**fields, "guardian": "Rosa Ruiz", "interpreter": "Li Wei", "interpreter_language": "Mandarin"}
    whole[field] = bad
    assert problems(whole)[field] == caught.value.message


# --- boundaries and words that mutation testing showed no test pinned ------------------------


def _refusals(**changes: str) -> dict[str, str]:
    from tests.conftest import ADULT

    try:
        read_patient({**ADULT, **changes}, today=TODAY)
    except PatientError as problem:
        return {field_problem.field: field_problem.message for field_problem in problem.problems}
    return {}


def test_a_baby_born_today_and_a_patient_of_exactly_the_oldest_age_are_taken():
    from generator.intake.fields import OLDEST_AGE

    assert "date_of_birth" not in _refusals(date_of_birth=TODAY.isoformat(), guardian="Rosa Ruiz")
    oldest = TODAY.replace(year=TODAY.year - OLDEST_AGE)
    assert _refusals(date_of_birth=oldest.isoformat()) == {}
    older = oldest.replace(year=oldest.year - 1)  # 131 today
    assert _refusals(date_of_birth=older.isoformat()) == {
        "date_of_birth": f"Date of birth {older.isoformat()} would make the patient older than {OLDEST_AGE}. "
        "Check the year."
    }


def test_born_on_the_procedure_day_is_a_minor_who_needs_a_guardian():
    refused = _refusals(date_of_birth="2026-11-24", procedure_date="2026-11-24")
    assert list(refused) == ["guardian"]


def test_a_companion_detail_without_its_person_names_the_option_for_that_person():
    assert _refusals(interpreter_language="Polish") == {
        "interpreter_language": 'Interpreter\'s language is "Polish", but no interpreter is named. Give the '
        "interpreter's name (--interpreter, or the interpreter column), or leave this blank."
    }
    assert _refusals(guardian_relationship="mother")["guardian_relationship"].endswith(
        "Give the guardian's name (--guardian, or the guardian column), or leave this blank."
    )


def test_a_past_procedure_date_gets_the_callers_hint_or_a_plain_one():
    from tests.conftest import ADULT

    with pytest.raises(PatientError) as refused:
        read_patient({**ADULT, "procedure_date": "2026-11-20"}, today=TODAY, past_procedure=False)
    assert refused.value.problems[0].message.endswith("(today is 2026-11-24). Check the date.")


def test_one_field_at_the_prompt_gets_the_same_checks_as_the_whole_form():
    from generator.intake.patient import read_field
    from generator.render.fonts import glyph_problem

    with pytest.raises(FieldError) as refused:
        read_field("given_name", "Ana ✅", today=TODAY, check_glyphs=glyph_problem)
    assert refused.value.field == "given_name"
    assert refused.value.message.startswith("Given name cannot be printed: ")
    assert read_field("language", "FR", today=TODAY, check_glyphs=glyph_problem) == "fr"
    for field, typed, says in (
        ("date_of_birth", "2027-01-01", "is in the future"),
        ("procedure_date", "2030-01-01", "more than a year ahead"),
    ):
        with pytest.raises(FieldError) as dated:
            read_field(field, typed, today=TODAY)
        assert dated.value.field == field and says in dated.value.message


def test_a_procedure_today_and_one_at_the_furthest_day_ahead_are_taken():
    from datetime import timedelta

    from generator.intake.fields import MOST_DAYS_AHEAD

    assert _refusals(procedure_date=TODAY.isoformat()) == {}
    assert _refusals(procedure_date=(TODAY + timedelta(days=MOST_DAYS_AHEAD)).isoformat()) == {}
    assert list(_refusals(procedure_date=(TODAY + timedelta(days=MOST_DAYS_AHEAD + 1)).isoformat())) == [
        "procedure_date"
    ]
