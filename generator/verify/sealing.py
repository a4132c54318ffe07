"""Sealing a form with pyHanko: a PAdES certification signature, DocMDP
level 2 ("fill in forms and sign"), in the invisible field the renderer made
for it. Imported only when a seal is configured: pyHanko takes a while to
load, and a form without a seal never needs it.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterable

from asn1crypto import cms, x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1, translate_pyca_cryptography_key_to_asn1
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec, SigningCertificateV2Provider
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko_certvalidator.registry import SimpleCertificateStore

from generator.integrity import SEAL_FIELD
from generator.verify.seal import SealKey, common_name


class Sealer:
    """The clinic's seal, set up once; `seal` certifies one form's bytes."""

    def __init__(self, key: SealKey) -> None:
        certificate = translate_pyca_cryptography_cert_to_asn1(key.certificate)
        chain = [translate_pyca_cryptography_cert_to_asn1(cert) for cert in key.chain]
        self._signer = signers.SimpleSigner(
            signing_cert=certificate,
            signing_key=translate_pyca_cryptography_key_to_asn1(key.private_key),
            cert_registry=SimpleCertificateStore.from_certs(chain),
        )
        self._signer.signed_attr_prov_spec = _FixedSignedAttributes(certificate)
        self._metadata = signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            certify=True,
            docmdp_permissions=MDPPerm.FILL_FORMS,
            subfilter=SigSeedSubFilter.PADES,
        )
        # Room for the signature: the certificates it carries, plus the
        # signed attributes and the signature value, with a margin.
        carried = sum(len(cert.public_bytes(Encoding.DER)) for cert in (key.certificate, *key.chain))
        self._bytes_reserved = 2 * (carried + 3072)
        self.signer_name = common_name(key.certificate)

    def seal(self, pdf: bytes) -> bytes:
        """`pdf` with the seal added as an incremental update."""
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        output = signers.sign_pdf(writer, self._metadata, signer=self._signer, bytes_reserved=self._bytes_reserved)
        return output.getvalue()


class _FixedAttribute(CMSAttributeProvider):
    """A signed attribute whose value is the same for every form."""

    attribute_type = "signing_certificate_v2"

    def __init__(self, encoded: bytes) -> None:
        self._encoded = encoded

    async def get_attribute(self, dry_run: bool = False) -> cms.CMSAttribute:
        # Loaded afresh each time: asn1crypto then reuses the bytes instead of
        # encoding the attribute again.
        return cms.CMSAttribute.load(self._encoded)


class _FixedSignedAttributes(SignedAttributeProviderSpec):
    """PAdES's signed attributes (pyHanko adds content type, message digest
    and algorithm protection itself), with the signing-certificate attribute,
    which names the seal's certificate and so is the same for every form,
    built once. Building it costs asn1crypto about 8 ms a form: without this,
    sealing would cost two and a half times as much."""

    def __init__(self, certificate: x509.Certificate) -> None:
        attribute = asyncio.run(SigningCertificateV2Provider(certificate).get_attribute())
        assert attribute is not None, "pyHanko makes a signing-certificate attribute for any certificate"
        self._encoded = attribute.dump()

    def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str) -> Iterable[CMSAttributeProvider]:
        yield _FixedAttribute(self._encoded)
