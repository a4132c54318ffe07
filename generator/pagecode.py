"""The code printed on every page: which form, which record, which page.

A scanned paper page carries enough to be filed into the right record and
to show when a page of a form is missing: form id and version, record
number, page number and page count, and the document id. Never the
patient's name or date of birth.

Text form (UTF-8, in a QR code's byte mode)::

    CONSENT1|laser-acne-scar|1.0|00123|2|3|1f3a9c0e5b7d2a64

Fields are separated by ``|``; a ``|`` or ``%`` inside a field is written
``%7C`` / ``%25`` so any record number survives the round trip.
"""

from __future__ import annotations

from dataclasses import dataclass

MAGIC = "CONSENT1"
_ESCAPES = (("%", "%25"), ("|", "%7C"))


@dataclass(frozen=True)
class PageCode:
    form_id: str
    form_version: str
    record_number: str
    page: int
    pages: int
    document_id: str


def encode_page_code(code: PageCode) -> str:
    """The text stored in the page's QR code."""
    fields = (code.form_id, code.form_version, code.record_number, str(code.page), str(code.pages), code.document_id)
    return "|".join([MAGIC, *(_escape(field) for field in fields)])


def decode_page_code(text: str) -> PageCode | None:
    """The page code in `text`, or None if it is not one of ours."""
    parts = text.split("|")
    if len(parts) != 7 or parts[0] != MAGIC:
        return None
    form_id, version, record, page, pages, document = (_unescape(part) for part in parts[1:])
    if not (page.isdigit() and pages.isdigit()):
        return None
    return PageCode(form_id, version, record, int(page), int(pages), document)


def _escape(field: str) -> str:
    for raw, escaped in _ESCAPES:
        field = field.replace(raw, escaped)
    return field


def _unescape(field: str) -> str:
    for raw, escaped in reversed(_ESCAPES):
        field = field.replace(escaped, raw)
    return field
