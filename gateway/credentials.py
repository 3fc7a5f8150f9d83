"""Partner API keys: issue, store hashed, verify in constant time, rotate with overlap.

A key looks like ``gwk_3fa9c1d2e4b5.<43 url-safe characters>``. The part before the dot is the
key id: not secret, printed in logs and used to find the stored record in O(1). The whole key
carries 256 bits of randomness, so a single unsalted SHA-256 is the right hash — a slow password
hash would only slow every request down without making a 256-bit secret any harder to guess.

The keys file holds one JSON object per line::

    {"id": "gwk_3fa9c1d2e4b5", "partner": "acme", "sha256": "<64 hex>",
     "created": "2026-01-01T00:00:00Z", "not_after": null}

The plaintext key is returned once by ``issue_key`` and never written anywhere. Rotation sets
``not_after`` on the existing keys so the partner can switch to a new key within the overlap.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

__all__ = ["KEY_ID_LENGTH", "KEY_PREFIX", "KeyFileError", "KeyRecord", "KeyRing", "append_key", "hash_key",
           "issue_key", "key_id_of", "load_keys", "rotate"]

KEY_PREFIX = "gwk_"
KEY_ID_LENGTH = len(KEY_PREFIX) + 12      # "gwk_" + 12 hex digits (48 random bits: ids never collide in practice)
_SECRET_BYTES = 32                        # 256 bits of entropy in the secret part


class KeyFileError(ValueError):
    """A keys file has a line that is not a valid key record; names the file and line."""


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What is stored about one key: never the key itself."""

    id: str
    partner: str
    sha256: str
    created: str
    not_after: str | None = None

    def expires_at(self) -> float | None:
        """``not_after`` as a Unix timestamp, or None for a key without end."""
        return _parse_time(self.not_after).timestamp() if self.not_after else None

    def to_json(self) -> bytes:
        return orjson.dumps({"id": self.id, "partner": self.partner, "sha256": self.sha256,
                             "created": self.created, "not_after": self.not_after})


def hash_key(key: str) -> str:
    """SHA-256 hex digest of a presented or issued key."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_of(key: str) -> str | None:
    """The key id (non-secret prefix) of a presented key, or None if it has not the key shape."""
    if len(key) <= KEY_ID_LENGTH or not key.startswith(KEY_PREFIX) or key[KEY_ID_LENGTH] != ".":
        return None
    return key[:KEY_ID_LENGTH]


def issue_key(partner_id: str, *, now: datetime | None = None, not_after: datetime | None = None) -> tuple[str, KeyRecord]:
    """A new random key and its record. The plaintext is only ever in the return value."""
    key_id = KEY_PREFIX + secrets.token_hex(6)
    key = f"{key_id}.{secrets.token_urlsafe(_SECRET_BYTES)}"
    record = KeyRecord(id=key_id, partner=partner_id, sha256=hash_key(key), created=_rfc3339(now or datetime.now(UTC)),
                       not_after=_rfc3339(not_after) if not_after else None)
    return key, record


def _read_records(file: Path) -> list[KeyRecord]:
    records = []
    try:
        lines = file.read_bytes().splitlines()
    except FileNotFoundError:
        return []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
            record = KeyRecord(id=obj["id"], partner=obj["partner"], sha256=obj["sha256"], created=obj["created"],
                               not_after=obj.get("not_after"))
            if key_id_of(record.id + ".x") != record.id or len(bytes.fromhex(record.sha256)) != 32:
                raise ValueError("id or sha256 has the wrong shape")
            record.expires_at()  # validates not_after now, not at the first request
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise KeyFileError(f"{file}:{lineno}: not a key record ({exc})") from None
        records.append(record)
    return records


def append_key(file: Path, record: KeyRecord) -> None:
    """Append one record to a keys file (created 0600 if missing) and flush it to disk."""
    fd = os.open(file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, record.to_json() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


def rotate(file: Path, overlap_seconds: float, *, now: datetime | None = None) -> int:
    """Make every key in ``file`` expire at most ``overlap_seconds`` from now; return how many changed.

    Keys that already expire sooner keep their earlier ``not_after``. Issue and append the new key
    after this call. The file is replaced atomically, so a gateway reloading it never sees half of it.
    """
    deadline = (now or datetime.now(UTC)) + timedelta(seconds=overlap_seconds)
    changed = 0
    records = []
    for rec in _read_records(file):
        expires = rec.expires_at()
        if expires is None or expires > deadline.timestamp():
            rec = replace(rec, not_after=_rfc3339(deadline))
            changed += 1
        records.append(rec)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=file.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(b"".join(r.to_json() + b"\n" for r in records))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return changed


class KeyRing:
    """The keys of one keys file, indexed by key id."""

    def __init__(self, records: list[KeyRecord]) -> None:
        # key id -> (record, digest bytes, expiry timestamp): parsed once, not per request.
        self._by_id: dict[str, tuple[KeyRecord, bytes, float | None]] = {
            r.id: (r, bytes.fromhex(r.sha256), r.expires_at()) for r in records}

    def __len__(self) -> int:
        return len(self._by_id)

    def ids(self) -> list[str]:
        return list(self._by_id)

    def match(self, presented_key: str) -> tuple[KeyRecord, float | None] | None:
        """The record whose hash matches the key, with its expiry timestamp, ignoring expiry.

        Lets the caller tell an expired key (a rotation the partner missed) from a wrong one.
        """
        key_id = key_id_of(presented_key)
        entry = self._by_id.get(key_id) if key_id else None
        if entry is None:
            return None
        record, digest, expires = entry
        # Constant time in the digest: the key id is public, the rest must not leak by timing.
        if not hmac.compare_digest(hashlib.sha256(presented_key.encode()).digest(), digest):
            return None
        return record, expires

    def verify(self, presented_key: str, *, now: float | None = None) -> KeyRecord | None:
        """The record of a valid, unexpired key, else None."""
        found = self.match(presented_key)
        if found is None:
            return None
        record, expires = found
        if expires is not None and expires <= (now if now is not None else datetime.now(UTC).timestamp()):
            return None
        return record


def load_keys(file: Path) -> KeyRing:
    """Read a keys file (a missing file is an empty ring); raises ``KeyFileError`` on a bad line."""
    return KeyRing(_read_records(file))
