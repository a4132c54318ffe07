"""The embedded fonts: registering them with ReportLab, and what they can draw.

Only fonts shipped in `fonts/` are ever used, never the system's and never
a base-14 font, so every PDF embeds what it shows. A character the fonts
cannot draw is refused up front instead of printing as an empty box.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from generator.patient import describe_character
from generator.resources import fonts_dir

REGULAR = "ConsentSans"
BOLD = "ConsentSans-Bold"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_RIGHT_TO_LEFT = {"R", "AL"}
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


def glyph_problem(text: str) -> str | None:
    """Why `text` cannot be printed exactly with the embedded fonts, or None."""
    drawable = load_fonts().drawable
    for character in text:
        if unicodedata.bidirectional(character) in _RIGHT_TO_LEFT:
            return (
                f"it contains {describe_character(character)}, from a right-to-left script "
                "(such as Arabic or Hebrew), which consent cannot print correctly yet. "
                "Type the name in Latin letters as it appears on the patient's ID."
            )
        if ord(character) > _LAST_SEARCHABLE:
            return (
                f"it contains {describe_character(character)}, which cannot yet be printed as "
                "searchable text. Leave it out and type the name as it appears on the patient's ID."
            )
        if ord(character) not in drawable and not character.isspace():
            return (
                f"the form's font has no {describe_character(character)}, so it would print "
                "as an empty box. Type the name without that character, in the spelling "
                "on the patient's ID."
            )
    return None
