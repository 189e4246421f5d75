"""Encryption at rest for portal secrets, saved sessions and artifacts.

``PORTALS_SECRET_KEY`` holds one or more Fernet keys, comma-separated, newest first:
everything is encrypted with the first and any of them decrypts, so keys can rotate.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr


class VaultError(Exception):
    """A value could not be decrypted (wrong key, or the data was altered)."""


class Vault:
    def __init__(self, keys: SecretStr | str) -> None:
        raw = keys.get_secret_value() if isinstance(keys, SecretStr) else keys
        parts = [k.strip() for k in raw.split(",") if k.strip()]
        if not parts:
            raise ValueError("PORTALS_SECRET_KEY holds no key")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in parts])
        except ValueError:
            raise ValueError(
                "PORTALS_SECRET_KEY must be Fernet keys (32 url-safe base64 bytes), "
                "comma-separated; make one with `portals keys generate`"
            ) from None

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise VaultError("cannot decrypt: wrong PORTALS_SECRET_KEY or altered data") from None

    def encrypt_str(self, value: str) -> str:
        return self.encrypt(value.encode()).decode()

    def decrypt_str(self, token: str) -> str:
        return self.decrypt(token.encode()).decode()

    def encrypt_json(self, value: Any) -> str:
        return self.encrypt_str(json.dumps(value))

    def decrypt_json(self, token: str) -> Any:
        return json.loads(self.decrypt_str(token))

    def rotate(self, token: str) -> str:
        """Re-encrypt with the newest key."""
        return self._fernet.rotate(token.encode()).decode()
