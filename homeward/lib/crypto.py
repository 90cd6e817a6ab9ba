"""Field encryption with a key ring, keyed blind indexes, and the audit-chain MAC.

Framework-free: the key ring is built from a JSON document (a key file or an environment variable).

Ciphertext format (text, safe for any database column)::

    hw1:<key id>:<base64url(nonce || AES-256-GCM ciphertext+tag)>

The key id says which key of the ring decrypts it, so several keys can be live at once while
``homeward rotate-keys`` re-encrypts rows under the primary key: readers never stop working.
Associated data binds each ciphertext to its column, so a value copied into another column fails to decrypt.

Blind indexes are HMAC-SHA256 under keys separate from the encryption keys, truncated to 128 bits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "hw1"
NONCE_BYTES = 12
KEY_BYTES = 32
KEY_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-_"


class KeyRingError(Exception):
    """A key ring is malformed, or a ciphertext names a key the ring does not hold."""


class DecryptionError(Exception):
    """A ciphertext was altered, moved to another column, or made under an unknown key."""


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    padding = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + padding)


def new_key() -> str:
    return _b64e(secrets.token_bytes(KEY_BYTES))


def new_key_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Ring:
    """A set of keys by id, one of which is primary (used for new writes)."""

    primary: str
    keys: dict[str, bytes]

    @classmethod
    def from_json(cls, data: dict, what: str) -> Ring:
        if not isinstance(data, dict) or "primary" not in data or "keys" not in data:
            raise KeyRingError(f"{what}: needs 'primary' and 'keys'")
        keys: dict[str, bytes] = {}
        for key_id, encoded in data["keys"].items():
            if not key_id or any(ch not in KEY_ID_ALPHABET for ch in key_id) or len(key_id) > 32:
                raise KeyRingError(f"{what}: key id {key_id!r} must be 1-32 of [a-z0-9-_]")
            try:
                raw = _b64d(encoded)
            except (ValueError, TypeError):
                raise KeyRingError(f"{what}: key {key_id!r} is not base64") from None
            if len(raw) != KEY_BYTES:
                raise KeyRingError(f"{what}: key {key_id!r} must be {KEY_BYTES} bytes")
            keys[key_id] = raw
        if data["primary"] not in keys:
            raise KeyRingError(f"{what}: primary key {data['primary']!r} is not in the ring")
        return cls(primary=data["primary"], keys=keys)

    def to_json(self) -> dict:
        return {"primary": self.primary, "keys": {k: _b64e(v) for k, v in self.keys.items()}}


@dataclass
class KeyRing:
    """Encryption ring, blind-index ring and audit key, loaded together from one document."""

    encryption: Ring
    index: Ring
    audit: bytes
    _aesgcm: dict[str, AESGCM] = field(default_factory=dict, repr=False)

    # ---- construction -------------------------------------------------------------------------------
    @classmethod
    def generate(cls) -> KeyRing:
        enc_id, idx_id = new_key_id("e"), new_key_id("i")
        return cls(
            encryption=Ring(primary=enc_id, keys={enc_id: _b64d(new_key())}),
            index=Ring(primary=idx_id, keys={idx_id: _b64d(new_key())}),
            audit=_b64d(new_key()),
        )

    @classmethod
    def from_json(cls, document: str | dict) -> KeyRing:
        data = json.loads(document) if isinstance(document, str) else document
        try:
            audit = _b64d(data["audit"])
        except (KeyError, TypeError, ValueError):
            raise KeyRingError("key document: 'audit' key missing or not base64") from None
        if len(audit) != KEY_BYTES:
            raise KeyRingError("key document: 'audit' key must be 32 bytes")
        return cls(
            encryption=Ring.from_json(data.get("encryption") or {}, "encryption"),
            index=Ring.from_json(data.get("index") or {}, "index"),
            audit=audit,
        )

    @classmethod
    def from_file(cls, path: str | Path) -> KeyRing:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def to_json(self) -> str:
        return json.dumps(
            {
                "encryption": self.encryption.to_json(),
                "index": self.index.to_json(),
                "audit": _b64e(self.audit),
            },
            indent=2,
            sort_keys=True,
        )

    def save(self, path: str | Path) -> None:
        """Write the key document with owner-only permissions, atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self.to_json())
        os.replace(tmp, path)

    def with_new_primary(self, *, encryption: bool = True, index: bool = True) -> KeyRing:
        """A ring with fresh primary keys added; old keys stay so that existing rows still read."""
        enc, idx = self.encryption, self.index
        if encryption:
            key_id = new_key_id("e")
            enc = Ring(primary=key_id, keys={**enc.keys, key_id: _b64d(new_key())})
        if index:
            key_id = new_key_id("i")
            idx = Ring(primary=key_id, keys={**idx.keys, key_id: _b64d(new_key())})
        return KeyRing(encryption=enc, index=idx, audit=self.audit)

    def retire_except_primary(self) -> KeyRing:
        """A ring holding only the primary keys: use after every row has been rotated."""
        return KeyRing(
            encryption=Ring(
                self.encryption.primary,
                {self.encryption.primary: self.encryption.keys[self.encryption.primary]},
            ),
            index=Ring(self.index.primary, {self.index.primary: self.index.keys[self.index.primary]}),
            audit=self.audit,
        )

    # ---- encryption ---------------------------------------------------------------------------------
    def _cipher(self, key_id: str) -> AESGCM:
        cipher = self._aesgcm.get(key_id)
        if cipher is None:
            try:
                cipher = AESGCM(self.encryption.keys[key_id])
            except KeyError:
                raise DecryptionError(f"unknown key id {key_id!r}") from None
            self._aesgcm[key_id] = cipher
        return cipher

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        key_id = self.encryption.primary
        sealed = self._cipher(key_id).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return f"{PREFIX}:{key_id}:{_b64e(nonce + sealed)}"

    def decrypt(self, token: str, context: str) -> str:
        return self.decrypt_bytes(token, context).decode("utf-8")

    def encrypt_bytes(self, data: bytes, context: str) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        key_id = self.encryption.primary
        header = f"{PREFIX}:{key_id}:".encode("ascii")
        return header + nonce + self._cipher(key_id).encrypt(nonce, data, context.encode("utf-8"))

    def decrypt_file_bytes(self, blob: bytes, context: str) -> bytes:
        try:
            prefix, key_id, rest = blob.split(b":", 2)
        except ValueError:
            raise DecryptionError("not a Homeward ciphertext") from None
        if prefix.decode("ascii", "replace") != PREFIX:
            raise DecryptionError("not a Homeward ciphertext")
        return self._open(key_id.decode("ascii", "replace"), rest, context)

    def decrypt_bytes(self, token: str, context: str) -> bytes:
        parts = token.split(":", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            raise DecryptionError("not a Homeward ciphertext")
        try:
            blob = _b64d(parts[2])
        except ValueError:
            raise DecryptionError("ciphertext is not base64") from None
        return self._open(parts[1], blob, context)

    def _open(self, key_id: str, blob: bytes, context: str) -> bytes:
        from cryptography.exceptions import InvalidTag

        nonce, sealed = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
        try:
            return self._cipher(key_id).decrypt(nonce, sealed, context.encode("utf-8"))
        except InvalidTag:
            raise DecryptionError("ciphertext failed authentication") from None

    @staticmethod
    def key_id_of(token: str | bytes) -> str:
        if isinstance(token, bytes):
            return token.split(b":", 2)[1].decode("ascii")
        return token.split(":", 2)[1]

    # ---- blind indexes ------------------------------------------------------------------------------
    def blind_index(self, value: str, kind: str, key_id: str | None = None) -> str:
        key_id = key_id or self.index.primary
        mac = hmac.new(self.index.keys[key_id], f"{kind}\x1f{value}".encode(), hashlib.sha256)
        return mac.hexdigest()[:32]

    def blind_indexes_all_keys(self, value: str, kind: str) -> list[str]:
        """The digest of a value under every live index key: searches match rows not yet rotated."""
        return [self.blind_index(value, kind, key_id) for key_id in self.index.keys]

    # ---- audit chain --------------------------------------------------------------------------------
    def audit_mac(self, previous: str, payload: bytes) -> str:
        return hmac.new(self.audit, previous.encode("ascii") + b"\x1e" + payload, hashlib.sha256).hexdigest()
