"""Form + patient -> Document: the patient's details block, the filled body,
the sections consent adds (teach-back, photographs) and each signature block
with what it attests, all in the patient's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.compose.template import compose_body, format_date
from generator.definitions.elements import TEACH_BACK
from generator.definitions.forms import Form, FormText
from generator.definitions.labels import labels_for
from generator.document import (
    Choice,
    Document,
    Labels,
    Letterhead,
    Photographs,
    Role,
    Signer,
    TeachBack,
)
from generator.intake.patient import Patient


def compose(form: Form, patient: Patient, letterhead: Letterhead | None = None) -> Document:
    """Fill `form` for `patient` in the patient's language, under `letterhead`."""
    text = form.text(patient.language)
    labels = labels_for(patient.language)
    body = compose_body(form, text, patient)
    identity_labels = labels["identity"]
    identity = [
        (identity_labels["patient"], patient.full_name),
        (identity_labels["procedure"], text.procedure),
        (identity_labels["date_of_birth"], format_date(patient.date_of_birth, patient.language)),
        (identity_labels["record_number"], patient.record_number),
        (identity_labels["procedure_date"], format_date(patient.procedure_date, patient.language)),
        (identity_labels["clinician"], patient.clinician),
    ]
    if patient.guardian:
        identity.append((identity_labels["guardian"], patient.guardian))
        if patient.guardian_relationship:
            identity.append((identity_labels["guardian_relationship"], patient.guardian_relationship))
    if patient.interpreter:
        identity.append((identity_labels["interpreter"], patient.interpreter))
        if patient.interpreter_language:
            identity.append((identity_labels["interpreter_language"], patient.interpreter_language))
    if letterhead is None or not letterhead.name:
        # Which clinic the consent is given to is part of the record: with no
        # clinic settings, the form has a blank line to write it by hand.
        identity.append((identity_labels["facility"], ""))
    return Document(
        form_id=form.id,
        form_version=form.version,
        language=patient.language,
        title=text.title,
        subtitle=labels["subtitle"],
        form_line=labels["form_line"].format(
            form_id=form.id,
            version=form.version,
            effective=format_date(form.effective_date, patient.language),
        ),
        patient_name=patient.full_name,
        record_number=patient.record_number,
        identity=tuple(identity),
        body=body,
        signers=_signers(form, patient, labels),
        labels=Labels(**labels["layout"]),
        letterhead=letterhead or Letterhead(),
        teach_back=_teach_back(text, labels["teach_back"]),
        photographs=_photographs(labels["photographs"]) if form.photographs else None,
    )


def _teach_back(text: FormText, wording: Mapping[str, str]) -> TeachBack:
    return TeachBack(
        heading=wording["heading"],
        instructions=wording["instructions"],
        questions=text.lists[TEACH_BACK],
        tick_label=wording["tick"],
        initials_label=wording["initials"],
    )


# The photograph questions, in the order they are asked (ids name the fields).
PHOTOGRAPH_CHOICES = ("record", "teaching")


def _photographs(wording: Mapping[str, str]) -> Photographs:
    return Photographs(
        heading=wording["heading"],
        instructions=wording["instructions"],
        choices=tuple(Choice(id=choice, text=wording[choice]) for choice in PHOTOGRAPH_CHOICES),
        agree=wording["agree"],
        decline=wording["decline"],
    )


def _signers(form: Form, patient: Patient, labels: Mapping[str, Any]) -> tuple[Signer, ...]:
    """Each signature block, with what its signature attests: a young
    patient's agreement (assent), the clinician's explanation, the
    interpreter's interpretation (and its language), what the witness saw."""
    role_labels, statements, identity = labels["signers"], labels["statements"], labels["identity"]
    minor = patient.is_minor
    statement = {
        Role.patient: statements["patient_minor"] if minor else "",
        Role.guardian: "",
        Role.interpreter: statements["interpreter"],
        Role.clinician: statements["clinician_guardian" if patient.guardian else "clinician"],
        Role.witness: statements["witness_guardian" if patient.guardian else "witness"],
    }
    detail = {
        Role.guardian: (identity["guardian_relationship"], patient.guardian_relationship or ""),
        Role.interpreter: (identity["interpreter_language"], patient.interpreter_language or ""),
    }
    printed = {
        Role.patient: patient.full_name,
        Role.guardian: patient.guardian or "",
        Role.interpreter: patient.interpreter or "",
        Role.clinician: patient.clinician,
        Role.witness: "",
    }
    roles = [Role.patient]
    if patient.guardian:
        roles.append(Role.guardian)
    if patient.interpreter:
        roles.append(Role.interpreter)
    roles += [role for role in (Role.clinician, Role.witness) if role in form.signers]
    return tuple(
        Signer(
            role=role,
            label=role_labels[role],
            printed_name=printed[role],
            statement=statement[role],
            detail=detail.get(role),
        )
        for role in roles
    )


def fixed_characters(form: Form, language: str, letterhead: Letterhead | None = None) -> str:
    """Every character beyond ASCII that the form, its wording in `language`
    and the clinic's letterhead can print, whoever the patient is, sorted.

    The renderer gives these fixed font codes at the start of each document
    (see `generator.render.paragraphs`), so a paragraph made only of them is
    encoded alike for every patient and can be drawn once and reused. It
    never depends on the patient: a character only a patient's details
    bring in is simply not among them.
    """
    text = form.text(language)
    found = set(text.title + text.procedure + text.body_source)
    for items in text.lists.values():
        for item in items:
            found.update(item.text)
    found.update(_strings(labels_for(language)))
    if letterhead is not None:
        found.update(letterhead.name + "".join(letterhead.address) + letterhead.phone)
    return "".join(sorted(character for character in found if ord(character) > 126))


def _strings(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return "".join(_strings(item) for item in value.values())
    if isinstance(value, list | tuple):
        return "".join(_strings(item) for item in value)
    return ""
