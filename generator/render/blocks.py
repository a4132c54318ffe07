"""The flowables of a form's body: each listed item with its initials box,
the patient's details block, each signature block with what it attests, and
the order they go in (the consent statement always on the page the patient
signs)."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Spacer,
    Table,
    TableStyle,
)

from generator.document import WIDE_IDENTITY_ROWS, Block, BulletList, Document, Heading, ItemList, Signer
from generator.document import Paragraph as TextParagraph
from generator.render.fields import add_signature_field, add_text_field
from generator.render.fonts import load_fonts
from generator.render.paragraphs import Paragraph
from generator.render.sections import photographs_flowables, teach_back_flowables
from generator.render.typesetting import INK, RULE, SHADE, Styles, lines_markup, markup, runs_markup


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

    def __init__(self, label: str, value: str, colon: str, styles: Styles) -> None:
        super().__init__()
        self._label = Paragraph(markup(label + colon), styles.printed)
        self._label_text_width = pdfmetrics.stringWidth(
            label + colon + " ", styles.printed.fontName, styles.printed.fontSize
        )
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
            self._above.append(_Detail(label, value, document.labels.colon, styles))
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


class _WriteOnLine(Flowable):
    """A line to write a detail on by hand, as tall as a line of text."""

    def __init__(self, width: float) -> None:
        super().__init__()
        self.width, self.height = width, 5 * mm

    def draw(self) -> None:
        self.canv.setStrokeColor(INK)
        self.canv.setLineWidth(0.6)
        self.canv.line(0, 0, self.width, 0)


def identity_table(document: Document, styles: Styles, width: float) -> Table:
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


def body_and_signatures(document: Document, styles: Styles) -> list[Flowable]:
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
