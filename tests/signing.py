"""Signing and editing forms as outside tools do: pyHanko signs, pypdf types
into fields and makes the edits an attacker would."""

from __future__ import annotations

import datetime
import io

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Rectangle
from pypdf.generic import ArrayObject, DecodedStreamObject, FloatObject, NameObject, TextStringObject


def make_signer(common_name: str) -> tuple[signers.SimpleSigner, bytes]:
    """A self-signed signing certificate made for this test run only: the
    pyHanko signer and the certificate as PEM (for --trust)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=None,
    )
    return signer, cert.public_bytes(serialization.Encoding.PEM)


def sign(pdf: bytes, field: str, signer: signers.SimpleSigner) -> bytes:
    """Sign one existing field, as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name=field), signer=signer).getvalue()


def fill_fields(pdf: bytes, values: dict[str, str]) -> bytes:
    """Type into the form's fields as a form-filling tool does (pypdf, incremental)."""
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    for page in writer.pages:
        if "/Annots" in page:
            writer.update_page_form_field_values(page, values, auto_regenerate=False)
    return _written(writer)


def field_names(pdf: bytes, prefix: str = "") -> list[str]:
    return [name for name in PdfReader(io.BytesIO(pdf)).get_fields() or {} if name.startswith(prefix)]


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _writer(pdf: bytes, incremental: bool) -> PdfWriter:
    if incremental:
        return PdfWriter(io.BytesIO(pdf), incremental=True)
    return PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))


def white_box_over(pdf: bytes, page: int, *, incremental: bool = True) -> bytes:
    """A white, borderless square annotation over the middle of `page` (1-based):
    the cheapest way to hide a side effect from whoever reads the form."""
    writer = _writer(pdf, incremental)
    box = Rectangle(rect=(50, 300, 545, 520))
    white = ArrayObject([FloatObject(1), FloatObject(1), FloatObject(1)])
    box[NameObject("/IC")] = white
    box[NameObject("/C")] = white
    writer.add_annotation(page_number=page - 1, annotation=box)
    return _written(writer)


def crop(pdf: bytes, page: int, *, incremental: bool = True) -> bytes:
    """A crop box that shows only the top half of `page` (1-based)."""
    writer = _writer(pdf, incremental)
    target = writer.pages[page - 1]
    width, height = float(target.mediabox.width), float(target.mediabox.height)
    target.cropbox = ArrayObject([FloatObject(0), FloatObject(height / 2), FloatObject(width), FloatObject(height)])
    return _written(writer)


def relabel(pdf: bytes, record_number: str, *, incremental: bool = True) -> bytes:
    """The record number in the document information, changed to another patient's."""
    writer = _writer(pdf, incremental)
    if incremental:
        writer.add_metadata({"/ConsentRecordNumber": record_number})
    else:
        info = dict(PdfReader(io.BytesIO(pdf)).metadata)
        writer.add_metadata({**info, "/ConsentRecordNumber": TextStringObject(record_number)})
    return _written(writer)


def rewrite_page(pdf: bytes, page: int, *, incremental: bool) -> bytes:
    """Page `page` (1-based) drawn again with one line of its text moved: the
    whole file written anew, or the new page content as an incremental update."""
    writer = _writer(pdf, incremental)
    target = writer.pages[page - 1]
    content = target.get_contents().get_data()
    changed = DecodedStreamObject()
    changed.set_data(content.replace(b"1 0 0 1", b"1 0 0 1.02", 1))
    target[NameObject("/Contents")] = writer._add_object(changed)
    return _written(writer)


def ink_signature(pdf: bytes, page: int) -> bytes:
    """A signature drawn by hand as an Ink annotation, the file saved whole,
    as many tablet apps do."""
    from pypdf.generic import DictionaryObject, NumberObject

    writer = _writer(pdf, incremental=False)
    stroke = ArrayObject([FloatObject(value) for value in (60, 330, 90, 345, 120, 330, 150, 350)])
    ink = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Ink"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (55, 325, 155, 355)]),
            NameObject("/InkList"): ArrayObject([stroke]),
            NameObject("/F"): NumberObject(4),
        }
    )
    writer.add_annotation(page_number=page - 1, annotation=ink)
    return _written(writer)


def set_info(pdf: bytes, key: str, value: str) -> bytes:
    """One entry of the document information changed, as an incremental update."""
    writer = _writer(pdf, incremental=True)
    writer.add_metadata({key: value})
    return _written(writer)


def hide_field(pdf: bytes, name: str) -> bytes:
    """A form field's widget set to hidden (annotation flag 2), incrementally."""
    from pypdf.generic import NumberObject

    writer = _writer(pdf, incremental=True)
    for page in writer.pages:
        for reference in page.get("/Annots") or []:
            annotation = reference.get_object()
            if annotation.get("/T") == name:
                annotation[NameObject("/F")] = NumberObject(2)
    return _written(writer)
