"""Read a form back and tell the truth about it: which form and patient
record it is, whether anything changed since it was made, sealed or signed,
and whether its seal and signatures come from a trusted certificate.

How far the answer goes depends on the form:
- A sealed form: the seal (a certification signature, `generator.verify.seal`)
  covers the form as issued. The identity shown is the sealed revision's,
  and every later change other than filling in and signing the form's
  fields is named (`changes.revision_changes`).
- A signed form without a seal: the first signature covers the form as it
  was when signed; later changes are named the same way.
- Any form: its pages, their view, its identity entries and its fonts are
  checked against the digests it carries (`integrity`). Anyone who edits a
  form can recompute those, so without a seal only accidental damage and
  casual edits can be detected, not deliberate ones, and the report says so.

The result is "intact" only when every check that could be made passed.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PdfStreamError

from generator import integrity
from generator.reading import UnreadableFileError, read_regular_file
from generator.verify.changes import (
    info_text,
    revision_changes,
)
from generator.verify.digests import digest_checks, signature_field_values
from generator.verify.signatures import SignatureCheck, SignatureReadError, check_signatures

# A consent form is a few hundred kilobytes; even a long one with a large
# logo stays far below this.
LARGEST_PDF = 256 << 20

INTACT = "intact"
CHANGED = "CHANGED"
UNTRUSTED = "UNTRUSTED"
NOT_CHECKED = "NOT CHECKED"

EMPTY = "empty"
SIGNED_INTACT = "signed, intact"
SIGNED_BROKEN = "signed, broken"

NOT_SEALED = (
    "Without a clinic seal, only accidental damage can be detected, not deliberate edits (see consent seal --help)."
)
# The first version whose forms carry view and identity digests.


@dataclass(frozen=True)
class SignatureField:
    name: str
    state: str  # EMPTY, SIGNED_INTACT or SIGNED_BROKEN
    signer: str | None = None
    signed_at: str | None = None
    trusted: bool | None = None  # None: not checked (no --trust given)
    problem: str | None = None


@dataclass(frozen=True)
class Seal:
    signer: str | None
    sealed_at: str | None
    trusted: bool | None  # None: not checked (no --trust given)
    problem: str | None  # None when the seal is intact


@dataclass(frozen=True)
class Verification:
    """What `consent verify` found in one file. `result` decides the exit code."""

    file: str
    is_form: bool
    problems: list[str] = field(default_factory=list)
    trust_problems: list[str] = field(default_factory=list)
    form_id: str | None = None
    form_version: str | None = None
    language: str | None = None
    record_number: str | None = None
    document_id: str | None = None
    generator: str | None = None
    pages: int | None = None
    changed_pages: list[int] = field(default_factory=list)
    pages_unchanged: bool = False  # every page present and as it was made
    seal: Seal | None = None
    trust_checked: bool = False
    signatures: list[SignatureField] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def result(self) -> str:
        if not self.is_form:
            return NOT_CHECKED
        if self.problems:
            return CHANGED
        if self.trust_problems:
            return UNTRUSTED
        return INTACT

    @property
    def intact(self) -> bool:
        return self.result == INTACT

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "sealed": self.seal is not None, "result": self.result, "intact": self.intact}


def verify_file(path: Path, trust_roots: Sequence[object] | None = None) -> Verification:
    """Check one PDF. Never raises for a bad file: the problems are in the result.

    `trust_roots` (from `signatures.load_trust_roots`) are the certificates
    a seal or signature must chain to; None (not []) when none were given.
    """
    try:
        data = read_regular_file(path, limit=LARGEST_PDF)
    except UnreadableFileError as problem:
        return Verification(str(path), False, [problem.reason])
    return verify_data(str(path), data, trust_roots)


def verify_data(name: str, data: bytes, trust_roots: Sequence[object] | None = None) -> Verification:
    """`verify_file` for bytes already read; `name` is what the report calls them."""
    if data.lstrip()[:5] != b"%PDF-":
        return Verification(name, False, ["it is not a PDF file."])
    try:
        current = PdfReader(io.BytesIO(data))
        if current.is_encrypted:
            return Verification(
                name,
                False,
                [
                    "it is encrypted (saved with a password). consent never encrypts a form, so this is a copy "
                    "someone saved again: verify the original."
                ],
            )
        info: Mapping[str, Any] = current.metadata or {}
        page_count = len(current.pages)
        field_values = signature_field_values(current)
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError) as error:
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

    # Signature dictionaries are never compressed (their bytes are patched
    # in place when signing), so every signature in the file shows in its
    # bytes, even one whose form field can no longer be read.
    signatures_in_bytes = data.count(b"/ByteRange")
    checks: dict[str, SignatureCheck] = {}
    if signatures_in_bytes or any(field_values.values()):
        try:
            checks = check_signatures(data, trust_roots or [])
        except SignatureReadError as error:
            return Verification(name, False, [f"its signatures cannot be read ({error})."])

    problems: list[str] = []
    if not data.rstrip().endswith(b"%%EOF"):
        problems.append("bytes were added after the end of the file's last revision.")
    if signatures_in_bytes > len(checks):
        problems.append("it holds a signature that cannot be read: its form fields are damaged.")
    seal_check = next((check for check in checks.values() if check.is_seal), None)
    if field_values.get(integrity.SEAL_FIELD) and seal_check is None:
        problems.append("its seal field holds something that is not a clinic seal.")
    if integrity.SEAL_FIELD in field_values and not field_values[integrity.SEAL_FIELD]:
        # consent makes the field only for a form it seals at once.
        problems.append("it was made to carry the clinic's seal, but the seal has been removed.")
    anchor = _anchor(seal_check, checks)
    made = current
    later_pages: list[int] = []
    if anchor is not None and anchor.revision_end < len(data):
        try:
            made = PdfReader(io.BytesIO(data[: anchor.revision_end]))
        except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError):
            problems.append(f"the revision {anchor.field} covers cannot be read.")
            made = current
        if made is not current:
            later, later_pages = revision_changes(made, current)
            problems += later

    # The form as it was made: the sealed (or first signed) revision, else the file as it is.
    made_info: Mapping[str, Any] = made.metadata or {}
    changed, page_problems, notes = digest_checks(made, made_info)
    notes += _answers_both_ways(current)
    problems = page_problems + problems
    changed = sorted(set(changed) | set(later_pages))

    seal = None
    if seal_check is not None:
        seal = Seal(
            printable(seal_check.signer), seal_check.signed_at, _trust(seal_check, trust_roots), seal_check.problem
        )
        if seal_check.problem:
            problems.append(f"the clinic seal is broken: {seal_check.problem}")
        elif not seal_check.changes_allowed and not problems:
            problems.append(
                "it was changed after it was sealed in a way the seal does not allow"
                + (f" ({seal_check.modification})." if seal_check.modification else ".")
            )
    else:
        notes.insert(0, NOT_SEALED)

    signatures = []
    for field_name, signed in field_values.items():
        if field_name == integrity.SEAL_FIELD:
            continue
        if not signed:
            signatures.append(SignatureField(field_name, EMPTY))
            continue
        check = checks.get(field_name)
        if check is None:
            signatures.append(SignatureField(field_name, SIGNED_BROKEN, problem="its signature could not be read."))
            problems.append(f"the signature in {field_name} is broken: its signature could not be read.")
            continue
        problem = check.problem
        if problem is None and not check.changes_allowed and seal_check is None:
            problem = "the form was changed after this signature in a way signing does not allow."
        state = SIGNED_INTACT if problem is None else SIGNED_BROKEN
        signatures.append(
            SignatureField(
                printable(field_name) or "",
                state,
                printable(check.signer),
                check.signed_at,
                _trust(check, trust_roots),
                problem,
            )
        )
        if problem:
            problems.append(f"the signature in {field_name} is broken: {problem}")

    # Trust is a question only for a seal or signature that is intact.
    trust_problems = []
    if trust_roots is not None:
        if seal is not None and seal.trusted is False and seal.problem is None:
            trust_problems.append(
                f"the clinic seal ({seal.signer or 'unknown signer'}) does not come from a --trust certificate."
            )
        for signature in signatures:
            if signature.trusted is False and signature.state == SIGNED_INTACT:
                trust_problems.append(
                    f"the signature in {signature.name}, by {signature.signer or 'an unknown signer'}, does not "
                    "come from a --trust certificate."
                )
        vouched = (seal is not None and seal.problem is None and seal.trusted) or any(
            signature.trusted and signature.state == SIGNED_INTACT for signature in signatures
        )
        if not vouched and not trust_problems:
            # Anyone can make a PDF with consent's digests in it: with --trust,
            # something from a trusted certificate has to vouch for the form.
            trust_problems.append(
                "it carries no clinic seal and no signature from a --trust certificate, so nothing shows that "
                "the holder of one issued or signed it."
            )

    return Verification(
        file=name,
        is_form=True,
        problems=_unique(problems),
        trust_problems=trust_problems,
        form_id=info_text(made_info, integrity.FORM_ID_KEY),
        form_version=info_text(made_info, integrity.FORM_VERSION_KEY),
        language=info_text(made_info, integrity.LANGUAGE_KEY),
        record_number=info_text(made_info, integrity.RECORD_NUMBER_KEY),
        document_id=info_text(made_info, integrity.DOCUMENT_ID_KEY),
        generator=info_text(made_info, integrity.GENERATOR_KEY),
        pages=page_count,
        changed_pages=changed,
        pages_unchanged=not changed and not page_problems and len(made.pages) == page_count,
        seal=seal,
        trust_checked=trust_roots is not None,
        signatures=signatures,
        notes=notes,
    )


def _anchor(seal: SignatureCheck | None, checks: dict[str, SignatureCheck]) -> SignatureCheck | None:
    """The signature whose revision is the form as issued: the seal, else the
    earliest intact signature; None when nothing vouches for a revision."""
    if seal is not None:
        return seal if seal.problem is None and seal.revision_end else None
    intact = [check for check in checks.values() if check.problem is None and check.revision_end]
    return min(intact, key=lambda check: check.revision_end, default=None)


def _trust(check: SignatureCheck, trust_roots: Sequence[object] | None) -> bool | None:
    return None if trust_roots is None else check.trusted


def printable(text: str | None) -> str | None:
    """`text` from a certificate, safe to print on one line: control and
    formatting characters (a line break that would fake a report line, a
    bidi override) are shown as escapes."""
    if text is None:
        return None
    return "".join(
        f"\\u{ord(character):04x}" if unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp") else character
        for character in text
    )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _answers_both_ways(reader: PdfReader) -> list[str]:
    """A question ticked both ways ("I agree" and "I do not agree" to
    photographs): the form may be unchanged, but it does not say what the
    patient chose. Each box is its own field, as filling tools (and
    pyHanko's checks of a signed form) expect, so nothing stops both."""
    try:
        # A damaged name can come back as bytes, not text: every name as text.
        fields = {str(name): field for name, field in (reader.get_fields() or {}).items()}
    except Exception:  # an unreadable field tree is reported by the other checks
        return []

    def ticked(name: str) -> bool:
        value = fields[name].get("/V") if name in fields else None
        return value is not None and str(value) != "/Off"

    return [
        f'both "{name}" and "{name[: -len("_agree")]}_decline" are ticked, so the form does not say what the patient '
        "chose: ask them, and record their answer."
        for name in sorted(fields)
        if name.endswith("_agree") and ticked(name) and ticked(name[: -len("_agree")] + "_decline")
    ]
