"""One print bundle from many PDFs, written as it goes, in flat memory.

pypdf's PdfWriter keeps every page in memory until it saves, so a clinic
day of 2,000 forms would need ten times the memory of 200. Here each form's
objects are renumbered and written straight to the output file, and only a
list of offsets is kept. The forms consent writes are copied at the byte
level (`rawpdf`: dictionaries parsed, stream data copied as stored); any
other PDF is read with pypdf. Objects that refer to no
other object (font files, images) are written once and shared when two forms
carry identical copies, so the bundle is never larger than its parts.

Form fields are left out: the bundle is for printing (see `NOT_COPIED`).

For double-sided printing, a form with an odd number of pages is followed by
a blank page, so every form starts on a fresh sheet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from generator.records.rawpdf import NotPlain, ParsedValues, RawObject, RawPdf, Value, references, serialise

_CATALOG = 1
_PAGES = 2
# A page's /Parent is replaced by the bundle's page tree. Its /Annots (the
# form fields) stay out: the bundle is for printing, where unfilled fields
# show nothing, and a bundle of many forms is not one fillable form (every
# form has a field named patient_signature). Leaving them out also halves
# the objects the bundle must copy.
NOT_COPIED = ("/Parent", "/Annots")
PAGE_TREE = _PAGES  # the bundle's page tree: every page's /Parent
_PAGE_TREE_REFERENCE = b"%d 0 R" % PAGE_TREE


class BundleWriter:
    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._offsets: dict[int, int] = {}
        self._next_number = 3
        self._page_numbers: list[int] = []
        self._shared_leaves: dict[bytes, int] = {}
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self._stream.write(data)

    def allocate(self) -> int:
        """A new object number in the bundle."""
        number = self._next_number
        self._next_number += 1
        return number

    def write_object(self, number: int, body: bytes) -> None:
        """Object `number`, whose value (and stream) is `body` as written in a PDF."""
        self._offsets[number] = self._stream.tell()
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def claim(self, leaf_key: bytes | None) -> tuple[int, bool]:
        """A number for an object, and whether it is still to be written: an
        object that refers to nothing (`leaf_key`, a digest of its bytes) takes
        the number of an identical one already written."""
        if leaf_key is not None and leaf_key in self._shared_leaves:
            return self._shared_leaves[leaf_key], False
        number = self.allocate()
        if leaf_key is not None:
            self._shared_leaves[leaf_key] = number
        return number, True

    def add_page(self, number: int) -> None:
        """Object `number` is the bundle's next page."""
        self._page_numbers.append(number)

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
            pages.append({key: value for key, value in page.items() if key.decode() not in NOT_COPIED})
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
        renumbered = {number: self.allocate() for number in page_numbers}
        to_write = []
        for old, raw in needed.items():
            renumbered[old], to_be_written = self.claim(None if references(raw.value) else _raw_leaf_key(raw))
            if to_be_written:
                to_write.append((renumbered[old], raw))
        for number, page in zip(page_numbers, pages, strict=True):
            page[b"/Parent"] = _PAGE_TREE_REFERENCE
            self._write_raw(renumbered[number], RawObject(page, None), renumbered)
            self.add_page(renumbered[number])
        for number, raw in to_write:
            self._write_raw(number, raw, renumbered)
        return len(pages), pages[-1][b"/MediaBox"]

    def _write_raw(self, number: int, raw: RawObject, renumbered: dict[int, int]) -> None:
        body = serialise(raw.value, renumbered)
        if raw.stream is not None:
            body += b"\nstream\n" + raw.stream + b"\nendstream"
        self.write_object(number, body)

    def add_blank_page(self, media_box: bytes) -> None:
        """A blank page, `media_box` (as written in a PDF) in size."""
        number = self.allocate()
        self.write_object(
            number, b"<< /Type /Page /Parent %s /MediaBox %s /Resources << >> >>" % (_PAGE_TREE_REFERENCE, media_box)
        )
        self.add_page(number)

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


def _raw_leaf_key(raw: RawObject) -> bytes:
    digest = hashlib.sha256(serialise(raw.value, {}))
    if raw.stream is not None:
        digest.update(b"\nstream\n" + raw.stream)
    return b"raw" + digest.digest()


def write_bundle(parts: Iterable[Path], stream: BinaryIO, *, duplex: bool = True) -> int:
    """Concatenate the PDFs `parts` into `stream`; returns the bundle's page count."""
    writer = BundleWriter(stream)
    parsed = ParsedValues()
    total = 0
    for part in parts:
        data = part.read_bytes()
        try:
            pages, media_box = writer.add_plain(RawPdf(data, parsed))
            last_media_box = serialise(media_box, {})
        except NotPlain:
            from generator.records.bundle_pypdf import add_with_pypdf  # pypdf loads only for such a file

            pages, last_media_box = add_with_pypdf(writer, data)
        total += pages
        if duplex and pages % 2 == 1:
            writer.add_blank_page(last_media_box)
            total += 1
    writer.finish()
    return total
