"""What a bot is handed by the workflow layer: the database-backed saved-session store
and artifact sink. Bots only see the protocols in bots.base."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.engine import Engine

from storage import repo
from storage.artifacts import ArtifactStore
from storage.crypto import Vault, VaultError
from storage.db import session_scope
from storage.models import CarrierAccount, utcnow

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
