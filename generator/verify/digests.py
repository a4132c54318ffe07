"""The form's own record of itself, checked: the digests of its pages, their
view, its identity entries and its fonts against what the form carries
(see `integrity`), and which of these a form from an older consent lacks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pypdf import PdfReader

from generator import integrity
from generator.verify.changes import (
    fonts_digest,
    info_text,
    page_content_digest,
    page_view,
    view_problems,
)

_VIEW_DIGESTS_SINCE = (0, 3, 0)
_IMAGE_DIGESTS_SINCE = (0, 5, 0)  # the logo is part of the page digest


def digest_checks(reader: PdfReader, info: Mapping[str, Any]) -> tuple[list[int], list[str], list[str]]:
    """Pages, views, identity and fonts against the digests the form carries:
    the changed pages, the problems and the notes."""
    problems: list[str] = []
    notes: list[str] = []
    pages = list(reader.pages)
    changed: list[int] = []
    made_by = version_of(info_text(info, integrity.GENERATOR_KEY))
    expected = integrity.parse_page_digests(str(info.get(integrity.PAGE_DIGESTS_KEY, "")))
    if expected is None:
        problems.append("its page checks are missing or damaged, so its pages cannot be checked.")
    else:
        if len(expected) != len(pages):
            problems.append(f"it was made with {len(expected)} pages, but now has {len(pages)}.")
        for number, (page, digest) in enumerate(zip(pages, expected, strict=False), start=1):
            if page_content_digest(page, images=made_by >= _IMAGE_DIGESTS_SINCE) != digest:
                changed.append(number)
        if changed:
            listed = ", ".join(str(number) for number in changed)
            problems.append(
                f"the content of page {listed} changed since the form was made."
                if len(changed) == 1
                else f"the content of pages {listed} changed since the form was made."
            )

    recent = made_by >= _VIEW_DIGESTS_SINCE
    views = integrity.parse_page_digests(str(info.get(integrity.PAGE_VIEW_DIGESTS_KEY, "")))
    if views is None:
        if recent:
            problems.append("its page view checks are missing or damaged.")
        else:
            notes.append(
                "Its page boxes and annotations were not checked: its consent version records no digest of them."
            )
    else:
        for number, (page, digest) in enumerate(zip(pages, views, strict=False), start=1):
            view = page_view(page)
            if view is None or integrity.view_digest(view) != digest:
                problems += view_problems(number, view)
                if number not in changed:
                    changed.append(number)

    identity = str(info.get(integrity.IDENTITY_DIGEST_KEY, ""))
    if identity:
        values = [(key, info_text(info, key) or "") for key in integrity.IDENTITY_KEYS]
        if identity != integrity.DIGEST_PREFIX + integrity.identity_digest(values):
            problems.append(
                "the form's details in the document information (form, version, language, record number or "
                "document id) were changed after it was made."
            )
    elif recent:
        problems.append("its identity check is missing.")
    else:
        notes.append("Its record number was not checked: its consent version records no digest of it.")

    fonts_expected = info.get(integrity.FONTS_DIGEST_KEY)
    if fonts_expected is None:
        notes.append("Its fonts were not checked: it was made by a consent version that records no font digest.")
    elif fonts_digest(reader) != str(fonts_expected):
        problems.append(
            "its embedded fonts changed since the form was made, so its text may not show as it was written."
        )
    return sorted(changed), problems, notes


def signature_field_values(reader: PdfReader) -> dict[str, bool]:
    """Each signature field, by name, and whether it holds a signature."""
    return {
        name: field_dict.get("/V") is not None
        for name, field_dict in (reader.get_fields() or {}).items()
        if field_dict.get("/FT") == "/Sig"
    }


def version_of(generator: str | None) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in (generator or "").removeprefix("consent ").split("."))
    except ValueError:
        return (0,)
