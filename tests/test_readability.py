"""Patients must be able to read what they sign: English at grade 8 or
lower with reading ease 60 or more, syllables counted with a pronunciation
dictionary; French and Spanish reading ease reported."""

from __future__ import annotations

import pytest

from generator.compose import compose
from generator.definitions.forms import load_all_forms, load_form_folder
from generator.definitions.readability import count_syllables, measure, patient_facing_text
from generator.intake.patient import read_patient
from tests.conftest import TODAY
from tests.helpers import REQUIRED_ELEMENTS_BODY, build_form

EXAMPLE_FORM = load_form_folder(
    __import__("pathlib").Path(__file__).resolve().parent.parent / "examples" / "clinic" / "forms" / "wart-cryotherapy"
)


@pytest.mark.parametrize("form", [*load_all_forms(), EXAMPLE_FORM], ids=lambda form: form.id)
def test_every_shipped_form_reads_easily_in_every_language(form, fields):
    for language in form.languages:
        document = compose(form, read_patient({**fields, "language": language}, today=TODAY))
        figures = measure(patient_facing_text(document), language)
        print(f"{form.id} {figures.describe()}")
        assert figures.passes, figures.describe()


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("laser", 2),
        ("body", 2),
        ("medicine", 3),
        ("isotretinoin", 6),
        ("scars", 1),
        ("atrophic", 3),
        ("dermatologists", 5),
        ("sunburn", 2),
    ],
)
def test_english_syllables_are_counted_as_said(word, syllables):
    assert count_syllables(word, "en") == syllables


@pytest.mark.parametrize(
    ("language", "word", "syllables"),
    [
        ("es", "tratamiento", 4),
        ("es", "león", 2),
        ("es", "cicatriz", 3),
        ("fr", "traitement", 2),
        ("fr", "cicatrice", 3),
    ],
)
def test_french_and_spanish_syllables_follow_their_rules(language, word, syllables):
    assert count_syllables(word, language) == syllables


def test_check_form_refuses_english_past_grade_8(run_cli, tmp_path):
    sentence = (
        "Notwithstanding the aforementioned considerations, electrodesiccation and cryosurgical intervention "
        "necessitate comprehensive dermatological evaluation, notwithstanding contraindications, "
        "hypersensitivity, and immunosuppression. "
    )
    hard = '## Risks\n\n{{ items("side_effects") }}\n\n' + sentence * 6 + "\n\nI, {{ patient.full_name }}, agree.\n\n"
    hard += REQUIRED_ELEMENTS_BODY
    folder = build_form(tmp_path, {"en/body.md.j2": hard})
    result = run_cli("check-form", str(folder))
    assert result.exit_code == 1
    assert "a consent form must read at grade 8 or lower" in result.output


def test_check_form_prints_the_figures_of_every_language(run_cli):
    from generator.resources import builtin_forms_dir

    result = run_cli("check-form", str(builtin_forms_dir() / "laser-acne-scar"))
    assert result.exit_code == 0, result.output
    assert "readability: en: grade " in result.output
    assert "fr: Kandel-Moles" in result.output and "es: Szigriszt-Pazos" in result.output


def test_a_text_too_short_to_grade_is_reported_not_refused():
    figures = measure("Redness.", "en")
    assert figures.passes and "too short to grade" in figures.describe()
