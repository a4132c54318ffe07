"""The embedded fonts: registering them with ReportLab, and what they can draw.

Only fonts shipped in `fonts/` are ever used, never the system's and never
a base-14 font, so every PDF embeds what it shows. DejaVu Sans draws Latin,
Greek, Cyrillic, Arabic and Hebrew; Droid Sans Fallback draws the Chinese,
Japanese and Korean characters DejaVu lacks, character by character, and is
only read when a form needs it (it is a 3.4 MB file). A character no font
can draw is refused up front instead of printing as an empty box.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from generator.patient import describe_character
from generator.resources import fonts_dir
from generator.scripts import ShapingError, visual_text

REGULAR = "ConsentSans"
BOLD = "ConsentSans-Bold"
FALLBACK = "ConsentFallback"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_FALLBACK_FILE = "DroidSansFallback.ttf"
# ReportLab writes the text layer (ToUnicode) of a character beyond U+FFFF as
# five hex digits, which is invalid: the glyph would show but the name could
# not be searched or copied. Such characters (most emoji) are refused.
_LAST_SEARCHABLE = 0xFFFF


@dataclass(frozen=True)
class FontSet:
    """The registered fonts and the characters every one of them can draw."""

    regular: str
    bold: str
    drawable: frozenset[int]


@lru_cache(maxsize=1)
def load_fonts() -> FontSet:
    """Register the embedded fonts once per process and return what they cover."""
    folder = fonts_dir()
    coverage: frozenset[int] | None = None
    for name, file_name in _FILES.items():
        font = TTFont(name, str(folder / file_name))
        pdfmetrics.registerFont(font)
        covered = frozenset(font.face.charToGlyph)
        coverage = covered if coverage is None else coverage & covered
    for bold, italic, name in ((0, 0, REGULAR), (1, 0, BOLD), (0, 1, REGULAR), (1, 1, BOLD)):
        addMapping(REGULAR, bold, italic, name)
    assert coverage is not None
    return FontSet(regular=REGULAR, bold=BOLD, drawable=coverage)


@lru_cache(maxsize=1)
def fallback_coverage() -> frozenset[int]:
    """Register the fallback font (once, when first needed); what it draws."""
    font = TTFont(FALLBACK, str(fonts_dir() / _FALLBACK_FILE))
    pdfmetrics.registerFont(font)
    for bold, italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
        addMapping(FALLBACK, bold, italic, FALLBACK)
    return frozenset(font.face.charToGlyph)


def main_font_file() -> Path:
    """The regular font's file (for shaping right-to-left text)."""
    return fonts_dir() / _FILES[REGULAR]


def drawn_text(text: str) -> str:
    """`text` as the characters to draw, left to right (see `scripts`)."""
    return visual_text(text, main_font_file())


def font_runs(text: str) -> list[tuple[bool, str]]:
    """`text` (already as drawn) cut into runs: (True, run) for characters the
    main fonts draw, (False, run) for those only the fallback font draws."""
    drawable = load_fonts().drawable
    if all(ord(character) in drawable or character.isspace() for character in text):
        return [(True, text)]
    runs: list[tuple[bool, str]] = []
    for character in text:
        main = ord(character) in drawable or character.isspace()
        if runs and runs[-1][0] == main:
            runs[-1] = (main, runs[-1][1] + character)
        else:
            runs.append((main, character))
    return runs


def glyph_problem(text: str) -> str | None:
    """Why `text` cannot be printed exactly with the embedded fonts, or None."""
    drawable = load_fonts().drawable
    try:
        drawn = drawn_text(text)
    except ShapingError:
        return (
            "its right-to-left letters need a joined shape the form's font cannot write as "
            "searchable text. Type the name without vowel marks, as it appears on the patient's ID."
        )
    for character in text + drawn:
        if ord(character) > _LAST_SEARCHABLE:
            return (
                f"it contains {describe_character(character)}, which cannot yet be printed as "
                "searchable text. Leave it out and type the name as it appears on the patient's ID."
            )
        if ord(character) in drawable or character.isspace() or unicodedata.category(character) == "Cf":
            continue
        if ord(character) not in fallback_coverage():
            return (
                f"the form's font has no {describe_character(character)}, so it would print "
                "as an empty box. Type the name without that character, in the spelling "
                "on the patient's ID."
            )
    return None
