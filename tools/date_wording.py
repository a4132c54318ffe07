"""Print the [dates] table of a wording file (generator/definitions/labels/<lang>.toml)
from CLDR, through Babel, for a date locale.

consent writes long dates ("1 December 2026", "1 de diciembre de 2026") from
this table instead of importing Babel in every `consent fill`: loading Babel
and a locale's data is ~7% of the instructions a whole fill process runs
(measured with callgrind), against a 0.3 s budget. tests/test_languages.py
checks every wording file's table against Babel, so the two cannot drift.

Run:  python tools/date_wording.py fr_FR     (needs the test extras: Babel)
"""

from __future__ import annotations

import json
import re
import sys

from babel.dates import get_date_format, get_month_names

# CLDR pattern pieces consent knows how to write; anything else is refused.
_FIELDS = {"d": "{day}", "MMMM": "{month}", "y": "{year}"}


def dates_table(locale: str) -> str:
    pattern = get_date_format("long", locale=locale).pattern
    pieces = []
    for literal, field in _tokens(pattern):
        pieces.append(literal if field is None else _FIELDS[field])
    months = list(get_month_names("wide", context="format", locale=locale).values())
    return "\n".join(
        [
            f"[dates]  # long dates in {locale}, from CLDR: CLDR pattern {pattern!r}",
            f"pattern = {json.dumps(''.join(pieces), ensure_ascii=False)}",
            f"months = {json.dumps(months, ensure_ascii=False)}",
        ]
    )


def _tokens(pattern: str) -> list[tuple[str, str | None]]:
    """(literal, None) and ("", field) pieces of a CLDR date pattern."""
    tokens: list[tuple[str, str | None]] = []
    for quoted, field, other in re.findall(r"'([^']*)'|([A-Za-z]+)|([^A-Za-z']+)", pattern):
        if field:
            if field not in _FIELDS:
                raise SystemExit(f"The CLDR pattern {pattern!r} uses {field!r}, which consent cannot write yet.")
            tokens.append(("", field))
        else:
            tokens.append((quoted or other, None))
    return tokens


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(dates_table(sys.argv[1]))
