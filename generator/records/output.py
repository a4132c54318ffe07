"""Writing finished files so that a reader never sees half of one, and
nobody but the clinic's own accounts can read them.

The bytes go to a hidden temporary file in the target folder (created
readable by its owner only), are flushed to disk, given the file's final
permissions, and then put in place in one step. If anything fails, the
temporary file is removed and the target is left as it was.

Two ways to put the file in place:
- `write_new` never replaces anything: it hard-links the finished file to
  its name, which fails if the name exists, even if a second process made
  it a moment ago.
- `write_atomically` renames over the target: for files that each run makes
  anew (the print bundle, the manifest, errors.csv).

Files that hold patient details get no permission for "others" (0640 at
most, less if the umask says so), like the audit log.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from generator.errors import OutputError

TEMPORARY_PREFIX = ".consent-"
TEMPORARY_SUFFIX = ".partial"
PRIVATE_FILE_MODE = 0o640
PRIVATE_FOLDER_MODE = 0o750
T = TypeVar("T")

# Errors from file systems that have no hard links (some network shares,
# FAT-formatted drives): `write_new` then checks and renames instead.
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK, errno.ENOSYS}


class DiskError(OutputError):
    """The disk itself refused: full, over quota, read-only or failing. Not
    a problem of one file: a batch stops rather than try every other row."""


_DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}


class TargetExistsError(OutputError):
    """`write_new` found a file already at the target's name."""

    def __init__(self, target: Path) -> None:
        super().__init__(f'"{target}" already exists.')
        self.target = target


def write_atomically(target: Path, data: bytes, *, owner_only: bool = False) -> None:
    """Replace `target` with `data` all at once, or leave it untouched.
    `owner_only` (for password hashes) leaves the group no access either."""
    _write_via_temporary(target, lambda stream: stream.write(data), os.replace, owner_only=owner_only)


def write_new(target: Path, data: bytes, *, owner_only: bool = False) -> None:
    """Create `target` holding `data` all at once; never replaces a file.

    Raises TargetExistsError if the name is taken, whoever took it and when.
    `owner_only` (for a private key) leaves the group no access either.
    """
    _write_via_temporary(target, lambda stream: stream.write(data), _link_into_place, owner_only=owner_only)


def write_stream_atomically(target: Path, write: Callable[[BinaryIO], T]) -> T:
    """Let `write` fill a hidden temporary file, then rename it over `target`.

    For output too large to hold in memory (a print bundle). Returns what
    `write` returns.
    """
    return _write_via_temporary(target, write, os.replace)


def _write_via_temporary(
    target: Path,
    write: Callable[[BinaryIO], T],
    put_in_place: Callable[[str, Path], None],
    *,
    owner_only: bool = False,
) -> T:
    folder = target.parent
    require_folder(folder)
    try:
        # mkstemp makes the file readable by its owner only, so patient
        # details are never readable by others, even for a moment.
        descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, suffix=TEMPORARY_SUFFIX, dir=folder)
    except OSError as problem:
        error = DiskError if problem.errno in _DISK_ERRORS else OutputError
        raise error(
            f'Cannot write in the folder "{folder}": {problem.strerror}. Choose a folder you can save files in with -o.'
        ) from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            outcome = write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        if not owner_only:
            os.chmod(temporary, private_file_mode())
        put_in_place(temporary, target)
    except TargetExistsError:
        Path(temporary).unlink(missing_ok=True)
        raise
    except OSError as problem:
        Path(temporary).unlink(missing_ok=True)
        error = DiskError if problem.errno in _DISK_ERRORS else OutputError
        raise error(
            f'Cannot save "{target}": {problem.strerror}. Check the disk has room and the '
            "file is not open in another program, then try again."
        ) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(folder)
    return outcome


def _link_into_place(temporary: str, target: Path) -> None:
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise TargetExistsError(target) from None
    except OSError as problem:
        if problem.errno not in _NO_HARD_LINKS:
            raise
        # No hard links here: a second process could still slip in between
        # this check and the rename, which is the best such a disk allows.
        if os.path.lexists(target):
            raise TargetExistsError(target) from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)


def require_folder(folder: Path) -> None:
    """Refuse, in words staff can act on, a folder that is not there."""
    if not folder.is_dir():
        raise OutputError(
            f'The folder "{folder}" does not exist. Create it first, or choose another place for the PDF with -o.'
        )


def private_file_mode() -> int:
    """0640, less whatever the umask takes away."""
    return PRIVATE_FILE_MODE & ~_current_umask()


def _current_umask() -> int:
    # Read, not set-and-restore: os.umask changes the whole process, and
    # another thread could create a file in between.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o077  # unknown: assume the strictest, so nothing is shared by mistake


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
