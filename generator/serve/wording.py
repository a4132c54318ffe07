"""The shared rules' messages as the desk page says them.

Every refusal is worded once, by the rule that makes it, for `consent fill`
and `consent batch`; where a message points at a command-line option or a
column ("--guardian, or the guardian column"), the page points at its own
box instead. Nothing else in a message changes, so the page, the command
and errors.csv say the same thing.
"""

from __future__ import annotations

import re

# strftime formats a day list's dates can be read with, as the page offers them.
DATE_FORMATS = {
    "": "YYYY-MM-DD (2026-12-01)",
    "%d/%m/%Y": "DD/MM/YYYY (01/12/2026)",
    "%m/%d/%Y": "MM/DD/YYYY (12/01/2026)",
}
ENCODINGS = {"": "UTF-8 (most systems)", "cp1252": "Windows, Western (cp1252: Excel on Windows)", "utf-16": "UTF-16"}

_POINTERS = [
    ("(--interpreter-language, or the interpreter_language column)", "(the Interpreter's language box)"),
    ("(--guardian, or the guardian column)", "(the Guardian box)"),
    ("(--interpreter, or the interpreter column)", "(the Interpreter box)"),
    ("(--language, or the language column)", "(the Language of the form list)"),
    ("run again with --encoding cp1252.", f'choose "{ENCODINGS["cp1252"]}" as the text encoding and upload it again.'),
    ("run again with --encoding utf-16,", f'choose "{ENCODINGS["utf-16"]}" as the text encoding and upload it again,'),
    (
        "run again with --encoding utf-16-le,",
        f'choose "{ENCODINGS["utf-16"]}" as the text encoding and upload it again,',
    ),
    ("give it with --encoding.", "choose it as the text encoding."),
    (
        "`lpstat -p -d` lists the printers and the default; choose one with --printer.",
        "Ask whoever set up consent serve to check the printer named in its settings ([serve] printer).",
    ),
    ("run again with --replace", 'tick "Replace" and make it again'),
]
_DATE_FORMAT_POINTER = re.compile(r"run again with --date-format (\S+?)\.")


def for_the_page(message: str) -> str:
    """`message` with each pointer to a command-line option turned into one to the page."""
    for command_words, page_words in _POINTERS:
        message = message.replace(command_words, page_words)

    def date_format(match: re.Match[str]) -> str:
        label = DATE_FORMATS.get(match.group(1), match.group(1))
        return f'choose "{label}" for the dates and upload it again.'

    return _DATE_FORMAT_POINTER.sub(date_format, message)
