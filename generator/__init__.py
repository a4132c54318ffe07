"""consent: fill approved informed-consent forms into signed-ready PDFs.

The public API is what this module exports (see `generator.api`); everything
else is private. Importing it loads nothing else and changes no other
library's state: each name is imported on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from generator._version import __version__

if TYPE_CHECKING:
    from generator.api import FilledForm, default_file_name, fill
    from generator.definitions.forms import Form, load_all_forms, load_form
    from generator.errors import ConsentError
    from generator.intake.patient import Patient, read_patient
    from generator.records.filing import Filed, KeptFileError, save

# Each public name, and the module it lives in.
_EXPORTS = {
    "ConsentError": "generator.errors",
    "Filed": "generator.records.filing",
    "KeptFileError": "generator.records.filing",
    "save": "generator.records.filing",
    "Form": "generator.definitions.forms",
    "load_all_forms": "generator.definitions.forms",
    "load_form": "generator.definitions.forms",
    "FilledForm": "generator.api",
    "default_file_name": "generator.api",
    "fill": "generator.api",
    "Patient": "generator.intake.patient",
    "read_patient": "generator.intake.patient",
}

__all__ = [
    "ConsentError",
    "Filed",
    "FilledForm",
    "Form",
    "KeptFileError",
    "Patient",
    "__version__",
    "default_file_name",
    "fill",
    "load_all_forms",
    "load_form",
    "read_patient",
    "save",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'generator' has no attribute {name!r}")
