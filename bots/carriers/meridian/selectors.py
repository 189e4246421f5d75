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

# -- prior authorization ---------------------------------------------------------------------
# the request list and its search (/authorizations): all requests, or a search's results
PA_PATH = "/authorizations"
PA_LIST = "#pa-list"
PA_RESULTS = "#pa-results"
PA_LIST_TITLE = "#pa-list-title"
PA_LIST_TITLE_TEXT = "Authorization Requests"
PA_RESULTS_TITLE_TEXT = "Authorization Search Results"
PA_SEARCH_FORM = "form#pa-search-form"
PA_SEARCH_MEMBER_ID = "#pa-search-member-id"
PA_SEARCH_REFERENCE = "#pa-search-reference"
PA_SEARCH_TEXT = "#pa-search-text"
PA_SEARCH_BUTTON = "#pa-search-button"
PA_SEARCH_ERROR = "#pa-search-error"
PA_NEW_BUTTON = "#pa-new-button"
PA_TABLE = "#pa-table"
PA_COLUMNS = ["Reference Number", "Received", "Patient", "Member ID", "Procedure Codes",
              "Service Dates", "Status", "Attachments", "Notes"]
PA_LINK = "a.pa-link"
PA_ROW_FILES = "ul.pa-files > li"
PA_ROW_FILE_PATTERN = r"(.+) \((\d{1,3}(?:,\d{3})*) bytes\)"
"""An attachment in the list: ``notes.pdf (12,345 bytes)``."""
PA_NO_RESULTS = "#pa-no-results"
PA_NO_RESULTS_TEXT = "No authorization requests match your search."
PA_RESULTS_COUNT = "#pa-results-count"
PA_RESULTS_COUNT_PATTERN = r"Requests (\d+)\u2013(\d+) of (\d+)"
PA_PAGER_STATUS = "#pa-pager #pa-pager-status"
PA_PAGER_NEXT = "#pa-pager a#pa-pager-next"
PA_PAGE_SIZE = 20
PA_RESULTS_HREF_PATTERN = r"/authorizations/results/[A-Za-z0-9_-]+"
PA_DETAIL_HREF_PATTERN = r"/authorizations/MEPA\d{8}"

# the wizard: five steps on /authorizations/draft/<draft>/<step>
PA_STEP_ERROR = "#pa-step-error"
PA_NO_MEMBER_TEXT = "No eligible member matches"
PA_PATIENT_FORM = "form#pa-patient-form"
PA_MEMBER_ID = "#pa-member-id"
PA_DOB = "#pa-dob"
PA_FIRST_NAME = "#pa-first-name"
PA_LAST_NAME = "#pa-last-name"
PA_PATIENT_CONTINUE = "#pa-patient-continue"
PA_PROVIDERS_FORM = "form#pa-providers-form"
PA_REQUESTING_NPI = "#pa-requesting-npi"
PA_REQUESTING_NAME = "#pa-requesting-name"
PA_SERVICING_NPI = "#pa-servicing-npi"
PA_SERVICING_NAME = "#pa-servicing-name"
PA_PROVIDERS_CONTINUE = "#pa-providers-continue"
PA_SERVICES_FORM = "form#pa-services-form"
PA_DIAGNOSIS = "#pa-diagnosis-{slot}"
PA_DIAGNOSIS_SLOTS = 12
PA_SERVICE_CODE = "#pa-service-{line}-code"
PA_SERVICE_MODIFIER = "#pa-service-{line}-modifier-{slot}"
PA_SERVICE_UNITS = "#pa-service-{line}-units"
PA_SERVICE_LINES = 10
PA_MODIFIER_SLOTS = 4
PA_SERVICE_FROM = "#pa-service-from"
PA_SERVICE_TO = "#pa-service-to"
PA_PLACE = "select#pa-place-of-service"
PA_URGENCY = "#pa-urgency-{urgency}"
"""Radio buttons ``#pa-urgency-standard`` / ``#pa-urgency-expedited``."""
PA_NOTE = "textarea#pa-note"
PA_SERVICES_CONTINUE = "#pa-services-continue"
PA_UPLOAD_FORM = "form#pa-upload-form"
PA_FILE_INPUT = "#pa-file"
PA_UPLOAD_BUTTON = "#pa-upload-button"
PA_UPLOAD_NOTICE = "#pa-upload-notice"
PA_UPLOADED_TEXT = "{name} was uploaded."
PA_CONTINUE_REVIEW = "#pa-documents-continue"
PA_WIZARD_TITLE = "#pa-wizard-title"
PA_WIZARD_TITLE_TEXT = "New Authorization Request"
PA_REVIEW = "#pa-review"
PA_REVIEW_SECTIONS = (
    ("pa-patient-section", "Patient"),
    ("pa-providers-section", "Providers"),
    ("pa-diagnoses-section", "Diagnoses"),
    ("pa-services-section", "Services"),
    ("pa-files-section", "Documents"),
)
PA_REVIEW_SERVICE_DETAILS = "dl#pa-service-details"
PA_REVIEW_SERVICE_FIELDS = (("dates", "Service Dates", "pa-review-dates"),
                            ("place", "Place of Service", "pa-review-place"),
                            ("urgency", "Review Type", "pa-review-urgency"),
                            ("note", "Notes", "pa-review-note"))
PA_REVIEW_SERVICES_TABLE = "#pa-review-services"
PA_REVIEW_SERVICE_COLUMNS = ["Line", "Procedure", "Modifiers", "Units"]
PA_REVIEW_FILES_TABLE = "#pa-review-files"
PA_SUBMIT_FORM = "form#pa-submit-form"
PA_ATTEST = "#pa-attest"
PA_SUBMIT_BUTTON = "#pa-submit-button"

# shared by the review, confirmation and detail pages
PA_PATIENT_DETAILS = "dl#pa-patient"
PA_PATIENT = (("name", "Name", "pa-patient-name"),
              ("id", "Member ID", "pa-patient-member-id"),
              ("dob", "Date of Birth", "pa-patient-dob"))
PA_PROVIDER_DETAILS = "dl#pa-providers"
PA_PROVIDERS = (("requesting_name", "Requesting Provider", "pa-requesting-name"),
                ("requesting_npi", "Requesting Provider NPI", "pa-requesting-npi"),
                ("servicing_name", "Servicing Provider", "pa-servicing-name"),
                ("servicing_npi", "Servicing Provider NPI", "pa-servicing-npi"))
PA_DIAGNOSES = "ul#pa-diagnoses > li"
PA_FILE_COLUMNS = ["File Name", "Size"]
PA_NO_FILES = "#pa-no-files"
PA_NO_FILES_TEXT = "No documents are attached to this request."
PA_SIZE_PATTERN = r"(\d{1,3}(?:,\d{3})*) bytes"

# the confirmation page, right after the submit click
PA_CONFIRMATION = "#pa-confirmation"
PA_CONFIRMATION_TITLE = "#pa-confirmation-title"
PA_CONFIRMATION_TITLE_TEXT = "Authorization Request Submitted"
PA_CONFIRMATION_DETAILS = "dl#pa-confirmation-details"
PA_CONFIRMATION_FIELDS = (("reference", "Reference Number", "pa-reference"),
                          ("received", "Received", "pa-received"),
                          ("status", "Status", "pa-status"),
                          ("patient", "Patient", "pa-confirmation-patient"),
                          ("member_id", "Member ID", "pa-confirmation-member-id"))
PA_CONFIRMATION_FILES_TABLE = "#pa-confirmation-files"
PA_CONFIRMATION_PDF = "a#pa-confirmation-pdf"
PA_VIEW_REQUEST = "a#pa-view-request"

# the request detail page (/authorizations/<reference>)
PA_DETAIL = "#pa-detail"
PA_DETAIL_TITLE = "#pa-detail-title"
PA_DETAIL_TITLE_TEXT = "Authorization Request"
PA_DETAIL_SECTIONS = (
    ("pa-summary-section", "Request Summary"),
    ("pa-patient-section", "Patient"),
    ("pa-providers-section", "Providers"),
    ("pa-diagnoses-section", "Diagnoses"),
    ("pa-services-section", "Services"),
    ("pa-decision-section", "Decision"),
    ("pa-files-section", "Documents"),
)
PA_SUMMARY_DETAILS = "dl#pa-summary"
PA_SUMMARY = (("reference", "Reference Number", "pa-detail-reference"),
              ("received", "Received", "pa-detail-received"),
              ("status", "Status", "pa-detail-status"),
              ("urgency", "Review Type", "pa-detail-urgency"),
              ("dates", "Service Dates", "pa-detail-dates"),
              ("place", "Place of Service", "pa-detail-place"),
              ("note", "Notes", "pa-detail-note"))
PA_SERVICES_TABLE = "#pa-services-table"
PA_SERVICE_COLUMNS = ["Line", "Procedure", "Modifiers", "Units Requested", "Units Approved"]
PA_DECISION_DETAILS = "dl#pa-decision"
PA_DECISION = (("status", "Decision", "pa-decision-status"),
               ("auth_number", "Authorization Number", "pa-auth-number"),
               ("approved_dates", "Approved Dates", "pa-approved-dates"),
               ("reason", "Reason", "pa-decision-reason"),
               ("decided_on", "Decision Date", "pa-decision-date"))
PA_LETTER_LINK = "a#pa-letter-link"
PA_NO_LETTER = "#pa-no-letter"
PA_NO_LETTER_TEXT = "No decision letter is available for this request."
PA_FILES_TABLE = "#pa-files-table"
PA_LETTER_FILENAME_PATTERN = r"MeridianHealth-PA-MEPA\d{8}-decision\.pdf"
PA_CONFIRMATION_FILENAME_PATTERN = r"MeridianHealth-PA-MEPA\d{8}-confirmation\.pdf"

# formats and words
PA_REFERENCE_PATTERN = r"MEPA\d{8}"
PA_AUTH_NUMBER_PATTERN = r"[A-Z0-9-]{4,40}"
PA_RECEIVED_PATTERN = r"(\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2} [AP]M) (EST|EDT)"
"""``11/27/2026 06:13:06 AM EST``: Meridian shows Eastern time with its abbreviation."""
PA_RECEIVED_FORMAT = "%m/%d/%Y %I:%M:%S %p"
PA_TIME_ZONES = {"EST": -5, "EDT": -4}
"""UTC offsets (hours) of the zone abbreviations the portal prints."""
PA_PLACE_PATTERN = r"(\d{2}) - .+"
PA_STATUSES = {
    "Pending Review": "A4",
    "Approved": "A1",
    "Approved - Modified": "A6",
    "Partially Approved": "A2",
    "Denied": "A3",
    "Pending - Additional Information Requested": "CT",
    "Cancelled": "C",
}
"""Meridian's request status words -> X12 278 HCR01 certification action."""
PA_URGENCIES = {"Standard": "standard", "Expedited (urgent)": "expedited"}
PA_MAX_FILES = 10
PA_MAX_BYTES = 10 * 1024 * 1024
"""10 MB a file, at most 10 files a request (PDF, TIFF, PNG, JPEG)."""
PA_PDF_CONTENT_TYPE = "application/pdf"

# -- document library (/library) --------------------------------------------------------------
LIBRARY_PATH = "/library?category=all&page=1"
LIBRARY = "#library"
LIBRARY_TITLE = "#library-title"
LIBRARY_TITLE_TEXT = "Document Library"
LIBRARY_TABLE = "table#library-table"
LIBRARY_COLUMNS = ["Title", "Category", "Effective Date", "Status", "Download"]
LIBRARY_DOWNLOAD = "a.library-download"
LIBRARY_PAGER_STATUS = "#library-page-status"
LIBRARY_PAGER_NEXT = "a#library-next"
LIBRARY_NEXT_HREF_PATTERN = r"/library\?category=all&page=(\d+)"
LIBRARY_DOWNLOAD_HREF_PATTERN = r"/library/documents/([A-Za-z0-9-]+)/file"
LIBRARY_PAGE_SIZE = 5
LIBRARY_CATEGORIES = {"Plan Documents": "plan_document", "Forms": "form",
                      "Bulletins": "bulletin"}
LIBRARY_STATUSES = {"Current": "current", "Retired": "retired"}
LIBRARY_CONTENT_TYPE = "application/pdf"
