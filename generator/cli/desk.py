"""`consent fill`: one form for the patient at the desk, asking at a terminal
for each detail not given, checking each answer as it is typed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from generator.api import default_file_name, fill
from generator.cli.app import (
    _NO_CLINIC,
    _at_terminal,
    _audit_option,
    _field_options,
    _metavar,
    _print_options,
    _replace_option,
    _sealer,
    _search_path,
    _send_to_printer,
    _settings,
    _today,
    _wants_print,
    main,
)
from generator.definitions.forms import load_form
from generator.errors import ConsentError, FieldError, PatientError
from generator.intake.fields import FIELD_LABELS, REQUIRED_FIELDS
from generator.intake.patient import PastProcedureDateError
from generator.records.audit import AUDIT_LOG_NAME, AuditLog
from generator.records.filing import Outcome, file_form
from generator.records.output import require_folder


@main.command("fill")
@click.argument("form_id", metavar="FORM_ID")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=True, path_type=Path),
    help="Where to save the PDF (a .pdf file, or a folder). Default: a name made from the "
    "form, procedure date and record number, in the current folder.",
)
@_audit_option
@_replace_option
@click.option(
    "--allow-past-date",
    is_flag=True,
    help="Make the form although the procedure date is in the past (at a terminal you are asked instead).",
)
@_print_options("the PDF")
@_field_options
def fill_command(
    form_id: str,
    output: Path | None,
    audit_log: Path | None,
    replace: bool,
    allow_past_date: bool,
    print_: bool,
    printer: str | None,
    copies: int,
    **fields: str | None,
) -> None:
    """Fill one consent form for the patient at the desk.

    FORM_ID is a form from `consent forms`, such as laser-acne-scar. Any
    detail not given as an option is asked for when you run this at a
    terminal; in a script, a missing detail is an error (exit 1).

    \b
    Example:
      consent fill laser-acne-scar --given-name Ana --family-name Ruiz \\
        --date-of-birth 1990-03-07 --record-number 00123 \\
        --procedure-date 2026-12-01 --clinician "Dr Lee" -o ana.pdf

    The PDF is written in one step: if anything is wrong, no file is left.
    A file already at the PDF's name is never overwritten: if it is this
    same form, nothing is written (exit 0); if it was signed or filled in,
    it is kept (exit 5), always; an unsigned earlier version is replaced
    only with --replace. With a clinic seal in the settings, the form is
    sealed.
    """
    if output is not None and not output.is_dir() and output.suffix.lower() != ".pdf":
        raise click.BadParameter(f'"{output}" must end in .pdf (or be an existing folder).', param_hint="-o")
    _settings()  # a mistake in the settings file is reported before any question is asked
    sealer = _sealer()  # so is a seal key that cannot be opened
    interactive = _at_terminal()
    if not interactive:
        _refuse_missing_in_a_script(fields)
    if interactive:
        # The form and the language are checked before the first question.
        form = load_form(form_id, _search_path())
        if fields.get("language"):
            form.text(str(fields["language"]).strip().lower())
        fields, confirmed = _ask_at_the_desk(form, fields, _today())
        allow_past_date = allow_past_date or confirmed
    while True:
        try:
            filled = fill(
                form_id,
                fields,
                today=_today(),
                search_path=_search_path(),
                clinic=_settings().clinic,
                seal_field=sealer is not None,
                past_procedure=allow_past_date,
                past_procedure_hint="Check the date; if it is right, run again with --allow-past-date.",
            )
            break
        except PatientError as problem:
            if not interactive:
                raise
            # At the desk, ask again for just the fields that were refused;
            # a procedure date in the past may be right, and is confirmed.
            for field_problem in problem.problems:
                if isinstance(field_problem, PastProcedureDateError):
                    date_text = field_problem.message.split(" (today")[0]
                    if click.confirm(f"{date_text}. Make the form for that date?", default=False, err=True):
                        allow_past_date = True
                        continue
                else:
                    click.echo(field_problem.message, err=True)
                fields[field_problem.field] = _prompt(field_problem.field)
                if field_problem.field == "guardian" and not (fields.get("guardian_relationship") or "").strip():
                    fields["guardian_relationship"] = click.prompt(
                        "Guardian's relationship to the patient, e.g. mother (blank: written by hand on the form)",
                        default="",
                        show_default=False,
                    )
    if interactive:
        _confirm_summary(filled)
    target = output or Path(default_file_name(filled.form, filled.patient))
    if target.is_dir():
        target = target / default_file_name(filled.form, filled.patient)
    require_folder(target.parent)
    log_path = audit_log or target.parent / AUDIT_LOG_NAME
    if log_path.resolve() == target.resolve():
        raise click.BadParameter(
            "the audit log cannot be the PDF itself; give it another name.", param_hint="--audit-log"
        )
    # The log is opened first: a form that cannot be logged is not made.
    with AuditLog(log_path, command="fill") as audit:
        filed = file_form(filled, target, audit, replace=replace, sealer=sealer)
    described = f"{filled.form.id} v{filled.form.version}, {filled.page_count} pages{', sealed' if sealer else ''}"
    if filed.outcome is Outcome.ALREADY_THERE:
        click.echo(f"{target} is already there: the same form, byte for byte. Nothing was written.")
    elif filed.outcome is Outcome.REPLACED:
        click.echo(f"Replaced the earlier unsigned {target} ({described}); the audit log records both.")
    else:
        click.echo(f"Saved {target} ({described}).")
    if not _settings().clinic.name:
        click.echo(_NO_CLINIC, err=True)
    if _wants_print(print_, printer, copies):
        _send_to_printer(target, printer, copies)


def _refuse_missing_in_a_script(fields: dict[str, str | None]) -> None:
    """No one can be asked in a script: every required detail must be given."""
    missing = [field for field in REQUIRED_FIELDS if not (fields.get(field) or "").strip()]
    if missing:
        options = ", ".join("--" + field.replace("_", "-") for field in missing)
        raise ConsentError(
            f"Missing {options}. Give {'each' if len(missing) > 1 else 'it'} on the command "
            "line (see consent fill --help), or run the command at a terminal to be asked."
        )


def _ask_at_the_desk(form: Any, fields: dict[str, str | None], today: date) -> tuple[dict[str, str | None], bool]:
    """Ask for every detail not given, checking each answer as it is typed;
    then the language and an interpreter, with the defaults shown. Returns
    the details, and whether a past procedure date was confirmed."""
    past_confirmed = False
    for field in REQUIRED_FIELDS:
        if not (fields.get(field) or "").strip():
            fields[field], confirmed = _prompt_checked(field, today)
            past_confirmed = past_confirmed or confirmed
    if not (fields.get("language") or "").strip():
        fields["language"] = click.prompt(
            f"Language ({', '.join(form.languages)})",
            type=click.Choice(list(form.languages), case_sensitive=False),
            value_proc=lambda answer: click.Choice(list(form.languages), case_sensitive=False).convert(
                answer.strip().lower(), None, None
            ),
            default=form.languages[0],
            show_choices=False,
        )
    if fields.get("interpreter") is None:
        fields["interpreter"] = click.prompt(
            "Interpreter, if one helps the patient (blank: none)", default="", show_default=False
        )
    if (fields.get("interpreter") or "").strip() and not (fields.get("interpreter_language") or "").strip():
        fields["interpreter_language"], _ = _prompt_checked("interpreter_language", today, needed=True)
    return fields, past_confirmed


def _prompt_checked(field: str, today: date, needed: bool = False) -> tuple[str, bool]:
    """One detail, asked until it is acceptable (and given, when it is
    required or `needed`); and whether staff confirmed a procedure date in the past."""
    from generator.intake.patient import read_field
    from generator.render.fonts import glyph_problem

    hint = " (YYYY-MM-DD)" if _metavar(field) == "YYYY-MM-DD" else ""
    while True:
        answer = click.prompt(f"{FIELD_LABELS[field]}{hint}", default="", show_default=False)
        if not answer.strip() and (needed or field in REQUIRED_FIELDS):
            click.echo(f"{FIELD_LABELS[field]} is needed for the form.", err=True)
            continue
        try:
            value = read_field(field, answer, today=today, check_glyphs=glyph_problem)
        except FieldError as problem:
            click.echo(problem.message, err=True)
            continue
        if field == "procedure_date" and isinstance(value, date) and value < today:
            if click.confirm(
                f"Procedure date {value.isoformat()} is in the past. Make the form for that date?",
                default=False,
                err=True,
            ):
                return answer, True
            continue
        return answer, False


def _prompt(field: str) -> str:
    hint = " (YYYY-MM-DD)" if _metavar(field) == "YYYY-MM-DD" else ""
    while True:
        answer = click.prompt(f"{FIELD_LABELS[field]}{hint}", default="", show_default=False)
        if answer.strip() or field not in REQUIRED_FIELDS:
            return answer
        click.echo(f"{FIELD_LABELS[field]} is needed for the form.", err=True)


def _with_detail(person: str | None, detail: str | None) -> str:
    if not person:
        return "none"
    return f"{person} ({detail})" if detail else person


def _confirm_summary(filled: Any) -> None:
    """The details as the form will print them, to check before it is made."""
    from generator.compose import format_date

    patient = filled.patient
    language = patient.language
    click.echo("\nPlease check before the form is made:", err=True)
    rows = [
        ("Form", f"{filled.form.text(language).title} ({filled.form.id} v{filled.form.version}), language {language}"),
        ("Patient", f"{patient.full_name}, born {format_date(patient.date_of_birth, language)}"),
        ("Record number", patient.record_number),
        ("Procedure date", f"{format_date(patient.procedure_date, language)} (age {patient.age_at_procedure})"),
        ("Clinician", patient.clinician),
        ("Guardian", _with_detail(patient.guardian, patient.guardian_relationship)),
        ("Interpreter", _with_detail(patient.interpreter, patient.interpreter_language)),
    ]
    for label, value in rows:
        click.echo(f"  {label + ':':<16} {value}", err=True)
    if not click.confirm("Make this form?", default=True, err=True):
        raise ConsentError("Stopped at the summary: nothing was made.")
