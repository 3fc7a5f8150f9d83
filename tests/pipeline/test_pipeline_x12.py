"""X12 through the pipeline: events per accepted set, the 997 kept and sent back, duplicates,
sets refused by the partner's guide — with real corpus interchanges and the real store."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from pipeline_support import CHANNELS, TO_ERP, message

from adapters.registry import default_decoders, partner_decoders
from canonical.validate import CanonicalValidator
from gateway.config.model import Channel, Partner, RateLimit, X12Settings
from gateway.mapping import MappingRegistry
from gateway.pipeline.processor import MessageProcessor, PipelineParts
from gateway.pipeline.replay import replay_all_quarantined
from gateway.pipeline.worker import PipelineWorker
from gateway.route import Router
from gateway.store.sqlite import SqliteStore

X12 = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "x12" / "214"
ACCEPTED = X12 / "canadapost-214-multi-st.edi"       # 19 sets: 10 accepted (status events), 9 refused
REFUSED = X12 / "otmos-rlca-214-newline.edi"         # its only set fails the guide
EDI = "application/edi-x12"


def partner(ack_target: str | None) -> Partner:
    return Partner("acme", "Acme", None, None, "X-Signature", RateLimit(100, 100), 1 << 20,
                   X12Settings(ack="997", ack_target=ack_target))


def processor(registry: MappingRegistry, validator: CanonicalValidator, ack_target: str | None = None) -> MessageProcessor:
    return MessageProcessor(PipelineParts(default_decoders(), registry, validator, Router((TO_ERP,)), CHANNELS,
                                          {"acme": partner(ack_target)}))


async def drain(store: SqliteStore, proc: MessageProcessor, done: Callable[[], bool]) -> None:
    worker = PipelineWorker(store, proc, "worker")
    task = asyncio.create_task(worker.run())
    deadline = time.monotonic() + 10
    while not done():
        assert time.monotonic() < deadline, "pipeline did not finish"
        await asyncio.sleep(0.02)
    worker.stop()
    await task


async def test_accepted_sets_become_events_refused_sets_are_kept_and_the_997_says_which(
        store: SqliteStore, registry: MappingRegistry, validator: CanonicalValidator) -> None:
    m = message(ACCEPTED.read_bytes(), content_type=EDI)
    await store.admit(m)
    await drain(store, processor(registry, validator), lambda: store.counts()["processed"] == 1)
    history = store.message_history(m.id)
    assert history is not None and len(history["events"]) == 10
    assert len([e for e in history["errors"] if e.get("part")]) == 9
    [ack] = history["replies"]
    assert ack["kind"] == "997" and "ST*997*" in ack["body"] and "AK9*P*19*19*10" in ack["body"]


async def test_the_997_is_queued_for_the_partners_ack_target_as_x12(
        store: SqliteStore, registry: MappingRegistry, validator: CanonicalValidator) -> None:
    m = message(ACCEPTED.read_bytes(), content_type=EDI)
    await store.admit(m)
    await drain(store, processor(registry, validator, ack_target="acme-as2"),
                lambda: store.counts()["processed"] == 1)
    [entry] = await store.claim_deliveries("acme-as2", "d", 10, 30)
    assert entry.event_type == "x12.997" and entry.content_type == EDI and entry.body.startswith(b"ISA")


async def test_reply_control_numbers_keep_counting_across_messages_and_restarts(
        tmp_path: Path, registry: MappingRegistry, validator: CanonicalValidator) -> None:
    numbers = []
    for attempt in range(2):   # a fresh store object on the same file each time: a restart
        store = SqliteStore(tmp_path / "restart.db")
        try:
            m = message(ACCEPTED.read_bytes() + b"\n" * (attempt + 1), content_type=EDI)
            await store.admit(m)
            await drain(store, processor(registry, validator), lambda s=store: s.counts()["inbox"] == 0
                        and s.counts()["processing"] == 0)
            history = store.message_history(m.id)
            assert history is not None
            numbers.append(history["replies"][0]["body"].split("ISA*", 1)[1].split("*")[12])
        finally:
            store.close()
    assert int(numbers[1]) == int(numbers[0]) + 1


async def test_a_resent_interchange_is_answered_but_not_translated_twice(
        store: SqliteStore, registry: MappingRegistry, validator: CanonicalValidator) -> None:
    first = message(ACCEPTED.read_bytes(), content_type=EDI)
    again = message(ACCEPTED.read_bytes() + b"\r\n", content_type=EDI)   # same ISA13, other bytes
    await store.admit(first)
    await store.admit(again)
    await drain(store, processor(registry, validator), lambda: store.counts()["processed"] == 2)
    history = store.message_history(again.id)
    assert history is not None and history["events"] == [] and history["deliveries"] == []
    assert any(s["stage"] == "dedup" for s in history["stages"]) and history["replies"]


async def test_an_interchange_whose_every_set_is_refused_is_quarantined_and_still_answered(
        store: SqliteStore, registry: MappingRegistry, validator: CanonicalValidator) -> None:
    m = message(REFUSED.read_bytes(), content_type=EDI)
    await store.admit(m)
    await drain(store, processor(registry, validator), lambda: store.counts()["quarantined"] == 1)
    history = store.message_history(m.id)
    assert history is not None
    assert history["quarantine"]["stage"] == "decode" and "214 rejected" in history["quarantine"]["what"]
    assert "interchange 000006045" in history["quarantine"]["where"] + history["quarantine"]["what"]
    [ack] = history["replies"]
    assert "AK5*R" in ack["body"] or "AK9*R" in ack["body"]


async def test_sets_refused_on_their_own_are_listed_as_quarantined_parts(
        store: SqliteStore, registry: MappingRegistry, validator: CanonicalValidator) -> None:
    m = message(ACCEPTED.read_bytes(), content_type=EDI)
    await store.admit(m)
    await drain(store, processor(registry, validator), lambda: store.counts()["processed"] == 1)
    parked = store.quarantined()
    assert len(parked) == 9 and all(q.part and q.message_id == m.id for q in parked)
    assert all(q.reason.stage == "decode" and q.reason.where and q.reason.what for q in parked)


async def test_a_message_with_refused_sets_can_be_replayed_without_emitting_its_events_twice(
        store: SqliteStore, registry: MappingRegistry, validator: CanonicalValidator) -> None:
    m = message(ACCEPTED.read_bytes(), content_type=EDI)
    await store.admit(m)
    proc = processor(registry, validator)
    await drain(store, proc, lambda: store.counts()["processed"] == 1)
    [replayed] = await replay_all_quarantined(store, "planner@acme")
    assert replayed.ref == m.id and store.counts()["inbox"] == 1
    await drain(store, proc, lambda: store.counts()["processed"] == 1)
    history = store.message_history(m.id)
    assert history is not None and len(history["events"]) == 10
    assert len(await store.claim_deliveries("erp", "d", 100, 30)) == 10
    parts = [e for e in history["errors"] if e.get("part")]
    assert len(parts) == 18 and sum(e["replayed_by"] == "planner@acme" for e in parts) == 9


async def test_a_partners_guide_overrides_apply_to_its_messages_only(
        tmp_path: Path, registry: MappingRegistry, validator: CanonicalValidator) -> None:
    # Canada Post's set 000000004 leaves L1101 empty; a partner whose guide makes L1101 optional
    # gets that set accepted and translated, while the project's own guide still refuses it.
    overrides = tmp_path / "canadapost.guide.yaml"
    overrides.write_text('"214":\n  elements:\n    L1101: {usage: S}\n')
    lenient = Partner("lenient", "Lenient", None, None, "X-Signature", RateLimit(100, 100), 1 << 20,
                      X12Settings(ack="997", guide_overrides=overrides))
    channels = {**CHANNELS, "lenient-edi": Channel("lenient-edi", "lenient", (EDI,), "auto")}
    parts = PipelineParts(default_decoders(), registry, validator, Router((TO_ERP,)), channels,
                          {"acme": partner(None), "lenient": lenient}, partner_decoders=partner_decoders({"lenient": lenient}))
    # One store each: the same interchange twice in one store is a resend, answered but not translated.
    histories = []
    for name, m in (("strict", message(ACCEPTED.read_bytes(), content_type=EDI)),
                    ("lenient", message(ACCEPTED.read_bytes(), content_type=EDI, channel="lenient-edi", partner="lenient"))):
        own = SqliteStore(tmp_path / f"{name}.db")
        try:
            await own.admit(m)
            await drain(own, MessageProcessor(parts), lambda s=own: s.counts()["processed"] == 1)
            histories.append(own.message_history(m.id))
        finally:
            own.close()
    strict, relaxed = histories
    assert (len(strict["events"]), len(relaxed["events"])) == (10, 11)
    assert "AK9*P*19*19*10" in strict["replies"][0]["body"] and "AK9*P*19*19*11" in relaxed["replies"][0]["body"]
    assert "AK2*214*000000004\nAK5*A\n" in relaxed["replies"][0]["body"]  # the partner's own terminator
