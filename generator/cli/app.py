"""The command group every command hangs from, and what commands share: the
clinic's date and settings, where forms are looked for, the options several
commands take, and turning every ConsentError into a message and an exit code.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from generator._version import __version__
from generator.config import Settings, find_settings_file, load_settings
from generator.definitions.forms import form_search_path
from generator.errors import ConsentError, PatientError
from generator.intake.fields import FIELD_LABELS
from generator.records.printing import print_pdf, sent_words

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
      consent serve                       the desk in a browser (http://127.0.0.1:8750/)
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
    click.echo(sent_words(path, printer, copies, job))


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


def _at_terminal() -> bool:
    """Whether a person can answer prompts (not a script, a pipe or a batch job)."""
    return sys.stdin.isatty()
