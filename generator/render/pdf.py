"""Document -> PDF bytes with ReportLab: `render_pdf`, in one layout pass.

The page's frame, running header, letterhead and footer are set up here;
the body's flowables come from `blocks`, and what every page carries
(page totals, page codes, digests) from the canvas in `page`. Output is
byte-for-byte repeatable (ReportLab's invariant mode; the only dates
printed come from the input).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from generator import integrity
from generator._version import __version__
from generator.document import Document, document_id
from generator.render import typesetting
from generator.render.blocks import body_and_signatures, identity_table
from generator.render.fields import add_signature_field
from generator.render.fonts import load_fonts
from generator.render.logo import logo_flowable, logo_size
from generator.render.page import (
    CODE_BOTTOM,
    CODE_SIZE,
    FOOTER_RULE_Y,
    FOOTER_SIZE,
    FOOTER_TEXT_Y,
    HEADER_TOP,
    MARGIN,
    PAGE_CODE_FORM,
    PAGE_TOTAL_FORM,
    PAPER_SIZES,
    FormCanvas,
)
from generator.render.paragraphs import LayoutCaches, Paragraph, ParagraphCache, give_fixed_codes, using
from generator.render.replay import Mismatch, Recorder, RecordingFrame, replay, story_paths, story_shape
from generator.render.typesetting import MUTED, RULE, Styles, draw_string, lines_markup, markup


def _fit(suffix: str, text: str, width: float) -> str:
    """`text` + `suffix`, with `text` cut short (ending in an ellipsis) to fit `width`."""
    font = load_fonts().regular
    if pdfmetrics.stringWidth(text + suffix, font, FOOTER_SIZE) <= width:
        return text + suffix
    while text and pdfmetrics.stringWidth(text + "\u2026" + suffix, font, FOOTER_SIZE) > width:
        text = text[:-1]
    return text.rstrip() + "\u2026" + suffix


# Characters every document gives fixed font codes, with the form's own
# (see render.paragraphs): the layout's bullet, dash and ellipsis, and the
# letters of most European names (Latin-1 and the common Latin Extended-A
# letters). With them fixed, the font subsets of nearly every patient's form
# are identical, so a batch worker makes, compresses and digests each once
# and the print bundle stores it once; the cost is ~16 KB more per PDF
# (measured on laser-acne-scar: 75 KB -> 91 KB), as every form embeds those
# letters whether it prints them or not. All fit in the first 160 codes.
_ALWAYS_CODED = (
    "\u2022\u2014\u2026"
    + "".join(chr(code) for code in range(0xC0, 0x100) if chr(code).isalpha())
    + "ĀāĂăĄąĆćČčĎďĐđĒēĖėĘęĚěĞğĪīĮįİıŁłŃńŇňŐőŒœŘřŚśŞşŠšŢţŤťŪūŮůŰűŲųŹźŻżŽž"
)


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
    # The characters the form prints whoever the patient is (compose.fixed_characters):
    # they get the same font codes in every document (see render.paragraphs).
    fixed_characters: str = ""


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


def render_pdf(document: Document, setup: PageSetup | None = None, caches: LayoutCaches | None = None) -> RenderedPdf:
    """Lay out `document` (on A4 unless `setup` says letter): the PDF's bytes,
    its page count and its document id.

    With `caches`, paragraphs laid out and drawn for an earlier patient of the
    same form, version, language and page set-up are reused; the bytes are
    the same as without.
    """
    setup = setup or PageSetup()
    fonts = load_fonts()
    # Only characters the main font draws: the others are set in the fallback
    # font, which gives codes in the order it meets them.
    fixed = "".join(
        sorted(
            character
            for character in set(setup.fixed_characters) | set(_ALWAYS_CODED)
            if ord(character) in fonts.drawable
        )
    )
    cache = None
    if caches is not None:
        key = (document.form_id, document.form_version, document.language, setup, document.letterhead)
        cache = caches.get(key, fixed)
    with using(cache):
        return _render(document, setup, fixed, cache)


def _render(document: Document, setup: PageSetup, fixed: str, cache: ParagraphCache | None) -> RenderedPdf:
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
    watching: list[Recorder] = []  # the recorder of the layout under way, if any

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
        if watching:
            watching[0].page_begun(canvas)

    def make_template(buffer: io.BytesIO) -> tuple[BaseDocTemplate, RecordingFrame]:
        return _template(buffer, document, page_size, frame_top, frame_bottom, draw_page_furniture)

    def make_story() -> list[Flowable]:
        return [
            *_letterhead(document, setup, styles, content_width),
            Paragraph(markup(document.title), styles.title),
            Paragraph(markup(document.subtitle), styles.subtitle),
            Paragraph(markup(document.form_line), styles.form_line),
            identity_table(document, styles, content_width),
            Spacer(0, 4 * mm),
            *body_and_signatures(document, styles),
        ]

    def make_canvas(*args: object, **kwargs: object) -> FormCanvas:
        canvas = FormCanvas(*args, **kwargs)
        give_fixed_codes(canvas, (fonts.regular, fonts.bold), fixed)
        canvas.document = document
        canvas.document_id = identifier
        if watching:
            canvas.before_show_page = watching[0].page_ending
        return canvas

    story = make_story()
    if cache is not None:
        # A layout recorded for an earlier patient, if one fits this document.
        key = ("pages", page_size, frame_top, frame_bottom, story_shape(story_paths(story)))
        for layout in cache.page_layouts(key):
            buffer = io.BytesIO()
            pdf, _ = make_template(buffer)
            try:
                replay(layout, pdf, story, buffer, make_canvas)
            except (Mismatch, LayoutError):
                cache.replays_refused += 1
                story = make_story()  # the tried one may keep state from the attempt
                continue
            cache.replays += 1
            cache.keep_page_layout(key, layout)
            return RenderedPdf(data=buffer.getvalue(), pages=pdf.page, document_id=identifier)
    buffer = io.BytesIO()
    pdf, frame = make_template(buffer)
    if cache is not None:
        frame.recorder = Recorder(story, cache)
        watching.append(frame.recorder)
    pdf.build(story, canvasmaker=make_canvas)
    if cache is not None and frame.recorder is not None and (layout := frame.recorder.layout()) is not None:
        cache.keep_page_layout(key, layout)
    return RenderedPdf(data=buffer.getvalue(), pages=pdf.page, document_id=identifier)


def _template(
    buffer: io.BytesIO,
    document: Document,
    page_size: tuple[float, float],
    frame_top: float,
    frame_bottom: float,
    on_page: Any,
) -> tuple[BaseDocTemplate, RecordingFrame]:
    """The document template (metadata, margins) and its one frame, for the body."""
    page_width, page_height = page_size
    fonts = load_fonts()
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
    frame = RecordingFrame(
        MARGIN,
        frame_bottom,
        page_width - 2 * MARGIN,
        frame_top - frame_bottom,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    pdf.addPageTemplates([PageTemplate(id="form", frames=[frame], onPage=on_page)])
    return pdf, frame
