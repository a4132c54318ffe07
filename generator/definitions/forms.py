"""Finding form folders and loading them into checked, frozen definitions.

A form is a folder (see forms/README.md):

    <form-id>/form.toml            id, version, effective_date, languages, signers,
                                   and whether the form asks about photographs
    <form-id>/<lang>/content.toml  title, the procedure in plain words, and the
                                   structured lists, in that language
    <form-id>/<lang>/body.md.j2    the prose (Markdown + Jinja2), placing each list

Anything unexpected in a definition is an error naming the file: a typo in a
key must never make a consent form quietly lose a list. A form that lacks an
element valid consent needs (REQUIRED_ELEMENTS) is refused, naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from generator import tomlfile
from generator.definitions.elements import LIST_INITIALS, MAX_PROCEDURE_TEXT, missing_elements
from generator.document import LANGUAGE_CODE, Item, Role
from generator.errors import FormDefinitionError, FormNotFoundError, LanguageNotAvailableError
from generator.resources import builtin_forms_dir

DEFINITION_FILE = "form.toml"
CONTENT_FILE = "content.toml"
BODY_TEMPLATE = "body.md.j2"

# Guardian and interpreter are not listed: they sign when the patient needs them.
KNOWN_SIGNERS = (Role.patient, Role.clinician, Role.witness)

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class FormText:
    """Everything a form says in one language."""

    language: str
    title: str
    procedure: str
    lists: Mapping[str, tuple[Item, ...]]
    body_source: str
    body_path: Path


@dataclass(frozen=True)
class Form:
    """A checked form definition with the text of each of its languages."""

    id: str
    version: str
    effective_date: date
    languages: tuple[str, ...]
    signers: tuple[Role, ...]
    folder: Path
    texts: Mapping[str, FormText]
    photographs: bool = False  # the form asks consent to photographs of the treated skin

    @property
    def title(self) -> str:
        """The title in the form's first (main) language."""
        return self.texts[self.languages[0]].title

    def text(self, language: str) -> FormText:
        """The form in `language`, or an error naming the languages it has."""
        try:
            return self.texts[language]
        except KeyError:
            available = ", ".join(self.languages)
            raise LanguageNotAvailableError(
                f'The form "{self.id}" is not available in "{language}". '
                f"It is available in: {available}. Choose one of those (--language, or the language column)."
            ) from None


def form_search_path(extra_dirs: Sequence[Path] = ()) -> list[Path]:
    """Folders searched for forms: the clinic's own first, then the built-in ones."""
    return [*extra_dirs, builtin_forms_dir()]


def find_form_folders(search_path: Iterable[Path]) -> dict[str, Path]:
    """Form id -> folder, for every folder with a form.toml; the first found wins."""
    folders: dict[str, Path] = {}
    for root in search_path:
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            if (folder / DEFINITION_FILE).is_file():
                folders.setdefault(folder.name, folder)
    return folders


def load_form(form_id: str, search_path: Iterable[Path] | None = None) -> Form:
    """Load the form called `form_id`, or explain which forms exist.

    Ids are lower-case, so `Laser-Acne-Scar` typed in a spreadsheet still finds
    laser-acne-scar.
    """
    folders = find_form_folders(form_search_path() if search_path is None else search_path)
    folder = folders.get(form_id.strip().lower())
    if folder is None:
        known = ", ".join(sorted(folders)) or "none"
        hint = "give the folder it is in with --forms-dir (or [forms] dirs in the settings)"
        raise FormNotFoundError(f'There is no form called "{form_id}". Available forms: {known}. If it is one of '
                                f"the clinic's own forms, {hint}; `consent forms` lists what is found.")  # fmt: skip
    return load_form_folder(folder)


def load_all_forms(search_path: Iterable[Path] | None = None) -> list[Form]:
    """Every available form, loaded and checked, sorted by id; a broken one
    is an error (see `load_forms_listing` to list the rest anyway)."""
    forms, problems = load_forms_listing(search_path)
    if problems:
        raise FormDefinitionError(problems[0])
    return forms


def load_forms_listing(search_path: Iterable[Path] | None = None) -> tuple[list[Form], list[str]]:
    """Every form that loads, sorted by id, and what is wrong with each that
    does not: one broken clinic form must not hide all the others."""
    folders = find_form_folders(form_search_path() if search_path is None else search_path)
    forms: list[Form] = []
    problems: list[str] = []
    for form_id in sorted(folders):
        try:
            forms.append(load_form_folder(folders[form_id]))
        except FormDefinitionError as problem:
            problems.append(str(problem))
    return forms, problems


def load_form_folder(folder: Path) -> Form:
    """Load and check one form folder; its first problem is raised."""
    form, problems, _ = read_form_folder(folder)
    if form is None:
        raise FormDefinitionError(problems[0])
    return form


class _Problems:
    """Runs checks one after another, keeping every problem instead of
    stopping at the first, so `consent check-form` lists them all at once."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def attempt(self, check: Any, *arguments: Any, **options: Any) -> Any:
        try:
            return check(*arguments, **options)
        except FormDefinitionError as problem:
            self.found.append(str(problem))
            return None


_DEFINITION_KEYS = {"id", "version", "effective_date", "languages", "signers"}
_OPTIONAL_DEFINITION_KEYS = {"photographs"}


def read_form_folder(folder: Path) -> tuple[Form | None, list[str], dict[str, FormText]]:
    """The form in `folder`, or None and every problem found in it; and the
    texts of the languages that loaded, for checks that need only those."""
    problems = _Problems()
    definition_path = folder / DEFINITION_FILE
    definition = problems.attempt(_read_toml, definition_path)
    if definition is None:
        return None, problems.found, {}
    problems.attempt(
        _check_unknown_keys, definition, definition_path, allowed=_DEFINITION_KEYS | _OPTIONAL_DEFINITION_KEYS
    )
    problems.attempt(_check_missing_keys, definition, definition_path, required=_DEFINITION_KEYS)

    def present(key: str, check: Any) -> Any:
        return problems.attempt(check, definition, definition_path) if key in definition else None

    form_id = present("id", lambda table, path: _form_id(table, path, folder))
    version = present("version", lambda table, path: _string(table, "version", path))
    effective_date = present("effective_date", _effective_date)
    languages = present("languages", _languages)
    signers = present("signers", _signers)
    photographs = present("photographs", _photographs) or False
    texts: dict[str, FormText] = {}
    for language in languages or []:
        text = problems.attempt(_load_text, folder / language, language)
        if text is not None:
            texts[language] = text
            problems.found.extend(missing_elements(text.procedure, text.lists, text.body_path.parent / CONTENT_FILE))
    if languages and len(texts) == len(languages):
        problems.found.extend(_different_items(texts))
    if problems.found:
        return None, problems.found, texts
    return (
        Form(
            id=form_id,
            version=version,
            effective_date=effective_date,
            languages=tuple(languages),
            signers=tuple(signers),
            folder=folder,
            texts=texts,
            photographs=photographs,
        ),
        [],
        texts,
    )


def _form_id(definition: Mapping[str, Any], definition_path: Path, folder: Path) -> str:
    form_id = _string(definition, "id", definition_path)
    if not _ID.fullmatch(form_id):
        raise FormDefinitionError.at(definition_path, f'id "{form_id}" must be lower-case letters, digits and dashes.')
    if form_id != folder.name:
        raise FormDefinitionError.at(definition_path, f'id "{form_id}" must match the folder name "{folder.name}".')
    return form_id


def _effective_date(definition: Mapping[str, Any], definition_path: Path) -> date:
    effective_date = definition["effective_date"]
    if not isinstance(effective_date, date) or hasattr(effective_date, "hour"):
        raise FormDefinitionError.at(
            definition_path, "effective_date must be a date written as 2026-11-24 (no quotes)."
        )
    return effective_date


def _languages(definition: Mapping[str, Any], definition_path: Path) -> list[str]:
    languages = _string_list(definition, "languages", definition_path)
    for language in languages:
        if not LANGUAGE_CODE.fullmatch(language):
            raise FormDefinitionError.at(definition_path, f'language "{language}" must be a code such as "en".')
    return languages


def _signers(definition: Mapping[str, Any], definition_path: Path) -> list[Role]:
    signers = _string_list(definition, "signers", definition_path)
    unknown_signers = [signer for signer in signers if signer not in KNOWN_SIGNERS]
    if unknown_signers or Role.patient not in signers:
        raise FormDefinitionError.at(
            definition_path,
            f'signers must include "patient" and may list '
            f"{', '.join(KNOWN_SIGNERS)} (guardian and interpreter are added when needed); "
            f"found {', '.join(signers)}.",
        )
    return [Role(signer) for signer in signers]


def _photographs(definition: Mapping[str, Any], definition_path: Path) -> bool:
    value = definition["photographs"]
    if not isinstance(value, bool):
        raise FormDefinitionError.at(
            definition_path,
            "photographs must be true or false (no quotes): true adds the section asking "
            "consent to photographs of the treated skin.",
        )
    return value


def _different_items(texts: Mapping[str, FormText]) -> list[str]:
    """Every language must list the same items (by id, in the same order):
    a translation that misses a side effect would otherwise print a shorter
    form, with nothing to show that anything is missing."""
    languages = list(texts)
    reference = texts[languages[0]]
    problems = []
    for language in languages[1:]:
        text = texts[language]
        content_path = text.body_path.parent / CONTENT_FILE
        for name in LIST_INITIALS:
            expected = [item.id for item in reference.lists[name]]
            found = [item.id for item in text.lists[name]]
            if found == expected:
                continue
            missing = [item for item in expected if item not in found]
            extra = [item for item in found if item not in expected]
            if missing:
                detail = f"lacks {', '.join(missing)}, which the {languages[0]} text has"
            elif extra:
                detail = f"has {', '.join(extra)}, which the {languages[0]} text does not have"
            else:
                detail = f"lists them in another order than the {languages[0]} text ({', '.join(expected)})"
            problems.append(
                f"{content_path}: {name} {detail}. Every language of a form must list the same items, "
                "so no patient gets a shorter form."
            )
    return problems


def _load_text(language_dir: Path, language: str) -> FormText:
    content_path = language_dir / CONTENT_FILE
    body_path = language_dir / BODY_TEMPLATE
    for path in (content_path, body_path):
        if not path.exists():
            raise FormDefinitionError(
                f"{path} is missing: every language listed in form.toml needs "
                f"{CONTENT_FILE} and {BODY_TEMPLATE} in its folder."
            )
    content = _read_toml(content_path)
    _check_unknown_keys(content, content_path, allowed={"title", "procedure", *LIST_INITIALS})
    _check_missing_keys(content, content_path, required={"title"})
    lists = {name: _items(content.get(name, []), name, content_path) for name in LIST_INITIALS}
    return FormText(
        language=language,
        title=_string(content, "title", content_path),
        procedure=_procedure(content, content_path),
        lists=lists,
        body_source=_read_text(body_path),
        body_path=body_path,
    )


def _items(raw: Any, name: str, path: Path) -> tuple[Item, ...]:
    where = f"{path}: {name}"
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise FormDefinitionError(f"{where} must be written as [[{name}]] tables.")
    items: list[Item] = []
    seen: set[str] = set()
    for number, entry in enumerate(raw, start=1):
        entry_where = f"{where} item {number}"
        unknown = set(entry) - {"id", "text"}
        if unknown or not {"id", "text"} <= set(entry):
            raise FormDefinitionError(
                f"{entry_where} must have exactly the keys id and text (found: {', '.join(sorted(entry)) or 'none'})."
            )
        item_id, text = entry["id"], entry["text"]
        if not isinstance(item_id, str) or not _ID.fullmatch(item_id):
            raise FormDefinitionError(f"{entry_where}: id must be lower-case words joined by dashes.")
        if item_id in seen:
            raise FormDefinitionError(f'{entry_where}: id "{item_id}" is used twice.')
        if not isinstance(text, str) or not text.strip():
            raise FormDefinitionError(f'{entry_where} ("{item_id}"): text must not be empty.')
        if len(text) > MAX_ITEM_TEXT:
            raise FormDefinitionError(
                f'{entry_where} ("{item_id}"): text is {len(text):,} characters; one item holds at most '
                f"{MAX_ITEM_TEXT:,} so that it fits on a page with its initials box. Split it into shorter items."
            )
        seen.add(item_id)
        items.append(Item(id=item_id, text=_one_line(text)))
    return tuple(items)


def _one_line(text: str) -> str:
    """`text` on one line, each run of spaces and line breaks made one space.
    Non-breaking spaces stay: French sets them before : ; ? ! on purpose."""
    return _BREAKABLE_SPACE.sub(" ", text).strip()


_BREAKABLE_SPACE = re.compile(r"[ \t\r\n]+")


def _procedure(content: Mapping[str, Any], path: Path) -> str:
    """The treatment in plain words; empty when missing (missing_elements names it)."""
    if "procedure" not in content:
        return ""
    procedure = _string(content, "procedure", path)
    procedure = _one_line(procedure)
    if len(procedure) > MAX_PROCEDURE_TEXT:
        raise FormDefinitionError.at(
            path,
            f"procedure is {len(procedure)} characters; it is printed in the patient's details, which hold "
            f"at most {MAX_PROCEDURE_TEXT}. Say what is done in one or two short sentences.",
        )
    return procedure


# A form's files are a few kilobytes; a file past this is not one of them,
# and reading it whole (or a pipe or a device given in its place) would
# take the memory or the time of a clinic day.
MAX_FORM_FILE = 1 << 20
MAX_ITEM_TEXT = 2_000  # characters in one side effect or precaution: it must fit on a page


def _read_text(path: Path) -> str:
    return tomlfile.read_text(path, error=FormDefinitionError, limit=MAX_FORM_FILE)


def _read_toml(path: Path) -> dict[str, Any]:
    return tomlfile.read_toml(path, error=FormDefinitionError, limit=MAX_FORM_FILE)


def _check_unknown_keys(table: Mapping[str, Any], path: Path, *, allowed: set[str]) -> None:
    tomlfile.check_unknown_keys(table, path, allowed=allowed, error=FormDefinitionError)


def _check_missing_keys(table: Mapping[str, Any], path: Path, *, required: set[str]) -> None:
    tomlfile.check_missing_keys(table, path, required=required, error=FormDefinitionError)


def _string(table: Mapping[str, Any], key: str, path: Path) -> str:
    return tomlfile.required_text(table, key, path, error=FormDefinitionError)


def _string_list(table: Mapping[str, Any], key: str, path: Path) -> list[str]:
    return tomlfile.text_list(table, key, path, error=FormDefinitionError)
