"""consent: fill approved informed-consent forms into signed-ready PDFs.

The public API is what this module exports; everything else is private.
"""

import sys

__version__ = "0.4.0"

# ReportLab imports uharfbuzz, when it is installed, on its first font import,
# for shaping consent never asks it to do (generator.scripts shapes
# right-to-left runs itself). That import costs ~10 ms of the 0.3 s a whole
# `consent fill` may take, so ReportLab is kept from seeing it;
# generator.scripts imports it when a name needs it.
sys.modules.setdefault("uharfbuzz", None)  # type: ignore[arg-type]

# Imported after the line above, on purpose.
from generator.errors import ConsentError  # noqa: E402
from generator.filing import Filed, KeptFileError, save  # noqa: E402
from generator.forms import Form, load_all_forms, load_form  # noqa: E402
from generator.main import FilledForm, default_file_name, fill  # noqa: E402
from generator.patient import Patient, read_patient  # noqa: E402

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
