"""A partner who wants EDI: canonical statuses leave as 214s, and its 997 is matched to them."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import httpx
import yaml
from e2e_support import ERP_SECRET, FEDEX_WEBHOOK, write_config

from gateway.config import load_config
from gateway.receiver import create_receiver_app, serve_app
from gateway.runtime import Gateway, RuntimeOptions


def _997_for(group_control: int) -> bytes:
    return (f"ISA*00*          *00*          *ZZ*ACMESHIPPER    *02*ABCD           *260101*1200*U*00401*000000777*0*P*>~"
            f"GS*FA*ACMESHIPPER*ABCD*20260101*1200*777*X*004010~ST*997*0001~AK1*QM*{group_control}~"
            f"AK2*214*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~GE*1*777~IEA*1*000000777~").encode()


async def _until(check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_statuses_go_out_as_214s_and_the_partners_997_is_recorded_on_them(tmp_path: Path) -> None:
    receiver = create_receiver_app(ERP_SECRET)
    async with serve_app(receiver) as receiver_url:
        setup = write_config(tmp_path, receiver_url)
        doc = yaml.safe_load(setup.config_path.read_text())
        doc["channels"]["acme-edi-in"] = {"partner": "acme", "content_types": ["application/edi-x12"]}
        doc["targets"] = {"acme-edi": {"kind": "x12", "url": receiver_url + "/events",
                                       "secret": {"file": str(tmp_path / "erp.secret")},
                                       "x12": {"sender_qualifier": "02", "sender_id": "ABCD",
                                               "receiver_id": "ACMESHIPPER", "scac": "ABCD", "partner": "acme"}}}
        doc["routes"] = [{"name": "statuses-as-edi", "match": {"type": "shipment.status"}, "to": ["acme-edi"]}]
        setup.config_path.write_text(yaml.safe_dump(doc))
        gateway = Gateway(load_config(setup.config_path), RuntimeOptions(mapping_reload_s=0))
        await gateway.start()
        try:
            async with serve_app(gateway.http_app()) as url, httpx.AsyncClient(
                    base_url=url, headers={"Authorization": f"Bearer {setup.api_key}"}) as client:
                sent = (await client.post("/v1/messages", content=FEDEX_WEBHOOK.read_bytes(),
                                          headers={"Content-Type": "application/json"})).json()["id"]
                state = receiver.state.receiver
                await _until(lambda: len(state.deliveries) == 7)
                edi = [d.event["raw"] for d in state.deliveries.values()]
                group = int(re.search(r"GS\*QM\*[^*]*\*[^*]*\*\d+\*\d+\*(\d+)\*", edi[0]).group(1))
                ack = (await client.post("/v1/messages", content=_997_for(group),
                                         headers={"Content-Type": "application/edi-x12"})).json()["id"]
                await _until(lambda: gateway.store.message_history(ack)["status"] == "processed")
                history = gateway.store.message_history(sent)
        finally:
            await gateway.stop()
    assert all(text.startswith("ISA*") and "ST*214*0001" in text for text in edi)
    matched = [s for s in history["stages"] if s["stage"] == "x12-acknowledged"]
    assert len(matched) == 1 and matched[0]["status"] == "ACCEPTED"
    assert matched[0]["outbox_id"] == group and matched[0]["acknowledgement_message"] == ack
