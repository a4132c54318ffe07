"""How text looks on the page: the paragraph styles, the colours, and plain
text turned into ReportLab paragraph markup that can never hold a tag.

Everything that draws text (the page layout, its sections) sets it through
here, so a name prints the same in every place, right-to-left and CJK included.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from generator.document import Run
from generator.render.fonts import FALLBACK, drawn_text, font_runs, load_fonts
from generator.render.scripts import has_right_to_left

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#9a9a9a")
SHADE = colors.HexColor("#f1f1f1")


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    form_line: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    body: ParagraphStyle
    bullet: ParagraphStyle
    label: ParagraphStyle
    value: ParagraphStyle
    header: ParagraphStyle
    caption: ParagraphStyle
    signer: ParagraphStyle
    printed: ParagraphStyle
    statement: ParagraphStyle
    header_right: ParagraphStyle
    clinic_name: ParagraphStyle
    clinic_line: ParagraphStyle


@lru_cache(maxsize=1)
def styles() -> Styles:
    fonts = load_fonts()
    body = ParagraphStyle(
        "body",
        fontName=fonts.regular,
        bulletFontName=fonts.regular,
        fontSize=10.5,
        leading=15,
        textColor=INK,
        spaceAfter=6,
    )
    return Styles(
        title=ParagraphStyle("title", parent=body, fontName=fonts.bold, fontSize=19, leading=23, spaceAfter=2),
        subtitle=ParagraphStyle("subtitle", parent=body, fontSize=12, leading=15, textColor=MUTED, spaceAfter=2),
        form_line=ParagraphStyle("form_line", parent=body, fontSize=8, leading=10, textColor=MUTED, spaceAfter=10),
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName=fonts.bold,
            fontSize=13,
            leading=17,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=1,
        ),
        subheading=ParagraphStyle(
            "subheading",
            parent=body,
            fontName=fonts.bold,
            fontSize=11,
            leading=15,
            spaceBefore=6,
            spaceAfter=3,
            keepWithNext=1,
        ),
        body=body,
        bullet=ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=3, spaceAfter=3),
        label=ParagraphStyle("label", parent=body, fontSize=8, leading=10, textColor=MUTED, spaceAfter=0),
        value=ParagraphStyle("value", parent=body, fontName=fonts.bold, fontSize=10.5, leading=13, spaceAfter=0),
        header=ParagraphStyle("header", parent=body, fontSize=8.5, leading=11, spaceAfter=0),
        caption=ParagraphStyle("caption", parent=body, fontSize=7.5, leading=9, textColor=MUTED, spaceAfter=0),
        signer=ParagraphStyle("signer", parent=body, fontName=fonts.bold, fontSize=10, leading=13, spaceAfter=0),
        printed=ParagraphStyle("printed", parent=body, fontSize=10, leading=12.5, spaceAfter=0),
        statement=ParagraphStyle("statement", parent=body, fontSize=9.5, leading=12.5, spaceAfter=0),
        header_right=ParagraphStyle(
            "header_right", parent=body, fontSize=8.5, leading=11, spaceAfter=0, alignment=TA_RIGHT, textColor=MUTED
        ),
        clinic_name=ParagraphStyle(
            "clinic_name", parent=body, fontName=fonts.bold, fontSize=12, leading=15, spaceAfter=1
        ),
        clinic_line=ParagraphStyle("clinic_line", parent=body, fontSize=9, leading=11.5, textColor=MUTED, spaceAfter=0),
    )


def escape(text: str) -> str:
    # xml.sax.saxutils.escape does the same but imports urllib and email (~15 ms
    # of a 0.3 s budget for the whole process).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markup(text: str) -> str:
    """Plain text as ReportLab paragraph markup: nothing in it is ever a tag.

    Right-to-left runs are shaped and put in visual order, and characters
    only the fallback font has (Chinese, Japanese, Korean) are set in it.
    """
    runs = font_runs(drawn_text(text))
    if len(runs) == 1 and runs[0][0]:
        return escape(runs[0][1])
    return "".join(escape(run) if main else f'<font name="{FALLBACK}">{escape(run)}</font>' for main, run in runs)


def lines_markup(text: str, style: ParagraphStyle, width: float) -> str:
    """`markup(text)` for a box `width` wide: text with right-to-left letters
    is broken into lines here, in logical order, and each line is put in
    visual order on its own, as the Unicode bidi algorithm orders text line
    by line. (ReportLab breaks lines after `markup` has reordered them, so
    a long Arabic name in a narrow column would otherwise come out with its
    parts swapped.)"""
    if not has_right_to_left(text):
        return markup(text)
    font = style.fontName

    def fits(candidate: str) -> bool:
        return pdfmetrics.stringWidth(drawn_text(candidate), font, style.fontSize) <= width

    lines: list[str] = []
    for word in text.split(" "):
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "<br/>".join(markup(line) for line in lines)


def draw_string(canvas: Canvas, x: float, y: float, text: str, size: float) -> None:
    """Draw one line of plain text at (x, y) as `markup` would set it."""
    for main, run in font_runs(drawn_text(text)):
        font = load_fonts().regular if main else FALLBACK
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += canvas.stringWidth(run, font, size)


def runs_markup(runs: tuple[Run, ...]) -> str:
    return "".join(f"<b>{markup(run.text)}</b>" if run.bold else markup(run.text) for run in runs)
