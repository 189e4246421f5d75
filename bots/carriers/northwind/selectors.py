"""Every Northwind Mutual selector, label and format, in one place to edit when the portal
changes. Northwind's portal is a single-page app: these are the screens its JS draws."""

from __future__ import annotations

# the HTML shell (the one page the server sends)
SHELL_MARKER = 'meta[name="nw-ui"]'
SHELL_MARKER_VALUE = "classic-1"
APP_NAME = 'meta[name="application-name"]'
APP_NAME_VALUE = "Northwind Provider Portal"
APP_ROOT = "main#nw-app"
APP_SCRIPT = 'script[src="/static/v1/app.js"]'
START_PATH = "/"

# portal down or broken
UNAVAILABLE = "section#nw-unavailable"
MAINTENANCE = "section#nw-maintenance"
ERROR = "section#nw-error"
ERROR_MESSAGE = "#nw-error-message"

# sign-in
LOGIN_FORM = "form#nw-login-form"
USERNAME = "#nw-username"
PASSWORD = "#nw-password"
SIGN_IN = "#nw-sign-in"
LOGIN_ERROR = "#nw-login-error"
LOCKED_TEXT = "locked"
PASSWORD_EXPIRED = "section#nw-password-expired"

# the SMS code
VERIFY_FORM = "form#nw-code-form"
CODE_HINT = "#nw-code-hint"
CODE_HINT_PATTERN = r"^We sent a code to your phone ending in (\d{4})$"
CODE = "#nw-code"
REMEMBER_DEVICE = "#nw-remember"
VERIFY_BUTTON = "#nw-verify-button"
CODE_ERROR = "#nw-code-error"

# overlays that can cover any signed-in screen
SURVEY = "#nw-survey"
SURVEY_DECLINE = "#nw-survey-no"
IDLE_WARNING = "#nw-idle"
STAY_SIGNED_IN = "#nw-stay-signed-in"

# member search
SEARCH_FORM = "form#nw-search-form"
MEMBER_ID = "#nw-member-id"
DOB = "#nw-dob"
"""An <input type=date>: filled with the ISO date."""
LAST_NAME = "#nw-last-name"
SEARCH_BUTTON = "#nw-search-button"
SEARCH_ERROR = "#nw-search-error"
NO_MATCH = "#nw-no-match"
MATCHES = "table#nw-matches"
MATCH_ROWS = "table#nw-matches tbody tr"
MATCH_COLUMNS = ["Member", "Member ID", "Date of birth", "Benefits"]
VIEW_BENEFITS = "button.nw-view-benefits"
VIEW_BENEFITS_TEXT = "View benefits"

# the benefits screen and the API call the SPA draws it from
BENEFITS = "section#nw-benefits"
BENEFITS_ID = "nw-benefits"
BENEFITS_SCREEN = "benefits"
BENEFITS_TITLE = "nw-benefits-title"
BENEFITS_TITLE_TEXT = "Eligibility & benefits"
BENEFITS_API_PREFIX = "/api/eligibility/"
BENEFITS_API_METHOD = "GET"

# inside the benefits screen the parser finds elements by id (dd ids and their dt labels)
PATIENT_CARD = "nw-patient-card"
SUBSCRIBER_CARD = "nw-subscriber-card"
PLAN_CARD = "nw-plan-card"
COVERAGE_CARD = "nw-coverage-card"
CARD_TITLES = {PATIENT_CARD: "Patient", SUBSCRIBER_CARD: "Subscriber", PLAN_CARD: "Plan",
               COVERAGE_CARD: "Coverage"}
GIVEN_NAME_CLASS = "nw-given"
FAMILY_NAME_CLASS = "nw-family"

# {field: (dd id, dt label)}
PATIENT = {"name": ("nw-patient-name", "Name"), "id": ("nw-patient-id", "Member ID"),
           "dob": ("nw-patient-dob", "Date of birth"), "sex": ("nw-patient-sex", "Sex"),
           "relationship": ("nw-patient-relationship", "Relationship to subscriber")}
SUBSCRIBER = {"name": ("nw-subscriber-name", "Name"), "id": ("nw-subscriber-id", "Member ID"),
              "dob": ("nw-subscriber-dob", "Date of birth"), "sex": ("nw-subscriber-sex", "Sex")}
PLAN = {"name": ("nw-plan-name", "Plan"), "plan_type": ("nw-plan-product", "Product"),
        "network_name": ("nw-plan-network", "Network"),
        "group_number": ("nw-plan-group-number", "Group number"),
        "group_name": ("nw-plan-group-name", "Employer group")}
COVERAGE = {"status": ("nw-coverage-status", "Status"),
            "effective": ("nw-coverage-start", "Coverage start"),
            "termination": ("nw-coverage-end", "Coverage end"),
            "tier": ("nw-coverage-tier", "Tier")}

# {table id: (columns, exactly and in this order)}
ACCUMULATORS_TABLE = "nw-accumulators"
ACCUMULATOR_COLUMNS = ["Benefit", "Tier", "Network", "Limit", "Met", "Remaining"]
COPAYS_TABLE = "nw-copays"
COPAY_COLUMNS = ["Service", "In network", "Out of network"]
COINSURANCE_TABLE = "nw-coinsurance"
COINSURANCE_COLUMNS = ["Network", "Member pays"]
LIMITS_TABLE = "nw-visit-limits"
LIMIT_COLUMNS = ["Service", "Visits per year", "Used", "Left"]
EXCLUSIONS_TABLE = "nw-exclusions"
EXCLUSION_COLUMNS = ["Service", "Details"]
PRIOR_AUTH_TABLE = "nw-prior-auth"
PRIOR_AUTH_COLUMNS = ["CPT code", "Procedure"]

# formats and labels on screen
MONEY_PATTERN = r"^USD (\d{1,3}(?:,\d{3})*)\.(\d{2})$"
PERCENT_PATTERN = r"^(\d{1,3}) %$"
DATE_PATTERN = r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{1,2}), (\d{4})$"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
CPT_PATTERN = r"^\d{4}[0-9A-Z]$"
NO_OUT_OF_NETWORK = "Not applicable"
OPEN_ENDED = "Open-ended"
SERVICE_LABELS = {
    "Primary care visit": "98",
    "Urgent care center": "UC",
    "Emergency department": "86",
    "Behavioral health (outpatient)": "MH",
    "Generic prescriptions": "88",
    "Chiropractic care": "33",
    "Physical therapy": "PT",
    "General medical": "1",
    "Dental services": "35",
    "Vision services": "AL",
    "Hospital services": "47",
}
ACCUMULATOR_KINDS = {"Deductible": "C", "Out-of-pocket maximum": "G"}
NETWORKS = {"In network": "Y", "Out of network": "N"}
TIERS = {"Individual": "IND", "Family": "FAM"}
STATUSES = {"Active": "active", "Inactive": "inactive", "Terminated": "terminated"}
SEXES = {"F": "F", "M": "M"}
RELATIONSHIPS = {"Subscriber": "18", "Spouse": "01", "Child": "19"}
PLAN_TYPES = ("PPO", "HMO", "EPO")

# the v1 JSON API's service categories (checked against the on-screen labels)
API_CATEGORIES = {
    "primary_care": "98", "urgent_care": "UC", "emergency": "86", "behavioral_health": "MH",
    "generic_rx": "88", "chiropractic": "33", "physical_therapy": "PT",
    "general_medical": "1", "dental": "35", "vision": "AL", "hospital": "47",
}
