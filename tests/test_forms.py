"""Loading form folders: a broken definition is an error naming the file."""

from __future__ import annotations

import re

import pytest

from generator.definitions.forms import load_all_forms, load_form, load_form_folder
from generator.errors import FormDefinitionError, FormNotFoundError, LanguageNotAvailableError
from tests.helpers import CONTENT_TOML, FORM_TOML, build_form


def test_a_good_form_loads_with_its_lists(tmp_path):
    form = load_form_folder(build_form(tmp_path))
    assert (form.id, form.version, form.languages) == ("tiny", "1.0", ("en",))
    assert form.title == "Tiny form"
    assert [item.id for item in form.text("en").lists["side_effects"]] == ["redness"]
    assert form.text("en").lists["expectations"] == ()  # a list a form may leave out
    assert form.text("en").procedure == "A tiny treatment."
    assert [item.id for item in form.text("en").lists["teach_back"]] == ["what", "risks", "choices"]
    assert form.photographs is False


def test_an_unknown_key_in_form_toml_is_an_error_naming_file_and_key(tmp_path):
    folder = build_form(tmp_path, {"form.toml": FORM_TOML + 'sign_ers = ["x"]\n'})
    with pytest.raises(FormDefinitionError) as caught:
        load_form_folder(folder)
    assert f'{folder / "form.toml"}, line 6: unknown key "sign_ers". Did you mean "signers"?' in str(caught.value)


def test_a_misspelt_list_is_an_error_not_a_shorter_form(tmp_path):
    content = CONTENT_TOML + '\n[[precaution]]\nid = "sun"\ntext = "Avoid sun."\n'
    folder = build_form(tmp_path, {"en/content.toml": content})
    line = CONTENT_TOML.count("\n") + 2
    says = f'line {line}: unknown key "precaution". Did you mean "precautions"?'
    with pytest.raises(FormDefinitionError, match=re.escape(says)):
        load_form_folder(folder)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            CONTENT_TOML.replace('[[side_effects]]\nid = "redness"\ntext = "Redness."\n', "side_effects = []\n"),
            "does not list its risks: the side effects the patient initials",
        ),
        ('title = "T"\n[[side_effects]]\nid = "a"\n', "must have exactly the keys id and text"),
        ('title = "T"\n[[side_effects]]\nid = "a"\ntext = " "\n', "text must not be empty"),
        (
            'title = "T"\n[[side_effects]]\nid = "a"\ntext = "x"\n[[side_effects]]\nid = "a"\ntext = "y"\n',
            'id "a" is used twice',
        ),
        ('title = "T"\n[[side_effects]\n', "is not valid TOML"),
    ],
)
def test_broken_lists_are_refused(tmp_path, content, says):
    folder = build_form(tmp_path, {"en/content.toml": content})
    with pytest.raises(FormDefinitionError, match=says):
        load_form_folder(folder)


def test_a_listed_language_without_its_files_is_an_error(tmp_path):
    folder = build_form(tmp_path, {"form.toml": FORM_TOML.replace('["en"]', '["en", "fr"]')})
    with pytest.raises(FormDefinitionError, match=r"fr/content.toml is missing"):
        load_form_folder(folder)


def test_a_template_that_is_not_utf8_is_explained(tmp_path):
    folder = build_form(tmp_path)
    (folder / "en" / "body.md.j2").write_bytes("Risques: {{ items('side_effects') }} é".encode("cp1252"))
    with pytest.raises(FormDefinitionError, match=r"body.md.j2 is not UTF-8 text"):
        load_form_folder(folder)


def test_the_folder_must_match_the_id(tmp_path):
    folder = build_form(tmp_path, form_id="other")
    with pytest.raises(FormDefinitionError, match='must match the folder name "other"'):
        load_form_folder(folder)


def test_the_effective_date_must_be_a_date(tmp_path):
    folder = build_form(tmp_path, {"form.toml": FORM_TOML.replace("2026-01-01", '"soon"')})
    with pytest.raises(FormDefinitionError, match="effective_date must be a date"):
        load_form_folder(folder)


def test_unknown_signers_are_refused(tmp_path):
    folder = build_form(tmp_path, {"form.toml": FORM_TOML.replace('"witness"', '"notary"')})
    with pytest.raises(FormDefinitionError, match="found patient, clinician, notary"):
        load_form_folder(folder)


def test_an_unknown_form_id_names_the_forms_there_are(tmp_path):
    build_form(tmp_path)
    with pytest.raises(FormNotFoundError, match=r'no form called "tattoo".*Available forms: tiny'):
        load_form("tattoo", [tmp_path])


def test_form_ids_are_found_whatever_the_case(tmp_path):
    build_form(tmp_path)
    assert load_form(" Tiny ", [tmp_path]).id == "tiny"


def test_a_language_the_form_lacks_names_the_ones_it_has(tmp_path):
    form = load_form_folder(build_form(tmp_path))
    with pytest.raises(LanguageNotAvailableError, match="It is available in: en"):
        form.text("fr")


def test_the_first_folder_on_the_search_path_wins(tmp_path):
    clinic, builtin = tmp_path / "clinic", tmp_path / "builtin"
    build_form(clinic, {"en/content.toml": CONTENT_TOML.replace("Tiny form", "Clinic's own")})
    build_form(builtin)
    assert [form.title for form in load_all_forms([clinic, builtin])] == ["Clinic's own"]


def test_every_shipped_form_loads():
    forms = load_all_forms()
    assert "laser-acne-scar" in [form.id for form in forms]
