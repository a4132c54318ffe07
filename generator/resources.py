"""Where the built-in forms and fonts live, wherever consent is installed.

In a wheel they travel inside the package (`generator/forms`, `generator/fonts`,
placed there at build time); in a source checkout or an editable install they
are the repository's top-level `forms/` and `fonts/`. This is the one place
that knows both.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _bundled_dir(name: str) -> Path:
    packaged = Path(str(files("generator"))) / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise RuntimeError(f"consent is installed without its {name}/ folder; reinstall it with pip")


def builtin_forms_dir() -> Path:
    """The folder holding the forms that ship with consent."""
    return _bundled_dir("forms")


def fonts_dir() -> Path:
    """The folder holding the embedded TrueType fonts and their licences."""
    return _bundled_dir("fonts")
