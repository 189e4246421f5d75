"""The accuracy report as people read it: a table per job kind with a row per carrier
(fits 80 columns), then a note per skipped carrier and kind and per kind of failed lookup."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from bench.score import Report, Score

COLUMNS = (
    ("carrier", lambda s: s.carrier),
    ("exact/\nmembers", lambda s: f"{s.exact_matches}/{s.members}"),
    ("claims", lambda s: str(s.claims_compared) if _claims(s) else "-"),
    ("fields", lambda s: str(s.fields_compared)),
    ("wrong\nfields", lambda s: str(s.field_mismatches)),
    ("missing/\nextra", lambda s: f"{s.missing_claims}/{s.unexpected_claims}"
     if _claims(s) else "-"),
    ("refused", lambda s: str(s.guard_refusals)),
    ("failed/\nlookups", lambda s: f"{s.failed_lookups}/{s.lookups}"),
    ("silently\nwrong", lambda s: str(s.silently_wrong)),
)
"""Header and cell of every column. Claims compared and missing/extra (unexpected) claims
are claims-only; "refused": results the runner's guard would not store; results produced
are the lookups that did not fail, and on v2 every one is silently wrong."""


CLAIMS_ONLY = frozenset({"claims", "missing/\nextra"})


def _claims(score: Score) -> bool:
    return score.kind == "claim_status"


def report_tables(report: Report) -> list[Table]:
    """A table per job kind: "Accuracy on layout v1: claim_status"."""
    tables = []
    for kind in dict.fromkeys(s.kind for s in report.scores):
        scores = [s for s in report.scores if s.kind == kind]
        table = Table(title=f"Accuracy on layout {report.layout}: {kind}",
                      box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                      padding=(0, 0, 0, 1))
        columns = [(h, cell) for h, cell in COLUMNS
                   if _claims(scores[0]) or h not in CLAIMS_ONLY]
        for header, _cell in columns:
            table.add_column(header, justify="left" if header == "carrier" else "right",
                             no_wrap=True)
        for score in scores:
            table.add_row(*(cell(score) for _header, cell in columns))
        tables.append(table)
    return tables


def print_report(report: Report, console: Console) -> None:
    for table in report_tables(report):
        console.print(table)
    for skip in report.skipped:
        console.print(f"skipped {skip.carrier} {skip.kind}: {skip.reason}")
    for s in report.scores:
        if s.errors:
            errors = ", ".join(f"{code} {n}" for code, n in sorted(s.errors.items()))
            console.print(f"{s.carrier} {s.kind} failed lookups: {errors}")
    console.print("PASS" if report.passed else "FAIL", style="green" if report.passed else "red")
