"""Field-level comparison of two claim results (the claims counterpart of
:func:`portals.model.diff_results`).

Claims are matched by claim number (case-insensitive), lines by line number, payments by
number, documents by file name; adjustments compare as a multiset, modifiers as one
ordered field. Money and units compare by value (``Decimal('0.20') == Decimal('0.2')``),
dates as dates. Only fields that were actually compared are counted: a claim the result
lacks is counted as missing, not as a pile of field mismatches.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from bench.score import Comparison
from portals.claims import ClaimResult

_KEYED = {"lines": "line_number", "payments": "number", "documents": "filename"}
"""Lists whose items are matched by a key."""
_LEAF_LISTS = frozenset({"modifiers"})
"""Lists compared as one ordered value."""


def diff_claims(expected: ClaimResult, actual: ClaimResult) -> Comparison:
    walk = _Walk()
    walk.value(expected.carrier, actual.carrier, "carrier")
    walk.keyed("filename", _dump(expected.documents), _dump(actual.documents), "documents")
    wanted = {c.claim_number.upper(): c for c in expected.claims}
    got: dict[str, Any] = {}
    for claim in actual.claims:
        number = claim.claim_number.upper()
        if number in got:
            walk.mismatches.append(f"claims[{claim.claim_number}]: appears twice")
        got[number] = claim
    compared = sorted(wanted.keys() & got.keys())
    for number in compared:
        walk.tree(wanted[number].model_dump(), got[number].model_dump(),
                  f"claims[{wanted[number].claim_number}]")
    return Comparison(
        fields_compared=walk.fields, mismatches=walk.mismatches,
        claims_compared=len(compared),
        missing=[wanted[n].claim_number for n in sorted(wanted.keys() - got.keys())],
        unexpected=[got[n].claim_number for n in sorted(got.keys() - wanted.keys())],
    )


def _dump(items: list[Any]) -> list[dict[str, Any]]:
    return [item.model_dump() for item in items]


class _Walk:
    def __init__(self) -> None:
        self.fields = 0
        self.mismatches: list[str] = []

    def value(self, a: object, b: object, path: str) -> None:
        self.fields += 1
        if a != b:
            self.mismatches.append(path)

    def tree(self, a: object, b: object, path: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                sub = f"{path}.{key}"
                if key in _KEYED and isinstance(a.get(key), list) \
                        and isinstance(b.get(key), list):
                    self.keyed(_KEYED[key], a[key], b[key], sub)
                elif key == "adjustments" and isinstance(a.get(key), list) \
                        and isinstance(b.get(key), list):
                    self.multiset(a[key], b[key], sub)
                elif key in _LEAF_LISTS:
                    self.value(a.get(key), b.get(key), sub)
                else:
                    self.tree(a.get(key), b.get(key), sub)
        else:
            self.value(a, b, path)

    def keyed(self, key: str, a: list[dict[str, Any]], b: list[dict[str, Any]],
              path: str) -> None:
        left = {item[key]: item for item in a}
        right = {item[key]: item for item in b}
        if len(right) < len(b):
            self.mismatches.append(f"{path}: a {key} appears twice")
        for k in sorted(left.keys() | right.keys(), key=str):
            if k not in right:
                self.mismatches.append(f"{path}[{k}]: missing")
            elif k not in left:
                self.mismatches.append(f"{path}[{k}]: unexpected")
            else:
                self.tree(left[k], right[k], f"{path}[{k}]")

    def multiset(self, a: list[dict[str, Any]], b: list[dict[str, Any]], path: str) -> None:
        self.fields += sum(len(item) for item in a)
        left = Counter(_adjustment(item) for item in a)
        right = Counter(_adjustment(item) for item in b)
        missing = sorted((left - right).elements())
        unexpected = sorted((right - left).elements())
        if missing or unexpected:
            self.mismatches.append(
                f"{path}: missing [{', '.join(missing)}], unexpected [{', '.join(unexpected)}]")


def _adjustment(item: dict[str, Any]) -> str:
    """``CO-45 12.5 N130``: group, reason, amount (by value), remark."""
    amount = item.get("amount")
    shown = format(amount.normalize(), "f") if isinstance(amount, Decimal) else str(amount)
    remark = f" {item['remark']}" if item.get("remark") else ""
    return f"{item.get('group')}-{item.get('reason')} {shown}{remark}"
