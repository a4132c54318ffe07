"""What a consent form must say: its lists (and which the patient initials
item by item), the elements valid consent needs, and the check that names
each one a form's language lacks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from generator.document import Item

# Each structured list, and whether the patient initials every item of it.
LIST_INITIALS: dict[str, bool] = {
    "benefits": False,
    "side_effects": True,
    "precautions": True,
    "expectations": False,
    "alternatives": False,
    "no_treatment": False,
    "withdrawal": False,
    "teach_back": False,
}
# Lists consent places itself, in a section of its own: the body must not.
TEACH_BACK = "teach_back"
PLACED_BY_CONSENT = (TEACH_BACK,)
MIN_TEACH_BACK_QUESTIONS = 3
MAX_PROCEDURE_TEXT = 300

# What valid consent needs a form to say (42 CFR 482.24(c)(4)(v) and CMS's
# guidance, the Joint Commission's elements, AMA Code 2.1.1, GMC guidance):
# each element, the key that holds it, and why, for the message that names it.
REQUIRED_ELEMENTS: dict[str, str] = {
    "procedure": "the treatment in plain words",
    "benefits": "what the treatment is expected to do for the patient",
    "side_effects": "its risks: the side effects the patient initials",
    "precautions": "the precautions the patient initials",
    "alternatives": "the other choices the patient has",
    "no_treatment": "what happens if the patient has no treatment",
    "withdrawal": "that the patient may change their mind and stop",
    "teach_back": f"at least {MIN_TEACH_BACK_QUESTIONS} questions the clinician asks to check the patient understood",
}


def missing_elements(procedure: str, lists: Mapping[str, tuple[Item, ...]], content_path: Path) -> list[str]:
    """Each element valid consent needs that one language of a form lacks, named with its
    file and what to add. Every language is checked on its own, so a
    translation cannot quietly drop one."""
    problems = []
    for element, meaning in REQUIRED_ELEMENTS.items():
        if element == "procedure":
            if not procedure:
                problems.append(
                    f'{content_path}: the form does not say {meaning}. Add procedure = "..." (one or two '
                    "plain sentences); it is printed in the patient's details at the top of the form."
                )
            continue
        count = len(lists[element])
        needed = MIN_TEACH_BACK_QUESTIONS if element == TEACH_BACK else 1
        if count < needed:
            found = f" (it has {count})" if count else ""
            what = f"at least {needed} [[{element}]] items" if needed > 1 else f"a [[{element}]] item"
            problems.append(
                f"{content_path}: the form does not list {meaning}{found}. Add {what}, each with an id and a "
                "text: consent given without it is not informed consent."
            )
    return problems
