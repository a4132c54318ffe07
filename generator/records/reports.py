"""What a batch made and refused, and the two files that tell staff about it.

manifest.json lists every document with its hash, for filing and later
checks; errors.csv lists every refused row with how to fix it, in a form a
spreadsheet opens safely.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from generator.records.audit import AuditEntry

BUNDLE_NAME = "print-bundle.pdf"
MANIFEST_NAME = "manifest.json"
ERRORS_NAME = "errors.csv"
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowProblem:
    """One reason one row was refused; `row` as the spreadsheet numbers it."""

    row: int
    field: str
    message: str


@dataclass(frozen=True)
class Made:
    """One row's form, in its file: made now, already there from an earlier
    run, or replacing an earlier unsigned version (see generator.records.filing)."""

    row: int
    status: str  # a generator.records.filing.Outcome value
    entry: AuditEntry

    @property
    def file(self) -> str:
        return self.entry.file


@dataclass
class BatchResult:
    """Everything a batch did, in appointment order."""

    made: list[Made] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0
    bundle_pages: int = 0
    stopped: str | None = None  # why the batch stopped part way, if it did
    reports: list[str] = field(default_factory=list)  # the report files written (manifest, errors.csv)

    @property
    def refused_rows(self) -> list[int]:
        return sorted({problem.row for problem in self.problems})

    def count(self, status: str) -> int:
        return sum(made.status == status for made in self.made)


def manifest_json(result: BatchResult, source: str) -> str:
    documents = [
        {
            "row": made.row,
            "file": made.file,
            "status": made.status,
            "sha256": made.entry.sha256,
            "pages": made.entry.pages,
            "form": made.entry.form,
            "form_version": made.entry.form_version,
            "document_id": made.entry.document_id,
            **({"replaced_sha256": made.entry.replaced_sha256} if made.entry.replaced_sha256 else {}),
        }
        for made in result.made
    ]
    manifest = {
        "appointments": source,
        "documents": documents,
        "totals": {
            "rows": result.rows,
            "documents": len(result.made),
            "made": result.count("made"),
            "already_there": result.count("already there"),
            "replaced": result.count("replaced"),
            "refused_rows": len(result.refused_rows),
            "pages": sum(made.entry.pages for made in result.made),
            "bundle": BUNDLE_NAME if result.made and result.stopped is None else None,
            "bundle_pages": result.bundle_pages,
        },
        "refused_rows": result.refused_rows,
        "stopped": result.stopped,
    }
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def _neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def errors_csv(problems: list[RowProblem]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["row", "field", "message"])
    for problem in problems:
        writer.writerow([problem.row, _neutralise(problem.field), _neutralise(problem.message)])
    return buffer.getvalue()
