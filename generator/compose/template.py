"""The form's prose template: Jinja2, sandboxed and StrictUndefined, held to
the few constructs a consent form's prose needs (text, variables, if, items(),
a handful of filters), bounded in output and time, and filled with a patient's
details as values that are Markdown-escaped, never as template source.
`compose_body` fills it and hands the Markdown to `markdown`."""

from __future__ import annotations

import re
import sys
import traceback
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from generator.compose.markdown import Placement, blocks_from_markdown
from generator.definitions.elements import LIST_INITIALS, PLACED_BY_CONSENT
from generator.definitions.forms import Form, FormText
from generator.definitions.labels import format_long_date
from generator.document import (
    Block,
)
from generator.errors import FormDefinitionError
from generator.intake.patient import Patient

_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


def _escape_for_markdown(value: Any) -> Any:
    if isinstance(value, Placement):
        return value.marker
    if value is None:
        return value
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))


# A form's prose is a few pages; these bounds keep a template mistake (or a
# hostile one) from building text no form could hold, or running for minutes.
MAX_TEMPLATE_OUTPUT = 200_000  # characters of Markdown
MAX_TEMPLATE_SECONDS = 5.0


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined,
        finalize=_escape_for_markdown,
        autoescape=False,
        keep_trailing_newline=True,
    )


# Tags that reach for other template files. A form is one folder with one
# template per language: nothing else is loaded, ever.
_OTHER_TEMPLATES = {"Include": "include", "Import": "import", "FromImport": "from ... import", "Extends": "extends"}
# What a form's template is made of: text, the variables consent provides
# (with a few filters), `{% if %}`, and items(). A consent form's prose needs
# nothing more, and without loops, assignments, macros or arithmetic no
# template can build text or numbers without end, nor run for minutes
# while printing nothing.
_ALLOWED_NODES = {
    "Template", "Output", "TemplateData", "Const", "Name", "Getattr", "If", "Not", "And", "Or", "Compare",
    "Operand", "Test", "CondExpr", "Concat", "Filter", "Call",
}  # fmt: skip
_ALLOWED_FILTERS = {"upper", "lower", "title", "capitalize", "trim", "default", "d"}
_TAG_NAMES = {
    "For": "{% for %}", "Macro": "{% macro %}", "CallBlock": "{% call %}", "Assign": "{% set %}",
    "AssignBlock": "{% set %}", "With": "{% with %}", "FilterBlock": "{% filter %}", "Block": "{% block %}",
    "Scope": "{% scope %}", "OverlayScope": "a scope", "ScopedEvalContextModifier": "{% autoescape %}",
    "EvalContextModifier": "{% autoescape %}", "ExprStmt": "{% do %}", "Continue": "{% continue %}",
    "Break": "{% break %}",
}  # fmt: skip


def _check_template_language(body_path: Path, source: str) -> None:
    """Refuse, naming the line, anything a form's template may not use."""
    from jinja2 import nodes

    try:
        tree = _environment().parse(source)
    except RecursionError:
        raise FormDefinitionError.at(
            body_path, "the template is nested too deeply to read. Write it with fewer nested tags."
        ) from None
    for node in tree.find_all(nodes.Node):
        kind = type(node).__name__
        if kind in _OTHER_TEMPLATES:
            raise FormDefinitionError.at(
                body_path,
                f"{{% {_OTHER_TEMPLATES[kind]} %}} is not allowed: a form's template cannot use other "
                "template files. Put the text in this file itself.",
                line=node.lineno,
            )
        if kind not in _ALLOWED_NODES:
            what = _TAG_NAMES.get(kind) or f"this kind of expression ({kind.lower()})"
            raise FormDefinitionError.at(
                body_path,
                f"{what} is not allowed in a form's template. A form's prose may use {{{{ variables }}}}, "
                f'{{% if %}} ... {{% endif %}} and {{{{ items("side_effects") }}}}; nothing else.',
                line=node.lineno,
            )
        if isinstance(node, nodes.Filter) and node.name not in _ALLOWED_FILTERS:
            raise FormDefinitionError.at(
                body_path,
                f"the filter |{node.name} is not allowed. Filters a form may use: "
                f"{', '.join(sorted(_ALLOWED_FILTERS))}.",
                line=node.lineno,
            )
        if isinstance(node, nodes.Call) and not (
            isinstance(node.node, nodes.Name) and node.node.name == "items" and not node.kwargs and len(node.args) == 1
        ):
            raise FormDefinitionError.at(
                body_path,
                'only items("...") may be called in a form\'s template, with the name of a list.',
                line=node.lineno,
            )


@lru_cache(maxsize=64)
def _template(body_path: Path, source: str) -> Template:
    environment = _environment()
    try:
        _check_template_language(body_path, source)
        code = environment.compile(source, name=body_path.name, filename=str(body_path))
    except RecursionError:
        raise FormDefinitionError.at(
            body_path, "the template is nested too deeply to read. Write it with fewer nested tags."
        ) from None
    except TemplateSyntaxError as problem:
        opened = _unclosed_block(environment, source) if "Unexpected end of template" in str(problem.message) else None
        where = f" (the {{% {opened[1]} %}} opened on line {opened[0]} is never closed)" if opened else ""
        raise FormDefinitionError(
            f"{body_path}, line {problem.lineno}: template error: {problem.message}{where}"
        ) from None
    return environment.template_class.from_code(environment, code, environment.make_globals(None), None)


_BLOCK_TAGS = {"if", "for", "macro", "call", "filter", "block", "with", "raw", "trans"}


def _unclosed_block(environment: SandboxedEnvironment, source: str) -> tuple[int, str] | None:
    """The line and tag of the innermost block tag left open at the end of
    `source` (Jinja only says which kind of block it was)."""
    open_blocks: list[tuple[int, str]] = []
    expecting_tag = False
    try:
        for line, kind, value in environment.lex(source):
            if kind == "block_begin":
                expecting_tag = True
            elif expecting_tag and kind == "name":
                expecting_tag = False
                if value in _BLOCK_TAGS:
                    open_blocks.append((line, value))
                elif value.startswith("end") and open_blocks and open_blocks[-1][1] == value[3:]:
                    open_blocks.pop()
            elif kind != "whitespace":
                expecting_tag = False
    except TemplateSyntaxError:
        return None
    return open_blocks[-1] if open_blocks else None


# The variables a form's prose may use, and the fields of those that have
# fields (documented in README.md, "Adding a form"). template_context()
# provides exactly these; check_template_names() holds templates to them.
TEMPLATE_VARIABLES: dict[str, frozenset[str]] = {
    "patient": frozenset({"given_name", "family_name", "full_name", "record_number", "date_of_birth"}),
    "form": frozenset({"id", "title", "version"}),
    "procedure_date": frozenset(),
    "clinician": frozenset(),
    "guardian": frozenset(),
    "interpreter": frozenset(),
    "items": frozenset(),
}


def check_template_names(text: FormText) -> list[str]:
    """Problems with the names `text`'s template uses: a variable or a field
    consent does not provide, each with its file and line. Checked on the
    template's source, so a name in a branch no test patient reaches is
    still found."""
    from jinja2 import nodes

    _template(text.body_path, text.body_source)  # a syntax error, with its line, first
    tree = _environment().parse(text.body_source)
    # What Jinja itself provides inside a template. (A form's template cannot
    # assign names: _check_template_language refuses set, for and macro.)
    assigned = {"range", "dict", "namespace", "cycler", "joiner", "loop", "caller", "varargs", "kwargs"}
    problems: list[str] = []
    known = ", ".join(sorted(TEMPLATE_VARIABLES))
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in TEMPLATE_VARIABLES and name.name not in assigned:
            problems.append(f'{text.body_path}, line {name.lineno}: unknown variable "{name.name}". Known: {known}.')
    for attribute in tree.find_all(nodes.Getattr):
        target = attribute.node
        if isinstance(target, nodes.Name) and target.name in TEMPLATE_VARIABLES:
            fields = TEMPLATE_VARIABLES[target.name]
            if attribute.attr not in fields:
                offered = ", ".join(sorted(fields)) or "none"
                problems.append(
                    f'{text.body_path}, line {attribute.lineno}: "{target.name}" has no field "{attribute.attr}" '
                    f"(its fields: {offered})."
                )
    for call in tree.find_all(nodes.Call):
        argument = call.args[0] if len(call.args) == 1 else None
        if isinstance(argument, nodes.Const):
            problem = _placement_problem(str(argument.value))
            if problem is not None:
                problems.append(f"{text.body_path}, line {call.lineno}: {problem}")
    return problems


def _placement_problem(name: str) -> str | None:
    """Why the prose cannot place the list `name` with items(), or None if it can."""
    if name not in LIST_INITIALS:
        return f'items("{name}") names no list; the lists are {", ".join(LIST_INITIALS)}.'
    if name in PLACED_BY_CONSENT:
        return (
            f'items("{name}") must not be placed in the prose: consent prints these questions in their own '
            f'section ("Check your understanding"), with a box for each. Remove {{{{ items("{name}") }}}}.'
        )
    return None


def template_context(form: Form, text: FormText, patient: Patient, placements: dict[str, int]) -> dict[str, Any]:
    """The variables a form's prose may use: exactly TEMPLATE_VARIABLES."""

    def items(name: str) -> Placement:
        problem = _placement_problem(name)
        if problem is not None:
            raise FormDefinitionError.at(text.body_path, problem)
        placements[name] = placements.get(name, 0) + 1
        return Placement(name)

    language = patient.language
    return {
        "patient": {
            "given_name": patient.given_name,
            "family_name": patient.family_name,
            "full_name": patient.full_name,
            "record_number": patient.record_number,
            "date_of_birth": format_date(patient.date_of_birth, language),
        },
        "procedure_date": format_date(patient.procedure_date, language),
        "clinician": patient.clinician,
        "guardian": patient.guardian or "",
        "interpreter": patient.interpreter or "",
        "form": {"id": form.id, "title": text.title, "version": form.version},
        "items": items,
    }


def compose_body(form: Form, text: FormText, patient: Patient) -> tuple[Block, ...]:
    template = _template(text.body_path, text.body_source)
    placements: dict[str, int] = {}
    try:
        markdown = _render_bounded(template, template_context(form, text, patient, placements), text.body_path)
    except FormDefinitionError:
        raise
    except TemplateError as problem:
        line = _template_line(text.body_path)
        # A misspelt variable or field reads better as check-form words it
        # ("patient" has no field "fullname" (its fields: ...)) than as Jinja's.
        named = check_template_names(text)
        raise FormDefinitionError(named[0] if named else f"{text.body_path}{line}: template error: {problem}") from None
    for name, items in text.lists.items():
        count = placements.get(name, 0)
        if items and count != 1 and name not in PLACED_BY_CONSENT:
            how = "never places" if count == 0 else f"places {count} times"
            raise FormDefinitionError(
                f'{text.body_path} {how} the list "{name}". Every list must appear exactly '
                f'once: put {{{{ items("{name}") }}}} on a line of its own.'
            )
    return blocks_from_markdown(markdown, text)


def _render_bounded(template: Template, context: dict[str, Any], body_path: Path) -> str:
    """The template's output, refused once it passes MAX_TEMPLATE_OUTPUT
    characters or MAX_TEMPLATE_SECONDS, checked as each piece is made."""
    import time

    started = time.monotonic()
    pieces: list[str] = []
    size = 0
    for piece in template.generate(context):
        size += len(piece)
        pieces.append(piece)
        if size > MAX_TEMPLATE_OUTPUT:
            raise FormDefinitionError.at(
                body_path,
                f"the template makes more than {MAX_TEMPLATE_OUTPUT:,} characters of text, more than "
                "any form holds. Check its loops.",
            )
        if time.monotonic() - started > MAX_TEMPLATE_SECONDS:
            raise FormDefinitionError.at(
                body_path, f"the template takes more than {MAX_TEMPLATE_SECONDS:.0f} seconds to fill. Check its loops."
            )
    return "".join(pieces)


def _template_line(body_path: Path) -> str:
    # Jinja2 rewrites tracebacks so the template's own line shows as a frame.
    frames = traceback.extract_tb(sys.exc_info()[2])
    for frame in reversed(frames):
        if frame.filename == str(body_path):
            return f", line {frame.lineno}"
    return ""


def format_date(day: date, language: str) -> str:
    """A date as the form's readers write it: "1 December 2026",
    "1 décembre 2026", "1 de diciembre de 2026" (CLDR's long format)."""
    return format_long_date(day, language)
