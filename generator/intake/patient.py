"""The patient record: which fields there are, and what makes each acceptable.

`read_patient` is the single validation path for every way a patient reaches
consent (command-line options, prompts, batch rows). It collects every
problem instead of stopping at the first, so staff can fix a record in one go.
It does no I/O: whether the embedded fonts can draw a character is asked of a
checker passed in by the caller.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from generator.errors import FieldError, PatientError

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

# Format characters that change how text is displayed without being visible:
# a bidi override in a name can make "Smith" print as "htimS". Zero-width
# (non-)joiners stay allowed because some scripts need them inside names.
_ALLOWED_FORMAT_CHARACTERS = {"\u200c", "\u200d"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Letters that print as nothing: a name of these alone prints "I,     Ruiz".
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}
# What a date or a number looks like when it lands in a name's column.
_LOOKS_LIKE_A_DATE = re.compile(r"\d{1,4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,4}")
_LOOKS_LIKE_A_NUMBER = re.compile(r"[\d\s.,/#+-]+")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")

# Given a value, returns a sentence saying which character cannot be drawn and
# why, or None when every character can be.
GlyphChecker = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Patient:
    """One patient's details for one procedure, already checked."""

    given_name: str
    family_name: str
    date_of_birth: date
    record_number: str
    procedure_date: date
    clinician: str
    language: str = "en"
    guardian: str | None = None
    interpreter: str | None = None
    guardian_relationship: str | None = None  # "mother", "legal guardian": printed on the guardian's block
    interpreter_language: str | None = None  # the language interpreted: printed on the interpreter's block

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def age_at_procedure(self) -> int:
        return age_on(self.date_of_birth, self.procedure_date)

    @property
    def is_minor(self) -> bool:
        return self.age_at_procedure < ADULT_AGE


def age_on(born: date, day: date) -> int:
    """Whole years between `born` and `day` (a 29 February birthday ages on 1 March)."""
    had_birthday = (day.month, day.day) >= (born.month, born.day)
    return day.year - born.year - (0 if had_birthday else 1)


_CONTROL_NAMES = {"\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\t": "TAB"}


def describe_character(character: str) -> str:
    """A character as staff can find it: itself (when visible), code point, name."""
    name = unicodedata.name(character, _CONTROL_NAMES.get(character, "control character"))
    code = f"U+{ord(character):04X}"
    if unicodedata.category(character)[0] in "CZ":
        return f"{code} {name}"
    return f'"{character}" ({code} {name})'


def clean_text(field: str, value: str) -> str:
    """Normalise one typed value (NFC, trimmed, single spaces) or refuse it.

    Control characters, invisible formatting and bidi overrides are refused,
    never silently dropped: what prints must be exactly what was typed.
    """
    label = FIELD_LABELS.get(field, field)
    text = unicodedata.normalize("NFC", value)
    for character in text:
        category = unicodedata.category(character)
        if category == "Cc":
            what = "a line break" if character in "\r\n" else "a control character"
            raise FieldError(
                field,
                f"{label} contains {what} ({describe_character(character)}). "
                "Retype it on one line without special characters.",
            )
        if category == "Cf" and character not in _ALLOWED_FORMAT_CHARACTERS:
            raise FieldError(
                field,
                f"{label} contains an invisible formatting character "
                f"({describe_character(character)}), which can change how the "
                "name prints. Retype it by hand instead of pasting it.",
            )
        if category in ("Cs", "Co", "Cn"):
            raise FieldError(
                field,
                f"{label} contains a character that is not a real letter "
                f"({describe_character(character)}). Retype it by hand.",
            )
    return " ".join(text.split())


def _as_text(field: str, raw: object) -> str:
    """A text field's value: a spreadsheet can put a date cell in any column."""
    if raw is None:
        return ""
    if isinstance(raw, date):
        raise FieldError(
            field,
            f"{FIELD_LABELS[field]} holds a date ({raw.isoformat()}), not text. Check that the columns of the "
            "list have not shifted by one.",
        )
    if not isinstance(raw, str):
        raise FieldError(
            field,
            f"{FIELD_LABELS[field]} holds a {_kind_of_value(raw)} ({raw}), not text. Check that the columns of the "
            "list have not shifted by one.",
        )
    return raw


def _kind_of_value(value: object) -> str:
    from datetime import time, timedelta

    if isinstance(value, time):
        return "time of day"
    if isinstance(value, timedelta):
        return "duration"
    return "value that is not text"


def _required_text(field: str, raw: object, max_length: int) -> str:
    label = FIELD_LABELS[field]
    text = clean_text(field, _as_text(field, raw))
    if not text:
        raise FieldError(field, f"{label} is missing. Fill it in; it is printed on the form.")
    if len(text) > max_length:
        raise FieldError(
            field,
            f"{label} is {len(text)} characters long; the most a form can hold is "
            f"{max_length}. Shorten it (check it was not pasted twice).",
        )
    return text


def _person_name(field: str, raw: object) -> str:
    """A person's name: text, plus no digits (a date or record number typed in
    the wrong box, or a spreadsheet column shifted by one)."""
    name = _required_text(field, raw, MAX_NAME_LENGTH)
    if any(character.isdigit() for character in name):
        raise FieldError(
            field,
            f'{FIELD_LABELS[field]} "{name}" contains digits. Check that the name, and not '
            "another detail, was typed here.",
        )
    _require_a_visible_letter(field, name)
    return name


def _require_a_visible_letter(field: str, text: str) -> None:
    label = FIELD_LABELS[field]
    blank = next((character for character in text if character in _BLANK_LETTERS), None)
    if blank is not None:
        raise FieldError(
            field,
            f"{label} contains a character that prints as nothing ({describe_character(blank)}). "
            "Retype the name by hand.",
        )
    if not any(unicodedata.category(character).startswith("L") for character in text):
        raise FieldError(field, f'{label} "{text}" has no letter in it. Type the name as it is on their ID.')


def _clinician(raw: object) -> str:
    """The clinician's name. Digits may be part of it ("Dr Lee (room 2)"), but
    a date or a bare number is another column's value."""
    name = _required_text("clinician", raw, MAX_NAME_LENGTH)
    if _LOOKS_LIKE_A_DATE.search(name) or _LOOKS_LIKE_A_NUMBER.fullmatch(name):
        raise FieldError(
            "clinician",
            f'Clinician "{name}" looks like a date or a number, not a name. Check that the clinician\'s name, '
            "and not another detail, was typed here (in a list: the clinician column, which may have shifted "
            "by one).",
        )
    _require_a_visible_letter("clinician", name)
    return name


def _optional_name(field: str, raw: object) -> str | None:
    if raw is None or not clean_text(field, _as_text(field, raw)):
        return None
    return _person_name(field, raw)


def _optional_detail(field: str, raw: object) -> str | None:
    """A few words about a person who signs (a relationship, a language):
    text with a letter in it, and not a date or a number from another column."""
    if raw is None or not clean_text(field, _as_text(field, raw)):
        return None
    text = _required_text(field, raw, MAX_DETAIL_LENGTH)
    if _LOOKS_LIKE_A_DATE.search(text) or any(character.isdigit() for character in text):
        raise FieldError(
            field,
            f'{FIELD_LABELS[field]} "{text}" contains digits. Check that it, and not another detail, was typed '
            "here (in a list: the column may have shifted by one).",
        )
    _require_a_visible_letter(field, text)
    return text


def _companion_problems(values: Mapping[str, object]) -> list[FieldError]:
    """An interpreter's language goes with an interpreter, a relationship with
    a guardian: the form prints each on that person's signature block."""
    problems = []
    if values.get("interpreter") and not values.get("interpreter_language") and "interpreter_language" in values:
        problems.append(
            FieldError(
                "interpreter_language",
                f"An interpreter ({values['interpreter']}) is named, but not the language they interpret. "
                "Give it (--interpreter-language, or the interpreter_language column), e.g. Polish; it is "
                "printed on the interpreter's statement.",
            )
        )
    for detail, person, option in (
        ("interpreter_language", "interpreter", "--interpreter"),
        ("guardian_relationship", "guardian", "--guardian"),
    ):
        if values.get(detail) and not values.get(person) and person in values:
            problems.append(
                FieldError(
                    detail,
                    f'{FIELD_LABELS[detail]} is "{values[detail]}", but no {person} is named. Give the {person}\'s '
                    f"name ({option}, or the {person} column), or leave this blank.",
                )
            )
    return problems


def parse_date(field: str, raw: str | date | None, date_format: str | None = None) -> date:
    """A date typed by staff (YYYY-MM-DD, or `date_format` in strptime terms), or
    a FieldError saying how to fix it. A spreadsheet's date cell arrives as a date."""
    label = FIELD_LABELS[field]
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = clean_text(field, _as_text(field, raw))
    if not text:
        raise FieldError(field, f"{label} is missing. Type it as YYYY-MM-DD, for example 1990-03-07.")
    if date_format is not None:
        try:
            return datetime.strptime(text, date_format).date()
        except ValueError:
            example = date(1990, 3, 7).strftime(date_format)
            raise FieldError(
                field,
                f'{label} "{text}" is not a real date in the format {date_format} '
                f"(for example {example}). Check the day, month and year.",
            ) from None
    if not _ISO_DATE.fullmatch(text):
        raise FieldError(
            field,
            f'{label} "{text}" is not in the form YYYY-MM-DD. Type it as year-month-day, for example 1990-03-07.',
        )
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldError(
            field,
            f'{label} "{text}" is not a real date. Check the month (01-12) and the day, '
            "and type it as YYYY-MM-DD, for example 1990-03-07.",
        ) from None


def read_patient(
    raw: Mapping[str, str | date | None],
    *,
    today: date,
    check_glyphs: GlyphChecker | None = None,
    date_format: str | None = None,
    past_procedure: bool = True,
    past_procedure_hint: str = "Check the date.",
) -> Patient:
    """Check every field of one patient and return the record, or raise PatientError.

    `raw` maps field names (see FIELD_LABELS) to what staff typed (or, for
    dates, a date); missing and blank values count as not given. Dates are
    YYYY-MM-DD unless `date_format` (strptime) says otherwise. `today` is the clinic's date, passed in
    so that tests and reprints do not depend on the clock. A procedure date
    before `today` is refused (a PastProcedureDateError, ending with
    `past_procedure_hint`) unless `past_procedure`: the desk confirms one, a
    batch never makes forms for appointments gone by. All problems are
    reported together.
    """
    problems: list[FieldError] = []
    values: dict[str, object] = {}

    def attempt(field: str, parse: Callable[[], object]) -> None:
        try:
            values[field] = parse()
        except FieldError as problem:
            problems.append(problem)

    for field in ("given_name", "family_name"):
        attempt(field, partial(_person_name, field, raw.get(field)))
    attempt("clinician", partial(_clinician, raw.get("clinician")))
    record_number = raw.get("record_number")
    attempt("record_number", partial(_required_text, "record_number", record_number, MAX_RECORD_NUMBER_LENGTH))
    for field in ("date_of_birth", "procedure_date"):
        attempt(field, partial(parse_date, field, raw.get(field), date_format))
    for field in ("guardian", "interpreter"):
        attempt(field, partial(_optional_name, field, raw.get(field)))
    for field in ("guardian_relationship", "interpreter_language"):
        attempt(field, partial(_optional_detail, field, raw.get(field)))
    attempt("language", partial(_language, raw.get("language")))

    problems.extend(_date_problems(values, today))
    problems.extend(_companion_problems(values))
    problems.extend(_procedure_date_problems(values, raw, today, date_format, past_procedure, past_procedure_hint))
    if check_glyphs is not None:
        problems.extend(_glyph_problems(values, check_glyphs))
    if problems:
        problems.sort(key=lambda problem: list(FIELD_LABELS).index(problem.field))
        raise PatientError(problems)
    return Patient(**values)  # type: ignore[arg-type]


def read_field(
    field: str,
    raw: str | None,
    *,
    today: date,
    check_glyphs: GlyphChecker | None = None,
) -> object:
    """One field checked on its own, as soon as staff type it at the desk:
    the same rules `read_patient` applies, except those that need another
    field (a minor's guardian, a date of birth after the procedure). Returns
    the value as the record keeps it; raises FieldError."""
    readers: dict[str, Callable[[], object]] = {
        "given_name": lambda: _person_name(field, raw),
        "family_name": lambda: _person_name(field, raw),
        "clinician": lambda: _clinician(raw),
        "record_number": lambda: _required_text(field, raw, MAX_RECORD_NUMBER_LENGTH),
        "date_of_birth": lambda: parse_date(field, raw),
        "procedure_date": lambda: parse_date(field, raw),
        "guardian": lambda: _optional_name(field, raw),
        "interpreter": lambda: _optional_name(field, raw),
        "guardian_relationship": lambda: _optional_detail(field, raw),
        "interpreter_language": lambda: _optional_detail(field, raw),
        "language": lambda: _language(raw),
    }
    value = readers[field]()
    if field in ("date_of_birth", "procedure_date"):
        problems = _date_problems({field: value}, today) + _procedure_date_problems(
            {field: value}, {field: raw}, today, None, True, ""
        )
        if problems:
            raise problems[0]
    if check_glyphs is not None and isinstance(value, str) and field != "language":
        reason = check_glyphs(value)
        if reason is not None:
            raise FieldError(field, f"{FIELD_LABELS[field]} cannot be printed: {reason}")
    return value


def _language(raw: object) -> str:
    text = clean_text("language", _as_text("language", raw)).lower() or "en"
    if not _LANGUAGE_CODE.fullmatch(text):
        raise FieldError(
            "language",
            f'Language "{text}" is not a language code. Use a two-letter code such as en.',
        )
    return text


def _date_problems(values: Mapping[str, object], today: date) -> list[FieldError]:
    born = values.get("date_of_birth")
    procedure = values.get("procedure_date")
    problems: list[FieldError] = []
    if isinstance(born, date):
        if born > today:
            problems.append(
                FieldError(
                    "date_of_birth",
                    f"Date of birth {born.isoformat()} is in the future. Check the year; it is typed as YYYY-MM-DD.",
                )
            )
        elif age_on(born, today) > OLDEST_AGE:
            problems.append(
                FieldError(
                    "date_of_birth",
                    f"Date of birth {born.isoformat()} would make the patient older than {OLDEST_AGE}. Check the year.",
                )
            )
    if isinstance(born, date) and isinstance(procedure, date):
        if born > procedure and born <= today:
            problems.append(
                FieldError(
                    "procedure_date",
                    f"Procedure date {procedure.isoformat()} is before the date of birth "
                    f"{born.isoformat()}. Check both dates.",
                )
            )
        elif born <= procedure and age_on(born, procedure) < ADULT_AGE and not values.get("guardian"):
            if "guardian" not in values:
                return problems  # the guardian field itself was refused; that message is enough
            problems.append(
                FieldError(
                    "guardian",
                    f"The patient will be {age_on(born, procedure)} on the procedure date, "
                    "so a parent or guardian must sign. Give the guardian's full name "
                    "(--guardian, or the guardian column).",
                )
            )
    return problems


def _procedure_date_problems(
    values: Mapping[str, object],
    raw: Mapping[str, str | date | None],
    today: date,
    date_format: str | None,
    past_procedure: bool,
    hint: str,
) -> list[FieldError]:
    procedure = values.get("procedure_date")
    if not isinstance(procedure, date):
        return []
    label = FIELD_LABELS["procedure_date"]
    if (procedure - today).days > MOST_DAYS_AHEAD:
        return [
            FieldError(
                "procedure_date",
                f"{label} {procedure.isoformat()} is more than a year ahead. Check the year "
                "(it is typed as YYYY-MM-DD).",
            )
        ]
    if procedure >= today or past_procedure:
        return []
    message = f"{label} {procedure.isoformat()} is in the past (today is {today.isoformat()}). {hint}"
    swapped = _read_the_other_way_round(raw.get("procedure_date"), date_format)
    if swapped is not None and today <= swapped:
        other = date_format.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")  # type: ignore[union-attr]
        message = (
            f'{label} "{raw.get("procedure_date")}" read as {date_format} is {procedure.isoformat()}, in the '
            f"past; read the other way round it is {swapped.isoformat()}. If the list writes the month first, "
            f"run again with --date-format {other}."
        )
    return [PastProcedureDateError("procedure_date", message)]


class PastProcedureDateError(FieldError):
    """The procedure date is before today: at the desk, staff may confirm it."""


def _read_the_other_way_round(raw: object, date_format: str | None) -> date | None:
    """`raw` read with day and month swapped in `date_format`, if that is a date."""
    if not isinstance(raw, str) or date_format is None or "%d" not in date_format or "%m" not in date_format:
        return None
    other = date_format.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    try:
        return datetime.strptime(raw.strip(), other).date()
    except ValueError:
        return None


def _glyph_problems(values: Mapping[str, object], check_glyphs: GlyphChecker) -> list[FieldError]:
    problems = []
    for field, value in values.items():
        if isinstance(value, str) and field != "language":
            reason = check_glyphs(value)
            if reason is not None:
                label = FIELD_LABELS[field]
                problems.append(FieldError(field, f"{label} cannot be printed: {reason}"))
    return problems
