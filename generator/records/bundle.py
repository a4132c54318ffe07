"""One print bundle from many PDFs, written as it goes, in flat memory.

pypdf's PdfWriter keeps every page in memory until it saves, so a clinic
day of 2,000 forms would need ten times the memory of 200. Here each form's
objects are renumbered and written straight to the output file, and only a
list of offsets is kept. The forms consent writes are copied at the byte
level (`rawpdf`: dictionaries parsed, stream data copied as stored); any
other PDF is read with pypdf. Objects that refer to no
other object (font files, images) are written once and shared when two forms
carry identical copies, so the bundle is never larger than its parts.

Form fields are left out: the bundle is for printing (see `_NOT_COPIED`).

For double-sided printing, a form with an odd number of pages is followed by
a blank page, so every form starts on a fresh sheet.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
)

from generator.records.rawpdf import NotPlain, ParsedValues, RawObject, RawPdf, Value, references, serialise

_CATALOG = 1
_PAGES = 2
# A page's /Parent is replaced by the bundle's page tree. Its /Annots (the
# form fields) stay out: the bundle is for printing, where unfilled fields
# show nothing, and a bundle of many forms is not one fillable form (every
# form has a field named patient_signature). Leaving them out also halves
# the objects the bundle must copy.
_NOT_COPIED = ("/Parent", "/Annots")
_PAGE_TREE = b"%d 0 R" % _PAGES


class _BundleWriter:
    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._offsets: dict[int, int] = {}
        self._next_number = 3
        self._page_numbers: list[int] = []
        self._shared_leaves: dict[bytes, int] = {}
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self._stream.write(data)

    def _allocate(self) -> int:
        number = self._next_number
        self._next_number += 1
        return number

    def _write_object(self, number: int, obj: PdfObject) -> None:
        self._offsets[number] = self._stream.tell()
        body = io.BytesIO()
        obj.write_to_stream(body)
        self._write(b"%d 0 obj\n" % number + body.getvalue() + b"\nendobj\n")

    def add_plain(self, pdf: RawPdf) -> tuple[int, Value]:
        """Append every page of `pdf`, copied at the byte level; returns how
        many pages were added and the last page's media box.

        Every object is read before the first is written, so a file this
        cannot copy (`NotPlain`) leaves nothing of itself in the bundle.
        """
        page_numbers = pdf.pages()
        pages = []
        for number in page_numbers:
            page = pdf.dictionary(number)
            pages.append({key: value for key, value in page.items() if key.decode() not in _NOT_COPIED})
        # The objects the pages need, each once, in the order first met; the
        # pages themselves keep their place (an object pointing back at its
        # page finds the copy).
        needed: dict[int, RawObject] = {}
        waiting = [number for page in reversed(pages) for number in reversed(references(page))]
        while waiting:
            number = waiting.pop()
            if number in needed or number in page_numbers:
                continue
            needed[number] = pdf.object(number)
            waiting.extend(reversed(references(needed[number].value)))
        renumbered = {number: self._allocate() for number in page_numbers}
        to_write = []
        for old, raw in needed.items():
            leaf_key = None if references(raw.value) else _raw_leaf_key(raw)
            if leaf_key is not None and leaf_key in self._shared_leaves:
                renumbered[old] = self._shared_leaves[leaf_key]
                continue
            renumbered[old] = self._allocate()
            if leaf_key is not None:
                self._shared_leaves[leaf_key] = renumbered[old]
            to_write.append((renumbered[old], raw))
        for number, page in zip(page_numbers, pages, strict=True):
            page[b"/Parent"] = _PAGE_TREE
            self._write_raw(renumbered[number], RawObject(page, None), renumbered)
            self._page_numbers.append(renumbered[number])
        for number, raw in to_write:
            self._write_raw(number, raw, renumbered)
        return len(pages), pages[-1][b"/MediaBox"]

    def _write_raw(self, number: int, raw: RawObject, renumbered: dict[int, int]) -> None:
        self._offsets[number] = self._stream.tell()
        body = serialise(raw.value, renumbered)
        if raw.stream is not None:
            body += b"\nstream\n" + raw.stream + b"\nendstream"
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def add_document(self, reader: PdfReader) -> int:
        """Append every page of `reader`, read with pypdf; returns how many pages were added."""
        renumbered: dict[int, int] = {}
        pending: list[tuple[int, PdfObject]] = []

        def new_number_for(reference: IndirectObject) -> IndirectObject:
            old = reference.idnum
            if old not in renumbered:
                target = reference.get_object()
                assert target is not None, "a reference in a PDF consent made points at an object"
                leaf_key = _leaf_key(target)
                if leaf_key is not None and leaf_key in self._shared_leaves:
                    renumbered[old] = self._shared_leaves[leaf_key]
                else:
                    renumbered[old] = self._allocate()
                    if leaf_key is not None:
                        self._shared_leaves[leaf_key] = renumbered[old]
                    pending.append((renumbered[old], target))
            return IndirectObject(renumbered[old], 0, None)

        # Pages first, so that anything pointing back at its page (an annotation's
        # /P) finds the page rather than copying it a second time.
        page_numbers = []
        for page in reader.pages:
            page_numbers.append(self._allocate())
            if page.indirect_reference is not None:
                renumbered[page.indirect_reference.idnum] = page_numbers[-1]
        for page, page_number in zip(reader.pages, page_numbers, strict=True):
            page_copy = DictionaryObject({key: value for key, value in page.items() if key not in _NOT_COPIED})
            _rewrite_references(page_copy, new_number_for)
            # Set after the rewrite: this reference is already in the bundle's numbering.
            page_copy[NameObject("/Parent")] = IndirectObject(_PAGES, 0, None)
            self._write_object(page_number, page_copy)
            self._page_numbers.append(page_number)
            while pending:
                number, target = pending.pop()
                _rewrite_references(target, new_number_for)
                self._write_object(number, target)
        return len(reader.pages)

    def add_blank_page(self, media_box: bytes) -> None:
        """A blank page, `media_box` (as written in a PDF) in size."""
        number = self._allocate()
        self._offsets[number] = self._stream.tell()
        self._write(
            b"%d 0 obj\n<< /Type /Page /Parent %s /MediaBox %s /Resources << >> >>\nendobj\n"
            % (number, _PAGE_TREE, media_box)
        )
        self._page_numbers.append(number)

    def finish(self) -> None:
        kids = " ".join(f"{number} 0 R" for number in self._page_numbers)
        self._offsets[_PAGES] = self._stream.tell()
        self._write(
            f"{_PAGES} 0 obj\n<< /Type /Pages /Count {len(self._page_numbers)} /Kids [{kids}] >>\nendobj\n".encode()
        )
        self._offsets[_CATALOG] = self._stream.tell()
        self._write(f"{_CATALOG} 0 obj\n<< /Type /Catalog /Pages {_PAGES} 0 R >>\nendobj\n".encode())
        xref_at = self._stream.tell()
        size = self._next_number
        lines = [f"xref\n0 {size}\n", "0000000000 65535 f \n"]
        for number in range(1, size):
            lines.append(f"{self._offsets[number]:010d} 00000 n \n")
        self._write("".join(lines).encode())
        self._write(f"trailer\n<< /Size {size} /Root {_CATALOG} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode())


def _leaf_key(obj: PdfObject) -> bytes | None:
    """A digest for an object that refers to nothing else, else None."""
    if _has_reference(obj):
        return None
    body = io.BytesIO()
    obj.write_to_stream(body)
    return hashlib.sha256(body.getvalue()).digest()


def _raw_leaf_key(raw: RawObject) -> bytes:
    digest = hashlib.sha256(serialise(raw.value, {}))
    if raw.stream is not None:
        digest.update(b"\nstream\n" + raw.stream)
    return b"raw" + digest.digest()


def _has_reference(obj: PdfObject) -> bool:
    if isinstance(obj, IndirectObject):
        return True
    if isinstance(obj, DictionaryObject):
        return any(_has_reference(value) for value in obj.values())
    if isinstance(obj, ArrayObject):
        return any(_has_reference(value) for value in obj)
    return False


def _rewrite_references(obj: PdfObject, renumber) -> None:
    if isinstance(obj, DictionaryObject):  # StreamObject is a DictionaryObject too
        for key, value in list(obj.items()):
            if isinstance(value, IndirectObject):
                obj[key] = renumber(value)
            else:
                _rewrite_references(value, renumber)
    elif isinstance(obj, ArrayObject):
        for index, value in enumerate(obj):
            if isinstance(value, IndirectObject):
                obj[index] = renumber(value)
            else:
                _rewrite_references(value, renumber)


def write_bundle(parts: Iterable[Path], stream: BinaryIO, *, duplex: bool = True) -> int:
    """Concatenate the PDFs `parts` into `stream`; returns the bundle's page count."""
    writer = _BundleWriter(stream)
    parsed = ParsedValues()
    total = 0
    for part in parts:
        data = part.read_bytes()
        try:
            pages, media_box = writer.add_plain(RawPdf(data, parsed))
            last_media_box = serialise(media_box, {})
        except NotPlain:
            reader = PdfReader(io.BytesIO(data))
            pages = writer.add_document(reader)
            box = io.BytesIO()
            ArrayObject(reader.pages[-1].mediabox).write_to_stream(box)
            last_media_box = box.getvalue()
        total += pages
        if duplex and pages % 2 == 1:
            writer.add_blank_page(last_media_box)
            total += 1
    writer.finish()
    return total
