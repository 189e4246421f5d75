"""What a bot is handed by the workflow layer: the database-backed saved-session store,
artifact sink, code source and document source. Bots only see the protocols in
bots.base."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from bots.pagehost import pause
from portals.prior_auth import RequestDocument
from storage import codes, repo
from storage.artifacts import ArtifactStore
from storage.crypto import Vault, VaultError
from storage.db import session_scope
from storage.models import CarrierAccount, JobStatus, PriorAuthDocument, utcnow

log = logging.getLogger(__name__)


class DbSessionStore:
    """Playwright storage_state per carrier account, encrypted in carrier_accounts."""

    def __init__(self, engine: Engine, vault: Vault, account_id: int) -> None:
        self.engine = engine
        self.vault = vault
        self.account_id = account_id

    def load(self, account_key: str) -> dict[str, Any] | None:
        with session_scope(self.engine) as session:
            account = session.get(CarrierAccount, self.account_id)
            if account is None or not account.session_state_enc:
                return None
            try:
                state: dict[str, Any] = self.vault.decrypt_json(account.session_state_enc)
            except VaultError:
                log.warning("saved session of account %s cannot be decrypted; logging in afresh",
                            self.account_id)
                return None
            return state

    def save(self, account_key: str, state: dict[str, Any]) -> None:
        with session_scope(self.engine) as session:
            account = session.get(CarrierAccount, self.account_id)
            if account is not None:
                account.session_state_enc = self.vault.encrypt_json(state)
                account.session_saved_at = utcnow()
                session.add(account)

    def clear(self, account_key: str) -> None:
        with session_scope(self.engine) as session:
            account = session.get(CarrierAccount, self.account_id)
            if account is not None:
                account.session_state_enc = None
                account.session_saved_at = None
                session.add(account)


class DbDocumentSource:
    """A prior-authorization request's clinical documents, decrypted from the store for
    the run that uploads them; bytes that no longer hash to the request's SHA-256 are
    refused (nothing uploads a file other than the one staff attached)."""

    def __init__(self, engine: Engine, store: ArtifactStore) -> None:
        self.engine = engine
        self.store = store

    def read(self, document: RequestDocument) -> bytes:
        with session_scope(self.engine) as session:
            row = session.get(PriorAuthDocument, document.document_id)
            path = row.path if row is not None else None
        if path is None:
            raise LookupError(f"document {document.filename} is not stored")
        data = self.store.read(path)
        if hashlib.sha256(data).hexdigest() != document.sha256:
            raise ValueError(f"document {document.filename} does not match its SHA-256")
        return data


class DbArtifactSink:
    """Keeps a run's files encrypted in the artifact store, each linked to the run."""

    def __init__(self, engine: Engine, store: ArtifactStore, run_id: str) -> None:
        self.engine = engine
        self.store = store
        self.run_id = run_id
        self.kept: list[str] = []

    def put(self, kind: str, filename: str, content_type: str, data: bytes) -> None:
        path, digest = self.store.write(self.run_id, filename, data)
        with session_scope(self.engine) as session:
            artifact = repo.add_artifact(
                session=session, run_id=self.run_id, kind=kind, filename=filename,
                content_type=content_type, size=len(data), sha256=digest, path=path,
            )
            self.kept.append(artifact.id)


class DbCodeSource:
    """One-time codes for one run, from the inbox table.

    The run first waits for the gateway (codes routed by the account's recipient); after
    ``ask_after`` seconds it also asks a person: the check shows ``needs_mfa_code`` and
    staff can type the code. It gives up after ``timeout`` (the bot then fails the run
    as 'mfa_timeout').
    """

    def __init__(self, engine: Engine, vault: Vault, *, job_id: str, run_id: str,
                 worker: str, recipient: str | None, ask_after: float,
                 on_event: Callable[[str], None], poll_seconds: float = 0.5) -> None:
        self.engine = engine
        self.vault = vault
        self.job_id = job_id
        self.run_id = run_id
        self.worker = worker
        self.recipient = recipient
        self.ask_after = ask_after
        self.on_event = on_event
        self.poll_seconds = poll_seconds

    def wait_for_code(self, channel: str, timeout: float) -> str | None:
        since = utcnow() - dt.timedelta(seconds=10)
        start = time.monotonic()
        asked = False
        try:
            while True:
                with session_scope(self.engine) as session:
                    code = codes.take_code(session=session, vault=self.vault,
                                          job_id=self.job_id, run_id=self.run_id,
                                          recipient=self.recipient, since=since)
                if code is not None:
                    self.on_event(f"mfa_code_received:{channel}")
                    return code
                waited = time.monotonic() - start
                if waited >= timeout:
                    self.on_event("mfa_code_timeout")
                    return None
                if not asked and waited >= self.ask_after:
                    asked = True
                    self._set_status(JobStatus.NEEDS_MFA_CODE)
                    self.on_event("needs_mfa_code")
                pause(self.poll_seconds)  # lets a page host's other jobs run
        finally:
            if asked:
                self._set_status(JobStatus.RUNNING)

    def _set_status(self, status: JobStatus) -> None:
        with session_scope(self.engine) as session:
            repo.set_job_status(session=session, job_id=self.job_id,
                                  worker=self.worker, status=status)
