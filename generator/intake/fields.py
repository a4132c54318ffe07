"""The patient's details by name: what staff are asked for, how each is
named to them, which are required, and the limits every value keeps to."""

from __future__ import annotations

ADULT_AGE = 18
MAX_NAME_LENGTH = 100
MAX_RECORD_NUMBER_LENGTH = 40
OLDEST_AGE = 130
# A consent form is made for an appointment; one more than a year ahead is a
# mistyped year (9999-12-31, 2062 for 2026).
MOST_DAYS_AHEAD = 366

# How each field is named to staff, in the order forms and messages use.
FIELD_LABELS: dict[str, str] = {
    "given_name": "Given name",
    "family_name": "Family name",
    "date_of_birth": "Date of birth",
    "record_number": "Record number",
    "procedure_date": "Procedure date",
    "clinician": "Clinician",
    "language": "Language",
    "guardian": "Guardian",
    "guardian_relationship": "Guardian's relationship",
    "interpreter": "Interpreter",
    "interpreter_language": "Interpreter's language",
}
REQUIRED_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "record_number",
    "procedure_date",
    "clinician",
)
OPTIONAL_FIELDS = ("language", "guardian", "guardian_relationship", "interpreter", "interpreter_language")
MAX_DETAIL_LENGTH = 60  # a relationship or a language: a few words
