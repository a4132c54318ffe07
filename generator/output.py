"""Writing finished files so that a reader never sees half of one.

The bytes go to a hidden temporary file in the target folder, are flushed to
disk, and the file is then renamed over the target in one step. If anything
fails, the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from generator.errors import OutputError

TEMPORARY_PREFIX = ".consent-"
TEMPORARY_SUFFIX = ".partial"
T = TypeVar("T")


def write_atomically(target: Path, data: bytes) -> None:
    """Replace `target` with `data` all at once, or leave it untouched."""
    write_stream_atomically(target, lambda stream: stream.write(data))


def write_stream_atomically(target: Path, write: Callable[[BinaryIO], T]) -> T:
    """Let `write` fill a hidden temporary file, then rename it over `target`.

    For output too large to hold in memory (a print bundle). Returns what
    `write` returns.
    """
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(
            f'The folder "{folder}" does not exist. Create it first, or choose another place for the PDF with -o.'
        )
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, suffix=TEMPORARY_SUFFIX, dir=folder)
    except OSError as problem:
        raise OutputError(
            f'Cannot write in the folder "{folder}": {problem.strerror}. Choose a folder you can save files in with -o.'
        ) from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            outcome = write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644 & ~_umask())
        os.replace(temporary, target)
    except OSError as problem:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(
            f'Cannot save "{target}": {problem.strerror}. Check the disk has room and the '
            "file is not open in another program, then try again."
        ) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(folder)
    return outcome


def require_folder(folder: Path) -> None:
    """Refuse, in words staff can act on, a folder that is not there."""
    if not folder.is_dir():
        raise OutputError(
            f'The folder "{folder}" does not exist. Create it first, or choose another place for the PDF with -o.'
        )


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _sync_folder(folder: Path) -> None:
    # The rename is only durable once the folder entry itself reaches the disk.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
