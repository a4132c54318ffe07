"""The clinic seal: a certification signature that proves a form is the
clinic's, as issued, and allows nothing later but filling its fields and
signing them.

Every form that `fill` and `batch` make is certified with the clinic's key
when the settings name one (``[seal] key = "FILE"``): a PAdES signature with
DocMDP permission level 2, "fill in forms and sign". Signing the signer
fields and typing initials and dates afterwards keeps the seal valid; any
other change (a page's content, an annotation laid over the text, a page box,
the document information) breaks it, and `consent verify` names the change.

This module reads the key (and makes a self-signed one); `generator.verify.sealing`
hands it to pyHanko, which does all signature work.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from generator.errors import ConfigError
from generator.reading import UnreadableFileError, read_regular_file

PASSWORD_VARIABLE = "CONSENT_SEAL_PASSWORD"
KEY_FILE_LIMIT = 1 << 20  # a key with its certificate chain is a few kilobytes
_PRIVATE_KEY_BLOCK = re.compile(rb"-----BEGIN ((?:ENCRYPTED |RSA |EC )?PRIVATE KEY)-----.+?-----END \1-----", re.DOTALL)


@dataclass(frozen=True)
class SealKey:
    """The seal's key material, read and checked, not yet handed to pyHanko."""

    private_key: Any  # a cryptography private key
    certificate: Any  # a cryptography x509.Certificate
    chain: tuple[Any, ...]  # issuers of `certificate`, if the file holds them


def read_seal_key(path: Path, environment: Mapping[str, str] | None = None) -> SealKey:
    """Read a PKCS#12 (.p12, .pfx) or PEM key file; the password comes from
    CONSENT_SEAL_PASSWORD. Every problem is a ConfigError naming the file."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key, pkcs12

    environment = os.environ if environment is None else environment
    private_key: Any
    try:
        data = read_regular_file(path, limit=KEY_FILE_LIMIT)
    except UnreadableFileError as problem:
        raise ConfigError(f"The seal key {path} cannot be used: {problem.reason}") from None
    password_text = environment.get(PASSWORD_VARIABLE)
    password = password_text.encode("utf-8") if password_text else None
    if data.lstrip().startswith(b"-----BEGIN"):
        block = _PRIVATE_KEY_BLOCK.search(data)
        if block is None:
            raise ConfigError(f"The seal key {path} holds no private key. {_KEY_FILE_HELP}")
        try:
            private_key = load_pem_private_key(block.group(0), password)
        except TypeError:
            raise _password_problem(path, password) from None
        except ValueError:
            raise _password_problem(path, password) from None
        try:
            certificates = x509.load_pem_x509_certificates(data)
        except ValueError:
            raise ConfigError(f"The seal key {path} holds no certificate. {_KEY_FILE_HELP}") from None
    else:
        try:
            private_key, certificate, others = pkcs12.load_key_and_certificates(data, password)
        except ValueError:
            raise _password_problem(path, password, pkcs12=True) from None
        if private_key is None or certificate is None:
            raise ConfigError(f"The seal key {path} must hold a private key and its certificate. {_KEY_FILE_HELP}")
        certificates = [certificate, *others]
    return SealKey(private_key, *_own_certificate(path, private_key, certificates))


_KEY_FILE_HELP = (
    "Give [seal] key a PKCS#12 file (.p12 or .pfx) from your certificate authority, a PEM file holding the "
    "private key and its certificate, or one made by `consent seal new-key`."
)


def _password_problem(path: Path, password: bytes | None, *, pkcs12: bool = False) -> ConfigError:
    if password is None:
        return ConfigError(
            f"The seal key {path} is locked with a password. Set the environment variable {PASSWORD_VARIABLE} "
            "to it before running consent (it is never kept in the settings file)."
        )
    damaged = " or the file is not a PKCS#12 key file" if pkcs12 else ""
    return ConfigError(
        f"The password in {PASSWORD_VARIABLE} does not open the seal key {path}{damaged}. "
        f"Check {PASSWORD_VARIABLE}, and that [seal] key names the right file."
    )


def _own_certificate(path: Path, private_key: Any, certificates: Iterable[Any]) -> tuple[Any, tuple]:
    """The certificate of `private_key` among `certificates`, and the others."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    def public(key: Any) -> bytes:
        return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    mine = public(private_key.public_key())
    own = [cert for cert in certificates if public(cert.public_key()) == mine]
    if not own:
        raise ConfigError(f"The seal key {path} holds no certificate for its private key. {_KEY_FILE_HELP}")
    certificate = own[0]
    now = datetime.datetime.now(datetime.UTC)
    if certificate.not_valid_after_utc < now:
        raise ConfigError(
            f"The seal certificate in {path} expired on {certificate.not_valid_after_utc:%Y-%m-%d}. "
            "Renew it with your certificate authority (or make a new one with `consent seal new-key`)."
        )
    if certificate.not_valid_before_utc > now:
        raise ConfigError(
            f"The seal certificate in {path} is valid only from {certificate.not_valid_before_utc:%Y-%m-%d}. "
            "Check this computer's clock."
        )
    return certificate, tuple(cert for cert in certificates if cert is not certificate)


def seal_name_problem(name: str) -> str | None:
    """Why `name` cannot be a seal's name, or None. Certificate names are
    compared after Unicode 3.2 normalisation (RFC 4518): a character newer
    than that (most emoji) would make the seal unusable to every checker,
    and a control character could fake a line of a report."""
    import stringprep
    import unicodedata

    if not name.strip():
        return "it is empty"
    if len(name) > 64:
        return f"it is {len(name)} characters long; a certificate name holds 64"
    for character in name:
        if unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp"):
            return f"it holds an invisible or control character (U+{ord(character):04X})"
        if stringprep.in_table_a1(character):
            return f"certificates cannot hold the character {character} (U+{ord(character):04X})"
    return None


def new_seal_key(name: str, *, password: bytes, years: int = 5) -> tuple[bytes, bytes]:
    """A new self-signed seal for `name`: the PKCS#12 file (key and
    certificate, locked with `password`) and the certificate alone, as PEM.

    An ECDSA P-256 key: small signatures, fast to make, read by every PDF
    viewer that checks signatures.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, name), x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)]
    )
    start = datetime.datetime.now(datetime.UTC).replace(microsecond=0) - datetime.timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365 * years + years // 4))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    bundle = pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"), key, certificate, None, BestAvailableEncryption(password)
    )
    return bundle, certificate.public_bytes(Encoding.PEM)


def common_name(certificate: Any) -> str:
    """The name a certificate gives its holder (a cryptography certificate)."""
    from cryptography.x509.oid import NameOID

    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


class Sealer(Protocol):
    """What filing a form needs of a seal (generator.verify.sealing.Sealer is one)."""

    def seal(self, pdf: bytes) -> bytes: ...


def load_sealer(key_file: Path | None) -> Sealer | None:
    """The clinic seal from `key_file`, ready to use; None without one."""
    if key_file is None:
        return None
    from generator.verify.sealing import Sealer as PyHankoSealer  # pyHanko loads only when a seal is used

    return PyHankoSealer(read_seal_key(key_file))
