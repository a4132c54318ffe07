"""Patient details as staff type them or a practice system exports them.

Owns the rules that make one patient's details acceptable (`patient`:
names, dates, a minor's guardian, an interpreter's language, every problem
at once, each naming its field) and reading appointment lists (`appointments`:
CSV and XLSX as exported, streamed row by row). It does no rendering and
writes no file. It may import only the shared modules (errors, reading).
"""
