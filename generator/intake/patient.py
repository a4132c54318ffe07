"""The patient record: one patient's details read and checked together.

Each value is checked by `values`; here are the rules that need more than
one detail (a minor's guardian, an interpreter's language, a date of birth
after the procedure, a procedure date in the past or too far ahead).

`read_patient` is the single validation path for every way a patient reaches
consent (command-line options, prompts, batch rows). It collects every
problem instead of stopping at the first, so staff can fix a record in one go.
It does no I/O: whether the embedded fonts can draw a character is asked of a
checker passed in by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from generator.errors import FieldError, PatientError
from generator.intake.fields import ADULT_AGE, FIELD_LABELS, MAX_RECORD_NUMBER_LENGTH, MOST_DAYS_AHEAD, OLDEST_AGE
from generator.intake.values import (
    GlyphChecker,
    clinician_name,
    language_code,
    optional_detail,
    optional_name,
    parse_date,
    person_name,
    required_text,
)


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
        attempt(field, partial(person_name, field, raw.get(field)))
    attempt("clinician", partial(clinician_name, raw.get("clinician")))
    record_number = raw.get("record_number")
    attempt("record_number", partial(required_text, "record_number", record_number, MAX_RECORD_NUMBER_LENGTH))
    for field in ("date_of_birth", "procedure_date"):
        attempt(field, partial(parse_date, field, raw.get(field), date_format))
    for field in ("guardian", "interpreter"):
        attempt(field, partial(optional_name, field, raw.get(field)))
    for field in ("guardian_relationship", "interpreter_language"):
        attempt(field, partial(optional_detail, field, raw.get(field)))
    attempt("language", partial(language_code, raw.get("language")))

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
        "given_name": lambda: person_name(field, raw),
        "family_name": lambda: person_name(field, raw),
        "clinician": lambda: clinician_name(raw),
        "record_number": lambda: required_text(field, raw, MAX_RECORD_NUMBER_LENGTH),
        "date_of_birth": lambda: parse_date(field, raw),
        "procedure_date": lambda: parse_date(field, raw),
        "guardian": lambda: optional_name(field, raw),
        "interpreter": lambda: optional_name(field, raw),
        "guardian_relationship": lambda: optional_detail(field, raw),
        "interpreter_language": lambda: optional_detail(field, raw),
        "language": lambda: language_code(raw),
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
