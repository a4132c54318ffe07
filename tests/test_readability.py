"""Patients must be able to read what they sign: grade 8 or lower."""

from __future__ import annotations

import pytest
import textstat  # pinned to 0.7.3 in the test extras: later releases download data

from generator.compose import compose
from generator.document import BulletList, Heading, ItemList, Paragraph
from generator.forms import load_all_forms
from generator.patient import read_patient
from tests.conftest import TODAY

MAX_GRADE = 8.0


def patient_facing_text(document) -> str:
    """The prose and every listed item, as sentences (headings excluded)."""
    sentences: list[str] = []
    for block in document.body:
        if isinstance(block, Paragraph):
            sentences.append(block.text)
        elif isinstance(block, BulletList):
            sentences += ["".join(run.text for run in entry) for entry in block.entries]
        elif isinstance(block, ItemList):
            sentences += [item.text for item in block.items]
        else:
            assert isinstance(block, Heading)
    return "\n".join(sentences)


@pytest.mark.parametrize("form", load_all_forms(), ids=lambda form: form.id)
def test_every_shipped_form_reads_at_grade_8_or_lower(form, fields):
    for language in form.languages:
        if language != "en":
            continue  # Flesch-Kincaid is defined for English only
        document = compose(form, read_patient({**fields, "language": language}, today=TODAY))
        text = patient_facing_text(document)
        grade = textstat.flesch_kincaid_grade(text)
        print(f"{form.id} [{language}] Flesch-Kincaid grade {grade} ({textstat.lexicon_count(text)} words)")
        assert grade <= MAX_GRADE
