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

# the eligibility and benefits page
RESULT = "#eligibility-result"
RESULT_TITLE = "#eligibility-result h1"
RESULT_TITLE_TEXT = "Eligibility & Benefits"
LAYOUT_MARKER = "main#content[data-layout]"

MEMBER = {"name": "#member-name", "id": "#member-id", "dob": "#member-dob",
          "gender": "#member-gender", "relationship": "#member-relationship"}
SUBSCRIBER = {"name": "#subscriber-name", "id": "#subscriber-id", "dob": "#subscriber-dob",
              "gender": "#subscriber-gender"}
PLAN = {"name": "#plan-name", "group_number": "#group-number", "group_name": "#group-name",
        "plan_type": "#plan-type", "network_name": "#network-name"}
COVERAGE = {"status": "#coverage-status", "effective": "#effective-date",
            "termination": "#termination-date", "level": "#coverage-level"}

DEDUCTIBLE_TABLE = "#deductible-table"
OOP_TABLE = "#out-of-pocket-table"
ACCUMULATOR_COLUMNS = ["Coverage Level", "Network", "Annual Amount", "Met", "Remaining"]
COPAY_TABLE = "#copay-table"
COPAY_COLUMNS = ["Service", "In-Network", "Out-of-Network"]
COINSURANCE_TABLE = "#coinsurance-table"
COINSURANCE_COLUMNS = ["Network", "Coinsurance"]
LIMITATIONS_TABLE = "#limitations-table"
LIMITATION_COLUMNS = ["Service", "Visits Allowed", "Visits Used", "Visits Remaining"]
NON_COVERED_TABLE = "#non-covered-table"
NON_COVERED_COLUMNS = ["Service", "Description"]
PRIOR_AUTH_TABLE = "#prior-auth-table"
PRIOR_AUTH_COLUMNS = ["CPT Code", "Description"]

# formats and labels
DATE_FORMAT = "%m/%d/%Y"
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
