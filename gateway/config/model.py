"""Typed, immutable view of a validated configuration file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gateway.yamlsrc import Position


@dataclass(frozen=True, slots=True)
class SecretRef:
    """Where a secret lives: an environment variable or a file. Never the secret itself."""

    env: str | None = None
    file: str | None = None
    position: Position | None = None

    def describe(self) -> str:
        return f"env:{self.env}" if self.env else f"file:{self.file}"


@dataclass(frozen=True, slots=True)
class RateLimit:
    rate: float
    burst: int


@dataclass(frozen=True, slots=True)
class X12Settings:
    ack: str = "997"
    ack_target: str | None = None
    guide_overrides: Path | None = None     # resolved against the configuration file's folder
    sender_id: str | None = None
    sender_qualifier: str | None = None
    position: Position | None = None        # of guide_overrides in the file, for errors about it


@dataclass(frozen=True, slots=True)
class Partner:
    id: str
    name: str
    api_keys_file: Path | None
    hmac_secret: SecretRef | None
    hmac_header: str
    rate_limit: RateLimit
    max_body_bytes: int
    x12: X12Settings
    position: Position | None = None


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    partner: str
    content_types: tuple[str, ...]
    mapping: str
    position: Position | None = None


@dataclass(frozen=True, slots=True)
class X12Envelope:
    """What a trading-partner agreement fixes for the X12 the gateway sends (target kind x12)."""

    sender_id: str
    receiver_id: str
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    version: str = "00401"
    group_version: str = "004010"
    usage: str = "P"
    scac: str | None = None
    partner: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    id: str
    kind: str
    url: str
    secret: SecretRef | None
    timeout_s: float
    max_attempts: int
    backoff_initial_s: float
    backoff_max_s: float
    concurrency: int
    position: Position | None = None
    x12: X12Envelope | None = None


@dataclass(frozen=True, slots=True)
class RouteMatch:
    types: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    where: tuple[tuple[str, tuple[object, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    match: RouteMatch
    to: tuple[str, ...]
    position: Position | None = None


@dataclass(frozen=True, slots=True)
class TenderRule:
    """A load tender the gateway answers by itself: the first rule whose match holds decides."""

    name: str
    match: RouteMatch                  # types is always load.tender
    decision: str                      # ACCEPTED | DECLINED
    reason: str | None = None          # canonical reason code (tables/x12-at7-reason.yaml values)
    reason_text: str | None = None
    position: Position | None = None


@dataclass(frozen=True, slots=True)
class StoreSettings:
    engine: str = "sqlite"
    path: Path = Path("var/gateway.db")
    group_commit_ms: float = 2.0
    group_commit_max: int = 512


@dataclass(frozen=True, slots=True)
class TelemetrySettings:
    service_name: str = "logistics-gateway"
    otlp_endpoint: str | None = None


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    store: StoreSettings = field(default_factory=StoreSettings)
    mappings_dir: Path = Path("mappings")
    tables_dir: Path | None = None
    max_body_bytes: int = 5 * 1024 * 1024
    workers: int = 1
    admin_key_sha256: SecretRef | None = None
    planners: dict[str, Path] = field(default_factory=dict)   # planner name -> keys file
    telemetry: TelemetrySettings = field(default_factory=TelemetrySettings)


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration: settings, partners, channels, targets, routes and tender rules."""

    source: Path | None
    gateway: GatewaySettings
    partners: dict[str, Partner]
    channels: dict[str, Channel]
    targets: dict[str, Target]
    routes: tuple[Route, ...]
    tender_rules: tuple[TenderRule, ...] = ()

    def channels_of(self, partner_id: str) -> list[Channel]:
        return [c for c in self.channels.values() if c.partner == partner_id]
