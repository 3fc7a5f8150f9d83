"""Lookup tables built once from the configuration, so a request never walks the config.

For each partner: its limits, its resolved HMAC secret and, per media type, the channels that
accept it. Channel choice (``?channel=`` or the partner's only channel for the content type)
is a dictionary lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gateway.config.model import Config, Partner, RateLimit
from gateway.config.secrets import read_secret
from gateway.http.bodies import MEDIA_TYPES
from gateway.http.problems import Problem

__all__ = ["PartnerDirectory", "PartnerEntry", "wire_format_of"]


def wire_format_of(media_type: str) -> str | None:
    """The wire format whose well-formedness admit can check (None: store unchecked)."""
    fmt = MEDIA_TYPES.get(media_type)
    if fmt is None and media_type.endswith("+json"):
        return "json"
    if fmt is None and media_type.endswith("+xml"):
        return "xml"
    return fmt


@dataclass(frozen=True, slots=True)
class PartnerEntry:
    """Everything admit needs to know about one partner, precomputed."""

    id: str
    rate_limit: RateLimit
    max_body_bytes: int
    hmac_secret: bytes | None
    hmac_header: str                               # lower-case: ASGI delivers header names lower-cased
    channel_types: dict[str, tuple[str, ...]]      # channel id -> accepted media types
    channels_by_type: dict[str, tuple[str, ...]]   # media type -> channel ids accepting it
    accepted: tuple[str, ...]                      # every media type any of its channels accepts

    def channel_for(self, requested: str | None, media_type: str) -> str:
        """The channel this request goes to, or the problem that says why there is none."""
        if requested is not None:
            types = self.channel_types.get(requested)
            if types is None:
                raise Problem("channel-forbidden", f"channel {requested!r} is not open to partner {self.id!r}",
                              channels=sorted(self.channel_types))
            if media_type not in types:
                raise Problem("unsupported-media-type",
                              f"channel {requested!r} does not accept {media_type or 'a body without Content-Type'}",
                              accepted=list(types))
            return requested
        candidates = self.channels_by_type.get(media_type, ())
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise Problem("unsupported-media-type",
                          f"no channel of partner {self.id!r} accepts {media_type or 'a body without Content-Type'}",
                          accepted=list(self.accepted))
        raise Problem("channel-ambiguous", f"channels {', '.join(candidates)} all accept {media_type}; "
                      "name one with ?channel=", channels=list(candidates))


def _entry(partner: Partner, config: Config, base_dir: Path | None) -> PartnerEntry:
    channel_types: dict[str, tuple[str, ...]] = {}
    for channel in config.channels_of(partner.id):
        declared = tuple(t.split(";", 1)[0].strip().lower() for t in channel.content_types)
        # A channel that names no content types accepts every type admit understands.
        channel_types[channel.id] = declared or tuple(MEDIA_TYPES)
    by_type: dict[str, list[str]] = {}
    for cid, types in channel_types.items():
        for media in types:
            by_type.setdefault(media, []).append(cid)
    secret = read_secret(partner.hmac_secret, base_dir) if partner.hmac_secret else None
    return PartnerEntry(id=partner.id, rate_limit=partner.rate_limit, max_body_bytes=partner.max_body_bytes,
                        hmac_secret=secret, hmac_header=partner.hmac_header.lower(), channel_types=channel_types,
                        channels_by_type={m: tuple(c) for m, c in by_type.items()}, accepted=tuple(sorted(by_type)))


class PartnerDirectory:
    """All partners' entries by id. Secrets are read here, once, at startup."""

    def __init__(self, config: Config) -> None:
        base_dir = config.source.parent if config.source else None
        self._entries = {pid: _entry(p, config, base_dir) for pid, p in config.partners.items()}

    def get(self, partner_id: str) -> PartnerEntry | None:
        return self._entries.get(partner_id)

    def __getitem__(self, partner_id: str) -> PartnerEntry:
        return self._entries[partner_id]
