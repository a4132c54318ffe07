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
CONTENT_TOML = """\
title = "Tiny form"

[[side_effects]]
id = "redness"
text = "Redness."
"""
BODY = """\
## Risks

{{ items("side_effects") }}

I, {{ patient.full_name }}, agree.
"""


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
