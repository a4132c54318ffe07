"""Interactive PDF form fields: initials, dates and times to type, boxes to
tick, signatures to sign.

ReportLab's own AcroForm text fields draw an appearance with an unembedded
Helvetica and cannot make signature fields at all, so the widget
dictionaries are written here directly with ReportLab's PDF object classes.
Every field is invisible until filled (no border, no background, an empty
appearance of its own), so the printed page looks exactly as it does without fields,
and the printed lines and boxes stay the thing people write on.

The AcroForm's default resources name Helvetica (/Helv), as Acrobat does:
a viewer uses it to draw what someone types into a text field. It is not
used by anything printed on the page.
"""

from __future__ import annotations

from typing import Any

from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFString
from reportlab.pdfgen.canvas import Canvas

from generator.render import reportlab_internals as internals
from generator.render.remembered import Preformatted, QuickDictionary, RememberedStream

# Annotation flag 4 = print: a filled-in field or signature prints with the page.
_PRINT = 4
# AcroForm /SigFlags bit 1: the document has signature fields.
_SIGNATURES_EXIST = 1
_TEXT_SIZE = 10


def _appearance_stream(width: float, height: float, drawing: str, compress: bool) -> RememberedStream:
    """A field's appearance: a form XObject of the field's size, as ReportLab's
    AcroForm.makeStream makes it. Its bytes depend on nothing but its size
    and drawing, so a batch worker's cache formats each kind once."""
    stream = RememberedStream(("field appearance", width, height, drawing), drawing, compress)
    stream.dictionary.dict.update(
        {
            "Matrix": PDFArray([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]),
            "BBox": PDFArray([0, 0, width, height]),
            "Subtype": PDFName("Form"),
            "Type": PDFName("XObject"),
            "FormType": 1,
        }
    )
    return stream


def _string(text: str) -> Preformatted:
    """A text string of a field (its name, tooltip, value): written once per worker."""
    return Preformatted(("string", text), PDFString(text))


def _set_up(canvas: Canvas) -> Any:
    """The canvas's AcroForm, given its default font and signature flag once."""
    form = canvas.acroForm
    if not getattr(form, "_consent_fields_set_up", False):
        form._consent_fields_set_up = True
        form.makeFont("Helvetica")
        form.sigFlags = _SIGNATURES_EXIST
    return form


def _appearance(canvas: Canvas, width: float, height: float, drawing: str = "") -> object:
    """A reference to a new appearance stream for one field (empty unless `drawing` is given).

    Each field gets its own: a form-filling tool may write a field's value
    into its existing appearance stream (pypdf does), and a shared stream
    would then show one field's value in every box.
    """
    compress = bool(internals.pdf_document(canvas).compression)
    return _set_up(canvas).getRef(_appearance_stream(round(width, 2), round(height, 2), drawing, compress))


def _add_widget(
    canvas: Canvas,
    name: str,
    entries: dict[str, object],
    x: float,
    y: float,
    width: float,
    height: float,
    appearance: PDFDictionary | None = None,
) -> None:
    """Place a field's widget on the current page; (x, y) are in the canvas's
    current coordinates (inside a flowable), the widget's /Rect in the page's.

    A canvas with a `widgets_on_page` list is told each field's name and
    place, for the page's view digest (see `integrity`)."""
    left, bottom = canvas.absolutePosition(x, y)
    right, top = canvas.absolutePosition(x + width, y + height)
    rect = (round(left, 2), round(bottom, 2), round(right, 2), round(top, 2))
    if appearance is None:
        appearance = QuickDictionary({"N": _appearance(canvas, right - left, top - bottom)})
    widget = QuickDictionary(
        {
            "Type": PDFName("Annot"),
            "Subtype": PDFName("Widget"),
            "F": _PRINT,
            "P": internals.page_reference(canvas),
            "Rect": PDFArray(list(rect)),
            "AP": appearance,
            "T": _string(name),
            **entries,
        }
    )
    internals.add_annotation(canvas, widget)
    form = canvas.acroForm
    form.fields.append(form.getRef(widget))
    widgets = getattr(canvas, "widgets_on_page", None)
    if widgets is not None:
        widgets.append((name, rect))


def add_text_field(
    canvas: Canvas, name: str, tooltip: str, x: float, y: float, width: float, height: float, max_length: int = 0
) -> None:
    """An empty, borderless text field named `name` over the given box."""
    entries: dict[str, object] = {
        "FT": PDFName("Tx"),
        "TU": _string(tooltip),
        "DA": _string(f"/Helv {_TEXT_SIZE} Tf 0 g"),
        "V": _string(""),
    }
    if max_length:
        entries["MaxLen"] = max_length
    _add_widget(canvas, name, entries, x, y, width, height)


def add_signature_field(
    canvas: Canvas, name: str, tooltip: str, x: float, y: float, width: float, height: float
) -> None:
    """An unsigned signature field named `name` over the given box (of no
    size for a signature that shows nothing on the page, such as the seal)."""
    entries = {"FT": PDFName("Sig"), "TU": _string(tooltip)}
    _add_widget(canvas, name, entries, x, y, width, height)


# The tick a check box shows when ticked: drawn as a path, so it needs no font
# (ReportLab's own check boxes draw a ZapfDingbats character, unembedded).
_TICK = "q 0 g 1.4 w 1 J 1 j {x1} {y1} m {x2} {y2} l {x3} {y3} l S Q"
ON = "Yes"  # the check box's "on" state, as Acrobat and pypdf name it


def add_checkbox_field(canvas: Canvas, name: str, tooltip: str, x: float, y: float, size: float) -> None:
    """An unticked check box named `name` over a square of `size` at (x, y).

    The square itself is drawn on the page by the caller, so it prints on
    paper; ticked, the field shows a tick inside it ("on" state /Yes)."""
    side = round(size, 2)
    tick = _TICK.format(
        x1=round(side * 0.2, 2),
        y1=round(side * 0.52, 2),
        x2=round(side * 0.42, 2),
        y2=round(side * 0.25, 2),
        x3=round(side * 0.82, 2),
        y3=round(side * 0.8, 2),
    )
    on = _appearance(canvas, side, side, tick)
    off = _appearance(canvas, side, side)
    entries = {
        "FT": PDFName("Btn"),
        "TU": _string(tooltip),
        "V": PDFName("Off"),
        "AS": PDFName("Off"),
    }
    appearance = QuickDictionary({"N": QuickDictionary({ON: on, "Off": off})})
    _add_widget(canvas, name, entries, x, y, size, size, appearance)
