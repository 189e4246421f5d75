"""The accuracy report as people read it: one table row per carrier and job kind, then a
note per skipped carrier and kind."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bench.score import Report

COLUMNS = ("carrier", "kind", "members", "exact", "claims", "fields", "field mismatches",
           "missing/unexpected claims", "refused", "failed", "produced", "silently wrong")


def report_table(report: Report) -> Table:
    table = Table(title=f"Accuracy on layout {report.layout}")
    for column in COLUMNS:
        name = column in ("carrier", "kind")
        table.add_column(column, justify="left" if name else "right", no_wrap=name)
    for s in report.scores:
        claims = s.kind == "claim_status"
        table.add_row(
            s.carrier, s.kind, str(s.members), str(s.exact_matches),
            str(s.claims_compared) if claims else "-", str(s.fields_compared),
            str(s.field_mismatches),
            f"{s.missing_claims}/{s.unexpected_claims}" if claims else "-",
            str(s.guard_refusals),
            f"{s.failed_lookups}/{s.lookups}", str(s.results_produced),
            str(s.silently_wrong))
    return table


def print_report(report: Report, console: Console) -> None:
    console.print(report_table(report))
    for skip in report.skipped:
        console.print(f"skipped {skip.carrier} {skip.kind}: {skip.reason}")
    for s in report.scores:
        if s.errors:
            errors = ", ".join(f"{code} {n}" for code, n in sorted(s.errors.items()))
            console.print(f"{s.carrier} {s.kind} failed lookups: {errors}")
    console.print("PASS" if report.passed else "FAIL", style="green" if report.passed else "red")
