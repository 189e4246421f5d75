"""What an accuracy run counts, per carrier and job kind, and the report it writes.

A *member* is exact when every lookup made for them (one for eligibility; for claims the
full-range search and, for a sample, a search by claim number) produced a result equal to
the sandbox's truth. On a layout the bot was never taught (``v2``) every lookup must fail
with a typed error; a result produced anyway is *silently wrong*.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Comparison:
    """One result compared with the truth."""

    fields_compared: int
    mismatches: list[str]
    """Dotted paths of the fields that differ."""
    claims_compared: int = 0
    missing: list[str] = field(default_factory=list)
    """Claims the truth has and the result lacks (claim numbers)."""
    unexpected: list[str] = field(default_factory=list)
    """Claims the result has and the truth lacks (claim numbers)."""
    refused: str | None = None
    """The error code of the guard the runner applies before storing, when it refused."""

    @property
    def exact(self) -> bool:
        return not (self.mismatches or self.missing or self.unexpected or self.refused)

    def problems(self) -> list[str]:
        return ([*self.mismatches]
                + [f"missing claim {n}" for n in self.missing]
                + [f"unexpected claim {n}" for n in self.unexpected]
                + ([f"refused by the guard: {self.refused}"] if self.refused else []))


@dataclass
class Score:
    carrier: str
    kind: str
    layout: str
    members: int = 0
    exact_matches: int = 0
    """Members every one of whose lookups was exact."""
    lookups: int = 0
    claims_compared: int = 0
    fields_compared: int = 0
    field_mismatches: int = 0
    missing_claims: int = 0
    unexpected_claims: int = 0
    guard_refusals: int = 0
    """Results the runner's guard would refuse to store (a wrong patient, unbalanced)."""
    failed_lookups: int = 0
    results_produced: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    mismatches: dict[str, list[str]] = field(default_factory=dict)
    """Per lookup (member ID, and ``#<claim number>`` for a search by number): what
    differed."""

    @property
    def silently_wrong(self) -> int:
        """Results produced on a layout the bot was never taught (must be 0)."""
        return self.results_produced if self.layout != "v1" else 0

    @property
    def passed(self) -> bool:
        """v1: every member exact, no lookup failed. v2: every lookup failed loudly."""
        if self.layout == "v1":
            return (self.lookups > 0 and self.failed_lookups == 0
                    and self.exact_matches == self.members and not self.mismatches)
        return self.results_produced == 0 and self.failed_lookups == self.lookups

    def failed(self, code: str) -> None:
        self.lookups += 1
        self.failed_lookups += 1
        self.errors[code] = self.errors.get(code, 0) + 1

    def compared(self, key: str, comparison: Comparison) -> bool:
        """Count a produced result; whether it was exact."""
        self.lookups += 1
        self.results_produced += 1
        self.fields_compared += comparison.fields_compared
        self.claims_compared += comparison.claims_compared
        self.field_mismatches += len(comparison.mismatches)
        self.missing_claims += len(comparison.missing)
        self.unexpected_claims += len(comparison.unexpected)
        self.guard_refusals += comparison.refused is not None
        if not comparison.exact:
            self.mismatches[key] = comparison.problems()
        return comparison.exact

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "silently_wrong": self.silently_wrong, "passed": self.passed}


@dataclass(frozen=True)
class Skipped:
    carrier: str
    kind: str
    reason: str


@dataclass
class Report:
    layout: str
    scores: list[Score]
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(score.passed for score in self.scores)

    def score(self, carrier: str, kind: str) -> Score:
        return next(s for s in self.scores if s.carrier == carrier and s.kind == kind)

    def as_dict(self) -> dict[str, object]:
        return {
            "layout": self.layout,
            "passed": self.passed,
            "scores": [score.as_dict() for score in self.scores],
            "skipped": [asdict(skip) for skip in self.skipped],
        }
