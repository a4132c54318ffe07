"""Checking an appointment list for a batch: each row read by the same
rules as `consent fill`, its form loaded once, its file named (never with
the patient's name), exact repeats made once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.api import default_file_name
from generator.definitions.forms import Form, load_form
from generator.errors import ConsentError, PatientError
from generator.intake.appointments import MAX_CELL, AppointmentRow
from generator.intake.patient import Patient, read_patient
from generator.records.reports import (
    RowProblem,
)
from generator.render.fonts import glyph_problem


@dataclass(frozen=True)
class Job:
    """One checked row, ready to render in a worker."""

    row: int
    form_id: str
    patient: Patient
    file_name: str


def batch_file_name(form: Form, patient: Patient) -> str:
    """Form, date and record as in `consent fill`, plus a hash of every detail.

    The hash tells apart two appointments of one record on one day, and is
    the same on every run of the same list, so a rerun finds its forms
    already there, and never adds copies.
    """
    details = "\x1f".join(
        str(value)
        for value in (
            form.id, form.version, patient.language, patient.given_name, patient.family_name,
            patient.date_of_birth, patient.record_number, patient.procedure_date,
            patient.clinician, patient.guardian, patient.interpreter,
        )
    )  # fmt: skip
    digest = hashlib.sha256(details.encode("utf-8")).hexdigest()[:8]
    return default_file_name(form, patient).removesuffix(".pdf") + f"_{digest}.pdf"


def check_rows(
    rows: Iterable[AppointmentRow],
    *,
    today: date,
    date_format: str | None,
    search_path: Sequence[Path] | None = None,
) -> tuple[list[Job], list[RowProblem], list[str]]:
    """Validate every row (same rules as `consent fill`); nothing is rendered."""
    jobs: list[Job] = []
    problems: list[RowProblem] = []
    warnings: list[str] = []
    for outcome in checked_rows(rows, today=today, date_format=date_format, search_path=search_path):
        if isinstance(outcome, Job):
            jobs.append(outcome)
        elif isinstance(outcome, RowProblem):
            problems.append(outcome)
        else:
            warnings.append(outcome)
    return jobs, problems, warnings


def checked_rows(
    rows: Iterable[AppointmentRow],
    *,
    today: date,
    date_format: str | None,
    search_path: Sequence[Path] | None = None,
) -> Iterator[Job | RowProblem | str]:
    """Each row checked as it is read: a Job for a good row, its problems for
    a refused one, a warning (text) for a row that repeats another. Keeps
    only the forms loaded and a short digest of each file name made, so a
    list of any length is checked in the same memory."""
    forms: dict[str, Form | ConsentError] = {}
    first_row_for_file: dict[bytes, int] = {}
    first_row_for_record: dict[bytes, tuple[int, bytes]] = {}
    for row in rows:
        too_long = [
            (column, len(value))
            for column, value in row.values.items()
            if isinstance(value, str) and len(value) > MAX_CELL
        ]
        if too_long:
            column, length = too_long[0]
            yield RowProblem(
                row.number,
                column,
                f"The {column} cell holds {length:,} characters; no detail of an appointment is that long. "
                "Check the cell.",
            )
            continue
        row_problems: list[RowProblem] = []
        if row.lines is not None and any(isinstance(v, str) and ("\n" in v or "\r" in v) for v in row.values.values()):
            # A line break in a column consent uses: in a name or a date it
            # is never meant, and usually a quote mark that swallowed rows.
            first, last = row.lines
            row_problems.append(
                RowProblem(
                    row.number,
                    "row",
                    f"Row {row.number} runs over lines {first} to {last} of the file: a quote mark opened on line "
                    f"{first} is closed only on line {last}, so the lines between may be appointments read as part "
                    "of this row. Check the quote marks in that row, then run again.",
                )
            )
        form: Form | None = None
        if not row.form_id:
            row_problems.append(
                RowProblem(row.number, "form", "Form is missing. Give the form id, e.g. laser-acne-scar.")
            )
        else:
            if row.form_id not in forms:
                try:
                    forms[row.form_id] = load_form(row.form_id, search_path)
                except ConsentError as problem:
                    forms[row.form_id] = problem
            loaded = forms[row.form_id]
            if isinstance(loaded, ConsentError):
                row_problems.append(RowProblem(row.number, "form", str(loaded)))
            else:
                form = loaded
        patient: Patient | None = None
        try:
            patient = read_patient(
                row.values,
                today=today,
                check_glyphs=glyph_problem,
                date_format=date_format,
                past_procedure=False,
                past_procedure_hint="A batch makes forms for appointments to come: check the date, or make this "
                "form at the desk with consent fill.",
            )
        except PatientError as problem:
            row_problems += [RowProblem(row.number, p.field, p.message) for p in problem.problems]
        if form is not None and patient is not None:
            try:
                form.text(patient.language)
            except ConsentError as problem:
                row_problems.append(RowProblem(row.number, "language", str(problem)))
        if row_problems or form is None or patient is None:
            yield from row_problems
            continue
        # A record number belongs to one patient: two different people under
        # one number in a list means one of them has the wrong number, and
        # their signed form would be filed in another patient's record.
        record = hashlib.blake2b(patient.record_number.encode("utf-8"), digest_size=12).digest()
        who = "\x1f".join((patient.given_name, patient.family_name, patient.date_of_birth.isoformat()))
        identity = hashlib.blake2b(who.encode("utf-8"), digest_size=8).digest()
        first_row, first_identity = first_row_for_record.setdefault(record, (row.number, identity))
        if first_identity != identity:
            yield RowProblem(
                row.number,
                "record_number",
                f"Record number {patient.record_number} is also in row {first_row}, for a patient with another "
                "name or date of birth. One record number belongs to one patient: check both rows against the "
                "practice system, correct the list and run again.",
            )
            continue
        name = batch_file_name(form, patient)
        key = hashlib.blake2b(name.encode("utf-8"), digest_size=12).digest()
        if key in first_row_for_file:
            yield f"row {row.number} repeats row {first_row_for_file[key]} exactly; one form was made for both."
            continue
        first_row_for_file[key] = row.number
        yield Job(row.number, form.id, patient, name)


@dataclass(frozen=True)
class RowCheck:
    """How each row is checked, the same in every pass over the list."""

    today: date
    date_format: str | None
    search_path: Sequence[Path] | None

    def outcomes(self, rows: Iterable[AppointmentRow]) -> Iterator[Job | RowProblem | str]:
        return checked_rows(rows, today=self.today, date_format=self.date_format, search_path=self.search_path)
