"""The X12 code lists the claim model uses, in one place, each code with its meaning.

Subsets of the public lists (see shared DOMAIN.md): claim status category codes (code
source 507), claim status codes (508), claim adjustment group codes, claim adjustment
reason codes (CARC), remittance advice remark codes (RARC), payment methods (BPR04) and
CMS place-of-service codes. The UI shows these meanings beside the codes; a code the
lists don't know is still kept (payers use many), and shown as the code alone.
"""

from __future__ import annotations

CLAIM_STATUS_CATEGORIES: dict[str, str] = {
    "A0": "Forwarded to another entity",
    "A1": "Received",
    "A2": "Accepted into adjudication",
    "A3": "Returned as unprocessable",
    "A4": "Not found",
    "A6": "Rejected for missing information",
    "A7": "Rejected for invalid information",
    "A8": "Rejected for relational field in error",
    "P0": "Pending",
    "P1": "In process",
    "P2": "Pending payer review",
    "P3": "Pending: waiting on information from the provider",
    "P4": "Pending: waiting on information from the patient",
    "P5": "Pending: administrative hold",
    "F0": "Finalized",
    "F1": "Finalized: paid",
    "F2": "Finalized: denied",
    "F3": "Finalized: revised",
    "F4": "Finalized: adjudicated, no payment forthcoming",
    "R0": "Requests for additional information: general",
    "R1": "Requests for additional information: entity requests",
    "R3": "Requests for additional information: claim/line",
    "R4": "Requests for additional information: documentation",
    "E0": "Response not possible: error on submitted request",
    "E1": "Response not possible: system status",
    "E2": "Information holder is not responding",
    "E3": "Correction required: relational fields in error",
    "E4": "Trading partner agreement specific requirement not met",
    "D0": "Data search unsuccessful",
}
"""277 STC01-1, code source 507."""

CLAIM_STATUS_CODES: dict[str, str] = {
    "1": "For more detailed information, see remittance advice",
    "3": "Claim has been adjudicated and is awaiting payment cycle",
    "15": "Justification for service",
    "19": "Entity acknowledges receipt of claim/encounter",
    "20": "Accepted for processing",
    "21": "Missing or invalid information",
    "29": "Subscriber and policy number/contract number mismatched",
    "65": "Claim/line has been paid",
    "88": "Claim/line has been denied",
    "101": "Claim was processed as adjustment to previous claim",
    "104": "Processed according to plan provisions",
    "107": "Processed according to contract provisions",
    "294": "Supporting documentation",
}
"""277 STC01-2, code source 508 (the subset the sandbox portals use)."""

ADJUSTMENT_GROUPS: dict[str, str] = {
    "CO": "Contractual obligation (the provider writes it off)",
    "PR": "Patient responsibility",
    "OA": "Other adjustment",
    "PI": "Payer-initiated reduction",
    "CR": "Correction and reversal (before 5010)",
}
"""835 CAS01 claim adjustment group codes."""

CARC: dict[str, str] = {
    "1": "Deductible amount",
    "2": "Coinsurance amount",
    "3": "Co-payment amount",
    "4": "The procedure code is inconsistent with the modifier used",
    "16": "Claim/service lacks information needed for adjudication",
    "18": "Exact duplicate claim/service",
    "22": "This care may be covered by another payer (coordination of benefits)",
    "23": "The impact of prior payer adjudication",
    "27": "Expenses incurred after coverage terminated",
    "29": "The time limit for filing has expired",
    "45": "Charge exceeds fee schedule/maximum allowable",
    "50": "Not deemed a medical necessity by the payer",
    "96": "Non-covered charge(s)",
    "97": "Payment is included in the allowance for another service (bundled)",
    "119": "Benefit maximum for this time period or occurrence has been reached",
    "197": "Precertification/authorization/notification absent",
    "204": "This service is not covered under the patient's current benefit plan",
    "253": "Sequestration: reduction in federal payment",
}
"""Claim adjustment reason codes (835 CAS02), the subset the sandbox portals use."""

RARC: dict[str, str] = {
    "M15": "Separately billed services have been bundled",
    "M86": "Service denied because payment already made for same/similar procedure",
    "N30": "Patient ineligible for this service",
    "N115": "This decision was based on a local coverage determination",
    "N130": "Consult plan benefit documents for information about restrictions",
    "N290": "Missing/incomplete/invalid rendering provider primary identifier",
    "N362": "The number of days or units of service exceeds our acceptable maximum",
    "N386": "This decision was based on a national coverage determination",
    "N479": "Missing explanation of benefits (coordination of benefits)",
    "MA130": "Your claim contains incomplete and/or invalid information",
}
"""Remittance advice remark codes (835 LQ02), the subset the sandbox portals use."""

PAYMENT_METHODS: dict[str, str] = {
    "CHK": "Check",
    "ACH": "Electronic funds transfer (ACH)",
    "NON": "No payment",
    "BOP": "Financial institution option",
    "FWT": "Federal reserve wire transfer",
}
"""835 BPR04 payment method codes."""

PLACES_OF_SERVICE: dict[str, str] = {
    "02": "Telehealth (not in patient's home)",
    "10": "Telehealth in patient's home",
    "11": "Office",
    "12": "Home",
    "19": "Off campus outpatient hospital",
    "20": "Urgent care facility",
    "21": "Inpatient hospital",
    "22": "On campus outpatient hospital",
    "23": "Emergency room, hospital",
    "24": "Ambulatory surgical center",
    "81": "Independent laboratory",
}
"""CMS place-of-service codes (837 CLM05-1)."""


def meaning(table: dict[str, str], code: str | None) -> str | None:
    """The meaning of ``code`` in ``table``, or None when the list doesn't know it."""
    return table.get(code) if code is not None else None
