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
from typing import Any

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfdoc, pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from generator.intake.values import describe_character
from generator.render import reportlab_internals as internals
from generator.render.paragraphs import remembered
from generator.render.remembered import RememberedArray, RememberedStream
from generator.render.scripts import Shaper, ShapingError, has_right_to_left, visual_text
from generator.resources import fonts_dir

REGULAR = "ConsentSans"
BOLD = "ConsentSans-Bold"
FALLBACK = "ConsentFallback"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_FALLBACK_FILE = "DroidSansFallback.ttf"


@dataclass(frozen=True)
class FontSet:
    """The registered fonts and the characters every one of them can draw."""

    regular: str
    bold: str
    drawable: frozenset[int]


class _EmbeddedFont(TTFont):
    """One of consent's TrueType fonts: each subset it embeds gets its text
    layer from `to_unicode_cmap`, and ReportLab never shapes its text (consent
    shapes right-to-left runs itself, see `scripts`), whether or not
    uharfbuzz is installed. Only consent's own fonts change: ReportLab's
    module functions stay as they are for anyone else in the process."""

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename, shapable=False)

    def addObjects(self, doc: Any) -> None:
        """ReportLab's TTFont.addObjects, with consent's ToUnicode CMaps; with a
        batch worker's cache, each distinct subset is made, compressed and
        written once (a subset is the same whenever the same characters got
        the same codes, see `paragraphs.give_fixed_codes`)."""
        compress = bool(doc.compression)
        for number, subset in internals.freeze_font_subsets(self, doc):
            base_font = internals.subset_font_name(self, number)
            key = (self.fontName, base_font, tuple(subset))

            font = pdfdoc.PDFTrueTypeFont()
            font.__Comment__ = f"Font {self.fontName} subset {number}"
            font.Name = self.getSubsetInternalName(number, doc)[1:]
            font.BaseFont = base_font
            font.FirstChar = 0
            font.LastChar = len(subset) - 1
            font.Widths = RememberedArray(("widths", *key), [self.face.getCharWidth(code) for code in subset])
            cmap = remembered(("cmap", *key), lambda: to_unicode_cmap(base_font, subset))  # noqa: B023 (made now)
            cmap_stream = RememberedStream(("cmap", *key), cmap, compress)
            font.ToUnicode = internals.add_object(doc, cmap_stream, "toUnicodeCMap:" + base_font)
            raw = remembered(("font file", *key), lambda: self.face.makeSubset(subset))  # noqa: B023 (made now)
            font_file = RememberedStream(("font file", *key), raw, compress)
            font_file.dictionary["Length1"] = len(raw)
            file_reference = internals.add_object(doc, font_file, f"fontFile:{self.face.filename}({base_font})")
            descriptor = self._descriptor(base_font, file_reference)
            font.FontDescriptor = internals.add_object(doc, descriptor, "fontDescriptor:" + base_font)
            internals.add_font(doc, font.Name, font)
        internals.forget_font_state(self, doc)

    def _descriptor(self, base_font: str, font_file: Any) -> pdfdoc.PDFDictionary:
        face = self.face
        return pdfdoc.PDFDictionary(
            {
                "Type": "/FontDescriptor",
                "Ascent": face.ascent,
                "CapHeight": face.capHeight,
                "Descent": face.descent,
                "Flags": (face.flags & ~ttfonts.FF_NONSYMBOLIC) | ttfonts.FF_SYMBOLIC,
                "FontBBox": pdfdoc.PDFArray(face.bbox),
                "FontName": pdfdoc.PDFName(base_font),
                "ItalicAngle": face.italicAngle,
                "StemV": face.stemV,
                "FontFile2": font_file,
                "MissingWidth": face.defaultWidth,
            }
        )


def to_unicode_cmap(font_name: str, subset: list[int]) -> str:
    """The ToUnicode CMap of one font subset: what text each drawn glyph stands for.

    ReportLab's `makeToUnicodeCMap` (same layout), changed in two ways so a
    name can be searched and copied exactly as typed:

    - a shaped Arabic or Hebrew letter is drawn as its presentation form
      (see `scripts`); its text is the plain letter(s) it stands for (NFKC:
      U+FEE3 ARABIC LETTER MEEM INITIAL FORM is U+0645; the lam-alef ligature
      is two letters), not the presentation form;
    - a character beyond U+FFFF is written as a UTF-16 surrogate pair, as
      the PDF format requires, where ReportLab writes five hex digits.
    """
    entries = [f"<{code:02X}> <{_utf16_hex(_text_of(character))}>" for code, character in enumerate(subset)]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({font_name})",
            f"/Ordering ({font_name})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{font_name} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            *entries,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


def _text_of(code_point: int) -> str:
    character = chr(code_point)
    if not (0xFB1D <= code_point <= 0xFDFF or 0xFE70 <= code_point <= 0xFEFF):
        return character
    text = unicodedata.normalize("NFKC", character) or character
    if len(text) > 1 and all(unicodedata.category(letter) == "Lo" for letter in text):
        # A ligature of letters (lam-alef). Readers of the text layer (poppler,
        # pdf.js) put a right-to-left run back into logical order character by
        # character, so the letters of one glyph are stored in visual order.
        text = text[::-1]
    return text


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


@lru_cache(maxsize=1)
def load_fonts() -> FontSet:
    """Register the embedded fonts once per process and return what they cover."""
    folder = fonts_dir()
    coverage: frozenset[int] | None = None
    for name, file_name in _FILES.items():
        font = _EmbeddedFont(name, str(folder / file_name))
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
    font = _EmbeddedFont(FALLBACK, str(fonts_dir() / _FALLBACK_FILE))
    pdfmetrics.registerFont(font)
    for bold, italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
        addMapping(FALLBACK, bold, italic, FALLBACK)
    return frozenset(font.face.charToGlyph)


@lru_cache(maxsize=1)
def _shaper() -> Shaper:
    """Shaping with the regular font, using the character map ReportLab has
    already read from it (made on the first right-to-left name)."""
    load_fonts()
    return Shaper(fonts_dir() / _FILES[REGULAR], pdfmetrics.getFont(REGULAR).face.charToGlyph)


def drawn_text(text: str) -> str:
    """`text` as the characters to draw, left to right (see `scripts`)."""
    if not has_right_to_left(text):  # almost always: no need for the shaper
        return text
    return visual_text(text, _shaper())


def font_runs(text: str) -> list[tuple[bool, str]]:
    """`text` (already as drawn) cut into runs: (True, run) for characters the
    main fonts draw, (False, run) for those only the fallback font draws.
    The fallback font is registered here when a run needs it, so whoever
    sets a run in it finds it in ReportLab."""
    drawable = load_fonts().drawable
    if drawable.issuperset(map(ord, text)):
        return [(True, text)]
    fallback_coverage()
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
        if ord(character) in drawable or character.isspace() or unicodedata.category(character) == "Cf":
            continue
        if ord(character) not in fallback_coverage():
            return (
                f"the form's font has no {describe_character(character)}, so it would print "
                "as an empty box. Type the name without that character, in the spelling "
                "on the patient's ID."
            )
    return None
