"""Summit Online's prior-authorization pages: every selector, label, word and format the
bot relies on, in one place to edit when they change (the frame, sign-on and shared page
markers stay in :mod:`bots.carriers.summit.selectors`).

All of it is in the ``main`` frame: the inquiry (``authinq.asp`` -> ``authlist.asp`` ->
``authdetail.asp``), the one long request form (``authreq.asp``, one file attached per
post) and its confirmation (``authconf.asp``).
"""

from __future__ import annotations

import re

from bots.base import UploadLimits
from portals.prior_auth import CertificationAction

# what the portal takes (its own rules, checked by the API before anything is queued)
LIMITS = UploadLimits(content_types=frozenset({"application/pdf", "image/tiff"}),
                      max_bytes=5 * 1024 * 1024, max_files=3)
SERVICE_LINES = 10

# the frameset, opened on the inquiry
INQUIRY_FRAMESET_PATH = "/SBAOnline/default.asp?main=authinq.asp"
INQUIRY_PATH = "/SBAOnline/authinq.asp"
REQUEST_PATH = "/SBAOnline/authreq.asp"
LIST_PATH = "/SBAOnline/authlist.asp"
DETAIL_PATH = "/SBAOnline/authdetail.asp"
LETTER_PATH = "/SBAOnline/authletter.asp"
CONFIRMATION_PDF_PATH = "/SBAOnline/authconfpdf.asp"

# the authorization inquiry: member ID and/or reference number
INQUIRY_FORM = 'form[name="frmAuthInquiry"]'
INQUIRY_MEMBER_ID = 'form[name="frmAuthInquiry"] input[name="txtMemberID"]'
INQUIRY_REF_NO = 'form[name="frmAuthInquiry"] input[name="txtRefNo"]'
INQUIRY_BUTTON = 'input[name="btnInquiry"]'
NO_REQUESTS_TEXT = "NO AUTHORIZATION REQUESTS FOUND"
NOT_FOUND_MESSAGE = "No authorization request found"

# the result list, five requests a page, "Page k of N" / "Next >>"
AUTH_LIST = "table#tblAuthList"
LIST_TITLE = "Summit Online - Authorization Inquiry Results"
LIST_HEADER = "AUTHORIZATION INQUIRY RESULTS"
CRITERIA = "#lblCriteria"
LIST_COLUMNS = ["Ref No", "Received", "Member ID", "Member Name", "Svc From", "Svc To",
                "Proc Codes", "Status", "Notes"]
PAGE_SIZE = 5

# the request form (one long form; a file is attached per post)
REQUEST_FORM = 'form[name="frmAuthReq"]'
REQUEST_TITLE = "Summit Online - Authorization Request"
REQUEST_HEADER = "AUTHORIZATION REQUEST"
FILE_INPUT = 'form[name="frmAuthReq"] input[type="file"][name="filAttach"]'
ATTACH_BUTTON = 'input[name="btnAttach"]'
SUBMIT_BUTTON = 'input[name="btnSubmit"]'
URGENCY_FIELD = "rdoUrgency"
URGENCY_RADIO = 'input[name="rdoUrgency"][value="{value}"]'
FORM_VALUES_JS = """form => {
  const values = {};
  for (const [name, value] of new FormData(form)) {
    if (typeof value === "string") values[name] = value;
  }
  return values;
}"""
"""Every text value the form would post (what it holds right now, in one round trip)."""
URGENCY_VALUES = {"standard": "S", "expedited": "U"}
ATTACH_NOTICE = "#lblAttachMsg"
ATTACHED_TEXT = "FILE ATTACHED: {name} ({size} BYTES)."
"""The form's answer to a file it took."""
ATTACHMENTS = "table#tblAttach"
ATTACHMENT_COLUMNS = ["File Name", "Size (bytes)", "Type"]
FIELD_FORMAT = "%m%d%Y"
"""Dates on the form: MMDDYYYY, no separators."""

# the confirmation and the request detail: the same label/value table, lines and files
CONFIRMATION = "#lblConfirm"
CONFIRMATION_TITLE = "Summit Online - Authorization Request Received"
CONFIRMATION_HEADER = "AUTHORIZATION REQUEST RECEIVED"
CONFIRMATION_PDF_LINK = "a#lnkConfPdf"
DETAIL = "table#tblAuth"
DETAIL_TITLE = "Summit Online - Authorization Detail"
DETAIL_HEADER = "AUTHORIZATION DETAIL"
LETTER_LINK = "a#lnkLetter"
CASE_LABELS = {
    "reference": "Reference No:", "received": "Received:", "member_name": "Member Name:",
    "member_id": "Member ID:", "dob": "Date of Birth:", "urgency": "Urgency:",
    "from": "Svc From:", "to": "Svc To:", "place": "Place of Svc:",
    "diagnosis": "Diagnosis:", "req_npi": "Req Prov NPI:", "req_name": "Req Provider:",
    "svc_npi": "Svc Prov NPI:", "svc_name": "Svc Provider:", "status": "Status:",
    "auth_no": "Auth No:", "approved_from": "Appr From:", "approved_to": "Appr To:",
    "decided": "Decision Date:", "reason": "Reason:", "notes": "Notes:",
}
LINES = "table#tblAuthLines"
LINE_COLUMNS = ["Ln", "Proc Code", "Mod", "Units Req", "Units Appr"]
FILES = "table#tblAuthFiles"
FILE_COLUMNS = ["File Name", "Size (bytes)"]
RECEIVED = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) ET$")
"""Received times are on the portal's clock, US Eastern."""
RECEIVED_FORMAT = "%Y-%m-%d %H:%M:%S"
PORTAL_TIME_ZONE = "America/New_York"
LETTER_FILENAME = re.compile(r'^attachment; filename="(SBA_PA_[A-Z0-9]+_LTR\.pdf)"$')
CONFIRMATION_FILENAME = re.compile(r'^attachment; filename="(SBA_PA_[A-Z0-9]+_CONF\.pdf)"$')

# words and codes
URGENCIES = {"STANDARD": "standard", "URGENT": "expedited"}
STATUSES = {
    "PENDING REVIEW": CertificationAction.PENDED.value,
    "APPROVED": CertificationAction.CERTIFIED.value,
    "APPROVED - MODIFIED": CertificationAction.MODIFIED.value,
    "PARTIALLY APPROVED": CertificationAction.PARTIAL.value,
    "DENIED": CertificationAction.NOT_CERTIFIED.value,
    "PENDED - ADDL INFO REQUESTED": CertificationAction.CONTACT_PAYER.value,
    "CANCELLED": CertificationAction.CANCELLED.value,
}
"""The portal's status words -> 278 HCR01; any other word is a layout change."""
