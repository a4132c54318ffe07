"""Staff accounts for `consent serve`: a file of names and scrypt password hashes.

One line per member of staff, `name:scrypt$n$r$p$salt$hash` (salt and hash
in base64), written by `consent serve add-user NAME`. scrypt is in Python's
standard library and is memory-hard, so a stolen file is slow to attack;
each check takes a few tens of milliseconds, which also slows guessing.
The file is written whole (never half) and readable by its owner only.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import re
import secrets
from pathlib import Path

from generator.errors import ConfigError
from generator.reading import UnreadableFileError, read_regular_file
from generator.records.output import write_atomically

# RFC 7914's interactive figures, raised: 2**15 needs 32 MiB and ~60 ms here.
_N, _R, _P = 2**15, 8, 1
_MAX_MEMORY = 64 << 20
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_LARGEST_FILE = 1 << 20
MIN_PASSWORD = 10
# Compared with when a name is unknown, so an unknown name takes as long to
# refuse as a wrong password (the time does not say which names exist).
_DUMMY = f"scrypt${_N}${_R}${_P}$" + base64.b64encode(b"\0" * 16).decode() + "$" + base64.b64encode(b"\0" * 64).decode()


def check_name(name: str) -> str:
    """A sign-in name: letters, digits, dot, dash, underscore; refused otherwise."""
    if not _NAME.match(name):
        raise ConfigError(
            f'"{name}" cannot be a sign-in name: use 1 to 40 letters, digits, dots, dashes or underscores, '
            "starting with a letter or digit (e.g. j.smith)."
        )
    return name


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAX_MEMORY, dklen=64)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def _matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        computed = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt, validate=True),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAX_MEMORY,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, expected)


class Accounts:
    """The staff who may sign in, read from their file, and read again
    whenever the file changes: a name added, removed or given a new password
    with `consent serve add-user` or `remove-user` counts at the next sign-in,
    without restarting the server."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen = self._stamp()
        self._hashes = read_accounts(path)

    def __len__(self) -> int:
        return len(self._hashes)

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            status = self.path.stat()
        except OSError:
            return None
        return status.st_mtime_ns, status.st_size, status.st_ino

    def knows(self, name: str) -> bool:
        """Whether `name` may still sign in (the file read again if it changed)."""
        self._refresh()
        return name in self._hashes

    def check(self, name: str, password: str) -> bool:
        self._refresh()
        stored = self._hashes.get(name)
        correct = _matches(password, stored or _DUMMY)
        return correct and stored is not None

    def _refresh(self) -> None:
        stamp = self._stamp()
        if stamp != self._seen:
            # A file being rewritten by hand: the names read last still hold.
            with contextlib.suppress(ConfigError):
                self._hashes, self._seen = read_accounts(self.path), stamp


def read_accounts(path: Path) -> dict[str, str]:
    """{name: hash} from `path`; a missing, unreadable or malformed file is
    a ConfigError naming it and the line."""
    try:
        data = read_regular_file(path, limit=_LARGEST_FILE)
    except UnreadableFileError as problem:
        raise ConfigError(
            f"The staff sign-in file {path} cannot be read: {problem.reason} Make it with consent serve add-user NAME."
        ) from None
    hashes: dict[str, str] = {}
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        name, _, stored = line.partition(":")
        if not _NAME.match(name) or not stored.startswith("scrypt$") or stored.count("$") != 5:
            raise ConfigError.at(
                path, "this line is not name:scrypt$... as consent serve add-user writes it.", line=number
            )
        hashes[name] = stored
    return hashes


def remove_user(path: Path, name: str) -> bool:
    """Take `name` out of the file at `path`; returns whether it was there."""
    hashes = read_accounts(path) if path.exists() else {}
    if hashes.pop(name, None) is None:
        return False
    _write(path, hashes)
    return True


def _write(path: Path, hashes: dict[str, str]) -> None:
    text = "".join(f"{user}:{stored}\n" for user, stored in sorted(hashes.items()))
    write_atomically(path, text.encode("utf-8"), owner_only=True)


def add_user(path: Path, name: str, password: str) -> bool:
    """Add `name` to the file at `path` (made if absent), or set a new
    password for it; returns whether the name was new."""
    check_name(name)
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"The password is too short: use at least {MIN_PASSWORD} characters.")
    hashes = read_accounts(path) if path.exists() else {}
    new = name not in hashes
    hashes[name] = hash_password(password)
    _write(path, hashes)
    return new
