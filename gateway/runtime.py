"""The composition root: from a ``Config``, build and run the whole gateway in one process.

``Gateway`` opens the store, builds the decoders (the only place that imports ``adapters``), the
mapping registry (reloaded when files change), the canonical validator, the pipeline workers and
one delivery worker per target, and runs them as asyncio tasks. ``serve`` runs them beside the
HTTP API under uvicorn; ``run_gateway(config, host, port)`` is the entry point for ``gateway serve``.

Shutdown is graceful: uvicorn stops accepting, then workers finish what they hold (the pipeline
records its batch, deliveries in flight complete), then the store commits and closes. Work left
unfinished by a crash is leased, and is taken up again when its lease runs out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from opentelemetry import trace
from opentelemetry.trace import Tracer
from starlette.applications import Starlette
from ulid_transform import ulid_now

from adapters.registry import default_decoders, partner_decoders, warm_up
from adapters.x12 import Party
from adapters.x12_out.settings import PartnerSettings
from adapters.x12_out.target import X12Target
from canonical.validate import CanonicalValidator
from gateway.config import ConfigError, load_config, read_secret
from gateway.config.model import Config
from gateway.decide import DECISION_MAPPING, DECISIONS_CHANNEL, TenderRules, decision_hook, tenders_hook
from gateway.decide.tenders import decisions_channel
from gateway.deliver import DeliveryWorker, RetryPolicy, Target, WebhookTarget
from gateway.http.app import create_app
from gateway.mapping import MappingRegistry, ReloadReport
from gateway.mapping.environment import default_environment
from gateway.mapping.preview import MappingPreview
from gateway.pipeline.acknowledgements import AcknowledgementMatcher
from gateway.pipeline.processor import MessageProcessor, PipelineParts
from gateway.pipeline.replay import replay_hook
from gateway.pipeline.worker import PipelineWorker
from gateway.route import Router
from gateway.store import Store, open_configured_store
from gateway.telemetry import Metrics, setup_tracing

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    """Operational knobs that are not part of the configuration file."""

    lease_s: float = 30.0              # a crashed worker's messages are taken up again after this
    pipeline_batch: int = 64
    mapping_reload_s: float = 2.0      # how often mapping files are checked for changes (0: never)
    queue_gauge_s: float = 5.0
    shutdown_grace_s: float = 10.0


class UnsupportedTargetKind(ValueError):
    """The configuration names a target kind this build cannot deliver to."""


def build_target(config: Config, target_id: str) -> Target:
    t = config.targets[target_id]
    if t.kind not in ("webhook", "x12"):
        raise UnsupportedTargetKind(f"targets.{target_id}: kind {t.kind!r} is not supported (available: webhook, x12)")
    base_dir = config.source.parent if config.source else None
    secret = read_secret(t.secret, base_dir) if t.secret else None
    webhook = WebhookTarget(t.id, t.url, secret, t.timeout_s, t.concurrency)
    if t.kind == "webhook" or t.x12 is None:
        return webhook
    envelope = t.x12
    settings = PartnerSettings(partner=t.id, sender=Party(envelope.sender_qualifier, envelope.sender_id),
                               receiver=Party(envelope.receiver_qualifier, envelope.receiver_id),
                               version=envelope.version, group_version=envelope.group_version,
                               usage=envelope.usage, scac=envelope.scac)
    return X12Target(settings, webhook)


class Gateway:
    """Everything that runs, built from one configuration. ``start`` → (serve) → ``stop``."""

    def __init__(self, config: Config, options: RuntimeOptions = RuntimeOptions(),
                 metrics: Metrics | None = None, tracer: Tracer | None = None) -> None:
        """``tracer`` defaults to the globally installed provider's (``setup_tracing``)."""
        self.config = config
        self.options = options
        self.metrics = metrics or Metrics()
        # Resolved once: looking the tracer up per span costs more than the span itself.
        self.tracer = tracer or trace.get_tracer("gateway")
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{ulid_now()}"
        # What may refuse the configuration comes before the store opens.
        by_partner = partner_decoders(config.partners)
        self.mappings = MappingRegistry([config.gateway.mappings_dir], default_environment(config.gateway.tables_dir))
        self._log_reload(self.mappings.load())
        if config.tender_rules and DECISION_MAPPING not in self.mappings.current():
            raise ConfigError([(config.tender_rules[0].position,
                                f"tender_rules answer through the {DECISION_MAPPING!r} mapping, which is not in "
                                f"{config.gateway.mappings_dir} (it ships as mappings/gateway/{DECISION_MAPPING}.yaml)")])
        self.store: Store = open_configured_store(config.gateway.store)
        decoders, validator = default_decoders(), CanonicalValidator()
        self._preview = MappingPreview(self.mappings, decoders, validator)
        acknowledged_by = {t.id: t.x12.partner for t in config.targets.values()
                           if t.kind == "x12" and t.x12 is not None and t.x12.partner}
        parts = PipelineParts(decoders=decoders, mappings=self.mappings, validator=validator,
                              router=Router(config.routes), partners=config.partners,
                              channels={**config.channels, DECISIONS_CHANNEL: decisions_channel()},
                              acknowledgements=AcknowledgementMatcher(acknowledged_by, self.store.outbox_entry),
                              partner_decoders=by_partner, tender_rules=TenderRules(config.tender_rules))
        for p in config.partners.values():
            if p.x12.ack_target and p.x12.ack_target not in config.targets:
                log.warning("partners.%s.x12.ack_target %r is not a configured target: its acknowledgements are "
                            "kept with each message but not sent", p.id, p.x12.ack_target)
        processor = MessageProcessor(parts, self.metrics, self.tracer)
        self._pipeline = [PipelineWorker(self.store, processor, f"{self.owner}/p{i}", options.pipeline_batch,
                                         options.lease_s) for i in range(config.gateway.workers)]
        self._targets = [build_target(config, tid) for tid in config.targets]
        self._delivery = [DeliveryWorker(self.store, t, RetryPolicy.for_target(config.targets[t.id]),
                                         f"{self.owner}/d/{t.id}", self._delivery_lease(t.id), self.metrics,
                                         self.tracer)
                          for t in self._targets]
        self._tasks: list[asyncio.Task[None]] = []

    def _delivery_lease(self, target_id: str) -> float:
        # httpx applies the timeout per phase (connect, write, read, pool): allow for all of them.
        return max(self.options.lease_s, 4 * self.config.targets[target_id].timeout_s + 1)

    def _log_reload(self, report: ReloadReport) -> None:
        for path, error in report.refused.items():
            log.error("mapping %s refused:\n%s", path, error)
        if report.loaded:
            log.info("mappings loaded: %s", ", ".join(report.loaded))

    def http_app(self) -> Starlette:
        """The HTTP API over this gateway's store, with the replay, mapping-preview and tender-decision
        hooks wired in."""
        return create_app(self.config, self.store, self.metrics, replay=replay_hook(self.store),
                          preview=self._preview, decide=decision_hook(self.store),
                          tenders=tenders_hook(self.store), tracer=self.tracer)

    async def start(self) -> None:
        """Start the pipeline and delivery workers (and the housekeeping loops) as tasks."""
        workers: list[PipelineWorker | DeliveryWorker] = [*self._pipeline, *self._delivery]
        self._tasks = [asyncio.create_task(w.run(), name=type(w).__name__) for w in workers]
        if self.options.mapping_reload_s > 0:
            self._tasks.append(asyncio.create_task(self._reload_mappings(), name="mapping-reload"))
        if self.options.queue_gauge_s > 0:
            self._tasks.append(asyncio.create_task(self._gauge_queues(), name="queue-gauges"))

    async def stop(self) -> None:
        """Let workers finish what they hold, then close targets and the store."""
        workers: list[PipelineWorker | DeliveryWorker] = [*self._pipeline, *self._delivery]
        for w in workers:
            w.stop()
        for task in self._tasks:
            if task.get_name() in ("mapping-reload", "queue-gauges"):
                task.cancel()
        done, pending = await asyncio.wait(self._tasks, timeout=self.options.shutdown_grace_s) if self._tasks \
            else (set(), set())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("task %s failed", task.get_name(), exc_info=task.exception())
        for target in self._targets:
            await target.aclose()
        self.store.close()

    async def _reload_mappings(self) -> None:
        while True:
            await asyncio.sleep(self.options.mapping_reload_s)
            try:
                self._log_reload(await asyncio.to_thread(self.mappings.load))
            except Exception:  # a failed reload keeps the loaded mappings running
                log.exception("reloading mappings failed; the loaded versions stay in use")

    async def _gauge_queues(self) -> None:
        while True:
            # counts() scans the tables: off the event loop, so admissions never wait on it.
            for queue, depth in (await asyncio.to_thread(self.store.counts)).items():
                self.metrics.set_queue_depth(queue, depth)
            await asyncio.sleep(self.options.queue_gauge_s)


async def serve(config: Config, host: str, port: int, options: RuntimeOptions = RuntimeOptions()) -> None:
    """Run the gateway: HTTP API on ``host:port`` plus all workers, until SIGINT/SIGTERM."""
    import uvicorn

    gateway = Gateway(config, options)
    warm_up()
    # Compiled mappings, schemas and validators live for the whole run: move them out of the
    # collector's reach so full collections stay short (they showed up as latency spikes).
    gc.freeze()
    server = uvicorn.Server(uvicorn.Config(gateway.http_app(), host=host, port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    await gateway.start()
    try:
        await server.serve()
    finally:
        await gateway.stop()


def run_gateway(config: Config, host: str = "127.0.0.1", port: int = 8080,
                options: RuntimeOptions = RuntimeOptions()) -> None:
    """Entry point for ``gateway serve``: set up tracing, then serve until stopped (uvloop if present)."""
    setup_tracing(config.gateway.telemetry)
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    asyncio.run(serve(config, host, port, options))


def main(argv: list[str] | None = None) -> None:
    """``python -m gateway.runtime CONFIG [--host H] [--port P] [--lease-s S]`` (tests, benchmark)."""
    parser = argparse.ArgumentParser(description="Run the gateway (HTTP API and workers).")
    parser.add_argument("config", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--lease-s", type=float, default=RuntimeOptions().lease_s)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every request at INFO
    run_gateway(load_config(args.config), args.host, args.port, RuntimeOptions(lease_s=args.lease_s))


if __name__ == "__main__":
    main()
