"""The `consent` command. The only module that imports click.

Exit codes (part of the contract, documented in the README):
  0  done (fill: saved, or the same form was already there; batch: every
     row done; verify: every file intact)
  1  input refused (a field, the form, the settings, or the output place);
     nothing written. Batch: nothing could be done (unreadable list,
     missing column). Verify: a file is changed, untrusted or not a form
  2  usage error (unknown option, malformed command line)
  3  batch finished, but some rows were refused (the rest are done)
  4  the PDF (or bundle) was written, but printing it failed
  5  fill: a different file is already at the PDF's name (a signed or
     filled form, or an unsigned one without --replace); it was kept and
     nothing was written
  6  batch stopped part way (a full disk, a bundle that cannot be written):
     the forms it saved are listed in manifest.json, the rest in errors.csv
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from generator._version import __version__
from generator.api import default_file_name, fill
from generator.config import Settings, find_settings_file, load_settings
from generator.definitions.forms import form_search_path, load_form, load_forms_listing
from generator.errors import ConsentError, FieldError, PatientError
from generator.intake.patient import FIELD_LABELS, REQUIRED_FIELDS, PastProcedureDateError
from generator.records.audit import AUDIT_LOG_NAME, AuditLog
from generator.records.filing import Outcome, file_form
from generator.records.output import require_folder
from generator.records.printing import print_pdf

# 1 comes from ConsentError.exit_code and 2 from click; these are ours.
EXIT_SOME_ROWS_REFUSED = 3
EXIT_BATCH_STOPPED = 6

# What each patient option asks for, shown in --help and in prompts.
_FIELD_HELP = {
    "given_name": "Patient's given (first) name, as on their ID.",
    "family_name": "Patient's family name (surname), as on their ID.",
    "date_of_birth": "Patient's date of birth, YYYY-MM-DD.",
    "record_number": "Patient's record number, kept exactly as typed (00123 stays 00123).",
    "procedure_date": "Date of the procedure, YYYY-MM-DD.",
    "clinician": "Name of the clinician who performs the procedure.",
    "language": "Language of the form (default: en).",
    "guardian": "Parent or guardian who signs for a patient under 18 on the procedure date.",
    "guardian_relationship": "How the guardian is related to the patient (e.g. mother, legal guardian); "
    "printed on their signature block (blank: a line to write it by hand).",
    "interpreter": "Interpreter's name, if one helps the patient; adds their signature block.",
    "interpreter_language": "The language the interpreter interprets into (e.g. Polish); needed with --interpreter.",
}


class _ConsentGroup(click.Group):
    """Turns every ConsentError into a plain message and exit code, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConsentError as problem:
            _print_problem(problem)
            ctx.exit(problem.exit_code)


def _print_problem(problem: ConsentError) -> None:
    if isinstance(problem, PatientError) and len(problem.problems) > 1:
        click.echo("Error: the form was not made. Please fix:", err=True)
        for field_problem in problem.problems:
            click.echo(f"  - {field_problem.message}", err=True)
    else:
        click.echo(f"Error: {problem}", err=True)


@click.group(cls=_ConsentGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="consent")
@click.option(
    "--forms-dir",
    "forms_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="DIR",
    help="A folder of the clinic's own forms, searched before the built-in ones. Repeatable.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Clinic settings (letterhead, logo, paper, forms folders, seal). Default: $CONSENT_CONFIG, "
    "else consent.toml in the current folder, else none (A4, no letterhead).",
)
@click.pass_context
def main(ctx: click.Context, forms_dirs: tuple[Path, ...], config_file: Path | None) -> None:
    """Fill approved informed-consent forms into signed-ready PDFs.

    \b
    Start with:
      consent forms                       list the forms you can fill
      consent fill laser-acne-scar        fill one (asks for each detail)
      consent batch tomorrow.csv --out-dir day
                                          every form for a clinic day
      consent verify signed-form.pdf      is it unchanged? who signed?
      consent check-form my-forms/botox   is a clinic's own form ready?
      consent seal new-key --name "Clinic" -o clinic-seal.p12
                                          a seal that proves a form is the clinic's
      consent COMMAND --help              every option, with examples
    """
    _quiet_library_logs()


def _quiet_library_logs() -> None:
    """pyHanko and pypdf log what they find wrong in a damaged or altered PDF
    (with tracebacks); consent reports each finding to staff in plain words,
    so their log records go nowhere. Set here, by the application, once."""
    root = logging.getLogger()
    if not any(isinstance(handler, logging.NullHandler) for handler in root.handlers):
        root.addHandler(logging.NullHandler())


TODAY_VARIABLE = "CONSENT_TODAY"
_NO_CLINIC = (
    "Note: no clinic is set, so each form has a blank line for the clinic's name, to be written by hand. "
    'Name the clinic in the settings file: [clinic] name = "..." (see README, Clinic settings).'
)


def _today() -> date:
    """The clinic's date: today, or the date in $CONSENT_TODAY (YYYY-MM-DD).

    The variable lets the test suite, and a clinic preparing forms on
    another machine's clock, fix which procedure dates count as past or too
    far ahead; no date from it is ever printed on a form.
    """
    import os

    fixed = os.environ.get(TODAY_VARIABLE, "").strip()
    if not fixed:
        return date.today()
    try:
        return date.fromisoformat(fixed)
    except ValueError:
        raise ConsentError(f'{TODAY_VARIABLE} is "{fixed}", not a date. Write it as YYYY-MM-DD, or unset it.') from None


def _settings() -> Settings:
    """The clinic settings for this run, read once (see generator/config.py)."""
    root = click.get_current_context().find_root()
    if not isinstance(root.obj, Settings):
        root.obj = load_settings(find_settings_file(root.params["config_file"]))
    return root.obj


def _search_path() -> list[Path]:
    """Where forms are looked for: --forms-dir folders, then the settings'
    folders, then the built-in forms."""
    root = click.get_current_context().find_root()
    return form_search_path([*root.params["forms_dirs"], *_settings().forms_dirs])


@main.command("forms")
def list_forms() -> None:
    """List the forms you can fill: id, title, version and languages.

    A form folder that cannot be loaded is named, with what is wrong, after
    the list (exit 1); `consent check-form FOLDER` shows every problem.
    """
    forms, problems = load_forms_listing(_search_path())
    if not forms and not problems:
        click.echo("No forms found.")
        return
    id_width = max((len(form.id) for form in forms), default=2)
    title_width = max((len(form.title) for form in forms), default=5)
    click.echo(f"{'ID':<{id_width}}  {'TITLE':<{title_width}}  VERSION  LANGUAGES")
    for form in forms:
        languages = ", ".join(form.languages)
        click.echo(f"{form.id:<{id_width}}  {form.title:<{title_width}}  {form.version:<7}  {languages}")
    if problems:
        click.echo(f"\n{len(problems)} form folder(s) could not be loaded and cannot be filled:", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)


def _print_options(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option(
            "--copies",
            type=click.IntRange(1, 99),
            default=1,
            show_default=True,
            help="Copies to print (implies --print).",
        )(command)
        command = click.option(
            "--printer",
            metavar="NAME",
            help="CUPS printer to print on (implies --print; default: the default printer).",
        )(command)
        return click.option("--print", "print_", is_flag=True, help=f"Also send {what} to a printer (CUPS lp).")(
            command
        )

    return decorate


def _wants_print(print_: bool, printer: str | None, copies: int) -> bool:
    # Naming a printer or a number of copies is asking to print.
    return print_ or printer is not None or copies != 1


def _send_to_printer(path: Path, printer: str | None, copies: int) -> None:
    job = print_pdf(path, printer=printer, copies=copies)
    where = f'printer "{printer}"' if printer else "the default printer"
    click.echo(f"Sent {path.name} to {where} ({copies} cop{'y' if copies == 1 else 'ies'}, job {job}).")


def _audit_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--audit-log",
        type=click.Path(dir_okay=False, path_type=Path),
        help="JSON Lines file that gets one line per form made (default: consent-audit.jsonl "
        "beside the PDFs). It never holds the patient's name or date of birth. A file that is "
        "not a consent audit log is refused.",
    )(command)


def _replace_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--replace",
        is_flag=True,
        help="Replace an earlier, unsigned and unfilled version of a form at the same name (the audit log "
        "records both). A signed or filled form is never replaced.",
    )(command)


def _sealer() -> Any:
    """The clinic seal from the settings, loaded once for this run; None without one."""
    from generator.verify.seal import load_sealer

    return load_sealer(_settings().seal_key)


def _field_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for field in reversed(FIELD_LABELS):
        option = "--" + field.replace("_", "-")
        command = click.option(option, field, metavar=_metavar(field), help=_FIELD_HELP[field])(command)
    return command


def _metavar(field: str) -> str:
    return "YYYY-MM-DD" if field.endswith("date") or field == "date_of_birth" else "TEXT"


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


def _at_terminal() -> bool:
    """Whether a person can answer prompts (not a script, a pipe or a batch job)."""
    return sys.stdin.isatty()


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


@main.command("batch")
@click.argument("appointments", type=click.Path(path_type=Path))
@click.option(
    "--out-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the PDFs, print-bundle.pdf, manifest.json and errors.csv (created if absent).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="How many forms to render at once (default: one per processor core).",
)
@click.option(
    "--encoding",
    default=None,
    help="Text encoding of a CSV that is not UTF-8, e.g. cp1252 for files saved by Excel on Windows.",
)
@click.option(
    "--date-format",
    default=None,
    metavar="FORMAT",
    help="How dates are written in the list, if not YYYY-MM-DD: e.g. %d/%m/%Y for 07/03/1990.",
)
@_audit_option
@_replace_option
@_print_options("print-bundle.pdf")
def batch_command(
    appointments: Path,
    out_dir: Path,
    jobs: int | None,
    encoding: str | None,
    date_format: str | None,
    audit_log: Path | None,
    replace: bool,
    print_: bool,
    printer: str | None,
    copies: int,
) -> None:
    """Make every consent form for a clinic day from an appointment list.

    APPOINTMENTS is a .csv or .xlsx export with a header row. Columns (any
    case; spaces allowed): form, given_name, family_name, date_of_birth,
    record_number, procedure_date, clinician, and optional language,
    guardian, interpreter.

    Every row is checked first, with the same rules as `consent fill`. Good
    rows each get a PDF named from form, procedure date and record number
    (never the patient's name); print-bundle.pdf holds them all in list
    order, each starting on a fresh sheet when printed double-sided.
    Refused rows are listed, with how to fix them, in errors.csv, using the
    row numbers your spreadsheet shows.

    Safe to run again: a form already there is left as it is, and one that
    was signed since is never replaced (its row is reported in errors.csv).

    \b
    Example:
      consent batch tomorrow.csv --out-dir forms-2026-12-01

    \b
    Exit codes: 0 all rows done; 3 some rows refused (or their file kept),
    the rest done; 1 nothing could be done (unreadable list, missing
    column, a seal key that cannot be opened, another batch writing into
    the folder); 6 stopped part way (what was saved is in manifest.json);
    2 usage.
    """
    # Imported here so `consent fill` does not pay for pypdf and openpyxl.
    from generator.records.batch import run_batch
    from generator.records.reports import BUNDLE_NAME, ERRORS_NAME

    if date_format is not None:
        _check_date_format(date_format)
    show_progress = sys.stderr.isatty()
    # A stop asked for from outside (kill, a shutting-down computer) ends the
    # batch as Ctrl-C does: what was saved is still written in manifest.json.
    _stop_on_sigterm()
    with _Progress(show_progress) as on_progress:
        result = run_batch(
            appointments,
            out_dir,
            today=_today(),
            workers=jobs,
            encoding=encoding,
            date_format=date_format,
            on_progress=on_progress,
            audit_log=audit_log,
            search_path=_search_path(),
            clinic=_settings().clinic,
            seal_key=_settings().seal_key,
            replace=replace,
        )
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if result.made and not _settings().clinic.name:
        click.echo(_NO_CLINIC, err=True)
    refused = result.refused_rows
    summary = f"{len(result.made)} of {result.rows} rows done"
    already, replaced = result.count(Outcome.ALREADY_THERE.value), result.count(Outcome.REPLACED.value)
    if already or replaced:
        parts = [f"{already} already there, unchanged" if already else "", f"{replaced} replaced" if replaced else ""]
        summary += f" ({'; '.join(part for part in parts if part)})"
    if result.stopped is not None:
        _report_stopped_batch(result, out_dir)
        sys.exit(EXIT_BATCH_STOPPED)
    if result.made:
        summary += f"; {out_dir / BUNDLE_NAME} has {result.bundle_pages} pages"
    if refused:
        summary += f"; {len(refused)} refused (rows {_row_list(refused)}): see {out_dir / ERRORS_NAME}"
    click.echo(summary + ".")
    if _wants_print(print_, printer, copies) and result.made:
        _send_to_printer(out_dir / BUNDLE_NAME, printer, copies)
    if refused:
        sys.exit(EXIT_SOME_ROWS_REFUSED)


def _report_stopped_batch(result: Any, out_dir: Path) -> None:
    from generator.records.reports import ERRORS_NAME, MANIFEST_NAME

    saved = len(result.made)
    click.echo(f"Error: the batch stopped part way: {result.stopped}.", err=True)
    if MANIFEST_NAME in result.reports:
        where = f"listed in {out_dir / MANIFEST_NAME}"
    else:
        where = f"named in the audit log ({MANIFEST_NAME} could not be written)"
    if ERRORS_NAME in result.reports:
        where += f"; the rows not done are in {out_dir / ERRORS_NAME}"
    click.echo(
        f"{saved} form{'' if saved == 1 else 's'} of {result.rows} rows were saved, {where}. No print bundle "
        "was made. Fix the problem and run the same list again: the forms already saved are kept.",
        err=True,
    )


@main.command("verify")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FILE.pdf...")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON (a list, one entry per file).")
@click.option(
    "--trust",
    "trust_files",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="CERT",
    help="A certificate (PEM or DER) that seals and signatures must chain to, e.g. your clinic's "
    "clinic-seal.pem or signing CA. Repeatable. Without it, trust is not checked.",
)
def verify_command(files: tuple[Path, ...], as_json: bool, trust_files: tuple[Path, ...]) -> None:
    """Check forms made by consent: what each is, whether it changed, who sealed and signed it.

    \b
    For each FILE.pdf, prints the form, version, language, record number
    and the consent version that made it; its clinic seal, if it has one;
    whether every page is as it was made; and each signature field: empty,
    signed and intact, or signed and broken. Every change other than
    filling in and signing the form's fields is named.

    \b
    A sealed form is checked against what was sealed: any change the seal
    does not allow is found. Without a seal, only accidental damage and
    casual edits can be found, not deliberate ones.

    \b
    Result, and exit code:
      intact      0  every check passed
      CHANGED     1  something was changed, or a seal or signature is broken
      UNTRUSTED   1  with --trust: a seal or signature not from those
                     certificates, or no seal or signature from them at all
      NOT CHECKED 1  not a form made by consent, or not a file that can be read

    \b
    Example:
      consent verify --trust clinic-seal.pem signed/laser-acne-scar_2026-12-01_00123.pdf
    """
    import json

    from generator.verify.signatures import load_trust_roots
    from generator.verify.verification import report_lines, verify_file

    roots = load_trust_roots(trust_files) if trust_files else None
    results = [verify_file(path, roots) for path in files]
    if as_json:
        click.echo(json.dumps([result.as_json() for result in results], indent=2, ensure_ascii=False))
    else:
        for index, result in enumerate(results):
            if index:
                click.echo("")
            for line in report_lines(result):
                click.echo(line)
    if not all(result.intact for result in results):
        sys.exit(1)


@main.group("seal")
def seal_group() -> None:
    """The clinic seal: proof that a form is the clinic's, as it was issued.

    \b
    With a seal in the settings file, every form that fill and batch make
    is certified with it. Filling in the form's fields and signing them
    afterwards keeps the seal valid; any other change breaks it, and
    `consent verify` names the change.

    \b
    In consent.toml (the key's password goes in CONSENT_SEAL_PASSWORD,
    never in the file):
      [seal]
      key = "clinic-seal.p12"
    """


@seal_group.command("new-key")
@click.option("--name", required=True, help="The clinic's name, as the seal's certificate gives it.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The key file to write, ending in .p12. The certificate alone is written beside it, ending in .pem.",
)
@click.option(
    "--years", type=click.IntRange(1, 10), default=5, show_default=True, help="How long the seal stays valid."
)
def seal_new_key_command(name: str, output: Path, years: int) -> None:
    """Make a self-signed clinic seal: a .p12 key file and a .pem certificate.

    The key is locked with the password in CONSENT_SEAL_PASSWORD, or, at a
    terminal, one you type twice. Keep the .p12 file and its password
    private: whoever has both can seal forms as the clinic. Give the .pem
    file to anyone who checks forms: `consent verify --trust clinic-seal.pem`.

    A self-signed seal proves a form has not changed since a holder of this
    key sealed it; that the key is the clinic's rests on how the .pem file
    reached whoever checks (see the README). Nothing already there is ever
    overwritten.

    \b
    Example:
      consent seal new-key --name "Riverside Skin Clinic" -o clinic-seal.p12
    """
    import os

    from generator.records.output import TargetExistsError, require_folder, write_new
    from generator.verify.seal import PASSWORD_VARIABLE, new_seal_key, seal_name_problem

    if output.suffix.lower() not in (".p12", ".pfx"):
        raise click.BadParameter(f'"{output}" must end in .p12 (or .pfx).', param_hint="-o")
    name_problem = seal_name_problem(name)
    if name_problem:
        raise click.BadParameter(f"the clinic's name cannot be used: {name_problem}.", param_hint="--name")
    certificate_file = output.with_suffix(".pem")
    require_folder(output.parent)
    for path in (output, certificate_file):
        if os.path.lexists(path):
            raise ConsentError(f'"{path}" is already there; consent never overwrites a seal. Choose another -o.')
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if not password:
        if not _at_terminal():
            raise ConsentError(
                f"Set the environment variable {PASSWORD_VARIABLE} to the password for the new key, "
                "or run this at a terminal to type it."
            )
        password = click.prompt("Password for the new seal key", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise ConsentError("The seal key's password must be at least 8 characters long.")
    key_file, certificate = new_seal_key(name.strip(), password=password.encode("utf-8"), years=years)
    try:
        write_new(output, key_file, owner_only=True)
        write_new(certificate_file, certificate)
    except TargetExistsError as problem:
        raise ConsentError(f'"{problem.target}" appeared while the seal was made; choose another -o.') from None
    click.echo(f"Wrote {output} (the seal's key: keep it and its password private) and {certificate_file}")
    click.echo(f"(its certificate: give it to whoever checks forms, for consent verify --trust {certificate_file}).")
    click.echo(f'To seal every form, add to the settings file:  [seal] key = "{output.name}"')


@main.command("check-form")
@click.argument(
    "folders", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path), metavar="FORM_DIR..."
)
def check_form_command(folders: tuple[Path, ...]) -> None:
    """Check a form folder before the clinic uses it.

    \b
    Checks form.toml (keys and types), that every language lists the same
    side effects, precautions, expectations and alternatives, that each
    template parses and uses only names consent provides (naming the file
    and line of any problem), that consent has the layout's wording in each
    language, and that the form fills for test patients (an adult, and a
    minor with a guardian and an interpreter).

    \b
    Example:
      consent check-form clinic-forms/botox
      consent --forms-dir clinic-forms fill botox ...

    Exit 0 when every folder is ready; 1 otherwise.
    """
    from generator.checkform import check_form_folder

    all_ready = True
    for folder in folders:
        check = check_form_folder(folder, today=_today())
        if check.ready:
            form = check.form
            assert form is not None  # a ready check has its form
            pages = ", ".join(f"{language} {count} pages" for language, count in check.pages.items())
            click.echo(f"{folder}: ready - {form.id} v{form.version}, languages {', '.join(form.languages)}")
            click.echo(f"  test fill: {pages}")
            click.echo(f"  readability: {'; '.join(figures.describe() for figures in check.readability)}")
        else:
            all_ready = False
            click.echo(f"{folder}: NOT READY")
            for problem in check.problems:
                click.echo(f"  - {problem}")
    if not all_ready:
        sys.exit(1)


def _stop_on_sigterm() -> None:
    import signal
    import threading

    def interrupt(signal_number: int, frame: object) -> None:
        raise KeyboardInterrupt

    # Only the command's own main thread may take a signal, and a handler
    # someone else set (a host program) is left alone.
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, interrupt)


def _check_date_format(date_format: str) -> None:
    """Refuse, before any row is read, a --date-format that cannot read a
    date: it must name a day, a month and a year, and read back what it writes."""
    from datetime import datetime

    codes = {code for code in ("%d", "%m", "%Y", "%y", "%b", "%B") if code in date_format}
    has_day, has_month, has_year = "%d" in codes, bool(codes & {"%m", "%b", "%B"}), bool(codes & {"%Y", "%y"})
    example = date(1990, 3, 7)
    try:
        round_trip = datetime.strptime(example.strftime(date_format), date_format).date() == example
    except Exception:  # ValueError, or re.error for a code given twice ("%d/%d/%Y")
        round_trip = False
    if not (has_day and has_month and has_year and round_trip):
        raise click.BadParameter(
            f'"{date_format}" does not read a day, a month and a year. Use strftime codes, e.g. %d/%m/%Y for '
            "07/03/1990 or %m/%d/%Y for 03/07/1990.",
            param_hint="--date-format",
        )


def _row_list(rows: list[int], shown: int = 10) -> str:
    listed = ", ".join(str(row) for row in rows[:shown])
    return listed + (f" and {len(rows) - shown} more" if len(rows) > shown else "")


class _Progress:
    """A progress bar (rows done, rate, time left) on a terminal; silence otherwise.

    Used as a context manager; gives the batch an `on_progress(done, total)`
    callback, or None when nothing should be shown.
    """

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._bar: Any = None
        self._started = time.monotonic()

    def __enter__(self) -> Callable[[int, int], None] | None:
        return self._update if self._enabled else None

    def _update(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(
                length=total, label="Making forms", show_eta=True, show_pos=True, file=sys.stderr,
                item_show_func=lambda _: self._rate(),
            )  # fmt: skip
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def _rate(self) -> str:
        elapsed = time.monotonic() - self._started
        done = self._bar.pos if self._bar is not None else 0
        return f"{done / elapsed:.1f} forms/s" if elapsed > 0 and done else ""

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc_info)
