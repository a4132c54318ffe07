"""A PDF consent did not write, copied into the print bundle with pypdf.

The bundle copies consent's own forms at the byte level (`rawpdf`). A file
that reader refuses (`rawpdf.NotPlain`: object streams, inherited page
attributes, another tool's rewrite) is read here with pypdf instead, its
objects renumbered into the bundle the same way. pypdf is imported only
when such a file turns up (it takes ~0.1 s to import).
"""

from __future__ import annotations

import hashlib
import io
from typing import TYPE_CHECKING, Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

from generator.records.bundle import NOT_COPIED, PAGE_TREE

if TYPE_CHECKING:
    from generator.records.bundle import BundleWriter


def add_with_pypdf(writer: BundleWriter, data: bytes) -> tuple[int, bytes]:
    """Append every page of the PDF `data` to `writer`; returns how many
    pages were added and the last page's media box, as written in a PDF."""
    reader = PdfReader(io.BytesIO(data))
    renumbered: dict[int, int] = {}
    pending: list[tuple[int, PdfObject]] = []

    def new_number_for(reference: IndirectObject) -> IndirectObject:
        old = reference.idnum
        if old not in renumbered:
            target = reference.get_object()
            assert target is not None, "a reference in the PDF points at an object"
            renumbered[old], to_be_written = writer.claim(_leaf_key(target))
            if to_be_written:
                pending.append((renumbered[old], target))
        return IndirectObject(renumbered[old], 0, None)

    # Pages first, so that anything pointing back at its page (an annotation's
    # /P) finds the page rather than copying it a second time.
    page_numbers = []
    for page in reader.pages:
        page_numbers.append(writer.allocate())
        if page.indirect_reference is not None:
            renumbered[page.indirect_reference.idnum] = page_numbers[-1]
    for page, page_number in zip(reader.pages, page_numbers, strict=True):
        page_copy = DictionaryObject({key: value for key, value in page.items() if key not in NOT_COPIED})
        _rewrite_references(page_copy, new_number_for)
        # Set after the rewrite: this reference is already in the bundle's numbering.
        page_copy[NameObject("/Parent")] = IndirectObject(PAGE_TREE, 0, None)
        writer.write_object(page_number, _written(page_copy))
        writer.add_page(page_number)
        while pending:
            number, target = pending.pop()
            _rewrite_references(target, new_number_for)
            writer.write_object(number, _written(target))
    return len(reader.pages), _written(ArrayObject(reader.pages[-1].mediabox))


def _written(obj: PdfObject) -> bytes:
    body = io.BytesIO()
    obj.write_to_stream(body)
    return body.getvalue()


def _leaf_key(obj: PdfObject) -> bytes | None:
    """A digest for an object that refers to nothing else, else None."""
    if _has_reference(obj):
        return None
    return hashlib.sha256(_written(obj)).digest()


def _has_reference(obj: PdfObject) -> bool:
    if isinstance(obj, IndirectObject):
        return True
    if isinstance(obj, DictionaryObject):
        return any(_has_reference(value) for value in obj.values())
    if isinstance(obj, ArrayObject):
        return any(_has_reference(value) for value in obj)
    return False


def _rewrite_references(obj: PdfObject, renumber: Any) -> None:
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
