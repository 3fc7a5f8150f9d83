"""The pipeline worker over the real store: drains the inbox, survives bad messages and crashes."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

from pipeline_support import FEDEX_WEBHOOK, MAPPINGS, UNMAPPABLE, USPS_TRACKER, MakeProcessor, make_registry, message

from gateway.pipeline.processor import MessageProcessor
from gateway.pipeline.replay import replay_quarantined
from gateway.pipeline.worker import PipelineWorker
from gateway.store.base import InboundMessage, MessageOutcome
from gateway.store.sqlite import SqliteStore
from tests.x12.helpers import CORPUS as X12_CORPUS
from tests.x12.helpers import concatenated


@asynccontextmanager
async def running(store: SqliteStore, processor: MessageProcessor, lease_s: float = 30) -> AsyncIterator[None]:
    worker = PipelineWorker(store, processor, "worker", batch_size=8, lease_s=lease_s)
    task = asyncio.create_task(worker.run())
    try:
        yield
    finally:
        worker.stop()
        await task


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_admitted_messages_are_processed_into_events_and_outbox_entries(
        store: SqliteStore, processor: MessageProcessor) -> None:
    m = message(FEDEX_WEBHOOK.read_bytes())
    await store.admit(m)
    async with running(store, processor):
        await eventually(lambda: store.counts()["processed"] == 1)
    history = store.message_history(m.id)
    assert history is not None and len(history["events"]) == 7
    assert {d["target"] for d in history["deliveries"]} == {"erp"} and len(history["deliveries"]) == 7


async def test_a_bad_message_is_quarantined_and_the_ones_behind_it_still_flow(
        store: SqliteStore, processor: MessageProcessor) -> None:
    bodies = [USPS_TRACKER.read_bytes(), b"{not json", UNMAPPABLE, FEDEX_WEBHOOK.read_bytes()]
    for body in bodies:
        await store.admit(message(body))
    async with running(store, processor):
        await eventually(lambda: store.counts()["processed"] + store.counts()["quarantined"] == 4)
    assert store.counts()["processed"] == 2
    assert sorted(q.reason.stage for q in store.quarantined()) == ["decode", "map"]


async def test_messages_left_by_a_crashed_worker_are_processed_after_its_lease_runs_out(
        store: SqliteStore, processor: MessageProcessor) -> None:
    await store.admit(message(USPS_TRACKER.read_bytes()))
    await store.claim_messages("crashed-worker", 10, lease_s=0.3)
    async with running(store, processor):
        await eventually(lambda: store.counts()["processed"] == 1)


async def test_a_replayed_message_is_mapped_with_the_mappings_loaded_now(
        store: SqliteStore, make_processor: MakeProcessor, tmp_path: Path) -> None:
    mapping_dir = tmp_path / "mappings"
    mapping_dir.mkdir()
    registry = make_registry(mapping_dir)          # no mappings yet: the message cannot be mapped
    m = message(USPS_TRACKER.read_bytes())
    await store.admit(m)
    async with running(store, make_processor(mappings=registry)):
        await eventually(lambda: store.counts()["quarantined"] == 1)
        shutil.copy(MAPPINGS / "carrier" / "easypost-tracker.yaml", mapping_dir)
        registry.load()                            # the mapping is deployed
        await replay_quarantined(store, m.id, requested_by="ops@example.com")
        await eventually(lambda: store.counts()["processed"] == 1)
    history = store.message_history(m.id)
    assert history is not None
    assert [s["stage"] for s in history["stages"]][-5:] == ["replay", "decode", "map", "validate", "route"]
    assert history["errors"][0]["stage"] == "map" and history["errors"][0]["replayed_by"] == "ops@example.com"
    assert history["quarantine"] is None and history["events"][0]["mapping"] == "easypost-tracker@1"


class _Watched:
    """A processor that notes which thread runs it, and how often the event loop ran meanwhile."""

    def __init__(self, inner: MessageProcessor, loop_turns: list[int]) -> None:
        self.inner, self.loop_turns = inner, loop_turns
        self.threads: set[int] = set()
        self.turns_while_processing = 0

    def process(self, message: InboundMessage, owner: str) -> MessageOutcome:
        self.threads.add(threading.get_ident())
        before = self.loop_turns[0]
        try:
            return self.inner.process(message, owner)
        finally:
            self.turns_while_processing += self.loop_turns[0] - before


async def test_the_event_loop_keeps_running_while_a_large_interchange_is_processed(
        store: SqliteStore, processor: MessageProcessor) -> None:
    names = ["214/alnk-214-single-line.edi", "214/stedi-fedex-ground-214.edi", "204/gtlogistics-204.edi"]
    body = concatenated([X12_CORPUS / name for name in names], 300)  # 0.8 MB, 900 interchanges
    big = message(body, "application/edi-x12")
    await store.admit(big)
    turns = [0]

    async def tick() -> None:
        while True:
            await asyncio.sleep(0.001)
            turns[0] += 1

    watched = _Watched(processor, turns)
    ticker = asyncio.create_task(tick())
    try:
        async with running(store, cast(MessageProcessor, watched)):
            await eventually(lambda: store.counts()["processed"] == 1, timeout=60)
    finally:
        ticker.cancel()
    assert len(store.message_history(big.id)["events"]) == 2_100  # type: ignore[index]
    # Admissions and deliveries run on the loop: processing on its thread held them all until the
    # message was done (the loop ran 0 times meanwhile); now they wait for a GIL switch at most.
    assert threading.get_ident() not in watched.threads
    assert watched.turns_while_processing >= 10
