"""Every Summit Online selector, label and format, in one place to edit when it changes.

Summit Online is a frameset: ``banner`` (top), ``nav`` (left) and ``main``; every page the
bot works with is a document in the ``main`` frame.
"""

from __future__ import annotations

import re

# the frameset
FRAMESET_PATH = "/SBAOnline/default.asp?main=eligsearch.asp"
MAIN_FRAME = "main"
DECORATION_FRAMES = re.compile(r"/SBAOnline/(banner|menu)\.asp$")
FRAMESET = "frameset"
LAYOUT_META = 'meta[name="sba-layout"]'
LAYOUT = "v1"
PAGE_HEADER = "font.pagehdr"

# sign-on
LOGON_FORM = 'form[name="frmLogon"]'
USER_ID = 'input[name="txtUserID"]'
PASSWORD = 'input[name="txtPassword"]'
LOGON_BUTTON = 'input[name="btnLogon"]'
ERROR = "#lblError"
LOCKED_TEXT = "has been locked"

# security questions (the second factor)
VERIFY_FORM = 'form[name="frmVerify"]'
QUESTION = "#lblQuestion"
ANSWER = 'input[name="txtAnswer"]'
VERIFY_BUTTON = 'input[name="btnVerify"]'
MAX_QUESTIONS = 3

# the password-expired interstitial (never filled in by the bot)
CHANGE_PASSWORD_FORM = 'form[name="frmChgPwd"]'
PASSWORD_EXPIRED = "#lblPwdExpired"

# signed in
WELCOME = "#lblWelcome"
SEARCH_FORM = 'form[name="frmEligSearch"]'
MEMBER_ID = 'input[name="txtMemberID"]'
DOB = 'input[name="txtDOB"]'
DOB_FORMAT = "%m%d%Y"
LAST_NAME = 'input[name="txtLastName"]'
SEARCH_BUTTON = 'input[name="btnSearch"]'
NO_RECORDS_TEXT = "NO MEMBER FOUND"
NOT_FOUND_MESSAGE = "No member found"

# portal down: the nightly window / unplanned maintenance (503), errors (503), 429
DOWN_STATUSES = (429, 500, 502, 503, 504)
MAINTENANCE = "#lblMaintenance"
UNAVAILABLE = "#lblUnavailable"
THROTTLED = "#lblThrottled"
ERROR_PAGE = "#lblErrorPage"

# member eligibility page
DETAIL = "table#tblEligibility"
DETAIL_TITLE = "Summit Online - Member Eligibility"
DETAIL_HEADER = "MEMBER ELIGIBILITY"
DETAIL_LABELS = {
    "member_name": "Member Name:", "member_id": "Member ID:", "member_dob": "Date of Birth:",
    "member_sex": "Sex:", "relation": "Relation:", "tier": "Coverage Tier:",
    "subscriber_name": "Subscriber Name:", "subscriber_id": "Subscriber ID:",
    "subscriber_dob": "Subscriber DOB:", "subscriber_sex": "Subscriber Sex:",
    "plan": "Plan:", "product": "Product:", "group_number": "Group No:",
    "group_name": "Group Name:", "network": "Network:", "status": "Elig Status:",
    "effective": "Eff Date:", "termination": "Term Date:",
}
ACCUMULATORS = "table#tblAccum"
ACCUMULATOR_COLUMNS = ["Accumulator", "Tier", "Network", "Annual", "Satisfied", "Balance"]
COINSURANCE = "table#tblCoins"
COINSURANCE_COLUMNS = ["Network", "Member Pays"]
BENEFIT_LINKS = "table#tblBenefitLinks"

# benefit lists, five rows a page
SECTION_TABLE = "table#tblDetail"
SECTION_MEMBER = "#lblMember"
PAGER = "td.pager"
PAGE_COUNT = "td.pager font.pgcount"
NEXT_LINK_TEXT = "Next >>"
PAGE_SIZE = 5
SECTIONS = {
    # code: (link text, page header, columns)
    "CP": ("Copayments", "COPAYMENTS", ["Service", "Par Provider", "Non-Par Provider"]),
    "LM": ("Limitations", "BENEFIT LIMITATIONS",
           ["Service", "Benefit Period", "Max Visits", "Used", "Left"]),
    "EX": ("Exclusions", "EXCLUSIONS", ["Service", "Exclusion"]),
    "PA": ("Pre-Certification", "PRE-CERTIFICATION REQUIRED",
           ["Proc Code", "Procedure Description"]),
}

# formats and labels
DATE_FORMAT = "%Y-%m-%d"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
MONEY_PATTERN = r"^\$\d+\.\d{2}$"
PERCENT_PATTERN = r"^(\d{1,3}) pct$"
EMPTY = "N/A"
BENEFIT_PERIOD = "CAL YR"
SERVICE_TYPES = {
    "OFFICE VISIT - PCP": "98",
    "URGENT CARE CTR": "UC",
    "EMERGENCY ROOM": "86",
    "BEHAVIORAL HLTH OP": "MH",
    "RX GENERIC": "88",
    "CHIROPRACTIC": "33",
    "PHYS THERAPY": "PT",
    "GENERAL MEDICAL": "1",
    "DENTAL": "35",
    "VISION EXAM": "AL",
    "HOSPITAL": "47",
    "DIAG X-RAY": "4",
    "DIAG LAB": "5",
    "INPATIENT HOSP": "48",
    "OUTPATIENT HOSP": "50",
}
ACCUMULATOR_KINDS = {"DEDUCTIBLE": "C", "OUT OF POCKET": "G"}
NETWORKS = {"PAR": "Y", "NON-PAR": "N"}
TIERS = {"SINGLE": "IND", "FAMILY": "FAM"}
STATUSES = {"ACTIVE": "active", "INACTIVE": "inactive", "TERMED": "terminated"}
GENDERS = {"F": "F", "M": "M"}
RELATIONSHIPS = {"EMPLOYEE": "18", "SPOUSE": "01", "DEPENDENT CHILD": "19"}

# -- claims ----------------------------------------------------------------------------
# the claim inquiry (in the ``main`` frame): member + claim number, or member + a
# date-of-service range of at most 90 days (both ends included)
CLAIMS_FRAMESET_PATH = "/SBAOnline/default.asp?main=clmsearch.asp"
CLAIM_SEARCH_PATH = "/SBAOnline/clmsearch.asp"
LOGON_PATH = "/SBAOnline/logon.asp"
CLAIM_SEARCH_FORM = 'form[name="frmClaimSearch"]'
CLAIM_NO = 'input[name="txtClaimNo"]'
FROM_DOS = 'input[name="txtFromDOS"]'
TO_DOS = 'input[name="txtToDOS"]'
CLAIM_SEARCH_BUTTON = 'input[name="btnClaimSearch"]'
WINDOW_DAYS = 90
NO_CLAIMS_TEXT = "NO CLAIMS FOUND"
"""The search form's answer when the member has no claims in the window (not an error)."""

# the result list, five claims a page, "Page k of N" / "Next >>" like the benefit lists
CLAIM_LIST = "table#tblClaims"
CLAIM_LIST_TITLE = "Summit Online - Claim Search Results"
CLAIM_LIST_HEADER = "CLAIM SEARCH RESULTS"
CLAIM_CRITERIA = "#lblCriteria"
CLAIM_LIST_COLUMNS = ["Claim No", "Patient Acct No", "From DOS", "To DOS", "Billed", "Paid",
                      "Status"]
CLAIM_PAGE_SIZE = 5
CLAIM_LIST_PATH = "/SBAOnline/clmlist.asp"
CLAIM_DETAIL_PATH = "/SBAOnline/clmdetail.asp"

# the claim page: label/value pairs, service lines, adjustments, payment links
CLAIM_DETAIL = "table#tblClaim"
CLAIM_DETAIL_TITLE = "Summit Online - Claim Detail"
CLAIM_DETAIL_HEADER = "CLAIM DETAIL"
CLAIM_LABELS = {
    "claim_number": "Claim No:", "account": "Patient Acct No:", "patient_name": "Patient Name:",
    "member_id": "Member ID:", "dob": "Date of Birth:", "place": "Place of Svc:",
    "from": "DOS From:", "to": "DOS To:", "billing_npi": "Billing Prov NPI:",
    "billing_name": "Billing Provider:", "rendering_npi": "Rendering Prov NPI:",
    "rendering_name": "Rendering Provider:", "billed": "Total Billed:", "paid": "Total Paid:",
    "patient_resp": "Patient Resp:", "status": "Claim Status:", "status_date": "Status Date:",
}
LINES = "table#tblLines"
LINE_COLUMNS = ["Ln", "Svc Date", "Proc Code", "Mod", "Units", "Billed", "Paid"]
ADJUSTMENTS = "table#tblAdjust"
ADJUSTMENT_COLUMNS = ["Ln", "Grp", "CARC", "Amount", "RARC"]
PAYMENTS = "table#tblPayments"
PAYMENT_COLUMNS = ["Check/EFT No."]
REMIT_FRAME = "remit"
REMIT_PATH = "/SBAOnline/remit.asp"

# the remittance frame: one payment, keyed by check/EFT number, and its PDF
REMIT = "table#tblRemit"
REMIT_TITLE = "Summit Online - Remittance"
REMIT_HEADER = "REMITTANCE"
REMIT_LABELS = {"number": "Check/EFT No:", "method": "Payment Method:",
                "date": "Payment Date:", "amount": "Payment Amount:", "claim": "Claim No:"}
REMIT_PDF_LINK = "a#lnkRemitPdf"
REMIT_PDF_PATH = "/SBAOnline/remitpdf.asp"
REMIT_FILENAME = re.compile(r'^attachment; filename="(SBA_RA_[A-Z0-9]+\.pdf)"$')

# words and codes
CLAIM_STATUSES = {
    "RECEIVED": "A1",
    "ACCEPTED - IN ADJUDICATION": "A2",
    "IN PROCESS": "P1",
    "PENDED - INFO REQUESTED FROM PROVIDER": "P3",
    "PAID": "F1",
    "DENIED": "F2",
    "ADJUSTED": "F3",
    "PROCESSED - NO PAYMENT": "F4",
}
PLACES = {"11": "OFFICE", "22": "OUTPATIENT HOSPITAL", "02": "TELEHEALTH"}
PAYMENT_METHODS = {"CHECK": "CHK", "EFT": "ACH"}
ADJUSTMENT_GROUPS = {"CO": "CO", "PR": "PR", "OA": "OA", "PI": "PI", "CR": "CR"}
UNKNOWN_LAYOUT = "div.page[data-view]"
"""What every page of the v2 redesign is wrapped in (a layout this bot does not read)."""

# -- document library (doclib.asp in the main frame) ------------------------------------------
LIBRARY_FRAMESET_PATH = "/SBAOnline/default.asp?main=doclib.asp"
LIBRARY_TABLE = "table#tblDocs"
LIBRARY_HEADER_TEXT = "PROVIDER DOCUMENT LIBRARY"
LIBRARY_COLUMNS = ["DOC ID", "TITLE", "TYPE", "EFF DATE", "STATUS", ""]
LIBRARY_TYPES = {"PLAN DOCUMENT": "plan_document", "FORM": "form", "BULLETIN": "bulletin"}
LIBRARY_STATUSES = {"ACTIVE": "active", "RETIRED": "retired"}
LIBRARY_DATE_FORMAT = "%m/%d/%Y"
LIBRARY_VIEW_PATTERN = r"/SBAOnline/docview\.asp\?id=([A-Za-z0-9-]+)"
LIBRARY_NEXT = "a.next"
LIBRARY_NEXT_PATTERN = r"/SBAOnline/doclib\.asp\?cat=ALL&pg=(\d+)"
LIBRARY_PAGE_COUNT = "font.pgcount"
LIBRARY_PAGE_COUNT_PATTERN = r"Page (\d+) of (\d+)"
