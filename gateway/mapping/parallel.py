"""Translating a large input in worker processes, part by part, with the output of one process.

A 30 MB X12 file is tens of thousands of transaction sets; one process reads, maps and
validates them at about 4-5 MB/s on this project's machines. Where the input's decoder can cut
it into parts that read on their own (``DecoderRegistry.split``: for X12, runs of whole
interchanges), each part is decoded, mapped and validated by a worker process, and the parts'
events are written in input order. The output is byte for byte what one process writes:

- a part's findings carry the whole input's segment numbers and byte offsets (the decoder
  resumes its counts at the part's start);
- each event's id is derived from its document's number among the input's accepted documents.
  A worker numbers its part's documents from the count before it, less the refusals known
  when the part is handed out; when more were refused in between, the part is translated again
  with the right numbers (refused sets are rare, and this keeps the ids exact without making
  a part wait for the parts before it);
- a document that fails ends the output after the events before it, as in one process;
- when a worker dies (killed, out of memory), the caller translates the parts left itself.

Only the order of warnings can differ: they come part by part, where one process lists the
reader's warnings of the whole input before the decoder's.

Workers are forked once the caller's mappings are loaded and inherit them: compiled mappings
hold generated functions, which cannot be pickled. Where fork is not available, for one
process, and for inputs that are small or cannot be cut, the caller translates in-process.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import orjson

from canonical.validate import CanonicalValidationError
from gateway.documents import BodyPart, BodyUncuttable, DecodeError, DecodeResult
from gateway.mapping.errors import MappingError
from gateway.mapping.fixtures import FixtureRunner

__all__ = ["MIN_PARALLEL_BYTES", "TRANSLATION_ERRORS", "ProcessTranslator", "Translation", "TranslationFailed"]

# Below this a worker's start-up (fork, and generating the mapping functions it uses) costs
# more than it saves; for the same reason each worker gets at least a megabyte.
MIN_PARALLEL_BYTES = 2 << 20
MIN_BYTES_PER_WORKER = 1 << 20
# Parts per worker: enough that one slow part does not leave the other workers idle at the end.
PARTS_PER_WORKER = 4
# A part's events wait in memory until the parts before it are written, and their JSON is about
# five times the part's size: parts of at most this size keep that bounded however large the file.
MAX_PART_BYTES = 8 << 20

# How translating an input may fail (``UnsupportedContentType`` is a ``LookupError``), besides
# ``TranslationFailed`` from a worker; any other exception is a bug and propagates as it is.
TRANSLATION_ERRORS = (MappingError, CanonicalValidationError, LookupError, DecodeError)


class TranslationFailed(Exception):
    """Translating a document failed in a worker process.

    Carries the error's class name and text, which is what crosses the process boundary:
    these errors hold keyword state that pickling an exception loses.
    """

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(text)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class _PartResult:
    documents_before: int   # the number the part's first document was given
    lines: bytes            # its events as JSON lines, each ending in a newline
    events: int
    documents: int          # accepted documents read
    warnings: list[str]
    rejected: list[str]
    error: tuple[str, str] | None


def _translate_part(runner: FixtureRunner, data: bytes, media: str, part: BodyPart, documents_before: int,
                    mapping: str | None, ctx: dict[str, Any]) -> _PartResult:
    result = runner.decoders.decode_part(data, media, part)
    lines: list[bytes] = []
    documents = 0
    error = None
    try:
        for index, document in enumerate(result.documents, documents_before):
            documents += 1
            for event in runner.translate_document(document, index, mapping, ctx):
                lines.append(orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE))
    except TRANSLATION_ERRORS as exc:
        error = (type(exc).__name__, str(exc))
    return _PartResult(documents_before, b"".join(lines), len(lines), documents,
                       list(result.warnings), [str(r) for r in result.rejected], error)


# The runner of a worker process: inherited at fork, put here once by the pool's initializer.
_worker_runner: list[FixtureRunner] = []


def _install(runner: FixtureRunner) -> None:
    _worker_runner.append(runner)
    # The inherited heap is shared copy-on-write: collections passing over it would copy it.
    gc.freeze()


def _in_worker(data: bytes, media: str, part: BodyPart, documents_before: int, mapping: str | None,
               ctx: dict[str, Any]) -> _PartResult:
    return _translate_part(_worker_runner[0], data, media, part, documents_before, mapping, ctx)


class Translation:
    """One input's translation: iterate ``lines()`` once; then ``warnings`` and ``rejected`` are complete."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.rejected: list[str] = []

    def lines(self) -> Iterator[tuple[bytes, int]]:
        """The events as JSON lines, some documents at a time: (lines, how many events)."""
        raise NotImplementedError


class _InProcess(Translation):
    def __init__(self, runner: FixtureRunner, result: DecodeResult, mapping: str | None, ctx: dict[str, Any]) -> None:
        super().__init__()
        self._runner, self._result, self._mapping, self._ctx = runner, result, mapping, ctx

    def lines(self) -> Iterator[tuple[bytes, int]]:
        for event in self._runner.iter_translate(self._result, self._mapping, self._ctx):
            yield orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE), 1
        self.warnings = list(self._result.warnings)
        self.rejected = [str(r) for r in self._result.rejected]


class _InParts(Translation):
    def __init__(self, runner: FixtureRunner, pool: ProcessPoolExecutor, body: bytes, media: str,
                 split: Iterator[BodyPart], mapping: str | None, ctx: dict[str, Any], in_flight: int) -> None:
        super().__init__()
        self._runner, self._pool, self._body, self._media, self._split = runner, pool, body, media, split
        self._mapping, self._ctx, self._in_flight = mapping, ctx, in_flight
        self._broken = False

    def _submit(self, part: BodyPart, documents_before: int) -> Future[_PartResult]:
        data = self._body[part.start:part.end]
        if not self._broken:
            try:
                return self._pool.submit(_in_worker, data, self._media, part, documents_before, self._mapping,
                                         self._ctx)
            except BrokenProcessPool:
                self._broken = True
        done: Future[_PartResult] = Future()
        done.set_result(_translate_part(self._runner, data, self._media, part, documents_before, self._mapping,
                                        self._ctx))
        return done

    def _result(self, part: BodyPart, future: Future[_PartResult], documents_before: int) -> _PartResult:
        """The part's result; a part whose worker died (killed, out of memory) is translated here,
        numbered from ``documents_before``, as are the parts after it."""
        try:
            return future.result()
        except BrokenProcessPool:
            self._broken = True
            return self._submit(part, documents_before).result()

    def lines(self) -> Iterator[tuple[bytes, int]]:
        parts: list[BodyPart] = []
        pending: deque[tuple[BodyPart, Future[_PartResult]]] = deque()
        try:
            try:
                # Nothing is written before the whole body is known to be cuttable.
                for part in self._split:
                    parts.append(part)
                    if len(pending) < self._in_flight:
                        pending.append((part, self._submit(part, part.documents_before)))
            except BodyUncuttable:
                yield from self._in_one_piece(pending)
                return
            yield from self._written_in_order(parts, pending)
        finally:
            for _, future in pending:
                future.cancel()

    def _in_one_piece(self, pending: deque[tuple[BodyPart, Future[_PartResult]]]) -> Iterator[tuple[bytes, int]]:
        for _, future in pending:
            future.cancel()
        pending.clear()
        whole = _InProcess(self._runner, self._runner.decoders.decode(self._body, self._media), self._mapping, self._ctx)
        yield from whole.lines()
        self.warnings, self.rejected = whole.warnings, whole.rejected

    def _written_in_order(self, parts: list[BodyPart],
                          pending: deque[tuple[BodyPart, Future[_PartResult]]]) -> Iterator[tuple[bytes, int]]:
        submitted, documents, refused = len(pending), 0, 0
        for k in range(len(parts)):
            # Bounded: a part's events wait in memory until the parts before it are written.
            while submitted < len(parts) and submitted - k < self._in_flight:
                # Numbered past the documents refused so far: right unless more are refused in between.
                ahead = parts[submitted]
                pending.append((ahead, self._submit(ahead, ahead.documents_before - refused)))
                submitted += 1
            part, future = pending.popleft()
            result = self._result(part, future, documents)
            if result.documents_before != documents:
                result = self._result(part, self._submit(part, documents), documents)
            self.warnings += result.warnings
            self.rejected += result.rejected
            if result.events:
                yield result.lines, result.events
            if result.error is not None:
                raise TranslationFailed(*result.error)
            documents += result.documents
            if k + 1 < len(parts):
                refused = parts[k + 1].documents_before - documents
        if not documents and self.rejected:
            raise TranslationFailed(DecodeError.__name__, self.rejected[0])


class ProcessTranslator:
    """Translates inputs with up to ``processes`` forked workers. A context manager: the workers
    stop with it."""

    def __init__(self, runner: FixtureRunner, processes: int, min_bytes: int = MIN_PARALLEL_BYTES) -> None:
        self._runner = runner
        self._processes = processes if "fork" in multiprocessing.get_all_start_methods() else 1
        self._min_bytes = min_bytes
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessTranslator:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers; parts not yet started are dropped."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def translate(self, body: bytes, media: str, mapping: str | None, ctx: dict[str, Any]) -> Translation:
        """The translation of ``body``, in parts when it is large and its decoder can cut it.

        Decoding errors (``DecodeError``, ``UnsupportedContentType``) come from here or, for a
        body that turns out not to be cuttable, from ``lines()``; the errors of translating are
        those of ``FixtureRunner.iter_translate``, or ``TranslationFailed`` from a worker.
        """
        decoders = self._runner.decoders
        workers = min(self._processes, max(len(body) // MIN_BYTES_PER_WORKER, 2))
        split = None
        if workers > 1 and len(body) >= self._min_bytes:
            split = decoders.split(body, media, max(workers * PARTS_PER_WORKER, -(-len(body) // MAX_PART_BYTES)))
        if split is None:
            return _InProcess(self._runner, decoders.decode(body, media), mapping, ctx)
        if self._pool is None:  # sized for the first large input; forked at its first part
            self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_install, initargs=(self._runner,))
        return _InParts(self._runner, self._pool, body, media, split, mapping, ctx, workers + 1)
