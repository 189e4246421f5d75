"""A database as the release before migrations left it (schema of 46d6fe9, revision 0001).

``make_previous_release_db(url)`` builds one: migration 0001's tables, no
``alembic_version`` (that release had none), and rows written with plain SQL (no models),
the way that release stored them. ``ROWS`` holds every row written, table by table, so a
test can check each value after an upgrade; the returned ids name the interesting ones.
Reuse it to read an upgraded check through the API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import MetaData, null, text

from storage import migrations
from storage.db import make_engine

UTC = dt.UTC


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, minute, 0, 123456, tzinfo=UTC)


def _request(carrier: str, member_id: str, dob: str, last: str, first: str | None,
             service_date: str | None, codes: list[str]) -> dict[str, Any]:
    """The request JSON migration 0002 must rebuild (EligibilityRequest, mode="json")."""
    return {"carrier": carrier, "member_id": member_id, "date_of_birth": dob,
            "last_name": last, "first_name": first, "service_date": service_date,
            "service_codes": codes}


def fingerprint(request: dict[str, Any]) -> str:
    """The release's ``repo.fingerprint``: sha256 of the request's sorted JSON."""
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()


SUCCEEDED, FAILED, WAITING = "c" * 31 + "1", "c" * 31 + "2", "c" * 31 + "3"
RUN_ABANDONED, RUN_SUCCEEDED, RUN_FAILED = "r" * 31 + "1", "r" * 31 + "2", "r" * 31 + "3"
DOCUMENT, SCREENSHOT = "a" * 31 + "1", "a" * 31 + "2"
DOCUMENT_SHA256 = "d" * 64

REQUESTS: dict[str, dict[str, Any]] = {
    SUCCEEDED: _request("meridian", "MER100200", "1980-04-02", "Rivera", "Ana",
                        "2025-03-01", ["99213", "97110"]),
    FAILED: _request("northwind", "NW-55512", "1975-11-30", "O'Brien", None, None, []),
    WAITING: _request("cascade", "CD7781", "2001-01-15", "Nguyen", "Bao", "2025-04-10",
                      ["D0120"]),
}
"""What each check was asked for; its expected ``request`` after the upgrade."""

RESULT_DATA: dict[str, Any] = {
    "carrier": "meridian",
    "member": {"member_id": "MER100200", "first_name": "Ana", "last_name": "Rivera",
               "date_of_birth": "1980-04-02", "gender": None, "relationship": "18"},
    "subscriber": {"member_id": "MER100200", "first_name": "Ana", "last_name": "Rivera",
                   "date_of_birth": "1980-04-02", "gender": None, "relationship": "18"},
    "plan": {"name": "Meridian Gold PPO", "group_number": "GRP-7731", "group_name": None,
             "plan_type": "PPO", "network_name": None},
    "coverage": {"status": "active", "effective_date": "2024-01-01",
                 "termination_date": None},
    "benefits": [
        {"kind": "1", "service_type": "30", "coverage_level": None, "network": "W",
         "time_period": None, "amount": None, "percent": None, "quantity": None,
         "quantity_qualifier": None, "authorization_required": None,
         "procedure_code": None, "last_service_date": None, "description": None},
        {"kind": "C", "service_type": "30", "coverage_level": "IND", "network": "Y",
         "time_period": "23", "amount": "1500.00", "percent": None, "quantity": None,
         "quantity_qualifier": None, "authorization_required": None,
         "procedure_code": None, "last_service_date": None, "description": None},
        {"kind": "B", "service_type": "UC", "coverage_level": None, "network": "Y",
         "time_period": None, "amount": "25.00", "percent": None, "quantity": None,
         "quantity_qualifier": None, "authorization_required": None,
         "procedure_code": None, "last_service_date": None, "description": None},
    ],
    "prior_authorizations": [{"code": "97110", "code_system": "CPT",
                              "description": "Therapeutic exercise"}],
    "documents": [{"kind": "benefit_summary", "filename": "summary.pdf",
                   "content_type": "application/pdf", "sha256": DOCUMENT_SHA256,
                   "size": 2048}],
}
"""An ``EligibilityResult.model_dump(mode="json")`` as the release stored it."""


def _check(check_id: str, status: str, **values: Any) -> dict[str, Any]:
    request = REQUESTS[check_id]
    row = {
        "id": check_id, "carrier": request["carrier"], "member_id": request["member_id"],
        "date_of_birth": dt.date.fromisoformat(request["date_of_birth"]),
        "last_name": request["last_name"], "first_name": request["first_name"],
        "service_date": (dt.date.fromisoformat(request["service_date"])
                         if request["service_date"] else None),
        "service_codes": request["service_codes"],
        "account_id": None, "status": status, "idempotency_key": None,
        "request_fingerprint": fingerprint(request), "attempts": 0, "lease_owner": None,
        "lease_expires_at": None, "next_attempt_at": None, "message": None,
        "origin": "api", "created_at": _at(1, 9), "updated_at": _at(1, 9),
        "finished_at": None,
    }
    row.update(values)
    return row


ROWS: dict[str, list[dict[str, Any]]] = {
    "carrier_accounts": [{
        "id": 7, "carrier": "meridian", "label": "Front desk",
        "username_enc": "gAAAAB-username-token", "password_enc": "gAAAAB-password-token",
        "totp_secret_enc": "gAAAAB-totp-token", "extra_enc": None,
        "mfa_recipient": "+15550100", "status": "flagged", "flag_reason": "login_rejected",
        "flagged_at": _at(2, 8), "session_state_enc": "gAAAAB-session-token",
        "session_saved_at": _at(1, 10), "created_at": _at(1, 8),
    }],
    "eligibility_checks": [
        _check(SUCCEEDED, "succeeded", account_id=7, idempotency_key="front-desk-0001",
               attempts=2, origin="web", updated_at=_at(1, 9, 5), finished_at=_at(1, 9, 5),
               message=None),
        _check(FAILED, "failed", attempts=1, message="login rejected by the portal",
               created_at=_at(2, 7), updated_at=_at(2, 7, 1), finished_at=_at(2, 7, 1)),
        _check(WAITING, "needs_mfa_code", attempts=1, lease_owner="worker-1:123",
               lease_expires_at=_at(3, 12, 1), next_attempt_at=_at(3, 12, 30),
               created_at=_at(3, 12), updated_at=_at(3, 12)),
    ],
    "runs": [
        {"id": RUN_ABANDONED, "check_id": SUCCEEDED, "carrier": "meridian", "attempt": 1,
         "status": "abandoned", "worker": "worker-1:99", "started_at": _at(1, 9, 1),
         "finished_at": _at(1, 9, 2), "error_type": None, "error_message": None,
         "events": [{"at": "2025-03-01T09:01:00Z", "event": "login"}]},
        {"id": RUN_SUCCEEDED, "check_id": SUCCEEDED, "carrier": "meridian", "attempt": 2,
         "status": "succeeded", "worker": "worker-2:100", "started_at": _at(1, 9, 3),
         "finished_at": _at(1, 9, 5), "error_type": None, "error_message": None,
         "events": [{"at": "2025-03-01T09:03:00Z", "event": "login"},
                    {"at": "2025-03-01T09:04:00Z", "event": "patient_verified"}]},
        {"id": RUN_FAILED, "check_id": FAILED, "carrier": "northwind", "attempt": 1,
         "status": "failed", "worker": "worker-1:99", "started_at": _at(2, 7),
         "finished_at": _at(2, 7, 1), "error_type": "login_rejected",
         "error_message": "login rejected by the portal", "events": []},
    ],
    "artifacts": [
        {"id": DOCUMENT, "run_id": RUN_SUCCEEDED, "kind": "document",
         "filename": "summary.pdf", "content_type": "application/pdf", "size": 2048,
         "sha256": DOCUMENT_SHA256, "path": f"{RUN_SUCCEEDED}/summary.pdf",
         "created_at": _at(1, 9, 4)},
        {"id": SCREENSHOT, "run_id": RUN_FAILED, "kind": "screenshot",
         "filename": "failure.png", "content_type": "image/png", "size": 512,
         "sha256": "e" * 64, "path": f"{RUN_FAILED}/failure.png",
         "created_at": _at(2, 7, 1)},
    ],
    "eligibility_results": [
        {"id": 3, "check_id": SUCCEEDED, "run_id": RUN_SUCCEEDED, "carrier": "meridian",
         "member_id": "MER100200", "data": RESULT_DATA, "created_at": _at(1, 9, 5)},
    ],
    "audit_events": [
        {"id": 11, "at": _at(1, 10), "actor": "staff:dana", "action": "artifact.view",
         "target_type": "artifact", "target_id": DOCUMENT, "detail": None},
        {"id": 12, "at": _at(2, 8), "actor": "admin-token", "action": "check.retry",
         "target_type": "check", "target_id": FAILED, "detail": "retried after fix"},
    ],
    "users": [
        {"id": 5, "username": "dana", "password_hash": "scrypt$16384$8$1$c2FsdA$aGFzaA",
         "created_at": _at(1, 7)},
    ],
    "one_time_codes": [
        {"id": 21, "message_id": None, "carrier": "cascade", "channel": "sms",
         "source": "staff", "recipient": None, "check_id": WAITING,
         "code_enc": "gAAAAB-code-token-1", "received_at": _at(3, 12, 2),
         "expires_at": _at(3, 12, 12), "used_at": None, "used_by_run": None,
         "entered_by": "dana"},
        {"id": 22, "message_id": "gw-msg-0001", "carrier": "meridian", "channel": "email",
         "source": "gateway", "recipient": "frontdesk@example.test", "check_id": None,
         "code_enc": "gAAAAB-code-token-2", "received_at": _at(1, 9, 3),
         "expires_at": _at(1, 9, 13), "used_at": _at(1, 9, 4), "used_by_run": RUN_SUCCEEDED,
         "entered_by": None},
    ],
}
"""Every row written, in insert order (parents first). One check's ``service_codes`` is
written as SQL NULL (the column allowed it); its request must still list ``[]``."""

NULL_CODES_CHECK = FAILED


def make_previous_release_db(url: str) -> dict[str, Any]:
    """Build the previous release's database at ``url`` (empty); return the ids of its rows.

    Keys: ``account``, ``checks`` (by status: succeeded, failed, needs_mfa_code),
    ``runs`` (abandoned, succeeded, failed), ``artifacts`` (document, screenshot),
    ``result``, ``user``, ``audit_events``, ``codes`` (staff, gateway).
    """
    engine = make_engine(url)
    try:
        migrations.upgrade(engine, migrations.BASELINE)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
            tables = MetaData()
            tables.reflect(conn)
            for name, rows in ROWS.items():
                table = tables.tables[name]
                for row in rows:
                    values = dict(row)
                    if name == "eligibility_checks" and row["id"] == NULL_CODES_CHECK:
                        values["service_codes"] = null()
                    conn.execute(table.insert().values(**values))
            if conn.dialect.name == "postgresql":
                for name in ("carrier_accounts", "eligibility_results", "audit_events",
                             "users", "one_time_codes"):
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT max(id) FROM {name}))"))
    finally:
        engine.dispose()
    return {
        "account": 7,
        "checks": {"succeeded": SUCCEEDED, "failed": FAILED, "needs_mfa_code": WAITING},
        "runs": {"abandoned": RUN_ABANDONED, "succeeded": RUN_SUCCEEDED,
                 "failed": RUN_FAILED},
        "artifacts": {"document": DOCUMENT, "screenshot": SCREENSHOT},
        "result": 3,
        "user": 5,
        "audit_events": [11, 12],
        "codes": {"staff": 21, "gateway": 22},
    }
