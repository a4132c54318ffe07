"""What a generated form records about itself, so it can be checked later.

The PDF's document information dictionary carries the keys below. The page
digests let `consent verify` tell whether any page was changed after the
form was made: each covers the page's content stream and the form XObjects
the page draws (the page total and the page code are XObjects), so editing
what a page shows changes its digest, while filling in fields or signing
(which add annotations, not page content) does not.

This module is shared by the renderer (which writes the keys) and the
verifier (which reads them), so both compute a digest the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

FORM_ID_KEY = "/ConsentFormId"
FORM_VERSION_KEY = "/ConsentFormVersion"
LANGUAGE_KEY = "/ConsentLanguage"
RECORD_NUMBER_KEY = "/ConsentRecordNumber"
DOCUMENT_ID_KEY = "/ConsentDocumentId"
GENERATOR_KEY = "/ConsentGenerator"
PAGE_DIGESTS_KEY = "/ConsentPageDigests"
FONTS_DIGEST_KEY = "/ConsentFontsDigest"

DIGEST_PREFIX = "sha256:"


def page_digest(content: bytes, xobjects: Iterable[tuple[str, bytes]]) -> str:
    """The digest of one page: its decoded content stream, then each form
    XObject it uses (resource name without the slash, decoded stream), by name."""
    digest = hashlib.sha256()
    digest.update(b"content\0")
    digest.update(content)
    for name, data in sorted(xobjects):
        digest.update(b"\0xobject\0" + name.encode("utf-8") + b"\0")
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class EmbeddedFont:
    """What decides how a font shows text: its glyphs (the embedded font
    file), their widths, and the text they stand for (ToUnicode)."""

    resource_name: str  # without the slash, e.g. "F1+0"
    base_font: str
    first_char: int
    widths: tuple[float, ...]
    flags: int  # e.g. symbolic or not: decides how character codes find glyphs
    missing_width: float
    to_unicode: bytes
    font_file: bytes


def fonts_digest(fonts: Iterable[EmbeddedFont]) -> str:
    """One digest over every embedded font, by resource name."""
    digest = hashlib.sha256()
    for font in sorted(fonts, key=lambda font: font.resource_name):
        widths = " ".join(f"{width:.3f}" for width in font.widths)
        header = (
            f"font\0{font.resource_name}\0{font.base_font}\0{font.first_char}\0{widths}\0"
            f"{font.flags}\0{font.missing_width:.3f}\0"
        )
        digest.update(header.encode("utf-8"))
        digest.update(hashlib.sha256(font.to_unicode).digest())
        digest.update(hashlib.sha256(font.font_file).digest())
    return digest.hexdigest()


def format_page_digests(digests: Iterable[str]) -> str:
    """The value of the page-digests key: ``sha256:`` and one hex digest per page."""
    return DIGEST_PREFIX + " ".join(digests)


def parse_page_digests(value: str) -> list[str] | None:
    """The per-page digests in a page-digests value, or None if it is malformed."""
    if not value.startswith(DIGEST_PREFIX):
        return None
    digests = value[len(DIGEST_PREFIX) :].split()
    if not digests or any(len(d) != 64 or any(c not in "0123456789abcdef" for c in d) for d in digests):
        return None
    return digests
