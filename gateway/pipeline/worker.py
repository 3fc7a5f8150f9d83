"""The pipeline worker: claim a batch of admitted messages with a lease, process, record outcomes.

At most one batch's outcomes are being committed while the next batch is processed, so the CPU
work overlaps the store's group commit. Batches are processed in a thread, off the event loop
that admits and delivers. A crash before the commit leaves the messages leased; the
lease runs out and they are claimed again (outcomes are idempotent: deterministic event ids).
"""

from __future__ import annotations

import asyncio
import logging

from gateway.pipeline.processor import MessageProcessor
from gateway.store.base import InboundMessage, MessageOutcome, Store, StoreClosed

IDLE_POLL_S = 1.0
log = logging.getLogger(__name__)


class PipelineWorker:
    """Runs until ``stop()``; then finishes the batch in hand and records it."""

    def __init__(self, store: Store, processor: MessageProcessor, owner: str, batch_size: int = 64,
                 lease_s: float = 30.0) -> None:
        self._store, self._processor, self._owner = store, processor, owner
        self._batch_size, self._lease_s = batch_size, lease_s
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        committing: asyncio.Task[list[str]] | None = None
        try:
            while not self._stopping.is_set():
                try:
                    committing = await self._step(committing)
                except StoreClosed:
                    return
                except Exception:  # leased messages are taken up again; keep draining
                    log.exception("pipeline step failed; retrying in %s s", IDLE_POLL_S)
                    committing = None
                    await asyncio.sleep(IDLE_POLL_S)
        finally:
            if committing is not None:
                await asyncio.gather(committing, return_exceptions=True)

    async def _step(self, committing: asyncio.Task[list[str]] | None) -> asyncio.Task[list[str]] | None:
        """Claim and process one batch; returns the commit now in flight."""
        batch = await self._store.claim_messages(self._owner, self._batch_size, self._lease_s)
        if not batch:
            if committing is not None:
                await committing
            else:
                await self._idle()
            return None
        # In a thread of its own: a large interchange takes seconds, and on the loop's thread it
        # would hold every admission and delivery that long (they now wait for a GIL switch at most).
        outcomes = await asyncio.to_thread(self._process, batch)
        if committing is not None:
            await committing
        return asyncio.create_task(self._store.record_outcomes(outcomes))

    def _process(self, batch: list[InboundMessage]) -> list[MessageOutcome]:
        return [self._processor.process(message, self._owner) for message in batch]

    async def _idle(self) -> None:
        stopping = asyncio.ensure_future(self._stopping.wait())
        work = asyncio.ensure_future(self._store.wait_for_work("inbox", IDLE_POLL_S))
        try:
            await asyncio.wait({stopping, work}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            work.cancel()
