"""Filling the prose: strict, sandboxed, and patient data is only ever data."""

from __future__ import annotations

import pytest

from generator.compose import compose
from generator.definitions.forms import load_form_folder
from generator.document import ItemList, Paragraph
from generator.errors import FormDefinitionError
from generator.intake.patient import read_patient
from tests.conftest import ADULT, TODAY, as_options
from tests.helpers import BODY, build_form

NOT_ALLOWED = "is not allowed in a form's template"


def document_for(tmp_path, fields, files=None):
    form = load_form_folder(build_form(tmp_path, files))
    return compose(form, read_patient(fields, today=TODAY))


@pytest.mark.parametrize(
    "name",
    [
        "Smith <Jr>",
        "AT&T",
        "{{x*y}}",
        "*Bob* _x_ `y`",
        "# Not a heading",
        "[link](http://x)",
        "{% if %}",
        "O\\Brien",
    ],
)
def test_patient_values_print_exactly_as_typed(tmp_path, fields, name):
    fields["given_name"] = name
    document = document_for(tmp_path, fields)
    consent = [block for block in document.body if isinstance(block, Paragraph)][-1]
    assert consent.text == f"I, {name} Ruiz, agree."


def test_a_name_cannot_pretend_to_be_a_list_placement(tmp_path, fields):
    fields["given_name"] = "\u27e6items:side_effects\u27e7"
    document = document_for(tmp_path, fields, {"en/body.md.j2": "{{ patient.given_name }}\n\n" + BODY})
    assert [item_list.name for item_list in document.item_lists].count("side_effects") == 1
    assert isinstance(document.body[0], Paragraph)


def test_lists_are_placed_where_the_template_says(tmp_path, fields):
    document = document_for(tmp_path, fields)
    names = [item_list.name for item_list in document.item_lists]
    assert names == ["side_effects", "benefits", "precautions", "alternatives", "no_treatment", "withdrawal"]
    item_list = document.item_lists[0]
    assert item_list.initials and [item.text for item in item_list.items] == ["Redness."]
    assert [item_list.initials for item_list in document.item_lists] == [True, False, True, False, False, False]


def test_an_undefined_variable_is_an_error_naming_file_and_line(tmp_path, fields):
    body = BODY + "\nSee you, {{ patient.nickname }}.\n"
    with pytest.raises(FormDefinitionError) as caught:
        document_for(tmp_path, fields, {"en/body.md.j2": body})
    assert f"body.md.j2, line {BODY.count(chr(10)) + 2}" in str(caught.value)
    assert "nickname" in str(caught.value)


def test_a_template_syntax_error_names_file_and_line(tmp_path, fields):
    with pytest.raises(FormDefinitionError, match=r"body.md.j2, line 2: template error"):
        document_for(tmp_path, fields, {"en/body.md.j2": "ok\n{% if %}\n"})


def test_a_list_never_placed_is_an_error_not_a_shorter_form(tmp_path, fields):
    with pytest.raises(FormDefinitionError, match='never places the list "side_effects"'):
        document_for(tmp_path, fields, {"en/body.md.j2": BODY.replace('{{ items("side_effects") }}', "Just prose.")})


def test_a_list_placed_twice_is_an_error(tmp_path, fields):
    with pytest.raises(FormDefinitionError, match='places 2 times the list "side_effects"'):
        document_for(tmp_path, fields, {"en/body.md.j2": BODY + '\n{{ items("side_effects") }}\n'})


def test_a_placement_inside_a_sentence_is_an_error(tmp_path, fields):
    with pytest.raises(FormDefinitionError, match="must be on a line of its own"):
        body = BODY.replace('{{ items("side_effects") }}', 'Risks: {{ items("side_effects") }}')
        document_for(tmp_path, fields, {"en/body.md.j2": body})


def test_the_sandbox_blocks_reaching_python_internals(tmp_path, fields):
    body = BODY + "\n{{ ''.__class__.__mro__ }}\n"
    with pytest.raises(FormDefinitionError, match="template error"):
        document_for(tmp_path, fields, {"en/body.md.j2": body})
    body = BODY + "\n{{ items.__globals__ }}\n"
    with pytest.raises(FormDefinitionError, match='"items" has no field "__globals__"'):
        document_for(tmp_path, fields, {"en/body.md.j2": body})


def test_markdown_the_printer_cannot_honour_is_refused(tmp_path, fields):
    with pytest.raises(FormDefinitionError, match=r"does not print \(image\)"):
        document_for(tmp_path, fields, {"en/body.md.j2": BODY + "\n![logo](x.png)\n"})


def test_signers_follow_the_patient(tmp_path, fields):
    roles = [signer.role for signer in document_for(tmp_path, fields).signers]
    assert roles == ["patient", "clinician", "witness"]
    fields.update(
        date_of_birth="2012-01-01", guardian="Rosa Ruiz", interpreter="Li Wei", interpreter_language="Mandarin"
    )
    signers = document_for(tmp_path / "again", fields).signers
    assert [(s.role, s.printed_name) for s in signers] == [
        ("patient", "Ana Ruiz"),
        ("guardian", "Rosa Ruiz"),
        ("interpreter", "Li Wei"),
        ("clinician", "Dr Lee"),
        ("witness", ""),
    ]
    said = {signer.role: (signer.statement, signer.detail) for signer in signers}
    assert said["patient"][0].startswith("I am the young person having this treatment.")
    assert said["guardian"] == ("", ("Relationship to the patient", ""))  # a line to write it on
    assert said["interpreter"][1] == ("Language interpreted", "Mandarin")
    assert "into the language below" in said["interpreter"][0]
    assert said["clinician"][0].startswith("I explained to the patient and their parent or guardian what")
    assert said["witness"][0] == "I saw the parent or guardian named on this form sign it."


def test_an_adult_signs_without_assent_wording_and_the_witness_sees_the_patient(tmp_path, fields):
    signers = {signer.role: signer for signer in document_for(tmp_path, fields).signers}
    assert signers["patient"].statement == "" and signers["patient"].detail is None
    assert signers["clinician"].statement == (
        "I explained to the patient what this treatment is, its benefits, its risks and the other choices, "
        "including having no treatment. I answered the patient's questions."
    )
    assert signers["witness"].statement == "I saw the patient named on this form sign it."


def test_dates_are_written_out(tmp_path, fields):
    document = document_for(tmp_path, fields)
    assert ("Date of birth", "7 March 1990") in document.identity
    assert ("Procedure date", "1 December 2026") in document.identity
    assert document.form_line == "Form tiny, version 1.0, effective 1 January 2026"
    assert isinstance(document.body[1], ItemList)


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ('{% include "other.md.j2" %}', "line 1: {% include %} is not allowed"),
        ('{% import "macros.j2" as m %}', "line 1: {% import %} is not allowed"),
        ('{% from "macros.j2" import x %}', "line 1: {% from ... import %} is not allowed"),
        ('{% extends "base.j2" %}', "line 1: {% extends %} is not allowed"),
    ],
)
def test_a_clinic_template_cannot_reach_other_files(run_cli, tmp_path, template, says):
    build_form(tmp_path / "forms", {"en/body.md.j2": template + "\n" + BODY})
    result = run_cli("check-form", str(tmp_path / "forms" / "tiny"))
    assert result.exit_code == 1
    assert says in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ('{{ "A" * 100000000 }}', "this kind of expression (mul) " + NOT_ALLOWED),
        ("{{ 10 ** 100000 }}", "this kind of expression (pow) " + NOT_ALLOWED),
        ('{{ "%0999999999d" % 1 }}', "this kind of expression (mod) " + NOT_ALLOWED),
        ("{% for i in range(9000) %}{% for j in range(9000) %}{% endfor %}{% endfor %}", "{% for %} " + NOT_ALLOWED),
        (
            '{% set ns = namespace(s="x") %}{% for i in range(34) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}ok',
            "{% set %} " + NOT_ALLOWED,
        ),
        ("{{ lipsum(100000000) }}", 'only items("...") may be called'),
        ('{{ "a".replace("a", "aaaa").replace("a", "aaaa") }}', 'only items("...") may be called'),
        ("{{ clinician|wordwrap(5) }}", "the filter |wordwrap is not allowed"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "{% macro %} " + NOT_ALLOWED),
        ("{% if 1 %}" * 3000 + "x" + "{% endif %}" * 3000, "nested too deeply"),
        ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "nested too deeply"),
        ("word " * 5_000, "a paragraph of 24,999 characters"),
        ("word " * 200_000, "more than 200,000 characters"),
    ],
    ids=[
        "a huge string",
        "a huge power",
        "a huge format",
        "nested loops",
        "doubling in a loop",
        "lipsum",
        "replace",
        "another filter",
        "recursion",
        "3,000 nested ifs",
        "5,000 parentheses",
        "a huge paragraph",
        "a 200,000-word paragraph",
    ],
)
def test_a_runaway_template_is_refused_quickly(run_cli, tmp_path, template, says):
    import time

    build_form(tmp_path / "forms", {"en/body.md.j2": BODY + "\n" + template + "\n"})
    started = time.monotonic()
    result = run_cli("--forms-dir", str(tmp_path / "forms"), "fill", "tiny", *as_options(ADULT))
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert says in result.output, result.output
    assert "Traceback" not in result.output
    assert "unknown variable" not in result.output


def test_a_template_problem_carries_its_file_and_line_as_fields(tmp_path, fields):
    body = BODY + "\n{% include 'other.md' %}\n"
    with pytest.raises(FormDefinitionError) as caught:
        document_for(tmp_path, fields, {"en/body.md.j2": body})
    problem = caught.value
    assert problem.file == tmp_path / "tiny" / "en" / "body.md.j2"
    assert problem.line == BODY.count("\n") + 2
    assert str(problem) == f"{problem.file}, line {problem.line}: {problem.message}"
    assert problem.message.startswith("{% include %} is not allowed")
