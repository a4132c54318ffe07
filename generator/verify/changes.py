"""What a viewer shows of a form, read back from the PDF, and the changes
between two revisions of it named in words staff understand.

`page_view` and `page_content_digest` read a page as `integrity` digests it.
`revision_changes` compares the revision a seal (or the first signature)
covers with the file as it is now, and lists every change other than
filling in and signing the form's own fields: those are what a consent form
is for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pypdf import PageObject, PdfReader
from pypdf.generic import DictionaryObject

from generator import integrity

_IDENTITY_LABELS = {
    integrity.FORM_ID_KEY: "form",
    integrity.FORM_VERSION_KEY: "form version",
    integrity.LANGUAGE_KEY: "language",
    integrity.RECORD_NUMBER_KEY: "record number",
    integrity.DOCUMENT_ID_KEY: "document id",
}
# Entries of the document information that signing tools update as a
# matter of course; every other entry (the title a viewer shows in its
# window, the digests, ...) is part of the form as made.
_UPDATED_BY_SIGNING = ("/Producer", "/ModDate")


def page_content_digest(page: PageObject, *, images: bool = True) -> str | None:
    """The page's content digest as `integrity` defines it, or None if it
    cannot be read. `images`: count the images it draws (forms made by
    consent 0.5.0 and later count them; older ones did not)."""
    try:
        contents = page.get_contents()
        content = contents.get_data() if contents is not None else b""
        resources = page.get("/Resources")
        xobjects: Any = resources.get_object().get("/XObject", {}) if resources is not None else {}
        drawn = [(str(name)[1:], xobject.get_object()) for name, xobject in xobjects.get_object().items()]
        used = [(name, xobject.get_data()) for name, xobject in drawn if xobject.get("/Subtype") == "/Form"]
        # An image's bytes as stored, not decoded: decoding a JPEG is not
        # needed to see whether it changed, and would cost far more.
        pictures = [(name, _stored(xobject)) for name, xobject in drawn if xobject.get("/Subtype") == "/Image"]
    except Exception:  # any damage to a page makes it a changed page
        return None
    return integrity.page_digest(content, used, pictures if images else ())


def _stored(stream: Any) -> bytes:
    """A stream's bytes as they are in the file (pypdf keeps them as `_data`)."""
    data = stream._data
    return data if isinstance(data, bytes) else bytes(data)


def page_view(page: PageObject) -> integrity.PageView | None:
    """The page's boxes, rotation, scale and annotations, or None if they cannot be read."""
    try:
        boxes = (page.mediabox, page.cropbox, page.bleedbox, page.trimbox, page.artbox)
        annotations = []
        for reference in page.get("/Annots") or []:
            annotation = reference.get_object()
            annotations.append(
                integrity.Annotation(
                    subtype=str(annotation.get("/Subtype", "/?"))[1:],
                    field=_field_name(annotation) if annotation.get("/Subtype") == "/Widget" else "",
                    rect=integrity.normal_rect(annotation.get("/Rect", (0, 0, 0, 0))),
                    shown=integrity.shown_flags(int(annotation.get("/F", 0))),
                )
            )
        return integrity.PageView(
            boxes=tuple(integrity.normal_rect(box) for box in boxes),
            rotate=int(page.rotation),
            user_unit=float(page.user_unit),
            annotations=tuple(annotations),
        )
    except Exception:  # damage to a page's dictionary makes it a changed page
        return None


def _field_name(widget: DictionaryObject) -> str:
    node, parts = widget, []
    for _ in range(32):  # a field's ancestry is short; a loop in it is damage
        if "/T" in node:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        if parent is None:
            break
        node = parent.get_object()
    return ".".join(reversed(parts))


def view_problems(page_number: int, view: integrity.PageView | None) -> list[str]:
    """In words, why page `page_number`'s view differs from the one recorded,
    knowing how consent makes a page: one page box, no rotation, and no
    annotation but its own fields."""
    if view is None:
        return [f"page {page_number} is damaged: its page boxes or annotations cannot be read."]
    found = []
    media = view.boxes[0]
    for name, box in zip(integrity.BOX_NAMES[1:], view.boxes[1:], strict=True):
        if box != media:
            found.append(f"page {page_number} has a {name} that shows only part of the page.")
            break
    if view.rotate % 360:
        found.append(f"page {page_number} was rotated by {view.rotate % 360} degrees.")
    if view.user_unit != 1.0:
        found.append(f"page {page_number} was rescaled.")
    for annotation in view.annotations:
        if annotation.subtype != "Widget":
            found.append(f"an annotation ({annotation.subtype}) was added on page {page_number}.")
    return found or [f"the form fields on page {page_number}, or the size of the page, were changed."]


def revision_changes(before: PdfReader, after: PdfReader) -> tuple[list[str], list[int]]:
    """Every change from `before` (an earlier revision) to `after`, other than
    filling in or signing the fields `before` already had; and the pages changed."""
    found = _information_changes(before, after)
    pages: list[int] = []
    before_pages, after_pages = list(before.pages), list(after.pages)
    if len(before_pages) != len(after_pages):
        found.append(f"it had {len(before_pages)} pages, and now has {len(after_pages)}.")
    for number, (old, new) in enumerate(zip(before_pages, after_pages, strict=False), start=1):
        page_changes = []
        new_digest = page_content_digest(new)
        if new_digest is None or new_digest != page_content_digest(old):
            page_changes.append(f"the content of page {number} was changed.")
        page_changes += _view_changes(number, page_view(old), page_view(new))
        if page_changes:
            found += page_changes
            pages.append(number)
    if fonts_digest(before) != fonts_digest(after):
        found.append("its embedded fonts were changed, so its text may not show as it was written.")
    if _xmp(before) != _xmp(after):
        found.append("its XMP metadata (the title and details some viewers show) was changed.")
    return found, pages


# What of the XMP metadata a viewer shows as the document's: its title,
# subject and description. Signing tools rewrite the rest (modify date,
# producer, history) as a matter of course.
_XMP_SHOWN = re.compile(rb"<(dc:title|dc:description|dc:subject)\b.*?</\1>", re.DOTALL)


def _xmp(reader: PdfReader) -> list[bytes] | None:
    try:
        root: Any = reader.trailer["/Root"].get_object()
        metadata = root.get("/Metadata")
        data = b"" if metadata is None else metadata.get_object().get_data()
    except Exception:  # unreadable metadata differs from any readable one
        return None
    return [b" ".join(match.group(0).split()) for match in _XMP_SHOWN.finditer(data)]


def _information_changes(before: PdfReader, after: PdfReader) -> list[str]:
    old: Mapping[str, Any] = before.metadata or {}
    new: Mapping[str, Any] = after.metadata or {}
    found = []
    for key, label in _IDENTITY_LABELS.items():
        if info_text(old, key) != info_text(new, key):
            found.append(
                f"the {label} in the document information was changed from {info_text(old, key)!r} to "
                f"{info_text(new, key)!r} after the form was sealed or signed."
            )
    keys = (set(old) | set(new)) - set(_IDENTITY_LABELS) - set(_UPDATED_BY_SIGNING)
    changed = sorted(key[1:] for key in keys if info_text(old, key) != info_text(new, key))
    if changed:
        found.append(
            f"the document information ({', '.join(changed)}) was changed after the form was sealed or signed."
        )
    return found


def _view_changes(number: int, old: integrity.PageView | None, new: integrity.PageView | None) -> list[str]:
    if old is None or new is None:
        return [] if old == new else [f"page {number} is damaged: its page boxes or annotations cannot be read."]
    found = []
    for name, old_box, new_box in zip(integrity.BOX_NAMES, old.boxes, new.boxes, strict=True):
        if old_box != new_box:
            # The boxes after it default to it: the first changed one is the news.
            found.append(f"page {number}'s {name} was changed, so the page shows {_box_words(name)}.")
            break
    if old.rotate % 360 != new.rotate % 360:
        found.append(f"page {number} was rotated by {(new.rotate - old.rotate) % 360} degrees.")
    if old.user_unit != new.user_unit:
        found.append(f"page {number} was rescaled.")
    old_fields = {(a.field, a.rect) for a in old.annotations if a.subtype == "Widget"}
    old_names = {name for name, _ in old_fields}
    for annotation in _added(old.annotations, new.annotations):
        if annotation.subtype != "Widget":
            found.append(f"an annotation ({annotation.subtype}) was added on page {number}.")
        elif annotation.field in old_names and (annotation.field, annotation.rect) in old_fields:
            found.append(f'the form field "{annotation.field}" on page {number} was hidden or no longer prints.')
        elif annotation.field in old_names:
            found.append(f'the form field "{annotation.field}" on page {number} was moved or resized.')
        else:
            found.append(f'a form field "{annotation.field}" was added on page {number}.')
    new_names = {a.field for a in new.annotations if a.subtype == "Widget"}
    for annotation in _added(new.annotations, old.annotations):
        if annotation.subtype != "Widget":
            found.append(f"an annotation ({annotation.subtype}) was removed from page {number}.")
        elif annotation.field not in new_names:
            found.append(f'the form field "{annotation.field}" was removed from page {number}.')
    return found


def _added(before: Iterable[integrity.Annotation], after: Iterable[integrity.Annotation]) -> list[integrity.Annotation]:
    remaining = list(before)
    added = []
    for annotation in after:
        if annotation in remaining:
            remaining.remove(annotation)
        else:
            added.append(annotation)
    return added


def _box_words(name: str) -> str:
    return "a different part of it" if name != "MediaBox" else "at another size"


def fonts_digest(reader: PdfReader) -> str | None:
    """The digest of the fonts the pages use, as `integrity` defines it, or
    None if a font cannot be read."""
    fonts: dict[str, integrity.EmbeddedFont] = {}
    try:
        for page in reader.pages:
            resources = page.get("/Resources")
            font_table: Any = resources.get_object().get("/Font", {}) if resources is not None else {}
            for name, font in font_table.get_object().items():
                font = font.get_object()
                descriptor = font["/FontDescriptor"].get_object()
                fonts[str(name)[1:]] = integrity.EmbeddedFont(
                    resource_name=str(name)[1:],
                    base_font=str(font["/BaseFont"])[1:],
                    first_char=int(font["/FirstChar"]),
                    widths=tuple(float(width) for width in font["/Widths"].get_object()),
                    flags=int(descriptor["/Flags"]),
                    missing_width=float(descriptor["/MissingWidth"]),
                    to_unicode=font["/ToUnicode"].get_object().get_data(),
                    font_file=descriptor["/FontFile2"].get_object().get_data(),
                )
    except Exception:  # a font that cannot be read counts as changed
        return None
    return integrity.fonts_digest(fonts.values())


def info_text(info: Mapping[str, Any], key: str) -> str | None:
    """A document information entry as text, or None if it is absent."""
    value = info.get(key)
    return None if value is None else str(value)
