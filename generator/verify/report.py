"""A verification as staff read it: the lines `consent verify` prints for
one file (form, record, seal, pages, each signature, the result)."""

from __future__ import annotations

from generator.verify.verification import EMPTY, SIGNED_BROKEN, SIGNED_INTACT, SignatureField, Verification


def report_lines(result: Verification) -> list[str]:
    """`result` as lines of text for staff."""
    if not result.is_form:
        return [f"{result.file}: NOT CHECKED - {result.problems[0]}"]
    lines = [
        f"{result.file}",
        f"  Form:         {result.form_id}, version {result.form_version}, language {result.language}",
        f"  Record:       {result.record_number}",
        f"  Document id:  {result.document_id}",
        f"  Made with:    {result.generator}",
    ]
    if result.seal is None:
        lines.append("  Seal:         none")
    else:
        seal = result.seal
        who = f", by {seal.signer}" if seal.signer else ""
        when = f" on {seal.sealed_at}" if seal.sealed_at else ""
        state = "sealed, BROKEN" if seal.problem else f"sealed, intact{who}{when}; {_trust_words(seal.trusted)}"
        lines.append(f"  Seal:         {state}")
    if not result.pages_unchanged:
        changed = ", ".join(str(page) for page in result.changed_pages) or "see below"
        lines.append(f"  Pages:        {result.pages}; CHANGED since the form was made: {changed}")
    else:
        lines.append(f"  Pages:        {result.pages}, all unchanged since the form was made")
    if result.signatures:
        lines.append("  Signatures:")
        width = max(len(signature.name) for signature in result.signatures)
        for signature in result.signatures:
            state, detail = _signature_text(signature)
            lines.append(f"    {signature.name:<{width}}  {state}")
            if detail:
                lines.append(f"    {'':<{width}}  {detail}")
    else:
        lines.append("  Signatures:   no signature fields")
    lines.extend(f"  {note}" for note in result.notes)
    lines.append(f"  Result:       {result.result}")
    lines.extend(f"    - {problem[0].upper()}{problem[1:]}" for problem in result.problems + result.trust_problems)
    return lines


def _trust_words(trusted: bool | None) -> str:
    if trusted is None:
        return "trust not checked (give --trust CERT)"
    return "trusted certificate" if trusted else "NOT TRUSTED: its certificate does not chain to --trust"


def _signature_text(signature: SignatureField) -> tuple[str, str | None]:
    """The state of a signature field, and a line about who signed when."""
    if signature.state == EMPTY:
        return "empty (not signed yet)", None
    who = " ".join(
        part
        for part in (
            f"by {signature.signer}" if signature.signer else None,
            f"on {signature.signed_at}" if signature.signed_at else None,
        )
        if part
    )
    if signature.state == SIGNED_BROKEN:
        return f"SIGNED, BROKEN: {signature.problem}", who or None
    return SIGNED_INTACT, f"{who}; {_trust_words(signature.trusted)}" if who else _trust_words(signature.trusted)
