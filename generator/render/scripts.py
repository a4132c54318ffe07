"""Right-to-left names (Arabic, Hebrew) in left-to-right forms.

ReportLab draws characters left to right, one glyph each. A right-to-left
run is therefore turned into the characters to draw before layout:

1. shaped with HarfBuzz (uharfbuzz) and the embedded font, so Arabic letters
   take their joined forms (initial, medial, final, lam-alef ligatures);
   each resulting glyph is written as the character the font maps to it
   (the plain letter where the font draws it the same, else its Unicode
   presentation form), in logical order;
2. reordered with the Unicode bidirectional algorithm (python-bidi) into
   visual order, within the surrounding left-to-right line.

PDF viewers and text extraction (poppler, pdf.js, Acrobat) read a run of
right-to-left characters stored in visual order back in logical order, and
presentation forms normalise (NFKC) to the plain letters, so the name can
be searched and copied. Only text with right-to-left characters is touched.

A right-to-left run is reordered as a whole before ReportLab breaks lines,
so its spaces become no-break spaces: the run moves to the next line whole
rather than being split with its parts swapped. (A run longer than a whole
line would still be split; names are at most 100 characters, shorter than
a line of body text.)
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path

# A run: right-to-left letters, with marks and spaces between them.
_RTL_LETTER = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
_RTL_RUN = re.compile(f"[{_RTL_LETTER}](?:[{_RTL_LETTER}\\s\u200c\u200d]*[{_RTL_LETTER}])?")


class ShapingError(ValueError):
    """Raised when a right-to-left run needs a glyph that has no character."""


_RTL_LETTER_PATTERN = re.compile(f"[{_RTL_LETTER}]")


def has_right_to_left(text: str) -> bool:
    """Whether `text` has Hebrew or Arabic-script letters (checked for every
    paragraph of every form, so a regular expression, not a loop in Python)."""
    return _RTL_LETTER_PATTERN.search(text) is not None


class Shaper:
    """HarfBuzz shaping with one font, and the character each of its glyphs
    is written as."""

    def __init__(self, font_file: Path, char_to_glyph: Mapping[int, int]) -> None:
        uharfbuzz = _uharfbuzz()
        self._font = uharfbuzz.Font(uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(font_file))))
        # The lowest code point wins: the plain letter rather than its isolated
        # presentation form when the font draws both with one glyph.
        self._characters = {glyph: chr(code) for code, glyph in sorted(char_to_glyph.items(), reverse=True)}

    def shape(self, run: str) -> str:
        """`run` shaped, as the characters of its glyphs in logical order."""
        uharfbuzz = _uharfbuzz()
        buffer = uharfbuzz.Buffer()
        buffer.add_str(run)
        buffer.guess_segment_properties()
        uharfbuzz.shape(self._font, buffer, {"kern": False})
        glyphs = [info.codepoint for info in buffer.glyph_infos]
        if buffer.direction == "rtl":
            glyphs.reverse()  # HarfBuzz gives right-to-left runs in visual order
        drawn = []
        for glyph in glyphs:
            character = self._characters.get(glyph)
            if character is None:
                raise ShapingError(f'"{run}" needs a letter shape the font cannot write as text')
            drawn.append(character)
        return "".join(drawn)


def visual_text(text: str, shaper: Shaper) -> str:
    """`text` as characters to draw left to right; unchanged without RTL letters.

    Raises ShapingError if a shaped glyph cannot be written as a character.
    """
    if not has_right_to_left(text):
        return text
    from bidi import get_display

    # Spaces inside a run become no-break spaces: the run is reordered before
    # ReportLab breaks lines, so a line break inside it would swap its parts.
    shaped = _RTL_RUN.sub(lambda run: shaper.shape(run.group(0)).replace(" ", "\u00a0"), text)
    return get_display(shaped, base_dir="L")


def _uharfbuzz():
    """uharfbuzz, imported on first need (see generator/__init__.py for why
    it is hidden from ReportLab until then)."""
    if "uharfbuzz" in sys.modules and sys.modules["uharfbuzz"] is None:
        del sys.modules["uharfbuzz"]
    import uharfbuzz

    return uharfbuzz
