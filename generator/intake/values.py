"""What makes one typed value acceptable: clean text on one line (no control
characters, no invisible formatting, no bidi overrides), a person's name, a
clinician, a few words about a person, a language code, a date. Each refusal
is a FieldError naming its field, with what to do."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime

from generator.document import LANGUAGE_CODE
from generator.errors import FieldError
from generator.intake.fields import FIELD_LABELS, MAX_DETAIL_LENGTH, MAX_NAME_LENGTH

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

# Given a value, returns a sentence saying which character cannot be drawn and
# why, or None when every character can be.
GlyphChecker = Callable[[str], "str | None"]

_CONTROL_NAMES = {"\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\t": "TAB"}


def describe_character(character: str) -> str:
    """A character as staff can find it: itself (when visible), code point, name."""
    name = unicodedata.name(character, _CONTROL_NAMES.get(character, "control character"))
    code = f"U+{ord(character):04X}"
    if unicodedata.category(character)[0] in "CZ" or character in _BLANK_LETTERS:
        return f"{code} {name}"  # nothing to see: quoting it would show empty quotes
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


def required_text(field: str, raw: object, max_length: int) -> str:
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


def person_name(field: str, raw: object) -> str:
    """A person's name: text, plus no digits (a date or record number typed in
    the wrong box, or a spreadsheet column shifted by one)."""
    name = required_text(field, raw, MAX_NAME_LENGTH)
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


def clinician_name(raw: object) -> str:
    """The clinician's name. Digits may be part of it ("Dr Lee (room 2)"), but
    a date or a bare number is another column's value."""
    name = required_text("clinician", raw, MAX_NAME_LENGTH)
    if _LOOKS_LIKE_A_DATE.search(name) or _LOOKS_LIKE_A_NUMBER.fullmatch(name):
        raise FieldError(
            "clinician",
            f'Clinician "{name}" looks like a date or a number, not a name. Check that the clinician\'s name, '
            "and not another detail, was typed here (in a list: the clinician column, which may have shifted "
            "by one).",
        )
    _require_a_visible_letter("clinician", name)
    return name


def optional_name(field: str, raw: object) -> str | None:
    if raw is None or not clean_text(field, _as_text(field, raw)):
        return None
    return person_name(field, raw)


def optional_detail(field: str, raw: object) -> str | None:
    """A few words about a person who signs (a relationship, a language):
    text with a letter in it, and not a date or a number from another column."""
    if raw is None or not clean_text(field, _as_text(field, raw)):
        return None
    text = required_text(field, raw, MAX_DETAIL_LENGTH)
    if _LOOKS_LIKE_A_DATE.search(text) or any(character.isdigit() for character in text):
        raise FieldError(
            field,
            f'{FIELD_LABELS[field]} "{text}" contains digits. Check that it, and not another detail, was typed '
            "here (in a list: the column may have shifted by one).",
        )
    _require_a_visible_letter(field, text)
    return text


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


def language_code(raw: object) -> str:
    text = clean_text("language", _as_text("language", raw)).lower() or "en"
    if not LANGUAGE_CODE.fullmatch(text):
        raise FieldError(
            "language",
            f'Language "{text}" is not a language code. Use a two-letter code such as en.',
        )
    return text
