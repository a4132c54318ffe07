"""One family of exceptions, each message written for front-desk staff.

Every message says what is wrong, where (which field, file or row), and how to
fix it. The command line catches `ConsentError` in one place and prints the
message; nothing below it prints or exits.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path
from typing import Self


class ExitCode(IntEnum):
    """How the `consent` command ends: part of its contract (README, "Exit codes")."""

    DONE = 0  # fill: saved or already there; batch: every row done; verify: every file intact
    REFUSED = 1  # input refused, nothing written; batch: nothing could be done; verify: not intact
    USAGE = 2  # a malformed command line (click's own)
    SOME_ROWS_REFUSED = 3  # batch finished; some rows were refused or their file kept
    PRINT_FAILED = 4  # the PDF or bundle was written, printing it failed
    FILE_KEPT = 5  # fill: another file is at the PDF's name and was kept; nothing written
    BATCH_STOPPED = 6  # batch stopped part way: manifest.json and errors.csv say what was done


class ConsentError(Exception):
    """Base of every error a user can cause and fix. Its text is shown as-is.

    A problem in a file is made with `at(file, message, line)`: it keeps the
    file and line as fields (for a program to read) and writes them in
    front of the message, as staff read it: "forms/x/en/content.toml, line 7: ...".
    """

    exit_code = ExitCode.REFUSED
    file: Path | None = None
    line: int | None = None

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    @classmethod
    def at(cls, file: Path, message: str, line: int | None = None) -> Self:
        problem = cls(f"{file}{f', line {line}' if line else ''}: {message}")
        problem.file, problem.line, problem.message = file, line, message
        return problem


class FieldError(ConsentError):
    """Raised when one patient field is missing or not acceptable.

    `field` is the field's name as staff type it (e.g. ``date_of_birth``), so
    the command line can name the option and a batch can name the column.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class PatientError(ConsentError):
    """Raised when one or more patient fields are refused; carries them all."""

    def __init__(self, problems: list[FieldError]) -> None:
        super().__init__("\n".join(problem.message for problem in problems))
        self.problems = problems


class FormNotFoundError(ConsentError):
    """Raised when no form folder has the requested form id."""


class FormDefinitionError(ConsentError):
    """Raised when a form folder is broken: bad keys, bad types, bad template.

    The message names the file (and line, where known).
    """


class LanguageNotAvailableError(ConsentError):
    """Raised when a form is asked for in a language it has not been written in."""


class ConfigError(ConsentError):
    """Raised when the clinic settings file is missing, unreadable or has a
    mistake, or names a logo that cannot be read."""


class CertificateError(ConsentError):
    """Raised when a certificate given to `consent verify --trust` cannot be used."""


class OutputError(ConsentError):
    """Raised when the finished PDF cannot be written where it was asked for."""


class PrintError(ConsentError):
    """Raised when a saved PDF could not be sent to a printer.

    The PDF exists; only printing failed, so the exit code differs from a
    refused form's.
    """

    exit_code = ExitCode.PRINT_FAILED


class AppointmentListError(ConsentError):
    """Raised when an appointment list as a whole cannot be used (unreadable,
    columns missing). Nothing of the batch is written when this is raised."""
