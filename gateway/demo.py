"""``gateway demo``: the gateway on embedded defaults, fed real corpus samples over HTTP.

It writes a configuration (``var/demo/gateway.yaml``, from ``ops/demo/gateway.yaml``) with fresh
partner keys and secrets, starts a local webhook receiver standing in for an ERP, starts the
gateway (SQLite store, no broker), sends the samples as the partners would (API keys and an
HMAC-signed webhook), shows what was admitted, translated, routed and delivered — including a
broken message that is quarantined with its reason — and keeps running with the URLs printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import secrets
import string
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from gateway.config import load_config
from gateway.credentials import append_key, issue_key
from gateway.deliver.signing import sign
from gateway.receiver import create_receiver_app, serve_app
from gateway.runtime import Gateway, RuntimeOptions

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "ops" / "demo" / "gateway.yaml"
CORPUS = REPO.parent / "shared" / "corpus"
FINAL = {"processed", "quarantined"}


@dataclass(frozen=True)
class Sample:
    partner: str
    path: Path | None
    media: str
    body: bytes | None = None
    note: str = ""

    def payload(self) -> bytes:
        return self.body if self.body is not None else self.path.read_bytes()  # type: ignore[union-attr]

    @property
    def label(self) -> str:
        return self.note or (self.path.name if self.path else "")


def samples() -> list[Sample]:
    """Real samples from the shared corpus, one partner each, plus one broken message."""
    carrier, erp, x12 = CORPUS / "carrier", CORPUS / "erp", CORPUS / "x12"
    chosen = [
        Sample("easypost", carrier / "easypost-tracker-updated-webhook-fedex.json", "application/json"),
        Sample("easypost", carrier / "easypost-tracker-retrieve-usps.json", "application/json"),
        Sample("shippo", carrier / "shippo-track-usps-delivered.json", "application/json"),
        Sample("ocean", carrier / "dcsa-tnt-3.0-transport-event-arri.json", "application/json"),
        Sample("ocean", carrier / "dcsa-tnt-2.2-events-response.json", "application/json"),
        Sample("ocean", carrier / "terminal49-container-raw-events.json", "application/json"),
        Sample("erp", erp / "sap-idoc-delvry03-desadv-avon.xml", "application/xml"),
        Sample("erp", erp / "sap-s4-sales-order-header.json", "application/json"),
        Sample("truckline", x12 / "214" / "alnk-214-single-line.edi", "application/edi-x12"),
        Sample("truckline", x12 / "214" / "canadapost-214-multi-st.edi", "application/edi-x12"),
        Sample("truckline", x12 / "204" / "gtlogistics-204.edi", "application/edi-x12"),
    ]
    broken = Sample("easypost", None, "application/json",
                    body=b'{"object": "Tracker", "id": "trk_broken", "tracking_details": [{"status": "delivered"}]}',
                    note="tracker without a tracking code (quarantined on purpose)")
    return [s for s in chosen if s.path is not None and s.path.exists()] + [broken]


def prepare(workdir: Path, receiver_url: str) -> dict[str, str]:
    """Write the demo config, partner keys and secrets; return the plaintext credentials."""
    for sub in ("keys", "secrets"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    text = string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        RECEIVER_URL=receiver_url, MAPPINGS_DIR=str(REPO / "mappings"))
    (workdir / "gateway.yaml").write_text(text, encoding="utf-8")
    creds: dict[str, str] = {}
    for partner in ("easypost", "ocean", "erp", "truckline"):
        keys = workdir / "keys" / f"{partner}.keys"
        keys.unlink(missing_ok=True)  # a demo run issues fresh keys; old plaintexts are gone anyway
        key, record = issue_key(partner)
        append_key(keys, record)
        creds[partner] = key
    for name in ("shippo.hmac", "erp-webhook.secret"):
        (workdir / "secrets" / name).write_text(secrets.token_urlsafe(32), encoding="utf-8")
    creds["shippo"] = (workdir / "secrets" / "shippo.hmac").read_text(encoding="utf-8")
    admin = secrets.token_urlsafe(32)
    (workdir / "secrets" / "admin.sha256").write_text(hashlib.sha256(admin.encode()).hexdigest(), encoding="utf-8")
    creds["admin"] = admin
    return creds


def _headers(sample: Sample, creds: dict[str, str], body: bytes) -> dict[str, str]:
    headers = {"Content-Type": sample.media}
    if sample.partner == "shippo":
        headers["X-Partner-Id"] = "shippo"
        headers["X-Signature"] = sign(creds["shippo"].encode(), body, int(time.time()))
    else:
        headers["Authorization"] = f"Bearer {creds[sample.partner]}"
    return headers


async def _send_all(client: httpx.AsyncClient, creds: dict[str, str]) -> list[tuple[Sample, dict[str, Any]]]:
    sent = []
    for sample in samples():
        body = sample.payload()
        response = await client.post("/v1/messages", content=body, headers=_headers(sample, creds, body))
        answer = response.json()
        sent.append((sample, answer))
        print(f"  {response.status_code} {sample.partner:<9} {sample.label:<52} "
              f"{answer.get('id', answer.get('title', ''))}")
    return sent


async def _history(client: httpx.AsyncClient, sample: Sample, message_id: str, creds: dict[str, str]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {creds['admin']}"}
    if sample.partner != "shippo":
        headers = {"Authorization": f"Bearer {creds[sample.partner]}"}
    return (await client.get(f"/v1/messages/{message_id}", headers=headers)).json()


async def _settle(client: httpx.AsyncClient, sent: list[tuple[Sample, dict[str, Any]]], creds: dict[str, str],
                  timeout_s: float = 30.0) -> list[tuple[Sample, dict[str, Any]]]:
    deadline = time.monotonic() + timeout_s
    while True:
        histories = [(s, await _history(client, s, a["id"], creds)) for s, a in sent if "id" in a]
        done = all(h.get("status") in FINAL and all(d["status"] in ("delivered", "dead") for d in h.get("deliveries", []))
                   for _, h in histories)
        if done or time.monotonic() > deadline:
            return histories
        await asyncio.sleep(0.2)


def _report(histories: list[tuple[Sample, dict[str, Any]]], received: dict[str, Any], gateway_url: str) -> None:
    print("\nWhat happened to each message:")
    print(f"  {'partner':<9} {'sample':<52} {'status':<12} {'events':>6} {'delivered':>9}")
    for sample, h in histories:
        delivered = sum(1 for d in h.get("deliveries", []) if d["status"] == "delivered")
        print(f"  {sample.partner:<9} {sample.label:<52} {h.get('status', '?'):<12} {len(h.get('events', [])):>6} "
              f"{delivered:>9}")
        for reply in h.get("replies", []):
            summary = re.search(r"AK9[^~\r\n]*", reply["body"])  # the partner's own terminator may be a newline
            print(f"      {reply['kind']} sent back to the partner ({summary.group(0) if summary else 'envelope'})")
        for answer in (t for s in h.get("stages", []) if s.get("stage") == "decide" for t in s["tenders"]):
            sent_back = sum(1 for d in h.get("deliveries", []) if d["event_id"] in answer["responses"]
                            and d["target"] == "truckline-edi-out" and d["status"] == "delivered")
            print(f"      load tender {answer['decision'].lower()} by rule {answer['rule']}; "
                  f"{'990 sent back to the partner' if sent_back else '990 not delivered'}")
        refused = [r for s in h.get("stages", []) if s.get("stage") == "decode" for r in s.get("rejected", [])]
        if refused:
            print(f"      {len(refused)} transaction set(s) refused on their own, each named in the 997")
        if h.get("status") == "quarantined" and h.get("quarantine"):
            q = h["quarantine"]
            print(f"      quarantined at stage {q.get('stage')}, {q.get('where')}: {q.get('what')}")
            print(f"      see {gateway_url}/v1/messages/{h['id']}")
    print(f"\nThe local receiver (the ERP's webhook, and truckline's EDI endpoint) got {received.get('unique', 0)} "
          "signed deliveries "
          f"({received.get('duplicates', 0)} duplicates, {received.get('bad_signatures', 0)} bad signatures).")


async def run_demo(host: str = "127.0.0.1", port: int = 8080, receiver_port: int = 9000,
                   workdir: Path = Path("var/demo"), keep_running: bool = True) -> int:
    """Run the demo; returns 0 when every good sample was delivered and the broken one quarantined."""
    gateway_url, receiver_url = f"http://{host}:{port}", f"http://{host}:{receiver_port}"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "gateway.db").unlink(missing_ok=True)
    creds = prepare(workdir, receiver_url)
    config = load_config(workdir / "gateway.yaml")
    secret = (workdir / "secrets" / "erp-webhook.secret").read_bytes()
    async with serve_app(create_receiver_app(secret), host, receiver_port):
        gateway = Gateway(config, RuntimeOptions(mapping_reload_s=1.0))
        server = uvicorn.Server(uvicorn.Config(gateway.http_app(), host=host, port=port, log_level="warning",
                                               access_log=False, lifespan="off"))
        await gateway.start()
        serving = asyncio.create_task(server.serve())
        try:
            while not server.started:
                if serving.done():
                    return 1
                await asyncio.sleep(0.05)
            print(f"Gateway on {gateway_url} (SQLite store {config.gateway.store.path}); "
                  f"ERP receiver on {receiver_url}\n\nSending corpus samples as the partners would:")
            async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as client:
                sent = await _send_all(client, creds)
                histories = await _settle(client, sent, creds)
                received = (await client.get(f"{receiver_url}/received", params={"keys": 0})).json()
            _report(histories, received, gateway_url)
            ok = all((h.get("status") == "quarantined") == (s.path is None) for s, h in histories)
            if keep_running:
                print(f"\nThe gateway keeps running: {gateway_url}  (API: {gateway_url}/openapi.json, "
                      f"metrics: {gateway_url}/metrics)\nConfig: {workdir / 'gateway.yaml'}; "
                      f"admin key for this run: {creds['admin']}\nPress Ctrl-C to stop.")
                await serving
            return 0 if ok else 1
        finally:
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await serving
            await gateway.stop()
