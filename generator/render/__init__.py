"""Document -> PDF bytes, with ReportLab. The only stage that imports ReportLab.

Owns the page layout (`pdf`), how text looks and is escaped (`typesetting`),
the embedded fonts and right-to-left shaping (`fonts`, `scripts`), the form
fields (`fields`), the sections consent adds to every form (`sections`),
the clinic's logo (`logo`) and the page codes (`pagecode`, `qr`). Output is
byte-for-byte repeatable. It may import the shared modules, the model
(document, integrity) and intake (to name a character that cannot print).
"""
