"""generator/intake/values.py's words, exactly: how a character is named to
staff, and what a cell that is not text is called."""

from __future__ import annotations

import datetime

import pytest
from openpyxl import Workbook

from generator.errors import FieldError
from generator.intake.appointments import read_appointments
from generator.intake.values import describe_character, required_text


@pytest.mark.parametrize(
    ("character", "described"),
    [
        ("é", '"é" (U+00E9 LATIN SMALL LETTER E WITH ACUTE)'),
        ("\n", "U+000A LINE FEED"),
        ("\r", "U+000D CARRIAGE RETURN"),
        ("\t", "U+0009 TAB"),
        ("\x07", "U+0007 control character"),  # no Unicode name, none of ours
        ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),  # invisible: shown by code and name only
        ("\u00a0", "U+00A0 NO-BREAK SPACE"),
        ("\u2028", "U+2028 LINE SEPARATOR"),
    ],
)
def test_a_character_is_named_as_staff_can_find_it(character, described):
    assert describe_character(character) == described


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        (datetime.time(9, 30), "holds a time of day (09:30:00), not text"),
        (datetime.timedelta(hours=1, minutes=30), "holds a duration (1:30:00), not text"),
    ],
)
def test_a_cell_that_is_not_text_is_called_what_it_is(tmp_path, cell, words):
    """From a real workbook, as a practice system's export holds it."""
    book = Workbook()
    sheet = book.active
    sheet.append(["form", "given_name", "family_name", "date_of_birth", "record_number", "procedure_date", "clinician"])
    sheet.append(["laser-acne-scar", cell, "Ruiz", "1990-03-07", "00123", "2026-12-01", "Dr Lee"])
    book.save(tmp_path / "list.xlsx")
    (row,) = read_appointments(tmp_path / "list.xlsx").rows
    with pytest.raises(FieldError) as refused:
        required_text("given_name", row.values["given_name"], 80)
    assert refused.value.message == (f"Given name {words}. Check that the columns of the list have not shifted by one.")


def test_any_other_value_is_called_a_value_that_is_not_text():
    # A workbook's numbers arrive as text already; a library caller may pass anything.
    with pytest.raises(FieldError) as refused:
        required_text("clinician", 1.5, 80)
    assert refused.value.message.startswith("Clinician holds a value that is not text (1.5), not text.")


def test_a_letter_that_prints_as_nothing_is_refused_in_these_words():
    from generator.intake.values import person_name

    with pytest.raises(FieldError) as refused:
        person_name("family_name", "Kim\u3164")
    assert refused.value.field == "family_name"
    assert refused.value.message == (
        "Family name contains a character that prints as nothing (U+3164 HANGUL FILLER). Retype the name by hand."
    )


ONE_LINE = "Retype it on one line without special characters."
BY_HAND = "Retype it by hand."


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("Ana\nMaria", f"contains a line break (U+000A LINE FEED). {ONE_LINE}"),
        ("Ana\rMaria", f"contains a line break (U+000D CARRIAGE RETURN). {ONE_LINE}"),
        ("Ana\x07", f"contains a control character (U+0007 control character). {ONE_LINE}"),
        ("Ana\u200b", "contains an invisible formatting character (U+200B ZERO WIDTH SPACE), which can change how the "
                      "name prints. Retype it by hand instead of pasting it."),
        ("Ana\ud800", f"contains a character that is not a real letter (U+D800 control character). {BY_HAND}"),
        ("Ana\ue000", f"contains a character that is not a real letter (U+E000 control character). {BY_HAND}"),
        ("Ana\U000e0080", f"contains a character that is not a real letter (U+E0080 control character). {BY_HAND}"),
    ],
)  # fmt: skip
def test_each_hidden_character_is_refused_in_its_own_words(typed, says):
    from generator.intake.values import clean_text

    with pytest.raises(FieldError) as refused:
        clean_text("given_name", typed)
    assert (refused.value.field, refused.value.message) == ("given_name", f"Given name {says}")
    # A field consent has no label for is named as it was given.
    with pytest.raises(FieldError) as unlabelled:
        clean_text("nickname", typed)
    assert unlabelled.value.message == f"nickname {says}"


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("guardian", "Guardian"),
        ("guardian_relationship", "Guardian's relationship"),
        ("interpreter_language", "Interpreter's language"),
        ("date_of_birth", "Date of birth"),
        ("language", "Language"),
    ],
)
def test_every_kind_of_field_names_itself_when_it_refuses(field, label):
    from generator.intake.values import language_code, optional_detail, optional_name, parse_date

    reader = {"guardian": optional_name, "guardian_relationship": optional_detail,
              "interpreter_language": optional_detail, "date_of_birth": parse_date}.get(field)  # fmt: skip
    for raw in ("x\ny", datetime.time(9, 30)):
        with pytest.raises(FieldError) as refused:
            if field == "language":
                language_code(raw)
            else:
                reader(field, raw)
        assert refused.value.field == field, raw
        assert refused.value.message.startswith(f"{label} "), refused.value.message


def test_a_name_as_long_as_a_form_holds_is_taken_and_one_more_letter_is_not():
    from generator.intake.fields import MAX_NAME_LENGTH

    assert required_text("given_name", "A" * MAX_NAME_LENGTH, MAX_NAME_LENGTH) == "A" * MAX_NAME_LENGTH
    with pytest.raises(FieldError, match=f"{MAX_NAME_LENGTH + 1} characters long"):
        required_text("given_name", "A" * (MAX_NAME_LENGTH + 1), MAX_NAME_LENGTH)


def test_digits_in_a_relationship_are_refused_in_these_words():
    from generator.intake.values import optional_detail

    with pytest.raises(FieldError) as refused:
        optional_detail("guardian_relationship", "mother 2")
    assert refused.value.message == (
        'Guardian\'s relationship "mother 2" contains digits. Check that it, and not another detail, was typed '
        "here (in a list: the column may have shifted by one)."
    )


def test_a_date_cell_in_a_name_column_is_called_a_date(tmp_path):
    with pytest.raises(FieldError) as refused:
        required_text("family_name", datetime.date(1990, 3, 7), 80)
    assert refused.value.field == "family_name"
    assert refused.value.message == (
        "Family name holds a date (1990-03-07), not text. Check that the columns of the list have not shifted by one."
    )
