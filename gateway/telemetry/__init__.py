"""Tracing (OpenTelemetry) and metrics (Prometheus) for every stage of the gateway.

Nothing here keeps module-level mutable state: a ``TracerProvider`` and a ``Metrics`` object are
built once by the composition root and handed to whoever needs them.
"""

from gateway.telemetry.metrics import METRIC_DEFS, MetricDef, MetricName, Metrics
from gateway.telemetry.tracing import (
                                       TRACEPARENT,
                                       TRACESTATE,
                                       ContinuedSpans,
                                       inject_context,
                                       link_from,
                                       outbound_headers,
                                       setup_tracing,
                                       start_span_from,
)

__all__ = [
                                       "METRIC_DEFS",
                                       "TRACEPARENT",
                                       "TRACESTATE",
                                       "ContinuedSpans",
                                       "MetricDef",
                                       "MetricName",
                                       "Metrics",
                                       "inject_context",
                                       "link_from",
                                       "outbound_headers",
                                       "setup_tracing",
                                       "start_span_from",
]
