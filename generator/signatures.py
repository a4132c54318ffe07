"""Checking the signatures in a signed form, with pyHanko when installed.

pyHanko is an optional extra (``pip install consent[sign]``): it takes most
of a second to import and brings a cryptography stack that filling forms
never needs.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from generator.errors import CertificateError


@dataclass(frozen=True)
class SignatureCheck:
    signer: str | None
    signed_at: str | None
    trusted: bool
    problem: str | None  # None when the signature is intact


def load_trust_roots(paths: Sequence[Path]) -> list[object]:
    """The certificates in `paths` (PEM or DER), read once before any file is
    checked; a file that is not a certificate is refused, naming it."""
    if not paths:
        return []
    try:
        from asn1crypto import pem, x509
    except ImportError:
        raise CertificateError(
            "--trust needs the signing extra, which checks signatures: pip install 'consent[sign]'."
        ) from None
    roots = []
    for path in paths:
        data = path.read_bytes()
        try:
            certificate = x509.Certificate.load(pem.unarmor(data)[2] if pem.detect(data) else data)
            _ = certificate.native  # parses it all: a damaged certificate fails here, not mid-check
        except (ValueError, TypeError) as error:
            raise CertificateError(
                f"{path} is not a certificate ({error}). Give --trust the clinic's signing certificate, "
                "exported as a .pem or .cer file."
            ) from None
        roots.append(certificate)
    return roots


def check_signatures(data: bytes, trust_roots: Sequence[object] = ()) -> dict[str, SignatureCheck] | None:
    """Each signed field's check, by field name; None if pyHanko is not installed.

    `trust_roots` come from `load_trust_roots`.
    """
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko_certvalidator import ValidationContext
    except ImportError:
        return None

    # pyHanko logs a traceback for every certificate it cannot trust; the
    # finding is reported to staff in plain words instead.
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
    # Only the certificates staff name are trusted, never the operating
    # system's web-site roots; and no fetching: a clinic's machine may be
    # offline, and verify must not hang.
    context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False)
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    checks: dict[str, SignatureCheck] = {}
    for embedded in reader.embedded_signatures:
        try:
            status = validate_pdf_signature(embedded, context)
        except Exception as error:  # a malformed signature is a broken one, not a crash
            checks[embedded.field_name] = SignatureCheck(None, None, False, f"its signature cannot be read ({error}).")
            continue
        signer = _signer_name(status.signing_cert)
        signed_at = None
        if status.signer_reported_dt is not None:
            signed_at = status.signer_reported_dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        checks[embedded.field_name] = SignatureCheck(signer, signed_at, bool(status.trusted), _problem(status))
    return checks


def _signer_name(certificate: object) -> str | None:
    if certificate is None:
        return None
    subject = certificate.subject.native
    return subject.get("common_name") or certificate.subject.human_friendly


def _problem(status: object) -> str | None:
    if not status.intact:
        return "the signed content was changed after signing."
    if not status.valid:
        return "the signature does not match the signer's certificate."
    if not status.docmdp_ok:
        return "the form was changed after this signature in a way signing does not allow."
    return None
