"""A shipper tenders a load by 204 and gets its 990: answered by a configured rule, or by a
planner through the admin API. Real HTTP, a real receiver, the real store and mappings."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from e2e_support import ADMIN_KEY, ERP_SECRET, write_config

from gateway.config import ConfigError, load_config
from gateway.credentials import append_key, issue_key
from gateway.receiver import create_receiver_app, serve_app
from gateway.runtime import Gateway, RuntimeOptions

TENDER = Path(__file__).resolve().parents[2] / "mappings" / "x12" / "fixtures" / "hand-204-two-stops-kg.edi"
LOAD = "LD-20260112-7"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
PLANNER_KEYS: dict[Path, str] = {}


def _b1(edi: str) -> list[str]:
    """The 990's B1 elements: SCAC, load id, date, decision (A or D)."""
    terminator = edi[105]  # the ISA is 106 characters; the segment terminator follows it
    b1 = next(s for s in edi.split(terminator) if s.strip().startswith("B1*"))
    return b1.strip().split("*")[1:]


async def _until(check, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def _edi_partner(tmp_path: Path, receiver_url: str, rules: list[dict[str, Any]]) -> tuple[Path, str]:
    """acme sends 204s on an EDI channel; tender responses go back to it as 990s. Planner jane
    has a key of her own (``PLANNER_KEYS``)."""
    setup = write_config(tmp_path, receiver_url)
    key, record = issue_key("jane")
    append_key(tmp_path / "jane.keys", record)
    PLANNER_KEYS[tmp_path] = key
    doc = yaml.safe_load(setup.config_path.read_text())
    doc["gateway"]["planners"] = {"jane": {"api_keys_file": str(tmp_path / "jane.keys")}}
    doc["channels"]["acme-edi"] = {"partner": "acme", "content_types": ["application/edi-x12"]}
    doc["targets"]["acme-990"] = {"kind": "x12", "url": receiver_url + "/events",
                                  "secret": {"file": str(tmp_path / "erp.secret")},
                                  "x12": {"sender_qualifier": "02", "sender_id": "ABCD", "receiver_id": "ACMESHIPPER",
                                          "scac": "ABCD"}}
    doc["routes"] = [{"name": "answers-as-990", "match": {"type": "tender.response"}, "to": ["acme-990"]}]
    doc["tender_rules"] = rules
    setup.config_path.write_text(yaml.safe_dump(doc))
    return setup.config_path, setup.api_key


async def _tender_and(tmp_path: Path, rules: list[dict[str, Any]], answer=None):  # type: ignore[no-untyped-def]
    """Send the 204; let ``answer(client, message_id, history)`` respond; return what was delivered."""
    receiver = create_receiver_app(ERP_SECRET)
    async with serve_app(receiver) as receiver_url:
        config, key = _edi_partner(tmp_path, receiver_url, rules)
        gateway = Gateway(load_config(config), RuntimeOptions(mapping_reload_s=0))
        await gateway.start()
        try:
            async with serve_app(gateway.http_app()) as url, httpx.AsyncClient(base_url=url) as client:
                sent = (await client.post("/v1/messages", content=TENDER.read_bytes(), headers={
                    "Content-Type": "application/edi-x12", "Authorization": f"Bearer {key}"})).json()["id"]
                await _until(lambda: gateway.store.message_history(sent)["status"] == "processed")
                extra = await answer(client, sent, gateway.store.message_history(sent)) if answer else None
                state = receiver.state.receiver
                await _until(lambda: len(state.deliveries) == 1)
                await asyncio.sleep(0.3)  # nothing more arrives
                return [d.event["raw"] for d in state.deliveries.values()], gateway.store.message_history(sent), extra
        finally:
            await gateway.stop()


async def test_a_rule_declines_the_tender_and_the_shipper_gets_a_990_with_the_reason(tmp_path: Path) -> None:
    rules = [{"name": "flatbeds-welcome", "match": {"partner": "acme", "where": {"data.equipment.0.typeCode": "FT"}},
              "decision": "ACCEPTED"},
             {"name": "no-trailer", "match": {"partner": "acme"}, "decision": "DECLINED",
              "reason": "TRAILER_CLASS_UNAVAILABLE", "reason_text": "No reefer before Thursday"}]
    delivered, history, _ = await _tender_and(tmp_path, rules)
    [edi] = delivered
    assert "ST*990*" in edi and _b1(edi)[:2] == ["ABCD", LOAD] and _b1(edi)[3] == "D"
    assert "K1*No reefer before Thursday" in edi
    types = [e["type"].rsplit(".", 2)[-2] for e in history["events"]]
    assert types == ["tender", "response"]
    decided = [s for s in history["stages"] if s["stage"] == "decide"]
    assert decided[0]["tenders"][0]["rule"] == "no-trailer"


async def test_a_planner_accepts_the_tender_through_the_admin_api_and_a_990_goes_back(tmp_path: Path) -> None:
    async def answer(client: httpx.AsyncClient, sent: str, history: dict[str, Any]) -> list[httpx.Response]:
        tender = next(e for e in history["events"] if e["type"].endswith("load.tender.v1"))
        body = {"message_id": sent, "event_id": tender["id"], "decision": "ACCEPTED", "decided_by": "jane",
                "pickup_at": {"localDate": "2026-01-13", "localTime": "08:00", "precision": "minute",
                              "sourceText": "202601130800"}}
        return [await client.post("/v1/admin/tender-decisions", json=body, headers=ADMIN),
                await client.post("/v1/admin/tender-decisions", json=body, headers=ADMIN)]

    delivered, history, (first, again) = await _tender_and(tmp_path, [], answer)
    [edi] = delivered
    assert first.status_code == 202 and first.json()["status"] == "admitted"
    assert again.json() == {**first.json(), "status": "duplicate"}  # a second click is the same decision
    assert _b1(edi)[:2] == ["ABCD", LOAD] and _b1(edi)[3] == "A" and "G62*10*20260113*Y*0800" in edi
    assert [e["type"] for e in history["events"]] == ["org.logistics-gateway.load.tender.v1"]
    [decided] = [s["tenders"] for s in history["stages"] if s["stage"] == "decide"]
    assert decided == [{"tender": history["events"][0]["id"], "planner": "admin:jane", "decision": "ACCEPTED",
                        "message": first.json()["id"]}]


async def test_a_planners_own_key_answers_tenders_as_that_planner_and_opens_nothing_else(tmp_path: Path) -> None:
    async def answer(client: httpx.AsyncClient, sent: str, history: dict[str, Any]) -> list[httpx.Response]:
        jane = {"Authorization": f"Bearer {PLANNER_KEYS[tmp_path]}"}
        waiting = await client.get("/v1/admin/tenders", params={"open": "true"}, headers=jane)
        [tender] = waiting.json()["tenders"]
        body = {"message_id": tender["message_id"], "event_id": tender["event_id"], "decision": "DECLINED",
                "reason": "DRIVER_UNAVAILABLE", "decided_by": "somebody-else"}
        decided = await client.post("/v1/admin/tender-decisions", json=body, headers=jane)
        for _ in range(400):  # the answer is recorded once its message is admitted
            if not (await client.get("/v1/admin/tenders", params={"open": "true"}, headers=jane)).json()["tenders"]:
                break
            await asyncio.sleep(0.05)
        return [waiting, decided, await client.get("/v1/admin/tenders", headers=jane),
                await client.post("/v1/admin/replay", json={"all": "quarantined"}, headers=jane),
                await client.post("/v1/admin/tender-decisions", json=body, headers={"Authorization": "Bearer nope"})]

    delivered, history, (waiting, decided, listed, replay, stranger) = await _tender_and(tmp_path, [], answer)
    assert waiting.json()["tenders"][0]["load"] == LOAD and waiting.json()["tenders"][0]["open"] is True
    [answered] = listed.json()["tenders"]
    assert answered["open"] is False and answered["decisions"][0]["planner"] == "planner:jane"
    assert decided.status_code == 202 and _b1(delivered[0])[3] == "D"
    [recorded] = [s["tenders"] for s in history["stages"] if s["stage"] == "decide"]
    assert recorded[0]["planner"] == "planner:jane"      # the key says who, not the body
    assert replay.status_code == 401 and replay.json()["detail"] == "the admin key is not valid"
    assert stranger.status_code == 401


async def test_a_decision_on_an_event_that_is_not_a_tender_is_refused_with_the_reason(tmp_path: Path) -> None:
    async def answer(client: httpx.AsyncClient, sent: str, history: dict[str, Any]) -> list[httpx.Response]:
        tender = history["events"][0]
        unknown = await client.post("/v1/admin/tender-decisions", headers=ADMIN,
                                    json={"message_id": sent, "event_id": "nope", "decision": "ACCEPTED"})
        maybe = await client.post("/v1/admin/tender-decisions", headers=ADMIN,
                                  json={"message_id": sent, "event_id": tender["id"], "decision": "MAYBE"})
        accepted = await client.post("/v1/admin/tender-decisions", headers=ADMIN,
                                     json={"message_id": sent, "event_id": tender["id"], "decision": "ACCEPTED"})
        too_many = await client.get("/v1/admin/tenders", params={"limit": "5000"}, headers=ADMIN)
        return [unknown, maybe, accepted, too_many]

    _, _, (unknown, maybe, accepted, too_many) = await _tender_and(tmp_path, [], answer)
    assert too_many.status_code == 422 and too_many.json()["detail"] == "limit must be between 1 and 500, not 5000"
    assert unknown.status_code == 422 and "has no event nope" in unknown.json()["detail"]
    assert maybe.status_code == 422 and "decision must be one of ACCEPTED, DECLINED, not 'MAYBE'" in maybe.json()["detail"]
    assert accepted.status_code == 202


def test_tender_rules_without_the_decision_mapping_stop_the_gateway_at_start(tmp_path: Path) -> None:
    config, _ = _edi_partner(tmp_path, "http://127.0.0.1:9", [{"name": "all", "decision": "ACCEPTED"}])
    only_x12 = tmp_path / "x12-mappings"
    only_x12.mkdir()
    for source in (Path(__file__).resolve().parents[2] / "mappings" / "x12").glob("x12-204.yaml"):
        (only_x12 / source.name).write_text(source.read_text())
    doc = yaml.safe_load(config.read_text())
    doc["gateway"]["mappings_dir"] = str(only_x12)
    config.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match="tender_rules answer through the 'tender-decision' mapping, which is not in"):
        Gateway(load_config(config), RuntimeOptions(mapping_reload_s=0))
