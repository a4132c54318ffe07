"""`consent check-form` and `--forms-dir`: a clinic's own form, checked before use."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.conftest import TESTS, as_options
from tests.helpers import BODY, CONTENT_TOML, FORM_TOML, REQUIRED_ELEMENTS_BODY, REQUIRED_LISTS_TOML, build_form

TWO_LANGUAGES = FORM_TOML.replace('languages = ["en"]', 'languages = ["en", "fr"]')
FRENCH_CONTENT = (
    """\
title = "Petit formulaire"
procedure = "Un petit traitement."

[[side_effects]]
id = "redness"
text = "Rougeur."

"""
    + REQUIRED_LISTS_TOML
)
FRENCH_BODY = (
    """\
## Risques

{{ items("side_effects") }}

Je soussigné(e), {{ patient.full_name }}, accepte.

"""
    + REQUIRED_ELEMENTS_BODY
)


def bilingual(tmp_path, **changes):
    files = {"form.toml": TWO_LANGUAGES, "fr/content.toml": FRENCH_CONTENT, "fr/body.md.j2": FRENCH_BODY, **changes}
    return build_form(tmp_path / "forms", files)


def test_a_good_form_is_ready(run_cli, tmp_path):
    folder = bilingual(tmp_path)
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 0, result.output
    assert f"{folder}: ready - tiny v1.0, languages en, fr" in result.output
    assert "test fill: en 2 pages, fr 2 pages" in result.output


def test_the_built_in_form_is_ready(run_cli):
    from generator.resources import builtin_forms_dir

    result = run_cli("check-form", str(builtin_forms_dir() / "laser-acne-scar"))
    assert result.exit_code == 0, result.output
    assert "languages en, fr, es" in result.output


def test_a_template_syntax_error_names_the_file_and_line(run_cli, tmp_path):
    folder = bilingual(tmp_path, **{"fr/body.md.j2": FRENCH_BODY + "\n{% if guardian %}\nOui.\n"})
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    assert "NOT READY" in result.output
    assert f"{folder / 'fr' / 'body.md.j2'}, line " in result.output
    assert "template error" in result.output


def test_a_translation_missing_an_item_is_named(run_cli, tmp_path):
    english = CONTENT_TOML + '\n[[side_effects]]\nid = "itching"\ntext = "Itching."\n'
    folder = bilingual(tmp_path, **{"en/content.toml": english})
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    assert f"{folder / 'fr' / 'content.toml'}: side_effects lacks itching, which the en text has" in result.output


def test_a_translation_with_an_extra_item_is_named(run_cli, tmp_path):
    french = FRENCH_CONTENT + '\n[[side_effects]]\nid = "itching"\ntext = "Démangeaisons."\n'
    folder = bilingual(tmp_path, **{"fr/content.toml": french})
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    assert "fr/content.toml: side_effects has itching, which the en text does not have" in result.output


def test_a_listed_language_without_its_folder_is_named(run_cli, tmp_path):
    folder = build_form(tmp_path / "forms", {"form.toml": TWO_LANGUAGES})
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    assert f"{folder / 'fr' / 'content.toml'} is missing" in result.output


def test_an_unknown_variable_is_named_even_in_a_branch_no_one_takes(run_cli, tmp_path):
    body = BODY + "{% if interpreter and false %}{{ patient_name }} {{ patient.nickname }}{% endif %}\n"
    folder = bilingual(tmp_path, **{"en/body.md.j2": body})
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    body_path, line = folder / "en" / "body.md.j2", BODY.count("\n") + 1
    assert f'{body_path}, line {line}: unknown variable "patient_name"' in result.output
    assert f'{body_path}, line {line}: "patient" has no field "nickname"' in result.output


def test_an_unknown_key_is_named(run_cli, tmp_path):
    folder = bilingual(tmp_path, **{"form.toml": TWO_LANGUAGES + 'reviewed_by = "Dr Lee"\n'})
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    assert str(folder / "form.toml") in result.output and "reviewed_by" in result.output


def test_a_language_consent_has_no_wording_for_is_named(run_cli, tmp_path):
    form_toml = FORM_TOML.replace('languages = ["en"]', 'languages = ["en", "xx"]')
    folder = build_form(
        tmp_path / "forms",
        {"form.toml": form_toml, "xx/content.toml": CONTENT_TOML, "xx/body.md.j2": BODY},
    )
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    assert 'in "xx" yet. Languages it can print: en, es, fr.' in result.output


def test_a_folder_that_is_not_a_form_is_named(run_cli, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("check-form", str(tmp_path / "empty"))
    assert result.exit_code == 1
    assert "has no form.toml: it is not a form folder" in result.output


def test_forms_dir_adds_the_clinics_forms_beside_the_built_in_ones(run_cli, tmp_path, fields):
    bilingual(tmp_path)
    listed = run_cli("--forms-dir", str(tmp_path / "forms"), "forms")
    assert "tiny" in listed.output and "laser-acne-scar" in listed.output
    made = run_cli("--forms-dir", str(tmp_path / "forms"), "fill", "tiny", *as_options(fields), "--language", "fr")
    assert made.exit_code == 0, made.output
    assert (tmp_path / "tiny_2026-12-01_00123.pdf").is_file()
    without = run_cli("fill", "tiny", *as_options(fields))
    assert without.exit_code == 1 and 'There is no form called "tiny"' in without.output


def test_one_broken_clinic_form_does_not_hide_the_others(run_cli, tmp_path):
    build_form(tmp_path / "forms", {"form.toml": FORM_TOML.replace('version = "1.0"', "version = 1.0")})
    result = run_cli("--forms-dir", str(tmp_path / "forms"), "forms")
    assert result.exit_code == 1
    assert "laser-acne-scar" in result.output
    assert "1 form folder(s) could not be loaded" in result.output
    assert str(tmp_path / "forms" / "tiny" / "form.toml") in result.output


def test_fill_names_a_misspelt_field_as_check_form_does(run_cli, tmp_path, fields):
    build_form(tmp_path / "forms", {"en/body.md.j2": BODY.replace("patient.full_name", "patient.fullname")})
    result = run_cli("--forms-dir", str(tmp_path / "forms"), "fill", "tiny", *as_options(fields))
    assert result.exit_code == 1
    assert '"patient" has no field "fullname" (its fields: date_of_birth, family_name, full_name' in result.output
    assert "body.md.j2, line 5" in result.output


def test_an_unclosed_block_names_the_line_it_opened_on(run_cli, tmp_path):
    folder = build_form(tmp_path / "forms", {"en/body.md.j2": BODY + "\n{% if guardian %}\nYes.\n\nMore.\n"})
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    assert f"(the {{% if %}} opened on line {BODY.count(chr(10)) + 2} is never closed)" in result.output


def test_one_run_lists_every_problem_of_every_stage(run_cli, tmp_path):
    """Five problems in four places: a key, a signer, a missing file, an item
    and a template name. check-form names all five at once."""
    folder = build_form(
        tmp_path,
        {
            "form.toml": FORM_TOML.replace(
                'signers = ["patient", "clinician", "witness"]', 'signers = ["nurse"]'
            ).replace('languages = ["en"]', 'languages = ["en", "fr", "es"]')
            + 'colour = "blue"\n',
            "en/body.md.j2": BODY + "{{ patient.fullname }}\n",
            "fr/content.toml": CONTENT_TOML.replace('id = "redness"', 'id = "Rougeur"'),
            "fr/body.md.j2": BODY,
        },
    )
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    for says in (
        'unknown key "colour"',
        'signers must include "patient"',
        "es/content.toml is missing",
        "fr/content.toml: side_effects item 1: id must be lower-case words joined by dashes",
        '"patient" has no field "fullname"',
    ):
        assert says in result.output, says


def test_form_files_that_are_not_files_or_too_long_items_are_named(run_cli, tmp_path):
    import os

    folder = build_form(tmp_path, {"en/body.md.j2": None, "en/content.toml": CONTENT_TOML + "\n"})
    os.mkfifo(folder / "en" / "body.md.j2")
    long_item = (
        'title = "Tiny form"\n\n[[side_effects]]\nid = "redness"\ntext = "' + "Redness spreading. " * 200 + '"\n'
    )
    (folder / "en" / "content.toml").write_text(long_item, encoding="utf-8")
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    assert "text is 3,800 characters; one item holds at most 2,000" in result.output
    assert "Traceback" not in result.output
    (folder / "en" / "content.toml").write_text(CONTENT_TOML, encoding="utf-8")
    result = run_cli("check-form", str(folder))
    assert "body.md.j2 cannot be used: it is not an ordinary file" in result.output


REMOVED_ELEMENTS = {
    "benefits": "the form does not list what the treatment is expected to do for the patient. Add a [[benefits]] item",
    "alternatives": "the form does not list the other choices the patient has. Add a [[alternatives]] item",
    "no_treatment": "the form does not list what happens if the patient has no treatment. Add a [[no_treatment]]",
    "withdrawal": "the form does not list that the patient may change their mind and stop. Add a [[withdrawal]]",
    "teach_back": "the form does not list at least 3 questions the clinician asks to check the patient understood. "
    "Add at least 3 [[teach_back]] items",
    "procedure": 'the form does not say the treatment in plain words. Add procedure = "..."',
}


def _shipped_form(name: str):
    from generator.resources import builtin_forms_dir

    if name == "laser-acne-scar":
        return builtin_forms_dir() / name
    return TESTS.parent / "examples" / "clinic" / "forms" / name


@pytest.mark.parametrize("form_id", ["laser-acne-scar", "wart-cryotherapy"])
@pytest.mark.parametrize("element", list(REMOVED_ELEMENTS))
def test_a_shipped_form_without_a_required_element_is_refused_naming_it(run_cli, tmp_path, form_id, element):
    copy = tmp_path / form_id
    shutil.copytree(_shipped_form(form_id), copy)
    languages = sorted(path.parent.name for path in copy.glob("*/content.toml"))
    for language in languages:
        content = copy / language / "content.toml"
        text = content.read_text(encoding="utf-8")
        if element == "procedure":
            cut = re.sub(r"^procedure = .*\n", "", text, flags=re.MULTILINE)
        else:
            cut = re.sub(rf'^\[\[{element}\]\]\nid = ".*"\ntext = ".*"\n', "", text, flags=re.MULTILINE)
        assert cut != text
        content.write_text(cut, encoding="utf-8")
    result = run_cli("check-form", str(copy))
    assert result.exit_code == 1, result.output
    assert f"{copy}: NOT READY" in result.output
    for language in languages:  # named in every language, with the file to fix
        assert f"{copy / language / 'content.toml'}: {REMOVED_ELEMENTS[element]}" in result.output


@pytest.mark.parametrize("form_id", ["laser-acne-scar", "wart-cryotherapy"])
def test_the_shipped_forms_are_ready_with_their_readability(run_cli, form_id):
    result = run_cli("check-form", str(_shipped_form(form_id)))
    assert result.exit_code == 0, result.output
    assert ": ready - " in result.output and "readability: en: grade " in result.output


def test_two_teach_back_questions_are_not_enough(run_cli, tmp_path):
    two = CONTENT_TOML.replace('[[teach_back]]\nid = "choices"\ntext = "What else can you choose?"\n', "")
    folder = build_form(tmp_path, {"en/content.toml": two})
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    assert "does not list at least 3 questions the clinician asks to check the patient understood (it has 2)" in (
        result.output
    )


def test_teach_back_questions_are_placed_by_consent_not_by_the_prose(run_cli, tmp_path):
    folder = build_form(tmp_path, {"en/body.md.j2": BODY + '\n{{ items("teach_back") }}\n'})
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    assert 'items("teach_back") must not be placed in the prose' in result.output


def test_photographs_must_be_true_or_false(run_cli, tmp_path):
    folder = build_form(tmp_path, {"form.toml": FORM_TOML + 'photographs = "yes"\n'})
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    assert "photographs must be true or false (no quotes)" in result.output


def test_teach_back_placed_in_the_prose_is_named_with_its_line(run_cli, tmp_path):
    folder = build_form(tmp_path, {"en/body.md.j2": BODY + '\n{{ items("teach_back") }}\n'})
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    line = BODY.count("\n") + 2
    assert f'body.md.j2, line {line}: items("teach_back") must not be placed in the prose' in result.output


def test_a_language_folder_not_in_languages_is_pointed_out(run_cli, tmp_path):
    folder = bilingual(tmp_path, **{"form.toml": FORM_TOML})  # fr/ is there, but languages = ["en"]
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 0, result.output
    assert "note: fr/ is not in form.toml's languages, so it is not checked and never used." in result.output
