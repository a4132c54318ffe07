"""Checking the signatures in a form, the clinic seal among them, with pyHanko.

Only the certificates staff name with `--trust` are trusted, never the
operating system's web-site roots, and nothing is fetched: a clinic's
machine may be offline, and verify must not hang.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from generator.errors import CertificateError
from generator.integrity import SEAL_FIELD
from generator.reading import UnreadableFileError, read_regular_file

# A certificate, or a short chain of them, is a few kilobytes.
TRUST_FILE_LIMIT = 64 * 1024


@dataclass(frozen=True)
class SignatureCheck:
    """What pyHanko found of one signed field."""

    field: str
    signer: str | None
    signed_at: str | None
    trusted: bool  # chains to a --trust certificate (always False without one)
    problem: str | None  # None when the signature is intact and allows what came after it
    is_seal: bool  # a certification signature in the seal's field
    revision_end: int  # where the revision it signed ends, in bytes; 0 if unknown
    changes_allowed: bool  # what was changed after it is what it allows (filling, signing)
    modification: str | None  # pyHanko's words for a change it does not allow


def load_trust_roots(paths: Sequence[Path]) -> list[object]:
    """The certificates in `paths` (PEM, possibly several, or DER), read once
    before any file is checked; anything else is refused, naming the file."""
    from asn1crypto import pem, x509
    from pyhanko_certvalidator import ValidationContext

    roots = []
    for path in paths:
        try:
            data = read_regular_file(path, limit=TRUST_FILE_LIMIT)
        except UnreadableFileError as problem:
            raise CertificateError(
                f"--trust {path} cannot be used: {problem.reason} Give the clinic's certificate, a .pem or .cer file."
            ) from None
        try:
            blocks = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
            certificates = [x509.Certificate.load(der) for der in blocks]
            for certificate in certificates:
                _ = certificate.native  # parses it all: a damaged certificate fails here, not mid-check
        except (ValueError, TypeError, OSError) as error:
            raise CertificateError(
                f"{path} is not a certificate ({error}). Give --trust the clinic's signing certificate, "
                "exported as a .pem or .cer file."
            ) from None
        if not certificates:
            raise CertificateError(f"{path} holds no certificate. Give --trust a .pem or .cer file.")
        try:
            # Built once here so that a certificate pyHanko cannot use as a
            # root (a name it cannot normalise) is refused by name, up front.
            ValidationContext(trust_roots=certificates, allow_fetching=False)
        except Exception as error:
            raise CertificateError(f"{path} cannot be used as a trusted certificate ({error}).") from None
        roots += certificates
    return roots


def check_signatures(data: bytes, trust_roots: Sequence[object] = ()) -> dict[str, SignatureCheck]:
    """Each signed field's check, by field name. `trust_roots` come from
    `load_trust_roots`."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False)
    checks: dict[str, SignatureCheck] = {}
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded_signatures = list(reader.embedded_signatures)
    except Exception as error:  # a file pyHanko cannot read has no signature it can vouch for
        raise SignatureReadError(str(error)) from None
    for embedded in embedded_signatures:
        name = str(embedded.field_name)
        try:
            is_seal = name == SEAL_FIELD and embedded.docmdp_level is not None
        except Exception:
            is_seal = name == SEAL_FIELD
        try:
            byte_range = [int(value) for value in embedded.sig_object["/ByteRange"]]
            revision_end = byte_range[2] + byte_range[3]
            status = validate_pdf_signature(embedded, context)
        except Exception as error:  # a malformed signature is a broken one, not a crash
            checks[name] = SignatureCheck(
                name, None, None, False, f"its signature cannot be read ({error}).", is_seal, 0, False, None
            )
            continue
        signed_at = None
        if status.signer_reported_dt is not None:
            signed_at = status.signer_reported_dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        diff = status.diff_result
        modification = str(diff).splitlines()[0] if isinstance(diff, SuspiciousModification) else None
        level = status.modification_level
        allowed = bool(status.docmdp_ok) and (level is None or level <= ModificationLevel.FORM_FILLING)
        checks[name] = SignatureCheck(
            field=name,
            signer=_signer_name(status.signing_cert),
            signed_at=signed_at,
            trusted=bool(status.trusted),
            problem=_problem(status),
            is_seal=is_seal,
            revision_end=revision_end,
            changes_allowed=allowed,
            modification=modification,
        )
    return checks


class SignatureReadError(Exception):
    """pyHanko could not read the file's signatures at all."""


def _signer_name(certificate: Any) -> str | None:
    if certificate is None:
        return None
    subject = certificate.subject.native
    return subject.get("common_name") or certificate.subject.human_friendly


def _problem(status: Any) -> str | None:
    if not status.intact:
        return "the signed content was changed after signing."
    if not status.valid:
        return "the signature does not match the signer's certificate."
    return None
