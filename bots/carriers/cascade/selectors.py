"""Every Cascade Dental selector, label and format, in one place to edit when the portal
changes."""

from __future__ import annotations

# sign-in
PATIENTS_PATH = "/patients"
SIGNIN_FORM = "form#cdn-signin"
USER_ID = "#user-id"
PASSCODE = "#passcode"
SIGNIN_SUBMIT = "#signin-submit"
SIGNIN_ERROR = "#signin-error"
LOCKED_TEXT = "locked"
PASSCODE_EXPIRED = "#passcode-expired-title"

# second factor: a code e-mailed to the account's address
VERIFY_FORM = "form#email-code-form"
CODE_SENT = "#code-sent"
CODE_SENT_PATTERN = r"We e-mailed a code to (?P<mask>[^\s@]+@[^\s@]+)"
EMAIL_CODE = "#email-code"
CODE_SUBMIT = "#code-submit"
CODE_ERROR = "#code-error"
CODE_CHANNEL = "email"

# portal down (also told by the HTTP status)
MAINTENANCE = "#outage-title"
UNAVAILABLE = "#busy-title"
DOWN_STATUSES = (429, 500, 502, 503, 504)

# signed in
DASHBOARD = "#dashboard-title"
LOOKUP_FORM = "form#patient-lookup"
LOOKUP_MEMBER_ID = "#lookup-member-id"
LOOKUP_DOB = "#lookup-dob"
LOOKUP_LAST_NAME = "#lookup-last-name"
LOOKUP_SUBMIT = "#lookup-submit"
LOOKUP_MESSAGE = "#lookup-message"
NO_MATCH_TEXT = "No matching patient was found"
ANY_PAGE = "body"
"""Matches every page: the last state to wait for, so an unknown page fails at once."""

# the patient record page (outside the frame)
LAYOUT_MARKER = "main#portal[data-layout]"
LAYOUT_VERSION = "v1"
RECORD = "#patient-record"
RECORD_TITLE = "#patient-record > h1#record-title"
RECORD_TITLE_TEXT = "Patient benefits"
CARDS = "#patient-record > div.cards > section.card"
CARD_TITLES = (("patient-card", "Patient"), ("subscriber-card", "Subscriber"),
               ("plan-card", "Plan"), ("coverage-card", "Coverage"))
PATIENT_FIELDS = (("last", "Last name", "patient-last"), ("first", "First name", "patient-first"),
                  ("id", "Member ID", "patient-id"), ("dob", "Date of birth", "patient-dob"),
                  ("sex", "Sex", "patient-sex"), ("rel", "Relationship", "patient-rel"))
SUBSCRIBER_FIELDS = (("last", "Last name", "subscriber-last"),
                     ("first", "First name", "subscriber-first"),
                     ("id", "Member ID", "subscriber-id"),
                     ("dob", "Date of birth", "subscriber-dob"),
                     ("sex", "Sex", "subscriber-sex"))
PLAN_FIELDS = (("name", "Plan", "plan-name"), ("plan_type", "Plan type", "plan-type"),
               ("group_number", "Group number", "plan-group-number"),
               ("group_name", "Group name", "plan-group-name"),
               ("network_name", "Network", "plan-network"))
COVERAGE_FIELDS = (("status", "Status", "coverage-status"),
                   ("effective", "Effective", "coverage-effective"),
                   ("terminates", "Terminates", "coverage-terminates"),
                   ("tier", "Coverage tier", "coverage-tier"))
BENEFITS_PANEL = "#patient-record > section#benefits-panel"
BENEFITS_PANEL_TITLE = "Benefit details"
BENEFITS_FRAME = "iframe#benefits-frame"
FRAME_SRC_PATTERN = r"/benefits/frame/[A-Za-z0-9_-]+"
SUMMARY_LINK = "a#benefit-summary-link"
SUMMARY_LINK_TEXT = "Download benefit summary (PDF)"
SUMMARY_HREF_PATTERN = r"/documents/[A-Za-z0-9_-]+\.pdf"

# inside the benefits frame
FRAME_ROOT = "#benefit-detail"
FRAME_MEMBER_LINE = "#frame-patient"
FRAME_MEMBER_NAME = "#frame-member-name"
FRAME_MEMBER_ID = "#frame-member-id"
FRAME_MEMBER_PATTERN = r"Benefits for (?P<name>.+), member ID (?P<id>\S+)"
ORTHO_SECTION = "ortho-maximum"
FRAME_SECTIONS = (
    ("deductibles", "Deductibles", "deductible-grid",
     ["Tier", "Network", "Annual deductible", "Met to date", "Remaining"]),
    ("annual-maximum", "Annual maximum", "maximum-grid",
     ["Network", "Annual maximum", "Used", "Remaining"]),
    (ORTHO_SECTION, "Orthodontic lifetime maximum", "ortho-grid",
     ["Lifetime maximum", "Paid to date", "Remaining"]),
    ("service-classes", "Coverage by service class", "class-grid",
     ["Service class", "In network", "Out of network"]),
    ("frequencies", "Frequency limitations", "frequency-grid",
     ["CDT code", "Procedure", "Frequency", "Last service"]),
    ("waiting-periods", "Waiting periods", "waiting-grid", ["Service class", "Waiting period"]),
    ("exclusions", "Not covered", "exclusion-grid", ["Service class", "Exclusion"]),
    ("predeterminations", "Pre-treatment estimate required", "predetermination-grid",
     ["CDT code", "Procedure"]),
)
"""(section id, heading, table id, exact headers) in page order; the ortho section only
on plans with orthodontics."""

# the benefit summary PDF
PDF_CONTENT_TYPE = "application/pdf"
DISPOSITION_PATTERN = r'attachment;\s*filename="(?P<name>[A-Za-z0-9._-]+\.pdf)"'
PDF_MAGIC = b"%PDF-"
PDF_END = b"%%EOF"
DOCUMENT_KIND = "benefit_summary"

# formats and labels
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DATE_PATTERN = r"(?P<day>\d{2})-(?P<month>[A-Z][a-z]{2})-(?P<year>\d{4})"
"""``04-Mar-2026``."""
MONEY_PATTERN = r"USD (?P<digits>(0|[1-9]\d{0,2}(,\d{3})*)\.\d{2})"
"""``USD 1,234.56``: always two decimals."""
COVERED_PATTERN = r"(?P<percent>\d{1,3})% covered"
"""What the PLAN pays; the member pays the rest (80% covered -> 0.2)."""
FREQUENCY_YEAR_PATTERN = r"(?P<quantity>[1-9]\d*) per calendar year"
FREQUENCY_MONTHS_PATTERN = r"(?P<quantity>[1-9]\d*) per (?P<months>[1-9]\d*) months"
WAITING_PATTERN = r"(?P<months>[1-9]\d*) months"
MEMBER_ID_PATTERN = r"CDN\d{9}"
CDT_PATTERN = r"D\d{4}"
NOT_AVAILABLE = "Not available"
NO_END_DATE = "No end date"
NEVER = "None on file"
WAITING_PERIOD = "Waiting period"
CLASSES = {"Preventive": "41", "Diagnostic": "23", "Basic restorative": "25",
           "Orthodontics": "38"}
"""Coverage classes in page order -> X12 service type."""
EXCLUSION_CLASSES = {**CLASSES, "General dental": "35"}
NETWORKS = {"In network": "Y", "Out of network": "N"}
TIERS = {"Individual": "IND", "Family": "FAM"}
STATUSES = {"Active": "active", "Inactive": "inactive", "Terminated": "terminated"}
SEXES = {"F": "F", "M": "M"}
RELATIONSHIPS = {"Subscriber": "18", "Spouse": "01", "Child": "19"}
