"""What the desk page does, without HTTP: make one patient's form by the
same code path as `consent fill`, and print it.

Forms, fonts, the clinic settings and the seal are loaded once, when the
server starts; each form made is then only composed, laid out, filed
(same file name, same no-overwrite rule, same audit line as `consent
fill`, naming the signed-in member of staff) and shown.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from generator.api import FilledForm, default_file_name, make_form
from generator.config import Settings
from generator.definitions.forms import Form, load_forms_listing
from generator.errors import ConsentError, FieldError, LanguageNotAvailableError, PatientError, PrintError
from generator.intake.fields import FIELD_LABELS
from generator.intake.patient import PastProcedureDateError, Patient, read_patient
from generator.records.audit import AUDIT_LOG_NAME, AuditLog
from generator.records.filing import Filed, KeptFileError, file_form
from generator.records.printing import print_pdf
from generator.render.fonts import glyph_problem, load_fonts
from generator.serve.wording import for_the_page
from generator.verify.seal import Sealer, load_sealer

# The fields of the desk page, named as `consent fill`'s options.
DESK_FIELDS = ("form", *FIELD_LABELS)
_PAST_DATE_HINT = 'Check the date; if it is right, tick "The procedure date is right" and make the form again.'
_KEPT_HINT = "or make it with other details"
LANGUAGE_NAMES = {"en": "English", "fr": "French (français)", "es": "Spanish (español)"}


@dataclass(frozen=True)
class DeskSettings:
    """Where forms go, and the clinic's date."""

    out_dir: Path
    search_path: list[Path]
    settings: Settings
    today: Callable[[], date]


@dataclass
class Refusal:
    """Why a form was not made: messages by field ("" for the form as a whole)."""

    by_field: dict[str, list[str]] = field(default_factory=dict)
    past_date: bool = False  # the only doubt is a procedure date in the past
    can_replace: bool = False  # an earlier unsigned version is at the name

    def add(self, field_name: str, message: str) -> None:
        self.by_field.setdefault(field_name, []).append(for_the_page(message))


@dataclass(frozen=True)
class Made:
    filed: Filed
    filled: FilledForm


class Desk:
    """The loaded forms, settings and seal, and the two things the desk does."""

    def __init__(self, settings: DeskSettings) -> None:
        self.settings = settings
        forms, self.form_problems = load_forms_listing(settings.search_path)
        if not forms:
            raise ConsentError(
                "No form could be loaded, so the desk has nothing to fill: "
                + ("; ".join(self.form_problems) or "no forms were found")
                + ". Run consent check-form on the clinic's forms."
            )
        self.forms: dict[str, Form] = {form.id: form for form in forms}
        load_fonts()
        self.sealer: Sealer | None = load_sealer(settings.settings.seal_key)
        # What verify trusts: the clinic's own seal, so its forms read "trusted".
        self.trust_roots = _seal_roots(settings.settings.seal_key) if self.sealer is not None else None
        # The audit log is opened per form; this keeps two forms made at the
        # same moment from racing for the same name.
        self._filing = threading.Lock()

    @property
    def audit_log(self) -> Path:
        return self.settings.out_dir / AUDIT_LOG_NAME

    def make(
        self, fields: Mapping[str, str], *, user: str | None, allow_past_date: bool, replace: bool
    ) -> Made | Refusal:
        """Check, fill and file one form; every refused detail is returned at once."""
        refusal = Refusal()
        form = self._form(fields, refusal)
        details = {name: (fields.get(name) or "") for name in FIELD_LABELS}
        details["language"] = details["language"].strip().lower() or (form.languages[0] if form else "en")
        if form is not None:
            try:
                form.text(details["language"])
            except LanguageNotAvailableError as problem:
                refusal.add("language", str(problem))
        patient = self._patient(details, allow_past_date, refusal)
        if form is None or patient is None or refusal.by_field:
            return refusal
        try:
            filled = make_form(form, patient, self.settings.settings.clinic, seal_field=self.sealer is not None)
        except ConsentError as problem:
            refusal.add("", str(problem))
            return refusal
        target = self.settings.out_dir / default_file_name(filled.form, filled.patient)
        try:
            with self._filing, AuditLog(self.audit_log, command="serve", user=user) as audit:
                filed = file_form(filled, target, audit, replace=replace, sealer=self.sealer, rename_hint=_KEPT_HINT)
        except KeptFileError as problem:
            refusal.add("", str(problem))
            refusal.can_replace = not problem.signed
            return refusal
        except ConsentError as problem:
            refusal.add("", str(problem))
            return refusal
        return Made(filed, filled)

    def _patient(self, details: Mapping[str, str], allow_past_date: bool, refusal: Refusal) -> Patient | None:
        """The patient's details read by `consent fill`'s rules, or None with
        each refused detail added to `refusal`."""
        try:
            return read_patient(
                details,
                today=self.settings.today(),
                check_glyphs=glyph_problem,
                past_procedure=allow_past_date,
                past_procedure_hint=_PAST_DATE_HINT,
            )
        except PatientError as problem:
            for field_problem in problem.problems:
                refusal.add(field_problem.field, field_problem.message)
            refusal.past_date = all(isinstance(p, PastProcedureDateError) for p in problem.problems)
        except FieldError as problem:
            refusal.add(problem.field, problem.message)
        return None

    def _form(self, fields: Mapping[str, str], refusal: Refusal) -> Form | None:
        chosen = (fields.get("form") or "").strip().lower()
        if not chosen:
            refusal.add("form", "Form is missing. Choose the form to fill.")
            return None
        form = self.forms.get(chosen)
        if form is None:
            refusal.add("form", f'There is no form called "{chosen}". Choose one from the list.')
        return form

    def print_file(self, path: Path, copies: int = 1) -> str:
        """Send `path` to the configured printer; returns the CUPS job id.
        Raises PrintError with a message for the page (the file's name, not
        where the server keeps it)."""
        try:
            return print_pdf(path, printer=self.settings.settings.serve.printer, copies=copies)
        except PrintError as problem:
            raise PrintError(for_the_page(str(problem).replace(str(path), path.name))) from None

    def form_choices(self) -> list[dict[str, Any]]:
        """The forms and their languages, as the page lists them."""
        return [
            {
                "id": form.id,
                "title": form.title,
                "version": form.version,
                "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in form.languages],
            }
            for form in self.forms.values()
        ]


def _seal_roots(key_file: Path | None) -> list[object] | None:
    """The clinic seal's certificate, as verify takes trust roots."""
    from asn1crypto import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from generator.verify.seal import read_seal_key

    if key_file is None:
        return None
    key = read_seal_key(key_file)
    return [
        x509.Certificate.load(certificate.public_bytes(Encoding.DER)) for certificate in (key.certificate, *key.chain)
    ]
