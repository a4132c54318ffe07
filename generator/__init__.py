"""consent: fill approved informed-consent forms into signed-ready PDFs.

The public API is what this module exports; everything else is private.
"""

__version__ = "0.1.0"

from generator.errors import ConsentError
from generator.forms import Form, load_all_forms, load_form
from generator.main import FilledForm, default_file_name, fill, save
from generator.patient import Patient, read_patient

__all__ = [
    "ConsentError",
    "FilledForm",
    "Form",
    "Patient",
    "__version__",
    "default_file_name",
    "fill",
    "load_all_forms",
    "load_form",
    "read_patient",
    "save",
]
