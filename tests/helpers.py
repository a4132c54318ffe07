"""Build form folders inline, so each test shows its whole input."""

from __future__ import annotations

from pathlib import Path

FORM_TOML = """\
id = "tiny"
version = "1.0"
effective_date = 2026-01-01
languages = ["en"]
signers = ["patient", "clinician", "witness"]
"""
# Every element a form must have (generator.definitions.elements.REQUIRED_ELEMENTS), once.
# (procedure is a plain key, so it comes before the first [[list]] table.)
REQUIRED_LISTS_TOML = """\
[[benefits]]
id = "helps"
text = "It helps."

[[precautions]]
id = "rest"
text = "Rest after it."

[[alternatives]]
id = "other"
text = "Another treatment."

[[no_treatment]]
id = "stays"
text = "It stays as it is."

[[withdrawal]]
id = "change-mind"
text = "I can change my mind."

[[teach_back]]
id = "what"
text = "What is it?"

[[teach_back]]
id = "risks"
text = "What are the risks?"

[[teach_back]]
id = "choices"
text = "What else can you choose?"
"""
CONTENT_TOML = (
    """\
title = "Tiny form"
procedure = "A tiny treatment."

[[side_effects]]
id = "redness"
text = "Redness."

"""
    + REQUIRED_LISTS_TOML
)
# Places every list but the teach-back questions, which consent places itself.
REQUIRED_ELEMENTS_BODY = """\
## Good

{{ items("benefits") }}

## Care

{{ items("precautions") }}

## Choices

{{ items("alternatives") }}

{{ items("no_treatment") }}

{{ items("withdrawal") }}
"""
# The form's own words first, so a test's line numbers count from them.
BODY = (
    """\
## Risks

{{ items("side_effects") }}

I, {{ patient.full_name }}, agree.

"""
    + REQUIRED_ELEMENTS_BODY
)


def build_form(root: Path, files: dict[str, str] | None = None, form_id: str = "tiny") -> Path:
    """Write a form folder under `root`; `files` overrides or adds (None = delete)."""
    contents: dict[str, str | None] = {
        "form.toml": FORM_TOML,
        "en/content.toml": CONTENT_TOML,
        "en/body.md.j2": BODY,
        **(files or {}),
    }
    folder = root / form_id
    for relative, text in contents.items():
        if text is None:
            continue
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder
