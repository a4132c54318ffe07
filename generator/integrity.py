"""What a generated form records about itself, so it can be checked later.

The PDF's document information dictionary carries the keys below. The page
digests let `consent verify` tell whether any page was changed after the
form was made: each covers the page's content stream and the form XObjects
the page draws (the page total and the page code are XObjects), so editing
what a page shows changes its digest, while filling in fields or signing
(which change the fields' values, not page content) does not.

Two more digests cover what a viewer shows besides the content:
- a page's view digest: its page boxes (a crop box can hide half a page),
  its rotation and scale, and its annotations, where only the form's own
  fields (by name and place) may be, so a box laid over a side effect
  changes it;
- the identity digest: form, version, language, record number and document
  id as the document information gives them, so a form cannot be
  re-labelled as another patient's by editing those entries.

Anyone who edits a form can recompute all of these: they catch accidents
and casual edits. Only a clinic seal (`generator.verify.seal`) proves who made a
form and that nothing was changed since.

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
PAGE_VIEW_DIGESTS_KEY = "/ConsentPageViewDigests"
IDENTITY_DIGEST_KEY = "/ConsentIdentityDigest"
# The invisible signature field that holds the clinic's seal (generator.verify.seal).
SEAL_FIELD = "consent_seal"

# The document information entries that say which form and which patient
# record a file is; shown by `consent verify` and covered by the identity digest.
IDENTITY_KEYS = (FORM_ID_KEY, FORM_VERSION_KEY, LANGUAGE_KEY, RECORD_NUMBER_KEY, DOCUMENT_ID_KEY)
# Page boxes in the order a viewer resolves them (each defaults to the one before).
BOX_NAMES = ("MediaBox", "CropBox", "BleedBox", "TrimBox", "ArtBox")

Rect = tuple[float, float, float, float]

DIGEST_PREFIX = "sha256:"


def page_digest(content: bytes, xobjects: Iterable[tuple[str, bytes]], images: Iterable[tuple[str, bytes]] = ()) -> str:
    """The digest of one page: its decoded content stream, then each form
    XObject it uses (resource name without the slash, decoded stream), by
    name, then each image it draws (the letterhead's logo: resource name,
    the stream's bytes as stored), by name.

    A page without an image has the digest it had before images were
    counted (consent 0.5.0), so older forms without a logo check the same."""
    digest = hashlib.sha256()
    digest.update(b"content\0")
    digest.update(content)
    for name, data in sorted(xobjects):
        digest.update(b"\0xobject\0" + name.encode("utf-8") + b"\0")
        digest.update(data)
    for name, data in sorted(images):
        digest.update(b"\0image\0" + name.encode("utf-8") + b"\0")
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class Annotation:
    """One annotation as a viewer places it: its kind, the field it belongs
    to (form fields only, else ""), and where it is on the page."""

    subtype: str  # without the slash, e.g. "Widget", "Square"
    field: str
    rect: Rect
    shown: int = 4  # its flags that decide whether it shows and prints (see shown_flags)


# Annotation flags: invisible 1, hidden 2, print 4, no view 32.
_SHOWN_FLAGS = 1 | 2 | 4 | 32


def shown_flags(flags: int) -> int:
    """The annotation flags that decide whether it is seen on screen and on paper."""
    return flags & _SHOWN_FLAGS


@dataclass(frozen=True)
class PageView:
    """What decides how a page's content is shown, apart from the content."""

    boxes: tuple[Rect, ...]  # effective boxes, in BOX_NAMES order
    rotate: int
    user_unit: float
    annotations: tuple[Annotation, ...]


def normal_rect(values: Iterable[float]) -> Rect:
    """A rectangle as (left, bottom, right, top), to 1/100 point, whichever
    corners it was given by."""
    x1, y1, x2, y2 = (round(float(value), 2) for value in values)
    return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def view_digest(view: PageView) -> str:
    """The digest of a page's view: boxes, rotation, scale and annotations."""
    lines = [
        f"box {name} " + " ".join(f"{v:.2f}" for v in box) for name, box in zip(BOX_NAMES, view.boxes, strict=True)
    ]
    lines.append(f"rotate {view.rotate % 360}")
    lines.append(f"unit {view.user_unit:.4f}")
    for annotation in sorted(view.annotations, key=lambda a: (a.field, a.subtype, a.rect, a.shown)):
        rect = " ".join(f"{v:.2f}" for v in annotation.rect)
        lines.append(f"annot {annotation.subtype}\0{annotation.field}\0{rect}\0{annotation.shown}")
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def identity_digest(identity: Iterable[tuple[str, str]]) -> str:
    """The digest of the identity entries (key, value), in IDENTITY_KEYS order."""
    given = dict(identity)
    digest = hashlib.sha256()
    for key in IDENTITY_KEYS:
        digest.update(key.encode("utf-8") + b"\0" + given.get(key, "").encode("utf-8") + b"\0")
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
    return fonts_digest_of_parts((font.resource_name, font_digest_part(font)) for font in fonts)


def font_digest_part(font: EmbeddedFont) -> bytes:
    """What one font adds to `fonts_digest` (a batch worker keeps it for each
    subset it meets again)."""
    widths = " ".join(f"{width:.3f}" for width in font.widths)
    header = (
        f"font\0{font.resource_name}\0{font.base_font}\0{font.first_char}\0{widths}\0"
        f"{font.flags}\0{font.missing_width:.3f}\0"
    )
    return header.encode("utf-8") + hashlib.sha256(font.to_unicode).digest() + hashlib.sha256(font.font_file).digest()


def fonts_digest_of_parts(parts: Iterable[tuple[str, bytes]]) -> str:
    """`fonts_digest` from each font's resource name and `font_digest_part`."""
    digest = hashlib.sha256()
    for _, part in sorted(parts, key=lambda named: named[0]):
        digest.update(part)
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
