"""Shared pieces of the end-to-end tests: a gateway configuration around a real receiver."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gateway.credentials import append_key, issue_key

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "carrier"
FEDEX_WEBHOOK = CORPUS / "easypost-tracker-updated-webhook-fedex.json"
ERP_SECRET = b"erp-webhook-secret-for-tests"
ADMIN_KEY = "admin-key-for-e2e-tests-0123456789"
STATUS_TYPE = "org.logistics-gateway.shipment.status.v1"


@dataclass(frozen=True)
class Setup:
    config_path: Path
    db_path: Path
    api_key: str


def write_config(tmp_path: Path, receiver_url: str, *, max_attempts: int = 8, concurrency: int = 16,
                 timeout_s: float = 2.0) -> Setup:
    """A gateway config: partner acme (API key), one JSON channel, webhook target erp, one route,
    and an admin key (``ADMIN_KEY``) for the replay endpoint."""
    key, record = issue_key("acme")
    append_key(tmp_path / "acme.keys", record)
    (tmp_path / "erp.secret").write_bytes(ERP_SECRET)
    (tmp_path / "admin.sha256").write_text(hashlib.sha256(ADMIN_KEY.encode()).hexdigest())
    db = tmp_path / "gateway.db"
    doc: dict[str, Any] = {
        "gateway": {"store": {"path": str(db), "group_commit_ms": 1.0},
                    "mappings_dir": str(REPO / "mappings"),
                    "admin": {"api_key_sha256": {"file": str(tmp_path / "admin.sha256")}}},
        "partners": {"acme": {"api_keys_file": str(tmp_path / "acme.keys"),
                              "rate_limit": {"rate": 100000, "burst": 100000}}},
        "channels": {"acme-carrier": {"partner": "acme", "content_types": ["application/json"]}},
        "targets": {"erp": {"kind": "webhook", "url": receiver_url + "/events",
                            "secret": {"file": str(tmp_path / "erp.secret")}, "timeout_s": timeout_s,
                            "max_attempts": max_attempts, "backoff_initial_s": 0.05, "backoff_max_s": 0.5,
                            "concurrency": concurrency}},
        "routes": [{"name": "status-to-erp", "match": {"type": STATUS_TYPE}, "to": ["erp"]}],
    }
    path = tmp_path / "gateway.yaml"
    path.write_text(yaml.safe_dump(doc))
    return Setup(path, db, key)


def carrier_update(n: int) -> bytes:
    """The FedEx tracker.updated sample, made distinct per ``n`` (a different tracking code)."""
    doc = json.loads(FEDEX_WEBHOOK.read_bytes())
    doc["id"] = f"evt_{n}"
    doc["result"]["id"] = f"trk_{n}"
    doc["result"]["tracking_code"] = f"7749{n:08d}"
    return json.dumps(doc).encode()
