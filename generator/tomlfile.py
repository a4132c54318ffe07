"""Reading a TOML file a person wrote (a form's definition and content, the
clinic's settings) and holding it to what it may contain.

A file is read whole only if it is an ordinary file of modest size (a pipe,
a device or a huge file in its place is refused, never waited on), must be
UTF-8, and every problem is raised as the caller's error class, naming the
file and, where tomllib cannot say, the line a key is on: a misspelt key
must never make a consent form, or the clinic's letterhead, quietly lose
what it was meant to hold.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from generator.errors import ConsentError
from generator.reading import UnreadableFileError, read_regular_file

# Files people write by hand are a few kilobytes.
MAX_TOML_FILE = 1 << 20


def read_text(path: Path, *, error: type[ConsentError], limit: int = MAX_TOML_FILE) -> str:
    """The UTF-8 text of the ordinary file at `path`, or `error` saying why not."""
    try:
        data = read_regular_file(path, limit=limit)
    except UnreadableFileError as problem:
        raise error(f"{path} cannot be used: {problem.reason}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise error(f"{path} is not UTF-8 text (byte {problem.start}). Save it as UTF-8 in your editor.") from None


def read_toml(path: Path, *, error: type[ConsentError], limit: int = MAX_TOML_FILE) -> dict[str, Any]:
    """The table in the TOML file at `path`, or `error` saying what is wrong."""
    try:
        return tomllib.loads(read_text(path, error=error, limit=limit))
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path} is not valid TOML: {problem}.") from None


def check_unknown_keys(
    table: Mapping[str, Any], path: Path, *, allowed: Iterable[str], error: type[ConsentError], section: str = ""
) -> None:
    """Refuse a key not in `allowed`, naming its line and the likeliest key meant."""
    allowed = sorted(allowed)
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        others = f" (and {', '.join(unknown[1:])})" if len(unknown) > 1 else ""
        where = f" in [{section}]" if section else ""
        raise error(
            f'{path}{line_of_key(path, key)}: unknown key "{key}"{others}{where}.{hint} '
            f"The keys allowed here are: {', '.join(allowed)}."
        )


def check_missing_keys(
    table: Mapping[str, Any], path: Path, *, required: Iterable[str], error: type[ConsentError]
) -> None:
    missing = sorted(set(required) - set(table))
    if missing:
        raise error(f"{path}: missing key{'s' if len(missing) > 1 else ''} {', '.join(missing)}.")


def line_of_key(path: Path, key: str) -> str:
    """ ", line N" where `key` is set in the TOML file, if it can be found (tomllib gives no lines)."""
    try:
        lines = read_text(path, error=ConsentError).splitlines()
    except ConsentError:
        return ""
    pattern = re.compile(rf"^\s*(\[\[?)?\s*{re.escape(key)}\s*(=|\])")
    for number, line in enumerate(lines, start=1):
        if pattern.match(line):
            return f", line {number}"
    return ""


def required_text(table: Mapping[str, Any], key: str, path: Path, *, error: type[ConsentError]) -> str:
    """The non-blank text at `key`, trimmed."""
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise error(f'{path}: {key} must be text in quotes, e.g. {key} = "...".')
    return value.strip()


def text_list(table: Mapping[str, Any], key: str, path: Path, *, error: type[ConsentError]) -> list[str]:
    """The list of text at `key`: not empty, no entry twice."""
    value = table[key]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise error(f'{path}: {key} must be a list of text, e.g. {key} = ["en"].')
    if len(set(value)) != len(value):
        raise error(f"{path}: {key} lists the same entry twice.")
    return list(value)
