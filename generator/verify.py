"""Read a generated form back: what it is, whether its pages are as they were
made, and the state of each signature field.

Pages are checked against the digests the form carries (`integrity`);
signatures with pyHanko when it is installed (``pip install consent[sign]``),
otherwise a signed field is reported as signed but not checked.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PdfStreamError
from pypdf.generic import DictionaryObject

from generator import integrity
from generator.signatures import SignatureCheck, check_signatures

EMPTY = "empty"
SIGNED_INTACT = "signed, intact"
SIGNED_BROKEN = "signed, broken"
SIGNED_NOT_CHECKED = "signed, not checked"


@dataclass(frozen=True)
class SignatureField:
    name: str
    state: str  # one of EMPTY, SIGNED_INTACT, SIGNED_BROKEN, SIGNED_NOT_CHECKED
    signer: str | None = None
    signed_at: str | None = None
    trusted: bool | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Verification:
    """What `consent verify` found in one file. `intact` decides the exit code."""

    file: str
    is_form: bool
    problems: list[str] = field(default_factory=list)
    form_id: str | None = None
    form_version: str | None = None
    language: str | None = None
    record_number: str | None = None
    document_id: str | None = None
    generator: str | None = None
    pages: int | None = None
    changed_pages: list[int] = field(default_factory=list)
    pages_unchanged: bool = False  # every page present and as it was made
    signatures: list[SignatureField] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.is_form and not self.problems

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "intact": self.intact}


def verify_file(path: Path, trust_roots: Sequence[object] = ()) -> Verification:
    """Check one PDF. Never raises for a bad file: the problems are in the result.

    `trust_roots` (from `signatures.load_trust_roots`) are the certificates
    whose signatures count as trusted.
    """
    name = str(path)
    # pypdf logs what it finds damaged (e.g. a stream that does not
    # decompress); the finding is reported in the result instead.
    pypdf_log = logging.getLogger("pypdf")
    pypdf_log.addHandler(logging.NullHandler())
    pypdf_log.propagate = False
    try:
        data = path.read_bytes()
    except OSError as error:
        return Verification(name, False, [f"it could not be read ({error.strerror or error})."])
    if data.lstrip()[:5] != b"%PDF-":
        return Verification(name, False, ["it is not a PDF file."])
    try:
        reader = PdfReader(io.BytesIO(data))
        info = reader.metadata or {}
        page_count = len(reader.pages)
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError) as error:
        return Verification(name, False, [f"it is a damaged PDF that cannot be read ({error})."])

    if integrity.FORM_ID_KEY not in info:
        return Verification(
            name,
            False,
            [
                "it is a PDF without the details of a form made by consent: a print bundle from "
                "`consent batch` (verify the single forms instead), or a PDF from elsewhere."
            ],
        )

    problems: list[str] = []
    expected = integrity.parse_page_digests(str(info.get(integrity.PAGE_DIGESTS_KEY, "")))
    changed: list[int] = []
    if expected is None:
        problems.append("its page checks are missing or damaged, so its pages cannot be checked.")
    else:
        if len(expected) != page_count:
            problems.append(f"it was made with {len(expected)} pages, but now has {page_count}.")
        for number, (page, digest) in enumerate(zip(reader.pages, expected, strict=False), start=1):
            if _page_digest(page) != digest:
                changed.append(number)
        if changed:
            listed = ", ".join(str(number) for number in changed)
            problems.append(
                f"page {listed} changed since the form was made."
                if len(changed) == 1
                else f"pages {listed} changed since the form was made."
            )

    pages_unchanged = not problems
    notes: list[str] = []
    fonts_expected = info.get(integrity.FONTS_DIGEST_KEY)
    if fonts_expected is None:
        # Forms made before consent 0.2.0 carry no font digest.
        notes.append("Its fonts were not checked: it was made by a consent version that records no font digest.")
    elif _fonts_digest(reader) != str(fonts_expected):
        problems.append(
            "its embedded fonts changed since the form was made, so its text may not show as it was written."
        )

    signatures = _signature_fields(reader, data, trust_roots)
    for signature in signatures:
        if signature.state == SIGNED_BROKEN:
            problems.append(f"{signature.name} is broken: {signature.problem}")

    return Verification(
        file=name,
        is_form=True,
        problems=problems,
        form_id=str(info[integrity.FORM_ID_KEY]),
        form_version=_text(info, integrity.FORM_VERSION_KEY),
        language=_text(info, integrity.LANGUAGE_KEY),
        record_number=_text(info, integrity.RECORD_NUMBER_KEY),
        document_id=_text(info, integrity.DOCUMENT_ID_KEY),
        generator=_text(info, integrity.GENERATOR_KEY),
        pages=page_count,
        changed_pages=changed,
        pages_unchanged=pages_unchanged,
        signatures=signatures,
        notes=notes,
    )


def _text(info: DictionaryObject, key: str) -> str | None:
    value = info.get(key)
    return None if value is None else str(value)


def _page_digest(page: DictionaryObject) -> str | None:
    """The page's digest as `integrity` defines it, or None if it cannot be read."""
    try:
        contents = page.get_contents()
        content = contents.get_data() if contents is not None else b""
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject", {}) if resources is not None else {}
        used = [
            (str(name)[1:], xobject.get_object().get_data())
            for name, xobject in xobjects.get_object().items()
            if xobject.get_object().get("/Subtype") == "/Form"
        ]
    except Exception:  # any damage to a page makes it a changed page
        return None
    return integrity.page_digest(content, used)


def _fonts_digest(reader: PdfReader) -> str | None:
    """The digest of the fonts the pages use, as `integrity` defines it, or
    None if a font cannot be read."""
    fonts: dict[str, integrity.EmbeddedFont] = {}
    try:
        for page in reader.pages:
            resources = page.get("/Resources")
            font_table = resources.get_object().get("/Font", {}) if resources is not None else {}
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


def _signature_fields(reader: PdfReader, data: bytes, trust_roots: Sequence[object]) -> list[SignatureField]:
    names_signed: list[tuple[str, bool]] = []
    for name, field_dict in (reader.get_fields() or {}).items():
        if field_dict.get("/FT") == "/Sig":
            names_signed.append((name, field_dict.get("/V") is not None))
    checks: dict[str, SignatureCheck] | None = {}
    if any(signed for _, signed in names_signed):
        checks = check_signatures(data, trust_roots)
    fields: list[SignatureField] = []
    for name, signed in names_signed:
        if not signed:
            fields.append(SignatureField(name, EMPTY))
        elif checks is None:
            fields.append(SignatureField(name, SIGNED_NOT_CHECKED))
        else:
            check = checks.get(name)
            if check is None:
                fields.append(SignatureField(name, SIGNED_BROKEN, problem="its signature could not be read."))
            else:
                state = SIGNED_INTACT if check.problem is None else SIGNED_BROKEN
                fields.append(SignatureField(name, state, check.signer, check.signed_at, check.trusted, check.problem))
    return fields


def report_lines(result: Verification) -> list[str]:
    """`result` as lines of text for staff."""
    if not result.is_form:
        return [f"{result.file}: NOT CHECKED - {result.problems[0]}"]
    lines = [
        f"{result.file}",
        f"  Form:         {result.form_id}, version {result.form_version}, language {result.language}",
        f"  Record:       {result.record_number}",
        f"  Document id:  {result.document_id}",
        f"  Made with:    {result.generator}",
    ]
    if not result.pages_unchanged:
        changed = ", ".join(str(page) for page in result.changed_pages) or "none"
        lines.append(f"  Pages:        {result.pages}; CHANGED since the form was made: {changed}")
    else:
        lines.append(f"  Pages:        {result.pages}, all unchanged since the form was made")
    if result.signatures:
        lines.append("  Signatures:")
        width = max(len(signature.name) for signature in result.signatures)
        for signature in result.signatures:
            state, detail = _signature_text(signature)
            lines.append(f"    {signature.name:<{width}}  {state}")
            if detail:
                lines.append(f"    {'':<{width}}  {detail}")
    else:
        lines.append("  Signatures:   no signature fields")
    lines.extend(f"  {note}" for note in result.notes)
    if any(signature.state == SIGNED_NOT_CHECKED for signature in result.signatures):
        lines.append("  Signatures were not checked: install the signing extra (pip install 'consent[sign]').")
    if result.intact:
        lines.append("  Result:       intact")
    else:
        lines.append("  Result:       CHANGED")
        lines.extend(f"    - {problem[0].upper()}{problem[1:]}" for problem in result.problems)
    return lines


def _signature_text(signature: SignatureField) -> tuple[str, str | None]:
    """The state of a signature field, and a line about who signed when."""
    if signature.state == EMPTY:
        return "empty (not signed yet)", None
    if signature.state == SIGNED_NOT_CHECKED:
        return SIGNED_NOT_CHECKED, None
    who = " ".join(
        part for part in (f"by {signature.signer}" if signature.signer else None, signature.signed_at) if part
    )
    if signature.state == SIGNED_BROKEN:
        return f"SIGNED, BROKEN: {signature.problem}", who or None
    trust = "trusted certificate" if signature.trusted else "certificate not known here (see --trust)"
    return SIGNED_INTACT, f"{who}; {trust}"
