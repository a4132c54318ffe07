"""Form definitions: what a clinic has approved, loaded and checked.

Owns reading a form folder (form.toml, each language's content.toml and
body.md.j2) into a frozen `Form`, refusing one that lacks an element valid
consent needs; the fixed wording of the layout in each language (`labels`,
with CLDR long dates); and the readability gate over what a patient reads.
It knows nothing of patients, pages or files written. It may import only
the shared modules (errors, reading, resources) and the model (document).
"""
