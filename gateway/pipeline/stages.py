"""Timing one message's stages while its documents stream through them.

A message's documents go through decode → map → validate → route one at a time, so that a large
X12 interchange is never held whole; the stages therefore interleave. ``StageClock`` adds up
each stage's busy time and remembers when it first started and last ended; when the message is
done, each stage becomes one span over that stretch (carrying its busy time) and one observation
of the stage-duration metric.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType

from opentelemetry.util.types import AttributeValue

from gateway.pipeline.failures import StageFailure
from gateway.telemetry import ContinuedSpans, Metrics

__all__ = ["StageBug", "StageClock"]


class StageBug(Exception):
    """A stage raised something it should not have; carries the stage name for the quarantine."""

    def __init__(self, stage: str, cause: BaseException) -> None:
        self.stage, self.cause = stage, cause
        super().__init__(f"{stage}: {type(cause).__name__}: {cause}")


class _Timing:
    __slots__ = ("busy_ns", "first_ns", "last_ns", "runs")

    def __init__(self, start_ns: int) -> None:
        self.first_ns = self.last_ns = start_ns
        self.busy_ns = 0
        self.runs = 0


class StageClock:
    """``with clock("map"): ...`` around each stretch of a stage's work.

    A ``StageFailure`` passes through; any other exception is a bug in the stage and leaves as
    ``StageBug`` naming it. The first failure is kept for the failing stage's span.
    """

    __slots__ = ("_error", "_name", "_started", "_timings")

    def __init__(self) -> None:
        self._timings: dict[str, _Timing] = {}
        self._name = ""
        self._started = 0
        self._error: tuple[str, BaseException] | None = None

    def __call__(self, name: str) -> StageClock:
        self._name = name
        return self

    def __enter__(self) -> None:
        self._started = time.time_ns()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        end = time.time_ns()
        name = self._name
        timing = self._timings.get(name)
        if timing is None:
            timing = self._timings[name] = _Timing(self._started)
        timing.busy_ns += end - self._started
        timing.last_ns = end
        timing.runs += 1
        if exc is None:
            return
        if self._error is None:
            self._error = (name, exc)
        if not isinstance(exc, StageFailure) and isinstance(exc, Exception):
            raise StageBug(name, exc) from exc

    def report(self, spans: ContinuedSpans, stored_context: Mapping[str, str] | None,
               attributes: Mapping[str, AttributeValue], metrics: Metrics | None) -> None:
        """One span per stage that ran (in the order they first ran) and its busy time as a metric."""
        failed, error = self._error or ("", None)
        for name, timing in self._timings.items():
            spans.record(name, stored_context, timing.first_ns, timing.last_ns,
                         {**attributes, "gateway.stage.busy_ms": timing.busy_ns / 1e6, "gateway.stage.runs": timing.runs},
                         error if name == failed else None)
            if metrics is not None:
                metrics.observe_stage(name, timing.busy_ns / 1e9)
