"""Every use of ReportLab's private internals, in one place.

consent needs a few things ReportLab has no public way to give: the page
being drawn (a field's /P), its annotations, the content stream of a page
just finished (for its digest), the document's registered objects and its
information dictionary, and the font subsets a document used. Each is one
small function here, so that a new ReportLab that moves one breaks one
place, which the tests (byte-identical PDFs, page digests, fields) find.
pyproject.toml bounds ReportLab to the major version these were written for.
"""

from __future__ import annotations

from typing import Any

from reportlab.pdfbase import pdfdoc, ttfonts
from reportlab.pdfgen.canvas import Canvas


def page_reference(canvas: Canvas) -> Any:
    """The page being drawn, as a reference for an annotation's /P."""
    return canvas._doc.thisPageRef()


def add_annotation(canvas: Canvas, annotation: Any) -> None:
    """Put `annotation` (a PDFDictionary) on the page being drawn."""
    canvas._addAnnotation(annotation)


def page_size(canvas: Canvas) -> tuple[float, float]:
    return canvas._pagesize


def forms_in_use(canvas: Canvas) -> list[str]:
    """The form XObjects the page being drawn uses."""
    return list(canvas._formsinuse)


def last_page_content(canvas: Canvas) -> str:
    """The content stream of the page `showPage` has just finished."""
    return canvas._doc.Pages.pages[-1].stream


def registered_object(canvas: Canvas, name: str) -> Any:
    """An object the document has registered under `name` (a form XObject, a font)."""
    return canvas._doc.idToObject[name]


def document_objects(document: Any) -> dict[str, Any]:
    """Every object a ReportLab PDFDocument has registered, by name."""
    return document.idToObject


def replace_information(canvas: Canvas, make: Any) -> None:
    """Replace the document information dictionary with `make()`'s, keeping
    what ReportLab set in it (title, subject, producer, ...)."""
    information = make()
    information.__dict__.update({k: v for k, v in canvas._doc.info.__dict__.items() if k != "extra"})
    canvas._doc.info = information


def freeze_font_subsets(font: ttfonts.TTFont, document: Any) -> list[tuple[int, list[int]]]:
    """The subsets of `font` that `document` used (character codes, by subset
    number), after which the font gives no more codes in it (as ReportLab's
    TTFont.addObjects does)."""
    state = font._assignState(document)
    state.frozen = 1
    return list(enumerate(state.subsets))


def forget_font_state(font: ttfonts.TTFont, document: Any) -> None:
    """Drop what `font` kept for `document` once its objects are made."""
    font.state.pop(document, None)


def subset_font_name(font: ttfonts.TTFont, number: int) -> str:
    """The PDF name ReportLab gives subset `number` of `font` (ABCDEF+Name)."""
    return b"".join((ttfonts.SUBSETN(number), b"+", font.face.name, font.face.subfontNameX)).decode("pdfdoc")


def add_object(document: Any, obj: Any, name: str) -> Any:
    """Register `obj` in `document` under `name`; a reference to it."""
    return document.Reference(obj, name)


def add_font(document: Any, name: str, font: Any) -> None:
    """Put a font object in the document's font resources under `name`."""
    add_object(document, font, name)
    document.idToObject["BasicFonts"].dict[name] = font


def drawn_so_far(canvas: Canvas) -> list[str]:
    """The operators drawn on the page so far (a list ReportLab appends to)."""
    return canvas._code


def pdf_document(canvas: Canvas) -> Any:
    """The ReportLab PDFDocument a canvas draws into (fonts keep their codes per document)."""
    return canvas._doc


def font_codes_given(font: ttfonts.TTFont, document: Any) -> int:
    """How many characters `font` has been given a code for in `document` so far."""
    state = font.state.get(document)
    return len(state.assignments) if state is not None else 0


def font_pdf_names(document: Any) -> dict[str, str]:
    """The fonts a document has named so far: font name -> its PDF name ("/F2")."""
    return dict(document.fontMapping)


def unencrypted(document: Any) -> bool:
    """Whether `document` writes its objects as they are (consent never encrypts)."""
    return isinstance(document.encrypt, pdfdoc.NoEncryption)


def side_effects(canvas: Canvas) -> tuple[int, ...]:
    """Counts that drawing anything but operators changes: objects the document
    registered, annotations on the page, form XObjects the page uses."""
    return (len(canvas._doc.idToObject), len(canvas._annotationrefs), len(canvas._formsinuse))


# A frame's position while it is filled: where the next flowable goes.
_FRAME_STATE = ("_x", "_y", "_atTop", "_prevASpace", "_leftExtraIndent", "_rightExtraIndent")


def frame_state(frame: Any) -> tuple[Any, ...]:
    return tuple(getattr(frame, name) for name in _FRAME_STATE)


def set_frame_state(frame: Any, state: tuple[Any, ...]) -> None:
    for name, value in zip(_FRAME_STATE, state, strict=True):
        setattr(frame, name, value)


def start_build(template: Any, stream: Any, canvasmaker: Any) -> Any:
    """What BaseDocTemplate.build does before its first flowable: the canvas,
    and the first page begun (its onPage drawn). Returns the canvas."""
    template._startBuild(stream, canvasmaker)
    canvas = template.canv
    template._savedInfo = canvas._doc.info
    canvas._doctemplate = template
    template.clean_hanging()
    return canvas


def next_page(template: Any) -> None:
    """End the page (it had flowables) and begin the next, as the build does."""
    template._curPageFlowableCount = 1
    template.handle_pageEnd()
    template.clean_hanging()


def end_build(template: Any) -> None:
    """What BaseDocTemplate.build does after its last flowable: the last page
    ended and the document saved."""
    canvas = template.canv
    del canvas._doctemplate
    canvas._doc.info = template._savedInfo
    template._curPageFlowableCount = 1
    template._endBuild()


def kept_together(group: Any) -> list[Any]:
    """The flowables a KeepTogether keeps on one page."""
    return list(group._content)
