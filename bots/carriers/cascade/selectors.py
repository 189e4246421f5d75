"""Every Cascade Dental selector, label and format, in one place to edit when the portal
changes."""

from __future__ import annotations

# sign-in
PATIENTS_PATH = "/patients"
SIGNIN_PATH = "/signin"
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

# portal down (also told by the HTTP status: bots.flow.check_response)
MAINTENANCE = "#outage-title"
UNAVAILABLE = "#busy-title"

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

# redesigned layouts the bot does not know: LayoutChanged at once
UNKNOWN_LAYOUTS = {"layout_v2": 'main#hub[data-layout="v2"]'}

# claims: the search form (the patient, then a claim number or service dates)
CLAIMS_PATH = "/claims"
CLAIM_FORM = "form#claim-search"
CLAIM_MEMBER_ID = "#claim-member-id"
CLAIM_DOB = "#claim-dob"
CLAIM_LAST_NAME = "#claim-last-name"
CLAIM_NUMBER = "#claim-number"
CLAIM_FROM = "#claim-from"
CLAIM_TO = "#claim-to"
CLAIM_SUBMIT = "#claim-search-submit"
CLAIM_MESSAGE = "#claim-message"
CLAIM_RANGE_DAYS = 180
"""The portal searches at most 180 days of service dates (inclusive) at a time."""

# claims: the results list, paged
CLAIM_RESULTS = "#claim-results"
CLAIM_LIST = "table#claim-list"
CLAIM_LIST_COLUMNS = ["Claim number", "Patient", "Member ID", "Dates of service",
                      "Billing office", "Billed", "Status"]
CLAIM_LINK = "a.claim-link"
CLAIM_LINK_PATTERN = r"/claims/detail/[A-Za-z0-9_-]+"
NO_CLAIMS = "#no-claims"
NO_CLAIMS_TEXT = "No claims match this search."
PAGE_STATUS = "#page-status"
PAGE_STATUS_PATTERN = r"Page (?P<page>[1-9]\d*) of (?P<pages>[1-9]\d*)"
CLAIM_COUNT = "#claim-count"
CLAIM_COUNT_PATTERN = r"(?P<count>[1-9]\d*) claims?"
NEXT_PAGE = "a#next-page"
NEXT_PAGE_PATTERN = r"/claims/results/[A-Za-z0-9_-]+\?page=(?P<page>[1-9]\d*)"

# claims: the claim detail page
CLAIM_DETAIL = "#claim-detail"
CLAIM_DETAIL_TITLE = "#claim-detail > h1#claim-detail-title"
CLAIM_DETAIL_TITLE_TEXT = "Claim detail"
CLAIM_CARDS = "#claim-detail > div.cards > section.card"
CLAIM_CARD_TITLES = (("claim-card", "Claim"), ("claim-patient-card", "Patient"),
                     ("claim-provider-card", "Providers"), ("claim-totals-card", "Totals"))
CLAIM_FIELDS = (("number", "Claim number", "claim-number"),
                ("account", "Patient account", "claim-account"),
                ("status", "Status", "claim-status"),
                ("status_date", "Status date", "claim-status-date"),
                ("dates", "Dates of service", "claim-dates"),
                ("place", "Place of service", "claim-place"))
CLAIM_PATIENT_FIELDS = (("last", "Last name", "claim-patient-last"),
                        ("first", "First name", "claim-patient-first"),
                        ("id", "Member ID", "claim-patient-id"),
                        ("dob", "Date of birth", "claim-patient-dob"))
CLAIM_PROVIDER_FIELDS = (("billing_name", "Billing office", "claim-provider-billing-name"),
                         ("billing_npi", "Billing NPI", "claim-provider-billing-npi"),
                         ("treating_name", "Treating dentist", "claim-provider-treating-name"),
                         ("treating_npi", "Treating NPI", "claim-provider-treating-npi"))
CLAIM_TOTAL_FIELDS = (("billed", "Billed", "claim-total-billed"),
                      ("allowed", "Allowed", "claim-total-allowed"),
                      ("paid", "Plan paid", "claim-total-paid"),
                      ("patient", "Patient responsibility", "claim-total-patient"))
LINE_SECTION = ("claim-lines", "Procedures", "line-grid")
LINE_COLUMNS = ["Line", "Date of service", "CDT code", "Modifiers", "Tooth", "Surfaces",
                "Units", "Billed", "Allowed", "Adjustments", "Paid", "Remark"]
PAYMENT_SECTION = ("claim-payments", "Payments", "payment-grid")
PAYMENT_COLUMNS = ["Method", "Check or EFT number", "Payment date", "Amount"]
EOB_LINK = "a#eob-link"
EOB_LINK_TEXT = "Explanation of benefits (PDF)"
EOB_HREF_PATTERN = r"/claims/eob/[A-Za-z0-9_-]+\.pdf"
EOB_KIND = "remittance"
EOB_FILENAME_PATTERN = r"CascadeDental-EOB-(?P<claim>[A-Za-z0-9-]+)\.pdf"

# claims: formats and words
CLAIM_STATUSES = {"Received": "A1", "Accepted for review": "A2", "In review": "P1",
                  "Waiting for information from your office": "P3", "Paid": "F1",
                  "Denied": "F2", "Adjusted": "F3", "Processed - no payment due": "F4"}
"""The portal's status words -> 277 category (it shows no status code)."""
NONE_SHOWN = "None"
PENDING = "Pending"
"""An amount not yet set (allowed before adjudication)."""
DATE_RANGE_SEPARATOR = " to "
PLACE_PATTERN = r"(?P<name>[A-Za-z ,()-]+?) \((?P<code>\d{2})\)"
"""``Office (11)``."""
ADJUSTMENT_SEPARATOR = "; "
ADJUSTMENT_PATTERN = (r"(?P<group>CO|PR|OA|PI|CR)-(?P<reason>\d{1,3}|[A-Z]\d{1,2}) "
                      r"(?P<amount>USD -?(0|[1-9]\d{0,2}(,\d{3})*)\.\d{2})")
"""``CO-45 USD 33.35``: group code, CARC, amount."""
RARC_PATTERN = r"[A-Z]{1,2}\d{1,4}"
UNITS_PATTERN = r"[1-9]\d*"
TOOTH_PATTERN = r"[1-9]|[12]\d|3[0-2]|[A-T]"
SURFACES_PATTERN = r"[MODBLIF]{1,5}"
MODIFIERS_PATTERN = r"[A-Z0-9]{2}( [A-Z0-9]{2}){0,3}"
CLAIM_MONEY_PATTERN = r"USD (?P<digits>-?(0|[1-9]\d{0,2}(,\d{3})*)\.\d{2})"
PAYMENT_METHODS = {"Check": "CHK", "Electronic transfer": "ACH"}
NPI_PATTERN = r"\d{10}"
CLAIM_NUMBER_PATTERN = r"[A-Z0-9][A-Za-z0-9-]{3,29}"

# -- provider resources (the document library: one tab per category) ------------------------
LIBRARY_PATH = "/resources?tab=plans"
LIBRARY_TAB_PATH = "/resources?tab={tab}"
LIBRARY_TITLE = "h1#resources-title"
LIBRARY_TITLE_TEXT = "Provider resources"
LIBRARY_LIST = "ul#resource-list"
LIBRARY_ITEM = "li.resource"
LIBRARY_NONE = "li.resource-none"
LIBRARY_LINK = "a.resource-file"
LIBRARY_EFFECTIVE = "span.resource-effective"
LIBRARY_EFFECTIVE_PATTERN = r"Effective (\d{2}-[A-Z][a-z]{2}-\d{4})"
LIBRARY_DATE_FORMAT = "%d-%b-%Y"
LIBRARY_FILE_PATTERN = r"/resources/files/[a-z0-9-]+\.pdf"
LIBRARY_TABS = {"plans": "plan_document", "forms": "form", "bulletins": "bulletin"}
"""Every tab (``?tab=``) and the category it lists."""
