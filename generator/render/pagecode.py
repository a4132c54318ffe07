"""The code printed on every page: which form, which record, which page.

A scanned paper page carries enough to be filed into the right record and
to show when a page of a form is missing: form id and version, record
number, page number and page count, and the document id. Never the
patient's name or date of birth.

Text form, in QR's alphanumeric mode (digits, capitals and `` $%*+-./:``),
which packs 5.5 bits a character instead of 8, so the code has fewer,
larger modules and survives a photocopy or a fax::

    C2:LASER-ACNE-SCAR:1.0:00123:2:3:1F3A9C0E5B7D2A64

Fields are separated by ``:``. Form ids and document ids are lower case by
rule and are written in capitals. Any other character of a field (a lower
case letter, ``:``, ``%``, a space, an accent) is written ``%XX`` per UTF-8
byte, so any record number survives the round trip exactly.

Codes printed by consent 0.2 (``CONSENT1|...``, byte mode) still decode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAGIC = "C2"
_OLD_MAGIC = "CONSENT1"
_OLD_ESCAPES = (("%", "%25"), ("|", "%7C"))
# Alphanumeric-mode characters a field may use as they are (':' separates
# fields and '%' escapes, so both are escaped inside a field).
_PLAIN = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-./")
_ESCAPED = re.compile(r"%([0-9A-F]{2})")


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
    fields = (
        code.form_id.upper(),
        _escape(code.form_version),
        _escape(code.record_number),
        str(code.page),
        str(code.pages),
        code.document_id.upper(),
    )
    return ":".join([MAGIC, *fields])


def decode_page_code(text: str) -> PageCode | None:
    """The page code in `text`, or None if it is not one of ours."""
    if text.startswith(_OLD_MAGIC + "|"):
        return _decode_old(text)
    parts = text.split(":")
    if len(parts) != 7 or parts[0] != MAGIC:
        return None
    form_id, version, record, page, pages, document = parts[1:]
    if not (page.isdigit() and pages.isdigit()):
        return None
    try:
        version, record = _unescape(version), _unescape(record)
    except UnicodeDecodeError:
        return None
    return PageCode(form_id.lower(), version, record, int(page), int(pages), document.lower())


def _escape(field: str) -> str:
    return "".join(
        character if character in _PLAIN else "".join(f"%{byte:02X}" for byte in character.encode("utf-8"))
        for character in field
    )


def _unescape(field: str) -> str:
    raw = bytearray()
    position = 0
    for match in _ESCAPED.finditer(field):
        raw += field[position : match.start()].encode("ascii")
        raw.append(int(match.group(1), 16))
        position = match.end()
    raw += field[position:].encode("ascii")
    return raw.decode("utf-8")


def _decode_old(text: str) -> PageCode | None:
    parts = text.split("|")
    if len(parts) != 7:
        return None
    form_id, version, record, page, pages, document = (_old_unescape(part) for part in parts[1:])
    if not (page.isdigit() and pages.isdigit()):
        return None
    return PageCode(form_id, version, record, int(page), int(pages), document)


def _old_unescape(field: str) -> str:
    for raw, escaped in reversed(_OLD_ESCAPES):
        field = field.replace(escaped, raw)
    return field
