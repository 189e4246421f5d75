"""Every Meridian Health selector and label, in one place to edit when the portal changes."""

from __future__ import annotations

# sign-in
LOGIN_PATH = "/login"
LOGIN_FORM = "form#login-form"
USERNAME = "#username"
PASSWORD = "#password"
LOGIN_BUTTON = "#login-button"
LOGIN_ERROR = "#login-error"
LOCKED_TEXT = "locked"

# second factor
MFA_FORM = "form#mfa-form"
OTP = "#otp"
VERIFY_BUTTON = "#verify-button"
MFA_ERROR = "#mfa-error"
CODE_ALREADY_USED_TEXT = "already been used"

# announcements
NOTICE_FORM = "form#notice-form"
ACKNOWLEDGE = "#acknowledge-button"
ANNOUNCEMENT_MODAL = "#announcement-modal"
ANNOUNCEMENT_CLOSE = "#announcement-close"

# portal down
MAINTENANCE = "#maintenance-title"
UNAVAILABLE = "#unavailable-title"

# signed in
HOME = "#home-title"
SEARCH_PATH = "/eligibility"
SEARCH_FORM = "form#eligibility-search-form"
MEMBER_ID = "#member-id"
DOB = "#dob"
LAST_NAME = "#last-name"
SEARCH_BUTTON = "#search-button"
SEARCH_ERROR = "#search-error"
NO_RECORDS_TEXT = "No records found"

# the eligibility and benefits page: everything below is checked exactly (ids, section
# titles, labels, column headers and their order) so that a redesign is caught by its
# structure, not only by the layout marker
RESULT = "#eligibility-result"
RESULT_TITLE = "#eligibility-result h1"
RESULT_TITLE_TEXT = "Eligibility & Benefits"
LAYOUT_MARKER = "main#content[data-layout]"
OTHER_LAYOUT = 'main#content:not([data-layout="v1"])'
"""A page of a layout this bot was not written for: stop at once instead of waiting."""
LAYOUT_VERSION = "v1"

SECTIONS = (
    ("member-section", "Member Information"),
    ("subscriber-section", "Subscriber Information"),
    ("plan-section", "Plan Information"),
    ("coverage-section", "Coverage"),
    ("deductible-section", "Deductible (Calendar Year)"),
    ("out-of-pocket-section", "Out-of-Pocket Maximum (Calendar Year)"),
    ("copay-section", "Copays (Per Visit)"),
    ("coinsurance-section", "Coinsurance (Member Pays)"),
    ("limitations-section", "Limitations (Visits per Calendar Year)"),
    ("non-covered-section", "Services Not Covered"),
    ("prior-auth-section", "Services Requiring Prior Authorization"),
)
"""Every section of the result page as (id, heading), in page order."""

# label/value lists: (key, <dt> label, <dd> id), in page order
MEMBER_DETAILS = "dl#member-details"
MEMBER = (("name", "Name", "member-name"), ("id", "Member ID", "member-id"),
          ("dob", "Date of Birth", "member-dob"), ("gender", "Gender", "member-gender"),
          ("relationship", "Relationship to Subscriber", "member-relationship"))
SUBSCRIBER_DETAILS = "dl#subscriber-details"
SUBSCRIBER = (("name", "Name", "subscriber-name"), ("id", "Member ID", "subscriber-id"),
              ("dob", "Date of Birth", "subscriber-dob"),
              ("gender", "Gender", "subscriber-gender"))
PLAN_DETAILS = "dl#plan-details"
PLAN = (("name", "Plan Name", "plan-name"), ("group_number", "Group Number", "group-number"),
        ("group_name", "Group Name", "group-name"), ("plan_type", "Plan Type", "plan-type"),
        ("network_name", "Network", "network-name"))
COVERAGE_DETAILS = "dl#coverage-details"
COVERAGE = (("status", "Coverage Status", "coverage-status"),
            ("effective", "Effective Date", "effective-date"),
            ("termination", "Termination Date", "termination-date"),
            ("level", "Coverage Level", "coverage-level"))

# tables: the exact headers, in order
DEDUCTIBLE_TABLE = "#deductible-table"
OOP_TABLE = "#out-of-pocket-table"
ACCUMULATOR_COLUMNS = ["Coverage Level", "Network", "Annual Amount", "Met", "Remaining"]
ACCUMULATOR_ROWS = (("Individual", "In-Network"), ("Individual", "Out-of-Network"))
FAMILY_ACCUMULATOR_ROWS = (("Family", "In-Network"), ("Family", "Out-of-Network"))
COPAY_TABLE = "#copay-table"
COPAY_COLUMNS = ["Service", "In-Network", "Out-of-Network"]
COINSURANCE_TABLE = "#coinsurance-table"
COINSURANCE_COLUMNS = ["Network", "Coinsurance"]
COINSURANCE_ROWS = ("In-Network", "Out-of-Network")
LIMITATIONS_TABLE = "#limitations-table"
LIMITATION_COLUMNS = ["Service", "Visits Allowed", "Visits Used", "Visits Remaining"]
NON_COVERED_TABLE = "#non-covered-table"
NON_COVERED_COLUMNS = ["Service", "Description"]
PRIOR_AUTH_TABLE = "#prior-auth-table"
PRIOR_AUTH_COLUMNS = ["CPT Code", "Description"]

# formats and labels
DATE_FORMAT = "%m/%d/%Y"
DATE_PATTERN = r"\d{2}/\d{2}/\d{4}"
MONEY_PATTERN = r"\$(0|[1-9]\d{0,2}(,\d{3})*)\.\d{2}"
"""``$1,234.56``: a dollar sign, thousands commas, always two decimals."""
PERCENT_PATTERN = r"\d{1,3}%"
MEMBER_ID_PATTERN = r"MRD\d{9}"
EMPTY = "—"
SERVICE_TYPES = {
    "Primary Care Office Visit": "98",
    "Urgent Care": "UC",
    "Emergency Room": "86",
    "Mental Health Outpatient": "MH",
    "Pharmacy (Generic)": "88",
    "Chiropractic": "33",
    "Physical Therapy": "PT",
    "Medical Care": "1",
    "Dental Care": "35",
    "Vision": "AL",
    "Hospital": "47",
}
NETWORKS = {"In-Network": "Y", "Out-of-Network": "N"}
LEVELS = {"Individual": "IND", "Family": "FAM"}
STATUSES = {"Active": "active", "Inactive": "inactive", "Terminated": "terminated"}
GENDERS = {"Female": "F", "Male": "M"}
RELATIONSHIPS = {"Self": "18", "Spouse": "01", "Child": "19"}

# -- claim status and payments -------------------------------------------------------------
CLAIMS_PATH = "/claims"
CLAIM_SEARCH_FORM = "form#claim-search-form"
MODE_CLAIM_NUMBER = "#mode-claim-number"
MODE_DATE_RANGE = "#mode-date-range"
CLAIM_MEMBER_ID = "#claim-member-id"
CLAIM_DOB = "#claim-dob"
CLAIM_LAST_NAME = "#claim-last-name"
CLAIM_NUMBER = "#claim-number"
SERVICE_FROM = "#service-from"
SERVICE_TO = "#service-to"
CLAIM_SEARCH_BUTTON = "#claim-search-button"
CLAIM_SEARCH_ERROR = "#claim-search-error"
NO_CLAIMS_TEXT = "No claims found"
NO_MEMBER_TEXT = "No member found"
CLAIM_RANGE_MONTHS = 24
"""The portal refuses a date-of-service range of more than 24 months: the bot splits."""
ERROR_TITLE = "#error-title"
ERROR_MESSAGE = "#error-message"

# the result list: "Page k of N", 10 a page, a Next link on every page but the last
CLAIM_RESULTS = "#claim-results"
CLAIM_RESULTS_TITLE = "#claim-results h1"
CLAIM_RESULTS_TITLE_TEXT = "Claim Search Results"
CLAIM_RESULTS_COUNT = "#claim-results-count"
CLAIM_RESULTS_COUNT_PATTERN = r"Claims (\d+)\u2013(\d+) of (\d+)"
CLAIMS_TABLE = "#claims-table"
CLAIMS_COLUMNS = ["Claim Number", "Patient", "Member ID", "Dates of Service", "Billed", "Paid",
                  "Status"]
CLAIM_LINK = "a.claim-link"
PAGER_STATUS = "#claims-pager #pager-status"
PAGER_PATTERN = r"Page (\d+) of (\d+)"
PAGER_NEXT = "#claims-pager a#pager-next"
PAGE_SIZE = 10
RESULTS_HREF_PATTERN = r"/claims/results/[A-Za-z0-9_-]+"
"""Every link of a search's pages starts so (the token is opaque)."""

# the claim detail page
CLAIM_DETAIL = "#claim-detail"
CLAIM_DETAIL_TITLE = "#claim-detail h1"
CLAIM_DETAIL_TITLE_TEXT = "Claim Detail"
CLAIM_SECTIONS = (
    ("claim-summary-section", "Claim Summary"),
    ("claim-patient-section", "Patient"),
    ("claim-providers-section", "Providers"),
    ("claim-totals-section", "Claim Totals"),
    ("claim-lines-section", "Service Lines"),
    ("claim-payments-section", "Payments"),
)
CLAIM_SUMMARY_DETAILS = "dl#claim-summary"
CLAIM_SUMMARY = (("number", "Claim Number", "claim-number-value"),
                 ("account", "Patient Account Number", "patient-account-number"),
                 ("status", "Claim Status", "claim-status"),
                 ("status_code", "Status Code", "claim-status-code"),
                 ("status_date", "Status Date", "claim-status-date"),
                 ("dates", "Dates of Service", "claim-service-dates"),
                 ("place", "Place of Service", "claim-place-of-service"))
CLAIM_PATIENT_DETAILS = "dl#claim-patient"
CLAIM_PATIENT = (("name", "Name", "claim-patient-name"),
                 ("id", "Member ID", "claim-patient-member-id"),
                 ("dob", "Date of Birth", "claim-patient-dob"))
CLAIM_PROVIDER_DETAILS = "dl#claim-providers"
CLAIM_PROVIDERS = (("billing_name", "Billing Provider", "billing-provider-name"),
                   ("billing_npi", "Billing Provider NPI", "billing-provider-npi"),
                   ("rendering_name", "Rendering Provider", "rendering-provider-name"),
                   ("rendering_npi", "Rendering Provider NPI", "rendering-provider-npi"))
CLAIM_TOTAL_DETAILS = "dl#claim-totals"
CLAIM_TOTALS = (("billed", "Total Billed", "claim-total-billed"),
                ("allowed", "Total Allowed", "claim-total-allowed"),
                ("paid", "Total Paid", "claim-total-paid"),
                ("patient", "Patient Responsibility", "claim-patient-responsibility"))
CLAIM_LINES_TABLE = "#claim-lines-table"
CLAIM_LINE_COLUMNS = ["Line", "Service Date", "Procedure", "Modifiers", "Units", "Billed",
                      "Allowed", "Paid", "Adjustments"]
ADJUSTMENT_ITEMS = "ul.adjustments > li"
ADJUSTMENT_PATTERN = (r"(CO|PR|OA|PI|CR)-([A-Z]?\d{1,3}) (-?\$(?:0|[1-9]\d{0,2}(?:,\d{3})*)"
                      r"\.\d{2})(?: RARC ([A-Z]{1,2}\d{1,4}))?")
"""``CO-45 $12.00``, or with a remark code ``CO-50 $145.00 RARC N115``."""
PAYMENTS_TABLE = "#claim-payments-table"
PAYMENT_COLUMNS = ["Payment Method", "Check/EFT Number", "Payment Date", "Amount",
                   "Remittance"]
NO_PAYMENTS = "#no-payments"
NO_PAYMENTS_TEXT = "No payments have been issued for this claim."
EOB_LINK = "a.eob-link"
EOB_FILENAME_PATTERN = r"MeridianHealth-EOB-[A-Za-z0-9-]+\.pdf"
PAYMENT_METHODS = {"Check": "CHK", "EFT": "ACH"}
CLAIM_STATUSES = {
    "Received": "A1",
    "Accepted": "A2",
    "In Process": "P1",
    "Pending - Provider Information Requested": "P3",
    "Paid": "F1",
    "Denied": "F2",
    "Adjusted": "F3",
    "Processed - No Payment": "F4",
}
"""Meridian's status words -> 277 claim status category."""
CLAIM_NUMBER_PATTERN = r"MH\d{10}"
DATE_RANGE_PATTERN = r"(\d{2}/\d{2}/\d{4}) - (\d{2}/\d{2}/\d{4})"
NPI_PATTERN = r"\d{10}"
PLACE_PATTERN = r"\d{2}"
STATUS_CODE_PATTERN = r"\d{1,3}"
PROCEDURE_PATTERN = r"[A-Z0-9]{5}"
MODIFIER_PATTERN = r"[A-Z0-9]{2}"
UNITS_PATTERN = r"[1-9]\d{0,2}(\.\d{1,3})?"
PAYMENT_NUMBER_PATTERN = r"[A-Za-z0-9-]{1,40}"
ACCOUNT_NUMBER_PATTERN = r"[A-Za-z0-9-]{1,30}"
EOB_CONTENT_TYPE = "application/pdf"
EOB_MAGIC = b"%PDF-"
