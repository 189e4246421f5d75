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

# markers of the v2 redesign's screens (the page classifier stops at once on any of them)
V2_SCREENS = "div#root.hz-root, [data-qa=signin], [data-qa=lookup], [data-qa=claims]"

# -- claims ---------------------------------------------------------------------------------
NAV_ELIGIBILITY = "#nw-nav-eligibility"
NAV_CLAIMS = "#nw-nav-claims"
CLAIMS_FORM = "form#nw-claims-form"
CLAIMS_MEMBER_ID = "#nw-claims-member-id"
CLAIMS_DOB = "#nw-claims-dob"
"""<input type=date>: filled with the ISO date (as are the service dates)."""
CLAIMS_LAST_NAME = "#nw-claims-last-name"
CLAIMS_NUMBER = "#nw-claims-number"
CLAIMS_FROM = "#nw-claims-from"
CLAIMS_TO = "#nw-claims-to"
CLAIMS_SEARCH_BUTTON = "#nw-claims-search-button"
CLAIMS_OUTPUT = "#nw-claims-output"
CLAIMS_LIST = "table#nw-claims-list"
CLAIMS_ROWS = "table#nw-claims-list tbody tr"
CLAIMS_NONE = "#nw-claims-none"
CLAIMS_NO_MEMBER = "#nw-claims-no-member"
CLAIMS_ERROR = "#nw-claims-error"
CLAIMS_MORE = "#nw-claims-more"
CLAIMS_MORE_READY = "#nw-claims-more:enabled"
CLAIMS_END = "#nw-claims-end"
CLAIMS_COUNT = "#nw-claims-count"
CLAIMS_COUNT_PATTERN = r"^Showing (\d+) of (\d+) claims$"
CLAIMS_END_PATTERN = r"^All (\d+) claims shown$"
CLAIMS_LIST_COLUMNS = ["Claim number", "Dates of service", "Billed", "Paid", "Status",
                       "Details"]
VIEW_CLAIM = "button.nw-view-claim"
VIEW_CLAIM_TEXT = "View details"
DATE_RANGE_SEPARATOR = " \u2013 "

# the claim detail drawer ({ref} is the row's data-ref)
DRAWER = "aside#nw-claim-drawer"
DRAWER_FOR = 'aside#nw-claim-drawer[data-ref="{ref}"]'
DRAWER_TITLE = "nw-claim-drawer-title"
DRAWER_TITLE_PREFIX = "Claim "
EOB_LINK = "a#nw-claim-eob"
EOB_LINK_ID = "nw-claim-eob"
NO_EOB_ID = "nw-claim-no-eob"
EOB_TEXT = "Download EOB (PDF)"

# {field: (dd id, dt label)} in the drawer
CLAIM = {
    "number": ("nw-claim-number", "Claim number"),
    "account": ("nw-claim-account", "Patient account"),
    "patient": ("nw-claim-patient", "Patient"),
    "member_id": ("nw-claim-member-id", "Member ID"),
    "dob": ("nw-claim-dob", "Date of birth"),
    "from": ("nw-claim-from", "Service from"),
    "to": ("nw-claim-to", "Service to"),
    "billing": ("nw-claim-billing", "Billing provider"),
    "rendering": ("nw-claim-rendering", "Rendering provider"),
    "pos": ("nw-claim-pos", "Place of service"),
    "status": ("nw-claim-status", "Status"),
    "status_date": ("nw-claim-status-date", "Status date"),
    "billed": ("nw-claim-billed", "Billed"),
    "allowed": ("nw-claim-allowed", "Allowed"),
    "paid": ("nw-claim-paid", "Paid"),
    "patient_responsibility": ("nw-claim-patient-resp", "Patient responsibility"),
}
CLAIM_LINES_TABLE = "nw-claim-lines"
CLAIM_LINE_COLUMNS = ["Line", "Service date", "Procedure", "Modifiers", "Units", "Billed",
                      "Allowed", "Paid"]
CLAIM_ADJUSTMENTS_TABLE = "nw-claim-adjustments"
CLAIM_ADJUSTMENT_COLUMNS = ["Line", "Group", "Reason", "Amount"]
CLAIM_PAYMENTS_TABLE = "nw-claim-payments"
CLAIM_PAYMENT_COLUMNS = ["Method", "Number", "Date", "Amount"]
NONE_SHOWN = "\u2014"
"""An empty cell or field (no modifiers, no patient account number)."""
NOT_YET = "Pending"
"""Allowed amount of a claim not yet adjudicated."""
NO_RENDERING = "Not reported"
PROVIDER_PATTERN = r"^(.+) \u00b7 NPI (\d{10})$"
PLACE_PATTERN = r"^(.+) \((\d{2})\)$"
PLACES = {"11": "Office", "22": "Outpatient hospital", "02": "Telehealth",
          "21": "Inpatient hospital", "23": "Emergency room"}
PROCEDURE_PATTERN = r"^[A-Z0-9]{5}$"
MODIFIER_SEPARATOR = ", "
PAYMENT_METHODS = {"Check": "CHK", "EFT": "ACH"}
BADGE_CLASS_PREFIX = "nw-badge-"

# status words -> (277 category, status code, badge colour); a word not here is a layout
# change (never guessed)
CLAIM_STATUSES = {
    "Received": ("A1", "19", "grey"),
    "Accepted": ("A2", "20", "grey"),
    "In review": ("P1", "20", "blue"),
    "Needs info": ("P3", "21", "amber"),
    "Paid": ("F1", "65", "green"),
    "Partially paid": ("F1", "65", "teal"),
    "Denied": ("F2", "88", "red"),
    "Adjusted": ("F3", "101", "purple"),
    "No payment due": ("F4", "104", "grey"),
}

# the claims API calls the SPA makes (the bot catches their answers, never calls them)
CLAIMS_SEARCH_API = "/api/claims/search"
CLAIMS_MORE_API_PREFIX = "/api/claims/more/"
CLAIM_API_PREFIX = "/api/claims/"
# v1 JSON status keys and payment methods -> the words the screen shows
API_CLAIM_STATUSES = {
    "received": "Received", "accepted": "Accepted", "in_review": "In review",
    "needs_info": "Needs info", "paid": "Paid", "partially_paid": "Partially paid",
    "denied": "Denied", "adjusted": "Adjusted", "no_payment": "No payment due",
}
API_PAYMENT_METHODS = {"check": "CHK", "eft": "ACH"}
EOB_API_SUFFIX = "/eob"
EOB_FILENAME_PATTERN = r"^EOB-[A-Za-z0-9-]{4,30}\.pdf$"

# -- prior authorization ---------------------------------------------------------------------
# the SPA's prior-authorization module (static/v1/prior_auth.js): "My requests", the request
# detail, "New authorization request" and its confirmation
NAV_PRIOR_AUTH = "#nw-nav-prior-auth"
PA_REQUESTS = "section#nw-pa-requests"
PA_SEARCH_FORM = "form#nw-pa-search-form"
PA_SEARCH_MEMBER_ID = "#nw-pa-search-member-id"
PA_SEARCH_REFERENCE = "#nw-pa-search-reference"
PA_SEARCH_TEXT = "#nw-pa-search-text"
PA_SEARCH_BUTTON = "#nw-pa-search-button"
PA_RESULTS = "#nw-pa-results"
PA_RESULTS_READY = '#nw-pa-results[aria-busy="false"]'
PA_LIST_READY = '#nw-pa-results[aria-busy="false"] table#nw-pa-list'
PA_NONE_READY = '#nw-pa-results[aria-busy="false"] #nw-pa-none'
PA_SEARCH_ERROR = '#nw-pa-results[aria-busy="false"] #nw-pa-search-error'
PA_LIST = "table#nw-pa-list"
PA_COUNT = "#nw-pa-count"
PA_COUNT_PATTERN = r"^(?:(\d+) requests?|Showing (\d+) of (\d+) requests)$"
PA_LIST_COLUMNS = ["Reference number", "Received", "Patient", "Member ID", "Date of birth",
                   "Services", "Dates of service", "Urgency", "Status", "Files", "Note",
                   "Details"]
PA_VIEW = "button.nw-pa-view"
PA_VIEW_TEXT = "View"
PA_ROW_FOR = '#nw-pa-list tbody tr[data-ref="{ref}"]'
PA_NONE = "#nw-pa-none"
PA_NEW = "#nw-pa-new"

# one request: the detail screen and, inside it (and inside the confirmation), the record
PA_REQUEST_FOR = 'section#nw-pa-request[data-ref="{ref}"]'
PA_REQUEST_TITLE_PREFIX = "Authorization request "
PA_RECORD = "#nw-pa-record"
# {field: (dd id, dt label)} of the record
PA_FACTS = {
    "reference": ("nw-pa-reference", "Reference number"),
    "received": ("nw-pa-received", "Received"),
    "patient": ("nw-pa-patient", "Patient"),
    "member_id": ("nw-pa-member-id", "Member ID"),
    "dob": ("nw-pa-dob", "Date of birth"),
    "requesting": ("nw-pa-requesting", "Requesting provider"),
    "servicing": ("nw-pa-servicing", "Servicing provider"),
    "diagnoses": ("nw-pa-diagnoses", "Diagnoses"),
    "from": ("nw-pa-from", "Service from"),
    "to": ("nw-pa-to", "Service to"),
    "pos": ("nw-pa-pos", "Place of service"),
    "urgency": ("nw-pa-urgency", "Urgency"),
    "note": ("nw-pa-note", "Note"),
}
PA_DECISION = "article#nw-pa-decision"
PA_DECISION_FACTS = {
    "status": ("nw-pa-status", "Status"),
    "authorization": ("nw-pa-auth-number", "Authorization number"),
    "approved_from": ("nw-pa-approved-from", "Approved from"),
    "approved_to": ("nw-pa-approved-to", "Approved to"),
    "decided": ("nw-pa-decided", "Decided on"),
    "reason": ("nw-pa-reason", "Reason"),
}
PA_SERVICES_TABLE = "nw-pa-services-table"
PA_SERVICES_COLUMNS = ["Procedure", "Modifiers", "Units requested"]
PA_FILES_TABLE = "nw-pa-files-table"
PA_FILES_COLUMNS = ["File", "Size"]
PA_APPROVED_TABLE = "nw-pa-approved"
PA_APPROVED_COLUMNS = ["Procedure", "Approved units"]
PA_LETTER = "a#nw-pa-letter"
PA_LETTER_ID = "nw-pa-letter"
PA_NO_LETTER_ID = "nw-pa-no-letter"
PA_LETTER_TEXT = "Download decision letter (PDF)"
PA_LETTER_FILENAME_PATTERN = r"^NW-Decision-([A-Z0-9-]{3,40})\.pdf$"

# "New authorization request"
PA_FORM = "form#nw-pa-form"
PA_MEMBER_ID = "#nw-pa-member-id"
PA_DOB = "#nw-pa-dob"
"""<input type=date>: filled with the ISO date (as are the service dates)."""
PA_FIRST_NAME = "#nw-pa-first-name"
PA_LAST_NAME = "#nw-pa-last-name"
PA_REQUESTING_NAME = "#nw-pa-requesting-name"
PA_REQUESTING_NPI = "#nw-pa-requesting-npi"
PA_SERVICING_NAME = "#nw-pa-servicing-name"
PA_SERVICING_NPI = "#nw-pa-servicing-npi"
PA_DIAGNOSES = "#nw-pa-diagnoses"
PA_DIAGNOSIS_SEPARATOR = ", "
PA_SERVICE_ROWS = "#nw-pa-service-rows .nw-pa-service"
PA_ADD_SERVICE = "#nw-pa-add-service"
PA_CODE_N = "#nw-pa-code-{n}"
PA_MODIFIERS_N = "#nw-pa-modifiers-{n}"
PA_UNITS_N = "#nw-pa-units-{n}"
PA_MAX_SERVICES = 10
PA_FROM = "#nw-pa-from"
PA_TO = "#nw-pa-to"
PA_PLACE = "select#nw-pa-pos"
PA_PLACE_OPTION = 'select#nw-pa-pos option[value="{code}"]'
PA_URGENCY = {"standard": "#nw-pa-urgency-standard", "expedited": "#nw-pa-urgency-urgent"}
PA_NOTE = "#nw-pa-note"
PA_DROPZONE = "#nw-pa-dropzone"
"""What a person uses: the drop area. The bot sets files on the hidden input under it."""
PA_FILE_INPUT = 'input#nw-pa-file-input[type="file"]'
PA_UPLOAD_FOR = '#nw-pa-progress li.nw-pa-upload[data-name="{name}"]'
PA_UPLOAD_DONE = '[data-state="done"]'
PA_UPLOAD_ERROR = '[data-state="error"]'
PA_UPLOAD_STATUS = ".nw-pa-upload-status"
PA_ATTACHED = "#nw-pa-attached"
PA_ATTACHED_READY = '#nw-pa-attached[data-state="ready"]'
PA_ATTACHED_TABLE = "table#nw-pa-attached-files"
PA_ATTACHED_COLUMNS = ["File", "Size", "Remove"]
PA_NO_FILES = "#nw-pa-no-files"
PA_SUBMIT = "#nw-pa-submit"
PA_FORM_ERROR = "#nw-pa-form-error"
PA_SUBMIT_FAILED = "#nw-pa-submit-failed"

# the confirmation
PA_CONFIRMATION = "section#nw-pa-confirmation"
PA_RECEIPT = {"reference": ("nw-pa-conf-reference", "Reference number"),
              "received": ("nw-pa-conf-received", "Received")}

# formats
PA_SIZE_PATTERN = r"^(\d{1,3}(?:,\d{3})*) bytes$"
PA_LIST_FILE_PATTERN = r"^(.+) \((\d{1,3}(?:,\d{3})*) bytes\)$"
PA_LIST_SERVICE_PATTERN = r"^([A-Z0-9]{5})((?:-[A-Z0-9]{2}){0,4}) \u00d7 (\d{1,3})$"
PA_RECEIVED_PATTERN = (r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{1,2}), (\d{4}) "
                       r"(\d{1,2}):(\d{2}):(\d{2}) (AM|PM) ([A-Z]{3})$")
PA_TIME_ZONES = {"EST": -5, "EDT": -4}
"""The US Eastern zone names the received time is shown in -> hours from UTC."""
PA_URGENCIES = {"Standard": "standard", "Urgent (expedited)": "expedited"}
PA_PLACE_PATTERN = r"^(.+) \((\d{2})\)$"
PA_PLACES = {"02": "Telehealth", "11": "Office", "12": "Home", "21": "Inpatient hospital",
             "22": "Outpatient hospital", "23": "Emergency room",
             "24": "Ambulatory surgical center", "31": "Skilled nursing facility",
             "81": "Independent laboratory"}

# status words -> (278 HCR01 certification action, badge colour); a word not here is a
# layout change (never guessed)
PA_STATUSES = {
    "In review": ("A4", "blue"),
    "Approved": ("A1", "green"),
    "Approved with changes": ("A6", "teal"),
    "Partially approved": ("A2", "teal"),
    "Denied": ("A3", "red"),
    "More information needed": ("CT", "amber"),
    "Cancelled": ("C", "grey"),
}

# the prior-authorization API calls the SPA makes (the bot catches their answers)
PA_SEARCH_API = "/api/pa/search"
PA_SUBMIT_API = "/api/pa/requests"
PA_REQUEST_API_PREFIX = "/api/pa/requests/"
PA_LETTER_API_SUFFIX = "/letter"
# v1 JSON status keys and urgency words -> the screen's words
API_PA_STATUSES = {
    "pended": "In review", "approved": "Approved",
    "approved_with_changes": "Approved with changes",
    "partially_approved": "Partially approved", "denied": "Denied",
    "more_info": "More information needed", "cancelled": "Cancelled",
}
API_PA_URGENCIES = {"standard": "standard", "urgent": "expedited"}

# -- document library (the SPA's JSON: GET /api/library, paged by a "next" link) ------------
LIBRARY_API = "/api/library"
LIBRARY_NEXT_PATTERN = r"/api/library\?after=[A-Za-z0-9-]+"
LIBRARY_DOWNLOAD_PATTERN = r"/api/library/([A-Za-z0-9-]+)/download"
LIBRARY_TYPES = {"plan": "plan_document", "form": "form", "policy_update": "bulletin"}
LIBRARY_CONTENT_TYPE = "application/pdf"
LIBRARY_MAX_PAGES = 50
