"""Form + patient -> Document: the form's prose filled in, its lists placed,
its signature blocks and sections set out, in the patient's language.

`filling` makes the Document; `template` fills the prose (sandboxed Jinja2,
held to what a consent form needs); `markdown` turns the filled prose into
blocks. Patient data reaches the template only as values, never as template
source, and every value is Markdown-escaped on output, so a name such as
`*Bob* {{7*7}} <b>` prints exactly as typed; the renderer escapes again for
ReportLab markup. This stage may import the shared modules, the model,
definitions and intake; never rendering, records or the command line.
"""

from generator.compose.filling import PHOTOGRAPH_CHOICES, compose, fixed_characters
from generator.compose.template import TEMPLATE_VARIABLES, check_template_names, format_date, template_context

__all__ = [
    "PHOTOGRAPH_CHOICES",
    "TEMPLATE_VARIABLES",
    "check_template_names",
    "compose",
    "fixed_characters",
    "format_date",
    "template_context",
]
