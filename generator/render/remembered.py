"""PDF objects whose bytes a batch worker's cache keeps, because they repeat
from patient to patient: a field's empty appearance, a font subset's file,
CMap and widths, a field's dictionary entries. Each is written exactly as
ReportLab writes it; with a cache active (see `paragraphs`), it is
formatted (and compressed) once per distinct content instead of once per
form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab import rl_config
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFObject, PDFStream, PDFZCompress

from generator.render import reportlab_internals as internals
from generator.render.paragraphs import remembered


def _formatted(key: tuple[Any, ...], document: Any, format_: Callable[[], bytes]) -> bytes:
    """An object's bytes, kept by the active cache under `key` (never for an
    encrypted document, whose bytes differ from object to object)."""
    if not internals.unencrypted(document):
        return format_()
    formatted: bytes = remembered(key, format_)
    return formatted


class RememberedStream(PDFStream):
    """A PDF stream whose bytes depend on nothing but `key` (no references
    in its dictionary): with a cache active, formatted (and compressed) once
    and reused for every later document."""

    def __init__(self, key: tuple[Any, ...], content: str | bytes, compress: bool) -> None:
        super().__init__(PDFDictionary(), content, filters=[PDFZCompress] if compress else None)
        self.key = key

    def format(self, document: Any) -> bytes:
        return _formatted(("stream", *self.key), document, lambda: PDFStream.format(self, document))


class RememberedArray(PDFArray):
    """A PDF array of numbers whose bytes depend on nothing but `key`."""

    def __init__(self, key: tuple[Any, ...], numbers: list[float]) -> None:
        super().__init__(numbers)
        self.key = key

    def format(self, document: Any, IND: bytes = b"\n ") -> bytes:  # ReportLab's argument name
        if IND != b"\n ":
            return PDFArray.format(self, document, IND)
        return _formatted(("array", *self.key), document, lambda: PDFArray.format(self, document))


class Preformatted(PDFObject):
    """A value (a string, a name, a number) whose PDF bytes are kept by `key`."""

    def __init__(self, key: tuple[Any, ...], value: Any) -> None:
        self.key = key
        self.value = value

    def format(self, document: Any) -> bytes:
        return _formatted(("value", *self.key), document, lambda: pdfdoc.format(self.value, document))


_KEYS: dict[str, bytes] = {}


class QuickDictionary(PDFDictionary):
    """A PDF dictionary written as ReportLab's PDFDictionary writes it, with
    each key's bytes made once (ReportLab escapes and encodes every key of
    every dictionary it writes)."""

    def format(self, document: Any, IND: bytes = b"\n ") -> bytes:  # ReportLab's argument name
        entries = self.dict
        lines = []
        for key in sorted(entries):
            name = _KEYS.get(key)
            if name is None:
                name = _KEYS[key] = pdfdoc.format(pdfdoc.PDFName(key), document)
            lines.append(name + b" " + pdfdoc.format(entries[key], document))
        if (self.multiline and rl_config.pdfMultiLine) or self.multiline == "forced":
            return b"<<\n" + IND.join(lines) + b"\n>>"
        for index in reversed(range(6, len(lines), 6)):
            lines.insert(index, b"\n ")
        return b"<<\n" + b" ".join(lines) + b"\n>>"
