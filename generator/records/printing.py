"""Sending a finished PDF to a CUPS print queue with `lp`.

The job's title is the file name, which never holds the patient's name:
print queues are visible to anyone at the desk. Printing happens after the
PDF is saved, so a printer problem never costs the form itself.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from generator.errors import PrintError

_JOB_ID = re.compile(r"request id is (\S+)")
_LP_PREFIX = re.compile(r"^\S*lp: (Error - )?")
LP_TIMEOUT_SECONDS = 60


def print_pdf(path: Path, *, printer: str | None = None, copies: int = 1) -> str:
    """Queue `path` for printing; returns the CUPS job id, or raises PrintError."""
    lp = shutil.which("lp")
    if lp is None:
        raise PrintError(
            f"The form was saved as {path}, but it could not be printed: the lp command "
            "(CUPS) is not installed on this computer. Print the file by hand, or ask IT "
            "to install CUPS (Debian/Ubuntu package cups-client)."
        )
    command = [lp, "-n", str(copies), "-t", path.name]
    if printer:
        command += ["-d", printer]
    command.append(str(path))
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=LP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise PrintError(
            f"The form was saved as {path}, but the print system did not answer within "
            f"{LP_TIMEOUT_SECONDS} seconds. Check the printer, then print the file by hand."
        ) from None
    if result.returncode != 0:
        reason = _LP_PREFIX.sub("", (result.stderr or result.stdout).strip()).rstrip(".")
        where = printer_words(printer)
        raise PrintError(
            f"The form was saved as {path}, but it could not be sent to {where}: {reason}. "
            "`lpstat -p -d` lists the printers and the default; choose one with --printer."
        )
    match = _JOB_ID.search(result.stdout)
    return match.group(1) if match else "(no job id given)"


def printer_words(printer: str | None) -> str:
    """A printer as staff read it: 'printer "Reception"', or 'the default printer'."""
    return f'printer "{printer}"' if printer else "the default printer"


def sent_words(path: Path, printer: str | None, copies: int, job: str) -> str:
    """What staff are told once a file is in the queue (the command and the desk page alike)."""
    return f"Sent {path.name} to {printer_words(printer)} ({copies} cop{'y' if copies == 1 else 'ies'}, job {job})."
