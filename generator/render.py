"""Document -> PDF bytes with ReportLab.

One layout pass: "Page X of Y" draws Y as a form XObject that is referenced
on every page and defined once the page count is known, when the canvas is
saved; each page's code (a QR code holding form, record, page and page
count) is defined the same way. At save the canvas also records the form's
metadata and a digest of every page (see `integrity`). Output is
byte-for-byte repeatable (ReportLab's invariant mode; the only dates
printed come from the input).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFFormXObject, PDFInfo, PDFObjectReference, PDFString, xObjectName
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from generator import __version__, integrity
from generator.document import Block, BulletList, Document, Heading, Run, Signer, document_id
from generator.document import Paragraph as TextParagraph
from generator.fields import add_signature_field, add_text_field
from generator.fonts import FALLBACK, drawn_text, font_runs, load_fonts
from generator.logo import logo_flowable, logo_size
from generator.pagecode import PageCode, encode_page_code
from generator.qr import qr_modules
from generator.scripts import has_right_to_left

PAPER_SIZES = {"A4": A4, "letter": LETTER}
MARGIN = 18 * mm
HEADER_TOP = 10 * mm
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#9a9a9a")
SHADE = colors.HexColor("#f1f1f1")
PAGE_TOTAL_FORM = "consentPageTotal"
PAGE_CODE_FORM = "consentPageCode{page}"
FOOTER_SIZE = 8
# The page code sits in the bottom right corner. 0.9 mm modules still decode
# after a photocopy (grey, a 0.3 mm blur, speckle, a 2 degree tilt) scanned
# at 150 or 200 dpi; 0.45 mm modules did not (tests/test_page_codes.py,
# bench/pagecode.py). A usual code is 29 modules (version 3, alphanumeric);
# a long record number makes a bigger code, drawn with smaller modules to
# stay inside the same square.
CODE_MODULE = 0.9 * mm
CODE_SIZE = 29 * CODE_MODULE
CODE_BOTTOM = 6 * mm
# A scanner finds a QR code by the light margin around it: four modules.
CODE_QUIET_ZONE = 4 * CODE_MODULE
FOOTER_TEXT_Y = 12 * mm
FOOTER_RULE_Y = CODE_BOTTOM + CODE_SIZE + CODE_QUIET_ZONE


@dataclass(frozen=True)
class _Styles:
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
    header_right: ParagraphStyle
    clinic_name: ParagraphStyle
    clinic_line: ParagraphStyle


@lru_cache(maxsize=1)
def _styles() -> _Styles:
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
    return _Styles(
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
        header_right=ParagraphStyle(
            "header_right", parent=body, fontSize=8.5, leading=11, spaceAfter=0, alignment=TA_RIGHT, textColor=MUTED
        ),
        clinic_name=ParagraphStyle(
            "clinic_name", parent=body, fontName=fonts.bold, fontSize=12, leading=15, spaceAfter=1
        ),
        clinic_line=ParagraphStyle("clinic_line", parent=body, fontSize=9, leading=11.5, textColor=MUTED, spaceAfter=0),
    )


def _escape(text: str) -> str:
    # xml.sax.saxutils.escape does the same but imports urllib and email (~15 ms
    # of a 0.3 s budget for the whole process).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markup(text: str) -> str:
    """Plain text as ReportLab paragraph markup: nothing in it is ever a tag.

    Right-to-left runs are shaped and put in visual order, and characters
    only the fallback font has (Chinese, Japanese, Korean) are set in it.
    """
    runs = font_runs(drawn_text(text))
    if len(runs) == 1 and runs[0][0]:
        return _escape(runs[0][1])
    return "".join(_escape(run) if main else f'<font name="{FALLBACK}">{_escape(run)}</font>' for main, run in runs)


def _fit(suffix: str, text: str, width: float) -> str:
    """`text` + `suffix`, with `text` cut short (ending in an ellipsis) to fit `width`."""
    font = load_fonts().regular
    if pdfmetrics.stringWidth(text + suffix, font, FOOTER_SIZE) <= width:
        return text + suffix
    while text and pdfmetrics.stringWidth(text + "\u2026" + suffix, font, FOOTER_SIZE) > width:
        text = text[:-1]
    return text.rstrip() + "\u2026" + suffix


def _lines_markup(text: str, style: ParagraphStyle, width: float) -> str:
    """`_markup(text)` for a box `width` wide: text with right-to-left letters
    is broken into lines here, in logical order, and each line is put in
    visual order on its own, as the Unicode bidi algorithm orders text line
    by line. (ReportLab breaks lines after `_markup` has reordered them, so
    a long Arabic name in a narrow column would otherwise come out with its
    parts swapped.)"""
    if not has_right_to_left(text):
        return _markup(text)
    font = style.fontName

    def fits(candidate: str) -> bool:
        return pdfmetrics.stringWidth(drawn_text(candidate), font, style.fontSize) <= width

    lines: list[str] = []
    for word in text.split(" "):
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "<br/>".join(_markup(line) for line in lines)


def _draw_string(canvas: Canvas, x: float, y: float, text: str, size: float) -> None:
    """Draw one line of plain text at (x, y) as `_markup` would set it."""
    for main, run in font_runs(drawn_text(text)):
        font = load_fonts().regular if main else FALLBACK
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += canvas.stringWidth(run, font, size)


def _runs_markup(runs: tuple[Run, ...]) -> str:
    return "".join(f"<b>{_markup(run.text)}</b>" if run.bold else _markup(run.text) for run in runs)


class _InitialledItem(Flowable):
    """One side effect or precaution with a box for the patient's initials."""

    BOX_WIDTH = 24 * mm
    BOX_HEIGHT = 11 * mm
    GAP = 5 * mm

    def __init__(self, text: str, field_name: str, initials_label: str, styles: _Styles) -> None:
        super().__init__()
        self._text = Paragraph(_markup(text), styles.bullet, bulletText="\u2022")
        self._caption = Paragraph(_markup(initials_label), styles.caption)
        self._text_height = 0.0
        self._field_name = field_name
        self._tooltip = f"{initials_label}: {text}"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        _, self._text_height = self._text.wrap(available_width - self.BOX_WIDTH - self.GAP, available_height)
        self._caption.wrap(self.BOX_WIDTH, available_height)
        self.height = max(self._text_height, self.BOX_HEIGHT) + 3 * mm
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        top = self.height - 1.5 * mm
        self._text.drawOn(canvas, 0, top - self._text_height)
        box_left = self.width - self.BOX_WIDTH
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.8)
        canvas.rect(box_left, top - self.BOX_HEIGHT, self.BOX_WIDTH, self.BOX_HEIGHT)
        caption_bottom = top - self._caption.height - 0.6 * mm
        self._caption.drawOn(canvas, box_left + 1.2 * mm, caption_bottom)
        # The typing area is the part of the box below its caption.
        field_bottom = top - self.BOX_HEIGHT + 0.6 * mm
        add_text_field(
            canvas,
            self._field_name,
            self._tooltip,
            box_left + 0.8 * mm,
            field_bottom,
            self.BOX_WIDTH - 1.6 * mm,
            caption_bottom - field_bottom,
            max_length=8,
        )


class _SignatureBlock(Flowable):
    """Who signs, then lines for signature, printed name, date and time. Never split."""

    WRITING_SPACE = 13 * mm
    COLUMNS = (0.42, 0.28, 0.17, 0.13)
    COLUMN_GAP = 5 * mm

    def __init__(self, signer: Signer, document: Document, styles: _Styles) -> None:
        super().__init__()
        labels = document.labels
        self._signer = signer
        self._labels = labels
        self._role = Paragraph(_markup(signer.label), styles.signer)
        self._printed_name = signer.printed_name
        self._printed_style = styles.printed
        self._captions = [
            Paragraph(_markup(text), styles.caption)
            for text in (labels.signature, labels.printed_name, labels.date, labels.time)
        ]

    def _column_widths(self) -> list[float]:
        usable = self.width - self.COLUMN_GAP * (len(self.COLUMNS) - 1)
        return [usable * share for share in self.COLUMNS]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        widths = self._column_widths()
        self._role_height = self._role.wrap(available_width, available_height)[1]
        # Made here, where the column's width is known (see _lines_markup).
        self._printed = Paragraph(
            _lines_markup(self._printed_name, self._printed_style, widths[1]), self._printed_style
        )
        self._printed_height = self._printed.wrap(widths[1], available_height)[1]
        self._caption_height = max(c.wrap(w, available_height)[1] for c, w in zip(self._captions, widths, strict=True))
        writing = max(self.WRITING_SPACE, self._printed_height + 2 * mm)
        self.height = self._role_height + 1.5 * mm + writing + 1 * mm + self._caption_height + 6 * mm
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        return []

    def draw(self) -> None:
        canvas = self.canv
        self._role.drawOn(canvas, 0, self.height - self._role_height)
        line_y = 6 * mm + self._caption_height + 1 * mm
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.8)
        x = 0.0
        writing_top = self.height - self._role_height - 1.5 * mm
        role, labels = self._signer.role, self._labels
        for index, (caption, width) in enumerate(zip(self._captions, self._column_widths(), strict=True)):
            canvas.line(x, line_y, x + width, line_y)
            caption.drawOn(canvas, x, line_y - 1 * mm - caption.height)
            if index == 0:
                # The field covers the writing space, with its bottom on the line.
                add_signature_field(
                    canvas,
                    f"{role}_signature",
                    f"{labels.signature}: {self._signer.label}",
                    x,
                    line_y,
                    width,
                    writing_top - line_y,
                )
            elif index == 1:
                self._printed.drawOn(canvas, x, line_y + 1.5 * mm)
            else:
                kind, label = ("date", labels.date) if index == 2 else ("time", labels.time)
                add_text_field(
                    canvas, f"{role}_{kind}", f"{label}: {self._signer.label}", x, line_y + 0.5 * mm, width, 7 * mm
                )
            x += width + self.COLUMN_GAP


class _ConsentInfo(PDFInfo):
    """The document information dictionary, with the form's own keys added."""

    def __init__(self, extra: dict[str, str]) -> None:
        super().__init__()
        self.extra = extra

    def format(self, document: object) -> bytes:
        # ReportLab builds the font subsets when it writes the font resources
        # (object 1), before this dictionary: so their digest is taken here.
        self.extra[integrity.FONTS_DIGEST_KEY] = integrity.fonts_digest(_embedded_fonts(document))
        formatted = super().format(document)
        # PDFInfo writes a fixed set of keys; ours go just before the end.
        entries = "".join(
            f"{key} {PDFString(value).format(document).decode('latin-1')}\n" for key, value in self.extra.items()
        )
        return formatted[: formatted.rindex(b">>")] + entries.encode("latin-1") + b">>"


class _FormCanvas(Canvas):
    """A canvas that learns the page count only when saved, and then draws the
    total and each page's code and records every page's digest."""

    document: Document
    document_id: str

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._page_contents: list[tuple[bytes, list[str]]] = []
        self._page_views: list[integrity.PageView] = []
        # Filled by generator.fields as it places each field on the page.
        self.widgets_on_page: list[tuple[str, integrity.Rect]] = []

    def showPage(self) -> None:
        forms_in_use = list(self._formsinuse)
        media_box = integrity.normal_rect((0, 0, *self._pagesize))
        self._page_views.append(
            integrity.PageView(
                boxes=(media_box,) * len(integrity.BOX_NAMES),
                rotate=0,
                user_unit=1.0,
                annotations=tuple(
                    integrity.Annotation("Widget", name, integrity.normal_rect(rect))
                    for name, rect in self.widgets_on_page
                ),
            )
        )
        self.widgets_on_page = []
        super().showPage()
        content = self._doc.Pages.pages[-1].stream
        self._page_contents.append((content.encode("utf-8"), forms_in_use))

    def save(self) -> None:
        total_pages = self.getPageNumber() - 1
        self.beginForm(PAGE_TOTAL_FORM)
        self.setFont(load_fonts().regular, FOOTER_SIZE)
        self.setFillColor(MUTED)
        self.drawString(0, 0, str(total_pages))
        self.endForm()
        for page in range(1, total_pages + 1):
            self._define_page_code(page, total_pages)
        self._record_metadata()
        super().save()

    def _define_page_code(self, page: int, total_pages: int) -> None:
        document = self.document
        text = encode_page_code(
            PageCode(
                document.form_id, document.form_version, document.record_number, page, total_pages, self.document_id
            )
        )
        rows = qr_modules(text)
        module = min(CODE_MODULE, CODE_SIZE / len(rows))
        self.beginForm(PAGE_CODE_FORM.format(page=page))
        self.scale(module, module)
        # One rectangle per run of dark modules in a row, in module units
        # (whole numbers): a few hundred short operators, written directly
        # because ReportLab's path objects cost more than the encoding.
        operators = ["0 g"]
        size = len(rows)
        for row_index, row in enumerate(rows):
            y = size - 1 - row_index
            column = 0
            while column < size:
                if row[column]:
                    run_start = column
                    while column < size and row[column]:
                        column += 1
                    operators.append(f"{run_start} {y} {column - run_start} 1 re")
                else:
                    column += 1
        operators.append("f")
        self.addLiteral("\n".join(operators))
        self.endForm()

    def _record_metadata(self) -> None:
        digests = []
        for content, forms in self._page_contents:
            drawn = [(xObjectName(name), self._doc.idToObject[xObjectName(name)]) for name in forms]
            # Form XObjects only: the page total and the page code are forms; a
            # logo is an image, and is not part of what the patient agrees to.
            xobjects = [(name, xobject.stream) for name, xobject in drawn if isinstance(xobject, PDFFormXObject)]
            digests.append(integrity.page_digest(content, [(name, _as_bytes(data)) for name, data in xobjects]))
        document = self.document
        identity = {
            integrity.FORM_ID_KEY: document.form_id,
            integrity.FORM_VERSION_KEY: document.form_version,
            integrity.LANGUAGE_KEY: document.language,
            integrity.RECORD_NUMBER_KEY: document.record_number,
            integrity.DOCUMENT_ID_KEY: self.document_id,
        }
        extra = {
            **identity,
            integrity.GENERATOR_KEY: f"consent {__version__}",
            integrity.PAGE_DIGESTS_KEY: integrity.format_page_digests(digests),
            integrity.PAGE_VIEW_DIGESTS_KEY: integrity.format_page_digests(
                integrity.view_digest(view) for view in self._page_views
            ),
            integrity.IDENTITY_DIGEST_KEY: integrity.DIGEST_PREFIX + integrity.identity_digest(identity.items()),
        }
        info = _ConsentInfo(extra)
        info.__dict__.update({k: v for k, v in self._doc.info.__dict__.items() if k != "extra"})
        self._doc.info = info


def _embedded_fonts(document: object) -> list[integrity.EmbeddedFont]:
    """The font subsets ReportLab has made for this document, as `integrity` describes them."""
    objects = document.idToObject
    fonts = []
    for name, font in objects["BasicFonts"].dict.items():
        font = objects[font.name] if isinstance(font, PDFObjectReference) else font
        if not hasattr(font, "FontDescriptor"):
            raise AssertionError(f"font {name} is not an embedded TrueType subset")
        descriptor = objects[font.FontDescriptor.name]
        font_file = objects[descriptor.dict["FontFile2"].name]
        fonts.append(
            integrity.EmbeddedFont(
                resource_name=name,
                base_font=str(font.BaseFont),
                first_char=int(font.FirstChar),
                widths=tuple(float(fp_str(width)) for width in font.Widths.sequence),
                flags=int(descriptor.dict["Flags"]),
                missing_width=float(fp_str(descriptor.dict["MissingWidth"])),
                to_unicode=_as_bytes(objects[font.ToUnicode.name].content),
                font_file=_as_bytes(font_file.content),
            )
        )
    if not fonts:
        raise AssertionError("the fonts were not made before the document information")
    return fonts


def _as_bytes(data: str | bytes) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8")


class _WriteOnLine(Flowable):
    """A line to write a detail on by hand, as tall as a line of text."""

    def __init__(self, width: float) -> None:
        super().__init__()
        self.width, self.height = width, 5 * mm

    def draw(self) -> None:
        self.canv.setStrokeColor(INK)
        self.canv.setLineWidth(0.6)
        self.canv.line(0, 0, self.width, 0)


def _identity_table(document: Document, styles: _Styles, width: float) -> Table:
    label_width = 30 * mm
    value_width = width / 2 - label_width
    padding = 12  # the cells' left and right padding
    cells = [
        [
            Paragraph(_markup(label), styles.label),
            # The first value (the name) spans the row: three columns wide. A
            # detail left blank (the clinic, when no settings name it) gets a
            # line to write it on by hand.
            _WriteOnLine(value_width - padding)
            if not value
            else Paragraph(
                _lines_markup(value, styles.value, (width - label_width if index == 0 else value_width) - padding),
                styles.value,
            ),
        ]
        for index, (label, value) in enumerate(document.identity)
    ]
    # Two label/value pairs per row keep the block short; the name gets a row of its own.
    rows = [[cells[0][0], cells[0][1], "", ""]]
    rest = cells[1:]
    for index in range(0, len(rest), 2):
        pair = rest[index : index + 2]
        rows.append([*pair[0], *(pair[1] if len(pair) > 1 else ["", ""])])
    table = Table(rows, colWidths=[label_width, value_width, label_width, value_width])
    table.setStyle(
        TableStyle(
            [
                ("SPAN", (1, 0), (3, 0)),
                # Empty cells would otherwise bring in (unembedded) Helvetica.
                ("FONTNAME", (0, 0), (-1, -1), load_fonts().regular),
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _block_flowables(block: Block, document: Document, styles: _Styles) -> list[Flowable]:
    if isinstance(block, Heading):
        style = styles.heading if block.level <= 2 else styles.subheading
        return [Paragraph(_markup(block.text), style)]
    if isinstance(block, TextParagraph):
        return [Paragraph(_runs_markup(block.runs), styles.body)]
    if isinstance(block, BulletList):
        return [Paragraph(_runs_markup(entry), styles.bullet, bulletText="\u2022") for entry in block.entries]
    flowables: list[Flowable] = []
    for item in block.items:
        if block.initials:
            field_name = f"initials_{block.name}_{item.id}"
            flowables.append(_InitialledItem(item.text, field_name, document.labels.initials, styles))
        else:
            flowables.append(Paragraph(_markup(item.text), styles.bullet, bulletText="\u2022"))
    flowables.append(Spacer(0, 4))
    return flowables


def _body_and_signatures(document: Document, styles: _Styles) -> list[Flowable]:
    """The prose, lists and signature blocks, with the consent kept by its signature.

    The last section of the prose (the consent statement) travels with the
    signatures heading and the patient's block: a patient never signs a page
    that does not show what they agree to.
    """
    last_heading = max(
        (index for index, block in enumerate(document.body) if isinstance(block, Heading)), default=len(document.body)
    )
    before = [f for block in document.body[:last_heading] for f in _block_flowables(block, document, styles)]
    statement = [f for block in document.body[last_heading:] for f in _block_flowables(block, document, styles)]
    blocks: list[Flowable] = [_SignatureBlock(signer, document, styles) for signer in document.signers]
    heading = Paragraph(_markup(document.labels.signatures_heading), styles.heading)
    return [*before, KeepTogether([*statement, heading, blocks[0]]), *blocks[1:]]


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    document_id: str


@dataclass(frozen=True)
class PageSetup:
    """How the pages are set up: paper size ("A4" or "letter"), the clinic's
    logo, and whether the form gets a field for the clinic's seal."""

    paper: str = "A4"
    logo: Path | None = None
    seal_field: bool = False


def _letterhead(document: Document, setup: PageSetup, styles: _Styles, width: float) -> list[Flowable]:
    """The clinic's logo, name, address and phone above the form's title."""
    letterhead = document.letterhead
    lines = [Paragraph(_markup(letterhead.name), styles.clinic_name)] if letterhead.name else []
    lines += [Paragraph(_markup(line), styles.clinic_line) for line in letterhead.address]
    if letterhead.phone:
        lines.append(Paragraph(_markup(letterhead.phone), styles.clinic_line))
    if not lines and setup.logo is None:
        return []
    if setup.logo is None:
        return [*lines, Spacer(0, 5 * mm)]
    logo_width = logo_size(setup.logo)[0]
    table = Table([[logo_flowable(setup.logo), lines]], colWidths=[logo_width + 6 * mm, width - logo_width - 6 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("FONTNAME", (0, 0), (-1, -1), load_fonts().regular),
            ]
        )
    )
    return [table, Spacer(0, 5 * mm)]


def render_pdf(document: Document, setup: PageSetup | None = None) -> RenderedPdf:
    """Lay out `document` (on A4 unless `setup` says letter): the PDF's bytes,
    its page count and its document id."""
    setup = setup or PageSetup()
    styles = _styles()
    fonts = load_fonts()
    identifier = document_id(document)
    page_size = PAPER_SIZES[setup.paper]
    page_width, page_height = page_size
    content_width = page_width - 2 * MARGIN

    # The clinic's name, if any, takes the right part of the header line.
    patient_width = content_width * (0.62 if document.letterhead.name else 1.0)
    header_name_style = ParagraphStyle("header_name", parent=styles.header, fontName=fonts.bold)
    header = Paragraph(
        f"<b>{_lines_markup(document.patient_name, header_name_style, patient_width * 0.7)}</b>&nbsp;&nbsp;&nbsp;"
        f"{_markup(document.labels.record)} <b>{_markup(document.record_number)}</b>",
        styles.header,
    )
    clinic_name = Paragraph(_markup(document.letterhead.name), styles.header_right)
    header_height = header.wrap(patient_width, page_height)[1]
    if document.letterhead.name:
        header_height = max(header_height, clinic_name.wrap(content_width - patient_width - 4 * mm, page_height)[1])
    header_bottom = page_height - HEADER_TOP - header_height
    frame_top = header_bottom - 6 * mm
    frame_bottom = FOOTER_RULE_Y + 4 * mm
    # The footer's title is shortened, if it must be, to leave room for "Page X of Y".
    footer_room = (
        page_width
        - 2 * MARGIN
        - CODE_SIZE
        - 12 * mm
        - pdfmetrics.stringWidth(document.labels.page_of.format(page=999) + " 000", fonts.regular, FOOTER_SIZE)
    )
    footer_left = _fit(f" \u2014 {document.form_id} v{document.form_version}", document.title, footer_room)
    footer_document = document.labels.document_id.format(document_id=identifier)
    code_left = page_width - MARGIN - CODE_SIZE

    def draw_page_furniture(canvas: Canvas, doc: BaseDocTemplate) -> None:
        if setup.seal_field and doc.page == 1:
            # The seal shows nothing on the page: a field of no size, made
            # here so its place is part of page 1's view digest.
            add_signature_field(canvas, integrity.SEAL_FIELD, "Clinic seal", 0, 0, 0, 0)
        canvas.saveState()
        header.drawOn(canvas, MARGIN, page_height - HEADER_TOP - header.height)
        if document.letterhead.name:
            clinic_name.drawOn(
                canvas, page_width - MARGIN - clinic_name.width, page_height - HEADER_TOP - clinic_name.height
            )
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, header_bottom - 2 * mm, page_width - MARGIN, header_bottom - 2 * mm)
        canvas.line(MARGIN, FOOTER_RULE_Y, page_width - MARGIN, FOOTER_RULE_Y)
        canvas.setFont(fonts.regular, FOOTER_SIZE)
        canvas.setFillColor(MUTED)
        _draw_string(canvas, MARGIN, FOOTER_TEXT_Y, footer_left, FOOTER_SIZE)
        _draw_string(canvas, MARGIN, FOOTER_TEXT_Y - FOOTER_SIZE * 1.4, footer_document, FOOTER_SIZE)
        page_label = document.labels.page_of.format(page=doc.page) + " "
        # Room for a three-digit total after the label keeps it right-aligned
        # against the page code.
        total_room = canvas.stringWidth("000", fonts.regular, FOOTER_SIZE)
        label_width = canvas.stringWidth(page_label, fonts.regular, FOOTER_SIZE)
        label_x = code_left - 5 * mm - total_room - label_width
        canvas.drawString(label_x, FOOTER_TEXT_Y, page_label)
        canvas.saveState()
        canvas.translate(label_x + label_width, FOOTER_TEXT_Y)
        canvas.doForm(PAGE_TOTAL_FORM)
        canvas.restoreState()
        canvas.translate(code_left, CODE_BOTTOM)
        canvas.doForm(PAGE_CODE_FORM.format(page=doc.page))
        canvas.restoreState()

    buffer = io.BytesIO()
    pdf = BaseDocTemplate(
        buffer,
        pagesize=page_size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=page_height - frame_top,
        bottomMargin=frame_bottom,
        title=f"{document.title} \u2014 {document.subtitle}",
        subject=f"Consent form {document.form_id} version {document.form_version}",
        keywords=[
            f"consent-form:{document.form_id}",
            f"form-version:{document.form_version}",
            f"language:{document.language}",
        ],
        creator=f"consent {__version__}",
        author="",
        lang=document.language,
        invariant=1,
        initialFontName=fonts.regular,
        displayDocTitle=1,
    )
    frame = Frame(
        MARGIN,
        frame_bottom,
        content_width,
        frame_top - frame_bottom,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    pdf.addPageTemplates([PageTemplate(id="form", frames=[frame], onPage=draw_page_furniture)])

    story: list[Flowable] = [
        *_letterhead(document, setup, styles, content_width),
        Paragraph(_markup(document.title), styles.title),
        Paragraph(_markup(document.subtitle), styles.subtitle),
        Paragraph(_markup(document.form_line), styles.form_line),
        _identity_table(document, styles, content_width),
        Spacer(0, 4 * mm),
        *_body_and_signatures(document, styles),
    ]

    def make_canvas(*args: object, **kwargs: object) -> _FormCanvas:
        canvas = _FormCanvas(*args, **kwargs)
        canvas.document = document
        canvas.document_id = identifier
        return canvas

    pdf.build(story, canvasmaker=make_canvas)
    return RenderedPdf(data=buffer.getvalue(), pages=pdf.page, document_id=identifier)
