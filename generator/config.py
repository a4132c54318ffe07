"""Clinic settings: letterhead, paper size and where the clinic's own forms are.

Read from the first of: `--config FILE`, the file named by the environment
variable CONSENT_CONFIG, or `consent.toml` in the current folder. With none
of these, forms have no letterhead and are printed on A4. Example::

    [clinic]
    name = "Riverside Skin Clinic"
    address = ["12 River Street", "London N1 2AB"]
    phone = "020 7946 0000"
    logo = "riverside-logo.png"     # PNG, JPEG or SVG; relative to this file
    paper = "A4"                    # or "letter"

    [forms]
    dirs = ["clinic-forms"]         # relative to this file

    [seal]
    key = "clinic-seal.p12"         # PKCS#12 or PEM; relative to this file.
                                    # Its password: $CONSENT_SEAL_PASSWORD

    [serve]                         # `consent serve`, the desk in a browser
    users = "staff.users"           # staff sign-in (consent serve add-user NAME)
    certificate = "desk.crt"        # TLS certificate and key (PEM), needed to
    key = "desk.key"                #   serve other computers (--host)
    printer = "Reception"           # CUPS queue of the Print button

Anything unexpected (an unknown key, a wrong type, a missing logo file) is
an error naming the file, so a typo never silently drops the letterhead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import tomlfile
from generator.errors import ConfigError
from generator.render.logo import logo_size
from generator.render.page import PAPER_SIZES

CONFIG_FILE_NAME = "consent.toml"
CONFIG_ENVIRONMENT_VARIABLE = "CONSENT_CONFIG"
LOGO_TYPES = (".png", ".jpg", ".jpeg", ".svg")

_SECTIONS = {
    "clinic": {"name", "address", "phone", "logo", "paper"},
    "forms": {"dirs"},
    "seal": {"key"},
    "serve": {"users", "certificate", "key", "printer"},
}


@dataclass(frozen=True)
class Clinic:
    """What the letterhead says and how the pages are set up."""

    name: str = ""
    address: tuple[str, ...] = ()
    phone: str = ""
    logo: Path | None = None
    paper: str = "A4"


@dataclass(frozen=True)
class ServeSettings:
    """What `consent serve` needs beyond the forms: who may sign in, TLS, the printer."""

    users: Path | None = None  # the staff sign-in file (generator.serve.accounts)
    certificate: Path | None = None  # TLS certificate chain, PEM
    key: Path | None = None  # its private key, PEM
    printer: str | None = None  # CUPS queue; None: the default printer


@dataclass(frozen=True)
class Settings:
    clinic: Clinic = Clinic()
    forms_dirs: tuple[Path, ...] = ()
    seal_key: Path | None = None  # the clinic seal's key file (generator.verify.seal)
    source: Path | None = None  # the file they came from, if any
    serve: ServeSettings = ServeSettings()


def find_settings_file(explicit: Path | None, environment: Mapping[str, str] | None = None) -> Path | None:
    """The settings file to use: --config, then $CONSENT_CONFIG, then ./consent.toml."""
    if environment is None:
        environment = os.environ
    if explicit is not None:
        return explicit
    named = environment.get(CONFIG_ENVIRONMENT_VARIABLE, "").strip()
    if named:
        return Path(named)
    local = Path(CONFIG_FILE_NAME)
    return local if local.is_file() else None


def load_settings(path: Path | None) -> Settings:
    """Read and check the settings file at `path` (None: the defaults)."""
    if path is None:
        return Settings()
    if not path.exists():
        raise ConfigError(
            f"The settings file {path} does not exist. Check the path given with --config or CONSENT_CONFIG."
        )
    table = tomlfile.read_toml(path, error=ConfigError)
    for section, value in table.items():
        if section not in _SECTIONS:
            raise ConfigError.at(
                path, f"unknown section [{section}]. Sections: {', '.join(f'[{s}]' for s in _SECTIONS)}."
            )
        if not isinstance(value, dict):
            raise ConfigError.at(path, f"{section} must be a section, written [{section}].")
        tomlfile.check_unknown_keys(value, path, allowed=_SECTIONS[section], error=ConfigError, section=section)
    folder = path.parent
    clinic_table = table.get("clinic", {})
    clinic = Clinic(
        name=_text(clinic_table, "name", path),
        address=_lines(clinic_table, "address", path),
        phone=_text(clinic_table, "phone", path),
        logo=_logo(clinic_table, folder, path),
        paper=_paper(clinic_table, path),
    )
    dirs = table.get("forms", {}).get("dirs", [])
    if not isinstance(dirs, list) or not all(isinstance(entry, str) for entry in dirs):
        raise ConfigError.at(path, '[forms] dirs must be a list of folders, e.g. dirs = ["clinic-forms"].')
    forms_dirs = []
    for entry in dirs:
        resolved = (folder / entry).resolve()
        if not resolved.is_dir():
            raise ConfigError.at(path, f"[forms] dirs names {entry}, but {resolved} is not a folder.")
        forms_dirs.append(resolved)
    return Settings(
        clinic=clinic,
        forms_dirs=tuple(forms_dirs),
        seal_key=_seal_key(table, folder, path),
        source=path,
        serve=_serve(table.get("serve", {}), folder, path),
    )


def _serve(table: dict[str, Any], folder: Path, path: Path) -> ServeSettings:
    files: dict[str, Path | None] = {}
    for key, example in (("users", "staff.users"), ("certificate", "desk.crt"), ("key", "desk.key")):
        value = table.get(key)
        if value is None:
            files[key] = None
            continue
        if not isinstance(value, str) or not value.strip():
            raise ConfigError.at(path, f'[serve] {key} must be a file name in quotes, e.g. {key} = "{example}".')
        named = (folder / value).resolve()
        # The sign-in file may not exist yet: `consent serve add-user` makes it.
        if key != "users" and not named.is_file():
            raise ConfigError.at(path, f"[serve] {key} {value} was not found (looked for {named}).")
        files[key] = named
    if (files["certificate"] is None) != (files["key"] is None):
        raise ConfigError.at(path, "[serve] needs both certificate and key for TLS, or neither.")
    printer = table.get("printer")
    if printer is not None and (not isinstance(printer, str) or not printer.strip()):
        raise ConfigError.at(path, '[serve] printer must be a CUPS printer name in quotes, e.g. printer = "Reception".')
    return ServeSettings(
        users=files["users"],
        certificate=files["certificate"],
        key=files["key"],
        printer=printer.strip() if printer else None,
    )


def _seal_key(table: dict[str, Any], folder: Path, path: Path) -> Path | None:
    value = table.get("seal", {}).get("key")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError.at(path, '[seal] key must be a file name in quotes, e.g. key = "clinic-seal.p12".')
    key = (folder / value).resolve()
    if key.is_dir():
        raise ConfigError.at(path, f"[seal] key {value} is a folder; give the key file in it, e.g. clinic-seal.p12.")
    if not key.is_file():
        raise ConfigError.at(path, f"[seal] key {value} was not found (looked for {key}).")
    return key


def _text(table: dict[str, Any], key: str, path: Path) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ConfigError.at(path, f'[clinic] {key} must be text in quotes, e.g. {key} = "...".')
    if len(value) > 120:
        raise ConfigError.at(path, f"[clinic] {key} is {len(value)} characters long; the letterhead holds 120.")
    return _printable(value, f"[clinic] {key}", path)


def _printable(value: str, where: str, path: Path) -> str:
    """`value` checked as patient details are: no control or invisible
    characters, and nothing the embedded fonts cannot draw (it would be
    silently dropped from the letterhead)."""
    from generator.errors import FieldError
    from generator.intake.values import clean_text
    from generator.render.fonts import glyph_problem

    try:
        text = clean_text(where, value)
    except FieldError as problem:
        raise ConfigError.at(path, f"{problem.message}") from None
    reason = glyph_problem(text) if text else None
    if reason is not None:
        reason = reason.replace("Type the name without that character, in the spelling on the patient's ID.", "")
        raise ConfigError.at(path, f"{where} cannot be printed: {reason.strip()} Remove that character.")
    return text


def _lines(table: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(line, str) for line in value):
        raise ConfigError.at(
            path, f'[clinic] {key} must be a list of lines, e.g. {key} = ["12 River Street", "London"].'
        )
    lines = tuple(_printable(line, f"[clinic] {key}", path) for line in value if line.strip())
    if len(lines) > 4:
        raise ConfigError.at(path, f"[clinic] {key} has {len(lines)} lines; the letterhead holds 4.")
    return lines


def _logo(table: dict[str, Any], folder: Path, path: Path) -> Path | None:
    value = table.get("logo")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError.at(path, '[clinic] logo must be a file name in quotes, e.g. logo = "logo.png".')
    logo = (folder / value).resolve()
    if logo.suffix.lower() not in LOGO_TYPES:
        raise ConfigError.at(path, f"[clinic] logo {value} must be a PNG, JPEG or SVG file.")
    if logo.exists() and not logo.is_file():
        raise ConfigError.at(path, f"[clinic] logo {value} is not an ordinary file (a folder, a pipe or a device).")
    if not logo.is_file():
        raise ConfigError.at(path, f"[clinic] logo {value} was not found (looked for {logo}).")
    try:
        logo_size(logo)  # read now: a damaged logo is reported before any form is made
    except ConfigError as problem:
        raise ConfigError.at(path, f"[clinic] {problem} Save it again from your drawing program.") from None
    return logo


def _paper(table: dict[str, Any], path: Path) -> str:
    value = table.get("paper", "A4")
    for paper in PAPER_SIZES:
        if isinstance(value, str) and value.strip().lower() == paper.lower():
            return paper
    raise ConfigError.at(path, f'[clinic] paper must be "A4" or "letter", not {value!r}.')
