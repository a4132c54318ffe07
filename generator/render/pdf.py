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
from pathlib import Path
from typing import Any

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

from generator import integrity
from generator._version import __version__
from generator.document import WIDE_IDENTITY_ROWS, Block, BulletList, Document, Heading, ItemList, Signer, document_id
from generator.document import Paragraph as TextParagraph
from generator.render import typesetting
from generator.render.fields import add_signature_field, add_text_field
from generator.render.fonts import load_fonts
from generator.render.logo import logo_flowable, logo_size
from generator.render.pagecode import PageCode, encode_page_code
from generator.render.qr import qr_modules
from generator.render.sections import photographs_flowables, teach_back_flowables
from generator.render.typesetting import INK, MUTED, RULE, SHADE, Styles, draw_string, lines_markup, markup, runs_markup

PAPER_SIZES = {"A4": A4, "letter": LETTER}
MARGIN = 18 * mm
HEADER_TOP = 10 * mm
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


def _fit(suffix: str, text: str, width: float) -> str:
    """`text` + `suffix`, with `text` cut short (ending in an ellipsis) to fit `width`."""
    font = load_fonts().regular
    if pdfmetrics.stringWidth(text + suffix, font, FOOTER_SIZE) <= width:
        return text + suffix
    while text and pdfmetrics.stringWidth(text + "\u2026" + suffix, font, FOOTER_SIZE) > width:
        text = text[:-1]
    return text.rstrip() + "\u2026" + suffix


class _InitialledItem(Flowable):
    """One side effect or precaution with a box for the patient's initials."""

    BOX_WIDTH = 24 * mm
    BOX_HEIGHT = 11 * mm
    GAP = 5 * mm

    def __init__(self, text: str, field_name: str, initials_label: str, styles: Styles) -> None:
        super().__init__()
        self._text = Paragraph(markup(text), styles.bullet, bulletText="\u2022")
        self._caption = Paragraph(markup(initials_label), styles.caption)
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


class _Detail(Flowable):
    """ "Language interpreted: Polish", or the label and a line to write on."""

    def __init__(self, label: str, value: str, styles: Styles) -> None:
        super().__init__()
        self._label = Paragraph(markup(label) + ":", styles.printed)
        self._label_text_width = pdfmetrics.stringWidth(label + ": ", styles.printed.fontName, styles.printed.fontSize)
        self._value = Paragraph(f"<b>{markup(value)}</b>", styles.printed) if value else None

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self._label_width = min(available_width / 2, self._label_text_width + 1 * mm)
        label_height = self._label.wrap(self._label_width, available_height)[1]
        value_height = 5 * mm
        if self._value is not None:
            value_height = self._value.wrap(available_width - self._label_width, available_height)[1]
        self.height = max(label_height, value_height)
        return self.width, self.height

    def draw(self) -> None:
        self._label.drawOn(self.canv, 0, self.height - self._label.height)
        if self._value is not None:
            self._value.drawOn(self.canv, self._label_width, self.height - self._value.height)
            return
        self.canv.setStrokeColor(INK)
        self.canv.setLineWidth(0.6)
        self.canv.line(self._label_width, 0, min(self.width, self._label_width + 70 * mm), 0)


class _SignatureBlock(Flowable):
    """Who signs, then lines for signature, printed name, date and time. Never split."""

    WRITING_SPACE = 13 * mm
    COLUMNS = (0.42, 0.28, 0.17, 0.13)
    COLUMN_GAP = 5 * mm

    def __init__(self, signer: Signer, document: Document, styles: Styles) -> None:
        super().__init__()
        labels = document.labels
        self._signer = signer
        self._labels = labels
        self._role = Paragraph(markup(signer.label), styles.signer)
        # What the signature attests, and one more detail (a language, a relationship).
        self._above: list[Flowable] = []
        if signer.statement:
            self._above.append(Paragraph(markup(signer.statement), styles.statement))
        if signer.detail is not None:
            label, value = signer.detail
            self._above.append(_Detail(label, value, styles))
        self._printed_name = signer.printed_name
        self._printed_style = styles.printed
        self._captions = [
            Paragraph(markup(text), styles.caption)
            for text in (labels.signature, labels.printed_name, labels.date, labels.time)
        ]

    def _column_widths(self) -> list[float]:
        usable = self.width - self.COLUMN_GAP * (len(self.COLUMNS) - 1)
        return [usable * share for share in self.COLUMNS]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        widths = self._column_widths()
        self._role_height = self._role.wrap(available_width, available_height)[1]
        for part in self._above:
            self._role_height += 1 * mm + part.wrap(available_width, available_height)[1]
        # Made here, where the column's width is known (see lines_markup).
        self._printed = Paragraph(lines_markup(self._printed_name, self._printed_style, widths[1]), self._printed_style)
        self._printed_height = self._printed.wrap(widths[1], available_height)[1]
        self._caption_height = max(c.wrap(w, available_height)[1] for c, w in zip(self._captions, widths, strict=True))
        writing = max(self.WRITING_SPACE, self._printed_height + 2 * mm)
        self.height = self._role_height + 1.5 * mm + writing + 1 * mm + self._caption_height + 6 * mm
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        return []

    def draw(self) -> None:
        canvas = self.canv
        top = self.height - self._role.height
        self._role.drawOn(canvas, 0, top)
        for part in self._above:
            top -= 1 * mm + part.height
            part.drawOn(canvas, 0, top)
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
        # Filled by generator.render.fields as it places each field on the page.
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


def _embedded_fonts(document: Any) -> list[integrity.EmbeddedFont]:
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


def _identity_table(document: Document, styles: Styles, width: float) -> Table:
    label_width = 30 * mm
    value_width = width / 2 - label_width
    padding = 12  # the cells' left and right padding
    cells = [
        [
            Paragraph(markup(label), styles.label),
            # The first value (the name) spans the row: three columns wide. A
            # detail left blank (the clinic, when no settings name it) gets a
            # line to write it on by hand.
            _WriteOnLine(value_width - padding)
            if not value
            else Paragraph(
                lines_markup(
                    value, styles.value, (width - label_width if index < WIDE_IDENTITY_ROWS else value_width) - padding
                ),
                styles.value,
            ),
        ]
        for index, (label, value) in enumerate(document.identity)
    ]
    # Two label/value pairs per row keep the block short; the name and the
    # treatment each get a row of their own.
    rows = [[*cells[index], "", ""] for index in range(WIDE_IDENTITY_ROWS)]
    rest = cells[WIDE_IDENTITY_ROWS:]
    for index in range(0, len(rest), 2):
        pair = rest[index : index + 2]
        rows.append([*pair[0], *(pair[1] if len(pair) > 1 else ["", ""])])
    table = Table(rows, colWidths=[label_width, value_width, label_width, value_width])
    table.setStyle(
        TableStyle(
            [
                *[("SPAN", (1, row), (3, row)) for row in range(WIDE_IDENTITY_ROWS)],
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


def _block_flowables(block: Block, document: Document, styles: Styles) -> list[Flowable]:
    if isinstance(block, Heading):
        style = styles.heading if block.level <= 2 else styles.subheading
        return [Paragraph(markup(block.text), style)]
    if isinstance(block, TextParagraph):
        return [Paragraph(runs_markup(block.runs), styles.body)]
    if isinstance(block, BulletList):
        return [Paragraph(runs_markup(entry), styles.bullet, bulletText="\u2022") for entry in block.entries]
    flowables: list[Flowable] = []
    for item in block.items:
        if block.initials:
            field_name = f"initials_{block.name}_{item.id}"
            flowables.append(_InitialledItem(item.text, field_name, document.labels.initials, styles))
        else:
            flowables.append(Paragraph(markup(item.text), styles.bullet, bulletText="\u2022"))
    flowables.append(Spacer(0, 4))
    return flowables


def _flowables(blocks: tuple[Block, ...], document: Document, styles: Styles) -> list[Flowable]:
    """The blocks' flowables; a paragraph that introduces a list ("Other
    treatments are:") is kept on the page of the list's first item."""
    flowables: list[Flowable] = []
    for index, block in enumerate(blocks):
        made = _block_flowables(block, document, styles)
        introduces = isinstance(block, TextParagraph) and index + 1 < len(blocks)
        if introduces and isinstance(blocks[index + 1], BulletList | ItemList):
            made[-1].keepWithNext = 1
        flowables += made
    return flowables


def _body_and_signatures(document: Document, styles: Styles) -> list[Flowable]:
    """The prose, lists and signature blocks, with the consent kept by its signature.

    The last section of the prose (the consent statement) travels with the
    signatures heading and the patient's block: a patient never signs a page
    that does not show what they agree to.
    """
    last_heading = max(
        (index for index, block in enumerate(document.body) if isinstance(block, Heading)), default=len(document.body)
    )
    before = _flowables(document.body[:last_heading], document, styles)
    statement = _flowables(document.body[last_heading:], document, styles)
    # Photographs are chosen, and understanding checked, before the patient consents.
    added: list[Flowable] = []
    if document.photographs is not None:
        added += photographs_flowables(document.photographs, styles)
    if document.teach_back is not None:
        added += teach_back_flowables(document.teach_back, styles)
    blocks: list[Flowable] = [_SignatureBlock(signer, document, styles) for signer in document.signers]
    heading = Paragraph(markup(document.labels.signatures_heading), styles.heading)
    return [*before, *added, KeepTogether([*statement, heading, blocks[0]]), *blocks[1:]]


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


def _letterhead(document: Document, setup: PageSetup, styles: Styles, width: float) -> list[Flowable]:
    """The clinic's logo, name, address and phone above the form's title."""
    letterhead = document.letterhead
    lines = [Paragraph(markup(letterhead.name), styles.clinic_name)] if letterhead.name else []
    lines += [Paragraph(markup(line), styles.clinic_line) for line in letterhead.address]
    if letterhead.phone:
        lines.append(Paragraph(markup(letterhead.phone), styles.clinic_line))
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
    styles = typesetting.styles()
    fonts = load_fonts()
    identifier = document_id(document)
    page_size = PAPER_SIZES[setup.paper]
    page_width, page_height = page_size
    content_width = page_width - 2 * MARGIN

    # The clinic's name, if any, takes the right part of the header line.
    patient_width = content_width * (0.62 if document.letterhead.name else 1.0)
    header_name_style = ParagraphStyle("header_name", parent=styles.header, fontName=fonts.bold)
    header = Paragraph(
        f"<b>{lines_markup(document.patient_name, header_name_style, patient_width * 0.7)}</b>&nbsp;&nbsp;&nbsp;"
        f"{markup(document.labels.record)} <b>{markup(document.record_number)}</b>",
        styles.header,
    )
    clinic_name = Paragraph(markup(document.letterhead.name), styles.header_right)
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
        draw_string(canvas, MARGIN, FOOTER_TEXT_Y, footer_left, FOOTER_SIZE)
        draw_string(canvas, MARGIN, FOOTER_TEXT_Y - FOOTER_SIZE * 1.4, footer_document, FOOTER_SIZE)
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
        Paragraph(markup(document.title), styles.title),
        Paragraph(markup(document.subtitle), styles.subtitle),
        Paragraph(markup(document.form_line), styles.form_line),
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
