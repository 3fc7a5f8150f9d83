"""Load a configuration file: parse, check against the config schema and cross-references."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from gateway.config.errors import ConfigError
from gateway.config.model import (
    Channel,
    Config,
    GatewaySettings,
    Partner,
    RateLimit,
    Route,
    RouteMatch,
    SecretRef,
    StoreSettings,
    Target,
    TelemetrySettings,
    TenderRule,
    X12Envelope,
    X12Settings,
)
from gateway.yamlsrc import Position, YamlSourceError, load_yaml, load_yaml_text, position_of


def _schema_validator() -> jsonschema.Draft202012Validator:
    text = resources.files("gateway.config").joinpath("schema.yaml").read_text(encoding="utf-8")
    return jsonschema.Draft202012Validator(load_yaml_text(text, "gateway/config/schema.yaml"))


def _locate(doc: Any, path: Iterable[Any]) -> Position | None:
    node, pos = doc, position_of(doc)
    for key in path:
        pos = position_of(node, key) or pos
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
    return pos


def _path_text(path: Iterable[Any]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _schema_problems(doc: Any) -> list[tuple[Position | None, str]]:
    problems = []
    for err in sorted(_schema_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        where = _path_text(err.absolute_path)
        if err.validator == "oneOf" and err.schema.get("description", "").startswith("A secret"):
            msg = f"{where}: a secret must be {{env: NAME}} or {{file: PATH}}, never the value itself"
        elif err.validator == "additionalProperties":
            msg = f"{where}: {err.message} (allowed: {', '.join(sorted(err.schema.get('properties', {})))})"
        else:
            msg = f"{where}: {err.message}"
        problems.append((_locate(doc, err.absolute_path), msg))
    return problems


def _secret(node: Any) -> SecretRef | None:
    if node is None:
        return None
    return SecretRef(env=node.get("env"), file=node.get("file"), position=position_of(node))


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def _resolve(base: Path, value: str | None) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    return path if path.is_absolute() else base / path


def _build(doc: dict[str, Any], source: Path | None) -> Config:
    base = source.parent if source else Path.cwd()
    g = doc.get("gateway") or {}
    store = g.get("store") or {}
    tel = g.get("telemetry") or {}
    defaults = GatewaySettings()  # slotted dataclass: its class attributes are descriptors, not defaults
    max_body = g.get("max_body_bytes", defaults.max_body_bytes)
    settings = GatewaySettings(
        store=StoreSettings(engine=store.get("engine", "sqlite"),
                            path=_resolve(base, store.get("path", "var/gateway.db")),  # type: ignore[arg-type]
                            group_commit_ms=float(store.get("group_commit_ms", 2.0)),
                            group_commit_max=int(store.get("group_commit_max", 512))),
        mappings_dir=_resolve(base, g.get("mappings_dir", "mappings")),  # type: ignore[arg-type]
        tables_dir=_resolve(base, g.get("tables_dir")),
        max_body_bytes=max_body,
        workers=g.get("workers", 1),
        admin_key_sha256=_secret((g.get("admin") or {}).get("api_key_sha256")),
        planners={name: _resolve(base, p["api_keys_file"]) for name, p in (g.get("planners") or {}).items()},  # type: ignore[misc]
        telemetry=TelemetrySettings(service_name=tel.get("service_name", "logistics-gateway"),
                                    otlp_endpoint=tel.get("otlp_endpoint")),
    )
    partners = {}
    for pid, p in (doc.get("partners") or {}).items():
        rl = p.get("rate_limit") or {"rate": 100.0}
        x12 = p.get("x12") or {}
        partners[pid] = Partner(
            id=pid, name=p.get("name", pid), api_keys_file=_resolve(base, p.get("api_keys_file")),
            hmac_secret=_secret(p.get("hmac_secret")), hmac_header=p.get("hmac_header", "X-Signature"),
            rate_limit=RateLimit(rate=float(rl["rate"]), burst=int(rl.get("burst", max(1, int(rl["rate"]))))),
            max_body_bytes=p.get("max_body_bytes", max_body),
            x12=X12Settings(ack=str(x12.get("ack", "997")), ack_target=x12.get("ack_target"),
                            guide_overrides=_resolve(base, x12.get("guide_overrides")),
                            sender_id=x12.get("sender_id"), sender_qualifier=x12.get("sender_qualifier"),
                            position=position_of(x12, "guide_overrides") if x12 else None),
            position=position_of(p))
    channels = {cid: Channel(id=cid, partner=c["partner"], content_types=_as_tuple(c.get("content_types")),
                             mapping=c.get("mapping", "auto"), position=position_of(c))
                for cid, c in (doc.get("channels") or {}).items()}
    targets = {tid: Target(id=tid, kind=t["kind"], url=t.get("url", ""), secret=_secret(t.get("secret")),
                           timeout_s=float(t.get("timeout_s", 5.0)), max_attempts=int(t.get("max_attempts", 8)),
                           backoff_initial_s=float(t.get("backoff_initial_s", 0.5)),
                           backoff_max_s=float(t.get("backoff_max_s", 60.0)),
                           concurrency=int(t.get("concurrency", 16)), position=position_of(t),
                           x12=X12Envelope(**t["x12"]) if t.get("x12") else None)
               for tid, t in (doc.get("targets") or {}).items()}
    routes = [Route(name=r["name"], match=_match(r, _as_tuple((r.get("match") or {}).get("type"))),
                    to=tuple(r["to"]), position=position_of(r)) for r in doc.get("routes") or []]
    rules = [TenderRule(name=r["name"], match=_match(r, ("load.tender",)), decision=r["decision"],
                        reason=r.get("reason"), reason_text=r.get("reason_text"), position=position_of(r))
             for r in doc.get("tender_rules") or []]
    return Config(source=source, gateway=settings, partners=partners, channels=channels, targets=targets,
                  routes=tuple(routes), tender_rules=tuple(rules))


def _match(entry: dict[str, Any], types: tuple[str, ...]) -> RouteMatch:
    m = entry.get("match") or {}
    where = tuple((k, _as_tuple(v)) for k, v in (m.get("where") or {}).items())
    return RouteMatch(types=types, partners=_as_tuple(m.get("partner")), where=where)


def _reference_problems(doc: dict[str, Any]) -> list[tuple[Position | None, str]]:
    problems: list[tuple[Position | None, str]] = []
    partners = doc.get("partners") or {}
    targets = doc.get("targets") or {}
    for pid, p in partners.items():
        if not isinstance(pid, str) or not pid.replace("-", "").replace("_", "").isalnum():
            problems.append((position_of(partners, pid), f"partners.{pid}: a partner id may use letters, digits, '-' and '_' only"))
        if not p.get("api_keys_file") and not p.get("hmac_secret"):
            problems.append((position_of(p), f"partners.{pid}: needs api_keys_file or hmac_secret, or it cannot authenticate"))
    for cid, c in (doc.get("channels") or {}).items():
        if c.get("partner") not in partners:
            problems.append((position_of(c, "partner"),
                             f"channels.{cid}.partner: unknown partner {c.get('partner')!r} (known: {', '.join(sorted(partners)) or 'none'})"))
    for i, r in enumerate(doc.get("routes") or []):
        for j, t in enumerate(r.get("to") or []):
            if t not in targets:
                problems.append((position_of(r["to"], j),
                                 f"routes[{i}].to[{j}]: unknown target {t!r} (known: {', '.join(sorted(targets)) or 'none'})"))
        for p in _as_tuple((r.get("match") or {}).get("partner")):
            if p not in partners:
                problems.append((position_of(r.get("match"), "partner"), f"routes[{i}].match.partner: unknown partner {p!r}"))
    for i, r in enumerate(doc.get("tender_rules") or []):
        for p in _as_tuple((r.get("match") or {}).get("partner")):
            if p not in partners:
                problems.append((position_of(r.get("match"), "partner"),
                                 f"tender_rules[{i}].match.partner: unknown partner {p!r}"))
        if r.get("decision") == "ACCEPTED" and (r.get("reason") or r.get("reason_text")):
            problems.append((position_of(r, "reason" if r.get("reason") else "reason_text"),
                             f"tender_rules[{i}]: a reason goes with a decline, not an acceptance"))
    for tid, t in targets.items():
        if t.get("kind") in ("webhook", "x12") and not t.get("url"):
            problems.append((position_of(t), f"targets.{tid}: a {t.get('kind')} target needs a url"))
        acker = (t.get("x12") or {}).get("partner")
        if acker is not None and acker not in partners:
            problems.append((position_of(t["x12"], "partner"), f"targets.{tid}.x12.partner: unknown partner {acker!r}"))
        if t.get("kind") == "x12" and not t.get("x12"):
            problems.append((position_of(t), f"targets.{tid}: an x12 target needs x12: {{sender_id, receiver_id, ...}}"))
    return problems


def parse_config(doc: Any, source: Path | None = None) -> Config:
    """Validate an already-parsed document and build the typed ``Config``."""
    if doc is None:
        doc = {}
    problems = _schema_problems(doc)
    if not problems:
        problems = _reference_problems(doc)
    if problems:
        raise ConfigError(problems)
    return _build(doc, source)


def load_config(path: str | Path) -> Config:
    """Load and validate a configuration file; raises ``ConfigError`` naming every problem."""
    path = Path(path)
    try:
        doc = load_yaml(path)
    except YamlSourceError as exc:
        raise ConfigError([(exc.position, exc.message)]) from None
    return parse_config(doc, path.resolve())
