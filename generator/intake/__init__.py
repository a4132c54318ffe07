"""Patient details as staff type them or a practice system exports them.

Owns the details by name (`fields`), the rules that make one typed value
acceptable (`values`), one patient's details read together with every
problem at once, each naming its field (`patient`), and reading appointment
lists (`appointments`: CSV and XLSX as exported, streamed row by row). It does no rendering and
writes no file. It may import only the shared modules (errors, reading).
"""
