"""Every Meridian Health selector and label, in one place to edit when the portal changes."""

from __future__ import annotations

# sign-in
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
