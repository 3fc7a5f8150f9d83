"""Who is calling: a partner by API key or by HMAC signature, or an administrator.

API keys are looked up by their public key id and compared by SHA-256 digest in constant time
(``gateway.credentials``). Keys files are re-read when they change on disk, at most once per
``reload_interval``, so a rotation by the CLI reaches a running gateway without a restart.

Signed requests name the partner in ``X-Partner-Id`` and carry ``t=<unix>,v1=<hex>`` in the
partner's signature header, the HMAC-SHA256 of ``"<t>.<body>"``. The timestamp is checked
before the body is read (cheap refusal of replays), the MAC after.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gateway.credentials import KeyFileError, KeyRing, key_id_of, load_keys
from gateway.http.partners import PartnerDirectory, PartnerEntry
from gateway.http.problems import Problem

__all__ = ["SIGNATURE_TOLERANCE_S", "AdminGuard", "Authenticator", "Keychain", "SignedRequest", "bearer_token"]

log = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_S = 300
PARTNER_ID_HEADER = "x-partner-id"
_BEARER_CHALLENGE = 'Bearer realm="gateway"'
_SIGNATURE_CHALLENGE = 'Signature realm="gateway", headers="X-Partner-Id X-Signature"'


def _unauthorized(slug: str, detail: str, error: str | None = None) -> Problem:
    bearer = f'{_BEARER_CHALLENGE}, error="{error}"' if error else _BEARER_CHALLENGE
    return Problem(slug, detail, headers={"WWW-Authenticate": f"{bearer}, {_SIGNATURE_CHALLENGE}"})


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    if authorization is None or authorization[:7].lower() != "bearer ":
        return None
    return authorization[7:].strip() or None


def _file_stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class Keychain:
    """Every partner's API keys, indexed by key id, kept in step with the keys files."""

    def __init__(self, files: Mapping[str, Path], *, reload_interval: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._files = dict(files)
        self._reload_interval = reload_interval
        self._clock = clock
        self._stamps: dict[str, tuple[int, int, int] | None] = {}
        self._rings: dict[str, KeyRing] = {}
        # key id -> (owning partner, ring). The owner is whose file the key is in, never the
        # record's own "partner" field: a line copied into another file must not change identity.
        self._index: dict[str, tuple[str, KeyRing]] = {}
        for partner in self._files:  # at startup a bad keys file is fatal (KeyFileError)
            self._load(partner)
        self._rebuild()
        self._checked = clock()

    def _load(self, partner: str) -> None:
        path = self._files[partner]
        self._stamps[partner] = _file_stamp(path)
        self._rings[partner] = load_keys(path)

    def _rebuild(self) -> None:
        self._index = {kid: (p, ring) for p, ring in self._rings.items() for kid in ring.ids()}

    def refresh(self) -> None:
        """Re-read keys files that changed; a file that became unreadable keeps its last good keys."""
        changed = False
        for partner, path in self._files.items():
            if _file_stamp(path) != self._stamps.get(partner):
                try:
                    self._load(partner)
                    changed = True
                except (KeyFileError, OSError) as exc:
                    log.error("keeping the previous keys of partner %s: %s", partner, exc)
        if changed:
            self._rebuild()

    def authenticate(self, presented: str, now: float) -> str:
        """The partner id owning this key; raises a 401 problem for an unknown, wrong or expired key."""
        tick = self._clock()
        if tick - self._checked >= self._reload_interval:
            self._checked = tick
            self.refresh()
        kid = key_id_of(presented)
        found = self._index.get(kid) if kid else None
        match = found[1].match(presented) if found else None
        if match is None:
            raise _unauthorized("credentials-invalid", "the API key is not valid", "invalid_token")
        record, expires = match
        if expires is not None and expires <= now:
            raise _unauthorized("key-expired", f"API key {record.id} expired at {record.not_after}; "
                                "use the key issued at rotation", "invalid_token")
        return found[0]  # type: ignore[index]


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """A parsed signature header: the signed timestamp and the MACs offered (several during a secret rotation)."""

    timestamp: int
    macs: tuple[str, ...]

    @classmethod
    def parse(cls, header: str) -> SignedRequest:
        timestamp: int | None = None
        macs = []
        for part in header.split(","):
            name, _, value = part.strip().partition("=")
            if name == "t" and value.isdigit():
                timestamp = int(value)
            elif name == "v1" and value:
                macs.append(value.lower())
        if timestamp is None or not macs:
            raise _unauthorized("signature-invalid", "the signature header must read t=<unix seconds>,v1=<hex HMAC-SHA256>")
        return cls(timestamp, tuple(macs))


class Authenticator:
    """Turns request headers (and, for signed requests, the body) into an authenticated partner."""

    def __init__(self, directory: PartnerDirectory, keychain: Keychain,
                 tolerance_s: int = SIGNATURE_TOLERANCE_S) -> None:
        self._directory = directory
        self._keychain = keychain
        self._tolerance = tolerance_s

    def identify(self, headers: Mapping[str, str], now: float) -> tuple[PartnerEntry, SignedRequest | None]:
        """The calling partner, and for a signed request the signature still to check against the body.

        A Bearer key is fully verified here. A signed request is only checked for shape and
        timestamp; ``verify_signature`` must be called once the body is read.
        """
        token = bearer_token(headers.get("authorization"))
        if token is not None:
            return self._directory[self._keychain.authenticate(token, now)], None
        partner_id = headers.get(PARTNER_ID_HEADER)
        if partner_id is None:
            raise _unauthorized("credentials-missing",
                                "send Authorization: Bearer <API key>, or X-Partner-Id with a signature header")
        entry = self._directory.get(partner_id)
        if entry is None or entry.hmac_secret is None:
            # The same answer for an unknown partner and one without a secret: no partner enumeration.
            raise _unauthorized("credentials-invalid", f"partner {partner_id!r} cannot sign requests")
        header = headers.get(entry.hmac_header)
        if header is None:
            raise _unauthorized("credentials-missing", f"a signed request needs the {entry.hmac_header} header")
        signed = SignedRequest.parse(header)
        if abs(now - signed.timestamp) > self._tolerance:
            raise _unauthorized("signature-stale", f"signature timestamp {signed.timestamp} is more than "
                                f"{self._tolerance} s from the gateway's clock ({int(now)})")
        return entry, signed

    @staticmethod
    def verify_signature(entry: PartnerEntry, signed: SignedRequest, body: bytes) -> None:
        """Raise a 401 problem unless one of the offered MACs matches the body."""
        assert entry.hmac_secret is not None  # identify() only returns a SignedRequest for partners with one
        expected = hmac.new(entry.hmac_secret, b"%d." % signed.timestamp + body, hashlib.sha256).hexdigest()
        ok = False
        for mac in signed.macs:  # no early exit: every offered MAC is compared
            ok |= hmac.compare_digest(expected, mac)
        if not ok:
            raise _unauthorized("signature-invalid", "no v1 signature matches HMAC-SHA256 of \"<t>.<body>\" "
                                "with the partner's secret")


class AdminGuard:
    """Admin endpoints: ``Authorization: Bearer <admin key>``, checked against its stored SHA-256."""

    def __init__(self, key_sha256_hex: bytes | None) -> None:
        self._digest = bytes.fromhex(key_sha256_hex.decode().strip()) if key_sha256_hex else None

    def is_admin(self, headers: Mapping[str, str]) -> bool:
        token = bearer_token(headers.get("authorization"))
        if token is None or self._digest is None:
            return False
        return hmac.compare_digest(hashlib.sha256(token.encode()).digest(), self._digest)

    def require(self, headers: Mapping[str, str]) -> None:
        if self._digest is None:
            raise Problem("admin-disabled", "set gateway.admin.api_key_sha256 in the configuration to enable admin endpoints")
        if bearer_token(headers.get("authorization")) is None:
            raise Problem("credentials-missing", "admin endpoints need Authorization: Bearer <admin key>",
                          headers={"WWW-Authenticate": _BEARER_CHALLENGE})
        if not self.is_admin(headers):
            raise Problem("credentials-invalid", "the admin key is not valid",
                          headers={"WWW-Authenticate": f'{_BEARER_CHALLENGE}, error="invalid_token"'})
