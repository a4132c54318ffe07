"""Forms in the patient's language: French and Spanish as complete as English."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from generator import fill, load_form
from generator.compose import format_date
from tests.conftest import ADULT, TODAY, flat, full_text, page_texts

FORM_ID = "laser-acne-scar"
LISTS = (
    "benefits",
    "expectations",
    "side_effects",
    "precautions",
    "alternatives",
    "no_treatment",
    "withdrawal",
    "teach_back",
)


@pytest.fixture(scope="module")
def form():
    return load_form(FORM_ID)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_every_item_of_every_list_is_in_the_translated_pdf(form, language):
    made = fill(FORM_ID, {**ADULT, "language": language}, today=TODAY)
    text = full_text(made.pdf)
    for name in LISTS:
        items = form.text(language).lists[name]
        assert items, f"{language} has no {name}"
        for item in items:
            assert flat(item.text) in text, f"{language} {name} {item.id} missing from the PDF"


def test_every_language_lists_the_same_items_as_english(form):
    for language in ("fr", "es"):
        for name in LISTS:
            assert [item.id for item in form.text(language).lists[name]] == [
                item.id for item in form.text("en").lists[name]
            ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Informed consent", "Page 1 of 4", "Signatures", "Record: 00123", "Date of birth"]),
        ("fr", ["Consentement éclairé", "Page 1 sur 5", "Signatures", "Dossier : 00123", "Date de naissance"]),
        ("es", ["Consentimiento informado", "Página 1 de 5", "Firmas", "Historia: 00123", "Fecha de nacimiento"]),
    ],
)
def test_the_fixed_wording_is_in_the_form_language(language, expected):
    made = fill(FORM_ID, {**ADULT, "language": language}, today=TODAY)
    text = full_text(made.pdf)
    first_page = page_texts(made.pdf)[0]
    for words in expected:
        assert words in (first_page if words.startswith(("Page", "Página")) else text), (language, words)


@pytest.mark.parametrize(
    ("language", "procedure", "born"),
    [
        ("en", "1 December 2026", "7 March 1990"),
        ("fr", "1er décembre 2026", "7 mars 1990"),
        ("es", "1 de diciembre de 2026", "7 de marzo de 1990"),
    ],
)
def test_dates_are_written_the_way_each_language_writes_them(language, procedure, born):
    assert format_date(date(2026, 12, 1), language) == procedure
    text = full_text(fill(FORM_ID, {**ADULT, "language": language}, today=TODAY).pdf)
    assert procedure in text and born in text


def test_a_language_the_form_lacks_is_refused_naming_those_it_has(fields):
    from generator.errors import LanguageNotAvailableError

    with pytest.raises(LanguageNotAvailableError, match="available in: en, fr, es"):
        fill(FORM_ID, {**fields, "language": "de"}, today=TODAY)


def test_every_layout_wording_file_has_the_same_keys():
    from importlib.resources import files

    folder = files("generator.definitions.labels")
    tables = {
        entry.name: tomllib.loads(entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }

    def keys(table, prefix=""):
        found = set()
        for key, value in table.items():
            found |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
        return found

    english = keys(tables["en.toml"])
    for name, table in tables.items():
        assert keys(table) == english, name


def test_a_batch_row_in_french_gets_a_french_form(run_cli, tmp_path):
    rows = [
        "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician,language",
        "laser-acne-scar,Élodie,Dupont,1990-03-07,1,2026-12-01,Dr Lee,fr",
        "laser-acne-scar,María José,García,1985-06-30,2,2026-12-01,Dr Lee,es",
        "laser-acne-scar,Ana,Ruiz,1990-03-07,3,2026-12-01,Dr Lee,",
    ]
    (tmp_path / "day.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run_cli("batch", "day.csv", "--out-dir", "out")
    assert result.exit_code == 0, result.output
    texts = {record: full_text(next((tmp_path / "out").glob(f"*_2026-12-01_{record}_*.pdf"))) for record in "123"}
    assert "Je soussigné(e), Élodie Dupont, accepte" in texts["1"]
    assert "Yo, María José García, acepto" in texts["2"]
    assert "I, Ana Ruiz, agree" in texts["3"]


def test_every_wording_files_dates_match_babel_for_its_locale():
    """The [dates] tables are CLDR's long format, written out so a fill does
    not load Babel; this keeps them identical to Babel's own output."""
    from importlib.resources import files

    from babel.dates import format_date as babel_format_date

    from generator.definitions.labels import format_long_date, labels_for

    languages = [
        entry.name[:-5] for entry in files("generator.definitions.labels").iterdir() if entry.name.endswith(".toml")
    ]
    assert set(languages) >= {"en", "fr", "es"}
    for language in languages:
        locale = labels_for(language)["date_locale"]
        for month in range(1, 13):
            for day_number in (1, 2, 9, 10, 28):
                day = date(2026, month, day_number)
                expected = babel_format_date(day, format="long", locale=locale)
                if day_number == 1:  # CLDR writes the number; French writes "1er" (first_of_month)
                    expected = expected.replace("1", labels_for(language)["first_of_month"], 1)
                assert format_long_date(day, language) == expected, (
                    f"generator/definitions/labels/{language}.toml [dates] differs from Babel for {day}; "
                    f"run: python tools/date_wording.py {locale}"
                )


MINOR = {
    **ADULT,
    "date_of_birth": "2012-05-05",
    "guardian": "Rosa Ruiz",
    "guardian_relationship": "mother",
    "interpreter": "Li Wei",
    "interpreter_language": "Mandarin",
}
# How each language words "a course of sessions" in its consent statement.
COURSE = {"en": "a course of laser acne scar treatment", "fr": "une série de séances", "es": "una serie de sesiones"}


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("who", ["adult", "minor"])
def test_every_element_of_valid_consent_is_on_the_form(form, language, who):
    """Issue 12's table, read from the printed pages: each element in the
    form's language, for an adult and for a minor with guardian and interpreter."""
    from generator.definitions.labels import labels_for

    details = {**(MINOR if who == "minor" else ADULT), "language": language}
    pages = page_texts(fill(FORM_ID, details, today=TODAY).pdf)
    text = " ".join(pages)
    labels, content = labels_for(language), form.text(language)
    layout, statements, identity = labels["layout"], labels["statements"], labels["identity"]
    signers = ["patient", "clinician", "witness"] + (["guardian", "interpreter"] if who == "minor" else [])
    # Date and time of every signature.
    assert text.count(f"{layout['date']} {layout['time']}") == len(signers), "a date and a time line per signer"
    # The treatment in plain words, the clinician and the facility line (no settings here).
    assert flat(f"{identity['procedure']} {content.procedure}") in pages[0]
    assert f"{identity['facility']}" in pages[0]
    # What each signature attests.
    assert flat(statements["clinician_guardian" if who == "minor" else "clinician"]) in text
    assert flat(statements["witness_guardian" if who == "minor" else "witness"]) in text
    if who == "minor":
        assert flat(statements["patient_minor"]) in text
        assert flat(statements["interpreter"]) in text
        assert flat(f"{identity['interpreter_language']}{layout['colon']} Mandarin") in text
        assert flat(f"{identity['guardian_relationship']}{layout['colon']} mother") in text
    else:
        assert flat(statements["patient_minor"]) not in text
    # Benefits, no treatment and withdrawal in their own words; sessions as a course.
    for name in ("benefits", "no_treatment", "withdrawal"):
        assert all(flat(item.text) in text for item in content.lists[name]), name
    assert COURSE[language] in text
    # Photographs (with both answers for each use) and the teach-back section.
    photographs, teach_back = labels["photographs"], labels["teach_back"]
    assert flat(photographs["heading"]) in text and flat(photographs["record"]) in text
    assert flat(photographs["teaching"]) in text
    assert text.count(f"{photographs['agree']} {photographs['decline']}") == 2
    assert flat(teach_back["heading"]) in text and flat(teach_back["initials"]) in text
    assert text.count(teach_back["tick"]) >= len(content.lists["teach_back"])


def _french_strings(form) -> list[str]:
    """Every French string a patient reads: the form's content and prose
    (template syntax left out) and the layout's fixed wording."""
    import re

    from generator.definitions.labels import labels_for

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for inner in value.values():
                yield from strings(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from strings(inner)

    text = form.text("fr")
    found = [text.title, text.procedure, *(item.text for items in text.lists.values() for item in items)]
    found.append(re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", text.body_source))
    labels = labels_for("fr")
    found += [value for key, value in labels.items() if key != "dates" for value in strings(value)]
    return found


def test_french_punctuation_has_its_non_breaking_spaces(form):
    """French sets a thin non-breaking space before ? ! ; and a non-breaking
    space before a colon, so a line never starts with the mark."""
    for value in _french_strings(form):
        for index, character in enumerate(value):
            if character in "?!;:" and index > 0:
                before = value[index - 1]
                where = value[max(0, index - 30) : index + 1]
                assert before in "\u202f\u00a0", f"no non-breaking space before {character!r} in ...{where!r}"
