"""The page: its geometry, and the canvas that draws what every page carries.

"Page X of Y" draws Y as a form XObject referenced on every page and defined
once the page count is known, when the canvas is saved; each page's code (a
QR code holding form, record, page and page count) is defined the same way.
At save the canvas also records the form's metadata and a digest of every
page (see `integrity`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import (
    PDFFormXObject,
    PDFImageXObject,
    PDFInfo,
    PDFObjectReference,
    PDFString,
    xObjectName,
)
from reportlab.pdfgen.canvas import Canvas

from generator import integrity
from generator._version import __version__
from generator.document import Document
from generator.render import reportlab_internals as internals
from generator.render.fonts import load_fonts
from generator.render.pagecode import PageCode, encode_page_code
from generator.render.paragraphs import remembered
from generator.render.qr import qr_modules
from generator.render.typesetting import MUTED

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


def _mask_hex(rows: list[list[bool]]) -> str:
    """The rows as one-bit samples (1: dark), each row padded to whole bytes, in hex."""
    padding = "0" * (-len(rows[0]) % 8)
    row_bytes = (len(rows[0]) + 7) // 8
    return "".join(
        int("".join("1" if dark else "0" for dark in row) + padding, 2).to_bytes(row_bytes, "big").hex() for row in rows
    )


class _ConsentInfo(PDFInfo):
    """The document information dictionary, with the form's own keys added."""

    def __init__(self, extra: dict[str, str]) -> None:
        super().__init__()
        self.extra = extra

    def format(self, document: object) -> bytes:
        # ReportLab builds the font subsets when it writes the font resources
        # (object 1), before this dictionary: so their digest is taken here.
        self.extra[integrity.FONTS_DIGEST_KEY] = integrity.fonts_digest_of_parts(_font_digest_parts(document))
        formatted = super().format(document)
        # PDFInfo writes a fixed set of keys; ours go just before the end.
        entries = "".join(
            f"{key} {PDFString(value).format(document).decode('latin-1')}\n" for key, value in self.extra.items()
        )
        return formatted[: formatted.rindex(b">>")] + entries.encode("latin-1") + b">>"


class FormCanvas(Canvas):
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
        # Told when a page is about to be shown (see render.replay).
        self.before_show_page: Callable[[Canvas], None] | None = None

    def showPage(self) -> None:
        if self.before_show_page is not None:
            self.before_show_page(self)
        forms_in_use = internals.forms_in_use(self)
        media_box = integrity.normal_rect((0, 0, *internals.page_size(self)))
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
        content = internals.last_page_content(self)
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
        size = len(rows)
        self.beginForm(PAGE_CODE_FORM.format(page=page))
        self.scale(module * size, module * size)
        # The modules as a one-bit image mask (a stencil painted black), each
        # module one sample: exact squares at any resolution, and ~120 bytes
        # of data where a rectangle per run of dark modules took ~2.5 KB of
        # operators to make, write and compress. Hex-encoded, so the content
        # stream stays text.
        self.addLiteral(f"0 g\nBI /W {size} /H {size} /BPC 1 /IM true /D [1 0] /F /AHx ID\n{_mask_hex(rows)}>\nEI")
        self.endForm()

    def _record_metadata(self) -> None:
        digests = []
        for content, forms in self._page_contents:
            drawn = [(xObjectName(name), internals.registered_object(self, xObjectName(name))) for name in forms]
            # The page total and the page code are form XObjects; the logo is an
            # image, stored as ReportLab encoded it (what a reader finds in the file).
            xobjects = [(name, xobject.stream) for name, xobject in drawn if isinstance(xobject, PDFFormXObject)]
            images = [(name, xobject.streamContent) for name, xobject in drawn if isinstance(xobject, PDFImageXObject)]
            digests.append(
                integrity.page_digest(
                    content,
                    [(name, _as_bytes(data)) for name, data in xobjects],
                    [(name, _as_bytes(data)) for name, data in images],
                )
            )
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
        internals.replace_information(self, lambda: _ConsentInfo(extra))


def _font_digest_parts(document: Any) -> list[tuple[str, bytes]]:
    """Each font subset ReportLab has made for this document, by resource
    name, with what it adds to the fonts digest (see `integrity`): kept by a
    batch worker's cache for a subset it has met before."""
    objects = internals.document_objects(document)
    parts = []
    for name, font in objects["BasicFonts"].dict.items():
        font = objects[font.name] if isinstance(font, PDFObjectReference) else font
        if not hasattr(font, "FontDescriptor"):
            raise AssertionError(f"font {name} is not an embedded TrueType subset")
        descriptor = objects[font.FontDescriptor.name]
        font_file = objects[descriptor.dict["FontFile2"].name]
        key = getattr(font_file, "key", None)

        def part(name: str = name, font: Any = font, descriptor: Any = descriptor, font_file: Any = font_file) -> bytes:
            return integrity.font_digest_part(
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

        parts.append((name, part() if key is None else remembered(("font digest", name, *key), part)))
    if not parts:
        raise AssertionError("the fonts were not made before the document information")
    return parts


def _as_bytes(data: str | bytes) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8")
