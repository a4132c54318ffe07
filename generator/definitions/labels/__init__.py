"""The fixed wording of the layout in each language, and dates as each
language writes them (CLDR's long format).

The wording lives in one TOML file per language beside this module
(`en.toml`, `fr.toml`, ...), so a translator edits text, not Python.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from generator.errors import FormDefinitionError

_FOLDER = files(__name__)


def label_languages() -> list[str]:
    """The languages whose fixed wording exists, sorted."""
    return sorted(entry.name[: -len(".toml")] for entry in _FOLDER.iterdir() if entry.name.endswith(".toml"))


@cache
def labels_for(language: str) -> dict[str, Any]:
    """The layout's wording in `language`; an error naming the languages there are."""
    source = _FOLDER / f"{language}.toml"
    if not source.is_file():
        raise FormDefinitionError(
            f'consent cannot print the fixed wording of a form (headings, "Page X of Y", signature labels) '
            f'in "{language}" yet. Languages it can print: {", ".join(label_languages())}.'
        )
    return tomllib.loads(source.read_text(encoding="utf-8"))


def format_long_date(day: date, language: str) -> str:
    """`day` as `language` writes a long date: "1 December 2026",
    "1 décembre 2026", "1 de diciembre de 2026".

    The pattern and month names are CLDR's (Babel's) for the language's
    date locale, stored in its wording file by tools/date_wording.py and
    checked against Babel by the tests: importing Babel and loading locale
    data in every `consent fill` cost ~7% of the whole process.
    """
    labels = labels_for(language)
    dates = labels["dates"]
    day_text = labels["first_of_month"] if day.day == 1 else str(day.day)
    return dates["pattern"].format(day=day_text, month=dates["months"][day.month - 1], year=day.year)
