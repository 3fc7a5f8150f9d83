"""Prometheus metrics, every name declared once with its kind, labels and meaning.

Modelled on Arroyo's ``metric_defs.py``: ``MetricName`` is a ``Literal`` so a misspelt metric name
is a type error, and ``METRIC_DEFS`` is the single table of what each metric means. A ``Metrics``
object owns its own ``CollectorRegistry`` (never prometheus_client's global one), so two gateways
in one process — or two tests — never share counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE", "METRIC_DEFS", "MetricDef", "MetricName", "Metrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST

MetricName = Literal[
    # Counter{partner, outcome}: messages answered 202 at admit; outcome "admitted" or "duplicate".
    "gateway_admitted_total",
    # Counter{partner, reason}: admit requests refused; reason is the problem slug (e.g.
    # "rate-limited", "payload-too-large"); partner is "unknown" before authentication succeeds.
    "gateway_rejected_total",
    # Histogram: seconds from request start to the 202 answer, durable write included.
    "gateway_admit_seconds",
    # Histogram{stage}: seconds one pipeline stage (decode, map, validate, score, route ...) took for one message.
    "gateway_stage_seconds",
    # Counter{stage, reason}: messages set aside in quarantine by a stage.
    "gateway_quarantined_total",
    # Counter{target}: deliveries the target acknowledged.
    "gateway_delivered_total",
    # Counter{target}: delivery attempts that failed and were scheduled again.
    "gateway_delivery_retried_total",
    # Counter{target}: deliveries given up and moved to the dead-letter queue.
    "gateway_dead_lettered_total",
    # Gauge{queue}: messages waiting in a queue (a stage's inbox or a target's outbox).
    "gateway_queue_depth",
]

MetricKind = Literal["counter", "gauge", "histogram"]


@dataclass(frozen=True, slots=True)
class MetricDef:
    """What a metric is: its kind, label names, help text and (histograms) bucket bounds."""

    kind: MetricKind
    labels: tuple[str, ...]
    help: str
    buckets: tuple[float, ...] = ()


# Admit must answer in milliseconds (target p99 <= 10 ms), so the buckets are fine-grained there.
_ADMIT_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
_STAGE_BUCKETS = (0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)

METRIC_DEFS: dict[MetricName, MetricDef] = {
    "gateway_admitted_total": MetricDef("counter", ("partner", "outcome"), "Messages accepted at admit (202)."),
    "gateway_rejected_total": MetricDef("counter", ("partner", "reason"), "Admit requests refused, by problem type."),
    "gateway_admit_seconds": MetricDef("histogram", (), "Admit latency including the durable write.",
                                       _ADMIT_BUCKETS),
    "gateway_stage_seconds": MetricDef("histogram", ("stage",), "Duration of one pipeline stage for one message.",
                                       _STAGE_BUCKETS),
    "gateway_quarantined_total": MetricDef("counter", ("stage", "reason"), "Messages quarantined by a stage."),
    "gateway_delivered_total": MetricDef("counter", ("target",), "Deliveries acknowledged by the target."),
    "gateway_delivery_retried_total": MetricDef("counter", ("target",), "Failed delivery attempts scheduled again."),
    "gateway_dead_lettered_total": MetricDef("counter", ("target",), "Deliveries moved to the dead-letter queue."),
    "gateway_queue_depth": MetricDef("gauge", ("queue",), "Messages waiting in a stage inbox or target outbox."),
}

# Fail at import, not at the first scrape, if the Literal and the table drift apart.
assert set(get_args(MetricName)) == set(METRIC_DEFS), "MetricName and METRIC_DEFS must list the same metrics"

_Metric = Counter | Gauge | Histogram


def _prometheus_name(name: str, kind: MetricKind) -> str:
    # prometheus_client appends "_total" to counters itself; declaring the full name keeps
    # METRIC_DEFS identical to what a scrape shows.
    return name.removesuffix("_total") if kind == "counter" else name


class Metrics:
    """The gateway's metrics, registered in a registry of their own."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self._metrics: dict[MetricName, _Metric] = {}
        # The same metrics by kind, so that each helper below is handed the class whose method it calls.
        self._counters: dict[MetricName, Counter] = {}
        self._gauges: dict[MetricName, Gauge] = {}
        self._histograms: dict[MetricName, Histogram] = {}
        for name, d in METRIC_DEFS.items():
            pname = _prometheus_name(name, d.kind)
            metric: _Metric
            if d.kind == "counter":
                metric = self._counters[name] = Counter(pname, d.help, d.labels, registry=self.registry)
            elif d.kind == "gauge":
                metric = self._gauges[name] = Gauge(pname, d.help, d.labels, registry=self.registry)
            else:
                metric = self._histograms[name] = Histogram(pname, d.help, d.labels, registry=self.registry,
                                                            buckets=d.buckets)
            self._metrics[name] = metric
        # The admit path runs per request: keep its metric objects at hand instead of looking up
        # label values each time (prometheus_client's labels() takes a lock and builds a tuple).
        self._admit_seconds = self._histograms["gateway_admit_seconds"]
        self._admitted: dict[tuple[str, bool], Counter] = {}

    def get(self, name: MetricName) -> _Metric:
        """The underlying prometheus_client metric, for uses the helpers below do not cover."""
        return self._metrics[name]

    # Admit -------------------------------------------------------------------------------------
    def admitted(self, partner: str, duplicate: bool) -> None:
        child = self._admitted.get((partner, duplicate))
        if child is None:
            child = self._admitted[(partner, duplicate)] = self._counters["gateway_admitted_total"].labels(
                partner, "duplicate" if duplicate else "admitted")
        child.inc()

    def rejected(self, partner: str | None, reason: str) -> None:
        self._counters["gateway_rejected_total"].labels(partner or "unknown", reason).inc()

    def observe_admit(self, seconds: float) -> None:
        self._admit_seconds.observe(seconds)

    # Pipeline ----------------------------------------------------------------------------------
    def observe_stage(self, stage: str, seconds: float) -> None:
        self._histograms["gateway_stage_seconds"].labels(stage).observe(seconds)

    def quarantined(self, stage: str, reason: str) -> None:
        self._counters["gateway_quarantined_total"].labels(stage, reason).inc()

    # Delivery ----------------------------------------------------------------------------------
    def delivered(self, target: str) -> None:
        self._counters["gateway_delivered_total"].labels(target).inc()

    def retried(self, target: str) -> None:
        self._counters["gateway_delivery_retried_total"].labels(target).inc()

    def dead_lettered(self, target: str) -> None:
        self._counters["gateway_dead_lettered_total"].labels(target).inc()

    def set_queue_depth(self, queue: str, depth: int) -> None:
        self._gauges["gateway_queue_depth"].labels(queue).set(depth)

    # Exposition --------------------------------------------------------------------------------
    def render(self) -> bytes:
        """The Prometheus text exposition of this registry (content type: ``CONTENT_TYPE``)."""
        return generate_latest(self.registry)
