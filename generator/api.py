"""The public API: fill one form for one patient, and name its file, without the CLI."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.compose import compose, fixed_characters
from generator.config import Clinic
from generator.definitions.forms import Form, load_form
from generator.document import Document, Letterhead
from generator.errors import FormDefinitionError
from generator.intake.patient import Patient, read_patient
from generator.render.fonts import glyph_problem
from generator.render.paragraphs import LayoutCaches
from generator.render.pdf import PageSetup, render_pdf

_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True)
class FilledForm:
    """A finished form: what went in, and the PDF that came out."""

    form: Form
    patient: Patient
    document: Document
    pdf: bytes
    page_count: int
    document_id: str


def fill(
    form_id: str,
    fields: Mapping[str, str | date | None],
    *,
    today: date,
    search_path: Iterable[Path] | None = None,
    date_format: str | None = None,
    clinic: Clinic | None = None,
    seal_field: bool = False,
    past_procedure: bool = True,
    past_procedure_hint: str = "Check the date.",
) -> FilledForm:
    """Check the patient's fields, fill the form, and lay it out as PDF bytes.

    `seal_field` gives the form the field a clinic seal goes in (for a form
    that `generator.records.filing` will seal). Raises a ConsentError (with a message
    for staff) if the form or any field is not acceptable; nothing is written.
    """
    return fill_form(
        load_form(form_id, search_path),
        fields,
        today=today,
        date_format=date_format,
        clinic=clinic,
        seal_field=seal_field,
        past_procedure=past_procedure,
        past_procedure_hint=past_procedure_hint,
    )


def fill_form(
    form: Form,
    fields: Mapping[str, str | date | None],
    *,
    today: date,
    date_format: str | None = None,
    clinic: Clinic | None = None,
    seal_field: bool = False,
    past_procedure: bool = True,
    past_procedure_hint: str = "Check the date.",
) -> FilledForm:
    """`fill` for a form already loaded; a procedure date in the past is
    refused unless `past_procedure`."""
    patient = read_patient(
        fields,
        today=today,
        check_glyphs=glyph_problem,
        date_format=date_format,
        past_procedure=past_procedure,
        past_procedure_hint=past_procedure_hint,
    )
    return make_form(form, patient, clinic, seal_field=seal_field)


def make_form(
    form: Form,
    patient: Patient,
    clinic: Clinic | None = None,
    *,
    seal_field: bool = False,
    caches: LayoutCaches | None = None,
) -> FilledForm:
    """Compose and lay out `form` for a patient already checked (a batch checks
    every row first, then hands the checked records to its workers), on the
    clinic's letterhead and paper when `clinic` is given. With `caches` (a
    batch worker's), what earlier patients' forms laid out is reused: the
    same bytes, sooner."""
    from reportlab.platypus.doctemplate import LayoutError

    clinic = clinic or Clinic()
    letterhead = Letterhead(clinic.name, clinic.address, clinic.phone)
    document = compose(form, patient, letterhead)
    setup = PageSetup(
        paper=clinic.paper,
        logo=clinic.logo,
        seal_field=seal_field,
        fixed_characters=fixed_characters(form, patient.language, letterhead),
    )
    try:
        rendered = render_pdf(document, setup, caches)
    except LayoutError:
        raise FormDefinitionError(
            f"The form {form.id} cannot be laid out: one of its paragraphs or items is too long to fit on a page. "
            "Split it into shorter ones (consent check-form shows the form's problems)."
        ) from None
    return FilledForm(
        form, patient, document, pdf=rendered.data, page_count=rendered.pages, document_id=rendered.document_id
    )


def default_file_name(form: Form, patient: Patient) -> str:
    """A file name that says which form and record, never who the patient is.

    Only letters, digits and dashes come from the record number, so the name
    cannot leave the folder; if anything had to be replaced, a short hash of
    the real record number keeps two different records from sharing a name.
    """
    record = _UNSAFE_IN_FILE_NAME.sub("-", patient.record_number).strip("-")
    if record != patient.record_number:
        digest = hashlib.sha256(patient.record_number.encode("utf-8")).hexdigest()[:8]
        record = f"{record}-{digest}" if record else digest
    return f"{form.id}_{patient.procedure_date.isoformat()}_{record}.pdf"
