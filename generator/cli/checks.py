"""The commands that check rather than make: `consent forms` (what can be
filled), `consent check-form` (is a clinic's form ready), `consent verify`
(is a signed form unchanged), and `consent seal` (the clinic seal's key).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator.cli.app import (
    _at_terminal,
    _search_path,
    _today,
    main,
)
from generator.definitions.forms import load_forms_listing
from generator.errors import ConsentError, ExitCode
from generator.records.output import require_folder


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
        sys.exit(ExitCode.REFUSED)


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

    from generator.verify.report import report_lines
    from generator.verify.signatures import load_trust_roots
    from generator.verify.verification import verify_file

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
        sys.exit(ExitCode.REFUSED)


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

    from generator.records.output import TargetExistsError, write_new
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
    Checks form.toml (keys and types), that every language gives every
    element valid consent needs (the procedure, benefits, side effects,
    precautions, alternatives, what happens without treatment, the
    withdrawal statement and at least three teach-back questions) and lists
    the same items, that each template parses and uses only names consent
    provides (naming the file and line of any problem), that consent has
    the layout's wording in each language, that the text reads at grade 8
    or lower in English (figures shown for every language), and that the
    form fills for test patients (an adult, and a minor with a guardian and
    an interpreter).

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
            for note in check.notes:
                click.echo(f"  note: {note}")
        else:
            all_ready = False
            click.echo(f"{folder}: NOT READY")
            for problem in check.problems:
                click.echo(f"  - {problem}")
            for note in check.notes:
                click.echo(f"  note: {note}")
    if not all_ready:
        sys.exit(ExitCode.REFUSED)
