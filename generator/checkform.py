"""`consent check-form`: is a form folder ready to be used?

Loads the definition (keys, types, every language listing the same items),
checks each language's template (syntax, and every name it uses is one
consent provides) and the layout's wording for that language, then fills
the form for test patients: an adult, and a minor with a guardian and an
interpreter, so both branches of the usual `{% if guardian %}` run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.api import make_form
from generator.compose import check_template_names
from generator.definitions.forms import CONTENT_FILE, DEFINITION_FILE, Form, read_form_folder
from generator.definitions.labels import labels_for
from generator.definitions.readability import MAX_GRADE, MIN_READING_EASE, Readability, measure, patient_facing_text
from generator.errors import ConsentError
from generator.intake.patient import read_patient


@dataclass
class FormCheck:
    folder: Path
    form: Form | None = None
    problems: list[str] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)  # language -> pages of the adult's form
    readability: list[Readability] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing, but not a reason to refuse the form

    @property
    def ready(self) -> bool:
        return self.form is not None and not self.problems


def check_form_folder(folder: Path, today: date) -> FormCheck:
    """Everything wrong with the form in `folder` (all of it, not just the first)."""
    check = FormCheck(folder)
    if not (folder / DEFINITION_FILE).is_file():
        check.problems.append(f"{folder} has no {DEFINITION_FILE}: it is not a form folder.")
        return check
    form, problems, texts = read_form_folder(folder)
    check.problems.extend(problems)
    # Each language that loaded has its template checked even when another
    # part of the folder is wrong: one run shows every problem.
    fillable = []
    for language, text in texts.items():
        try:
            labels_for(language)
            names = check_template_names(text)
        except ConsentError as problem:
            check.problems.append(str(problem))
            continue
        check.problems.extend(names)
        if not names:
            fillable.append(language)
    if form is None:
        return check
    check.form = form
    unlisted = sorted(
        path.parent.name for path in folder.glob(f"*/{CONTENT_FILE}") if path.parent.name not in form.languages
    )
    if unlisted:
        check.notes.append(
            f"{', '.join(name + '/' for name in unlisted)} {'is' if len(unlisted) == 1 else 'are'} not in "
            f"{DEFINITION_FILE}'s languages, so {'it is' if len(unlisted) == 1 else 'they are'} not checked and "
            "never used. Add the language to languages when its text is ready."
        )
    for language in fillable:
        _check_readability(check, form, language, today)
        for patient_fields in _test_patients(language, today):
            try:
                patient = read_patient(patient_fields, today=today)
                made = make_form(form, patient)
            except ConsentError as problem:
                check.problems.append(f"Test fill in {language} failed: {problem}")
                break
            check.pages.setdefault(language, made.page_count)
    return check


def _check_readability(check: FormCheck, form: Form, language: str, today: date) -> None:
    """Measure what the patient reads; refuse English past grade 8 or below reading ease 60."""
    from generator.compose import compose

    try:
        patient = read_patient(_test_patients(language, today)[0], today=today)
        figures = measure(patient_facing_text(compose(form, patient)), language)
    except ConsentError:
        return  # the test fill below reports it
    check.readability.append(figures)
    if not figures.passes:
        check.problems.append(
            f"{form.text(language).body_path.parent}: the text reads at grade {figures.grade:.1f} (reading ease "
            f"{figures.ease:.0f}); a consent form must read at grade {MAX_GRADE:.0f} or lower, with reading ease "
            f"{MIN_READING_EASE:.0f} or more. Use shorter sentences and everyday words."
        )


def _test_patients(language: str, today: date) -> list[dict[str, str]]:
    adult = {
        "given_name": "Test",
        "family_name": "Patient",
        "date_of_birth": date(today.year - 40, 1, 15).isoformat(),
        "record_number": "TEST-0001",
        "procedure_date": today.isoformat(),
        "clinician": "Test Clinician",
        "language": language,
    }
    minor = {
        **adult,
        "date_of_birth": date(today.year - 12, 1, 15).isoformat(),
        "guardian": "Test Guardian",
        "interpreter": "Test Interpreter",
        "interpreter_language": "Test Language",
        "guardian_relationship": "Test Relationship",
    }
    return [adult, minor]
