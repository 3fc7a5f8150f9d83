"""Decode X12 into one document tree per transaction set, validated against our guides.

``decode_x12(body)`` is the whole-body entry point; :class:`X12Decoder` streams from chunks and yields
documents one at a time (memory bounded by the largest set) for large files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.x12.envelope import EnvelopeReader, GroupRecord, InterchangeRecord, RawSet
from adapters.x12.errors import Locator, X12Error, X12Warning
from adapters.x12.guide import GuideRegistry, default_registry
from adapters.x12.tokenizer import CHUNK_SIZE, Delimiters, Tokenizer
from adapters.x12.tree import flat_body, guided_body
from adapters.x12.validate import ElementChecker, PartnerGuides


@dataclass(slots=True)
class SetPosition:
    """Where a set was found, for error messages and audit."""

    interchange: str | None
    group: str | None
    set: str
    segment_index: int
    byte_offset: int


@dataclass(slots=True)
class X12Document:
    """One transaction set: its tree (the mapping contract), identity, position, raw segments, findings."""

    tree: dict[str, Any]
    locator: str
    set_id: str
    version: str
    sender: str
    receiver: str
    position: SetPosition
    raw_segments: list[list[str]]
    delimiters: Delimiters
    errors: list[X12Error]
    guided: bool
    # Characters of the set as received, each segment counted with its terminator.
    size: int

    @property
    def accepted(self) -> bool:
        """True when the set has no findings (it would be acknowledged with AK5*A)."""
        return not self.errors


@dataclass(slots=True)
class X12DecodeResult:
    """Everything decoded from one input."""

    documents: list[X12Document]
    interchanges: list[InterchangeRecord]
    warnings: list[X12Warning] = field(default_factory=list)
    errors: list[X12Error] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class X12Decoder:
    """Streaming decoder. Iterate :meth:`documents`; afterwards ``interchanges``, ``warnings`` and
    ``errors`` describe the whole input."""

    def __init__(
        self,
        chunks: Iterable[bytes],
        *,
        guides: GuideRegistry | PartnerGuides | None = None,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
        validate: bool = True,
        resume: tuple[int, int] = (0, 0),
    ) -> None:
        """``guides`` may be one partner's ``PartnerGuides``, built once for all its messages;
        ``overrides`` are then already in it and must not be given again. ``resume``: see ``Tokenizer``."""
        self._tokenizer = Tokenizer(chunks, resume)
        if isinstance(guides, PartnerGuides):
            if overrides:
                raise ValueError("pass overrides inside the PartnerGuides, not beside them")
            self._guides = guides
        else:
            self._guides = PartnerGuides(guides if guides is not None else default_registry(), overrides)
        self._reader = EnvelopeReader(self._tokenizer.batches(), self._guides.envelope)
        self._validate = validate
        # The group of the previous set and (interchange control, group control, GS08, GS01) read
        # from its records once: a group holds tens to hundreds of sets.
        self._group: GroupRecord | None = None
        self._group_ids: tuple[str | None, str | None, str, str] = (None, None, "", "")
        self.warnings: list[X12Warning] = []
        self.errors: list[X12Error] = []

    @property
    def interchanges(self) -> list[InterchangeRecord]:
        return self._reader.interchanges

    def documents(self) -> Iterator[X12Document]:
        """Yield each transaction set's document as soon as the set is complete."""
        set_errors: list[X12Error] = []
        for raw in self._reader.sets():
            doc = self._document(raw)
            set_errors.extend(doc.errors)
            yield doc
        self.warnings = self._tokenizer.warnings + self._reader.warnings + self.warnings
        errors: list[X12Error] = list(self._tokenizer.errors) + list(self._reader.errors)
        for ich in self._reader.interchanges:
            errors.extend(ich.errors)
            for grp in ich.groups:
                errors.extend(grp.errors)
        self.errors = errors + set_errors

    def _document(self, raw: RawSet) -> X12Document:
        ich, grp, rec = raw.interchange, raw.group, raw.record
        if grp is not self._group:
            self._group = grp
            self._group_ids = (ich.control_number or None, grp.control_number or None, grp.version, grp.functional_id)
        interchange, group, version, functional_id = self._group_ids
        loc = Locator(interchange, group, rec.control_number, rec.set_id, raw.segment_in_file)
        segs = raw.segments
        body_segs = segs[1:-1] if raw.has_trailer else segs[1:]
        guide = self._guides.find(rec.set_id, version)
        errors = rec.errors
        if guide is None:
            body = flat_body(body_segs, raw.delimiters)
            self.warnings.append(
                X12Warning(f"{loc.text()}: no guide for set {rec.set_id} version {version!r}; body kept flat (segments only, no loops)",
                           segment_in_file=raw.segment_in_file)
            )
        else:
            # The bound method, not the checker: calling an instance goes through a __call__ lookup
            # that a bound method skips, and this runs once per segment.
            check = ElementChecker(raw.delimiters, loc, errors, raw.texts, raw.special).__call__ if self._validate else None
            if check is not None:
                check(segs[0], guide.st, 1)
                if raw.has_trailer:
                    check(segs[-1], guide.se, len(segs))
            body = guided_body(body_segs, guide, raw.delimiters, loc, errors, check)
            if functional_id and functional_id != guide.functional_id:
                self.warnings.append(
                    X12Warning(f"{loc.text()}: GS01 {functional_id!r} is not the functional id {guide.functional_id!r} of a {rec.set_id}",
                               segment_in_file=grp.segment_in_file)
                )
        tree = {
            "interchange": dict(ich.header),
            "group": dict(grp.header),
            "set": {"id": rec.set_id, "control_number": rec.control_number, "version": version, **body},
        }
        position = SetPosition(loc.interchange, loc.group, rec.control_number, raw.segment_in_file, raw.byte_offset)
        return X12Document(
            tree, loc.text(), rec.set_id, version, ich.header.get("sender_id", ""), ich.header.get("receiver_id", ""),
            position, segs, raw.delimiters, errors, guide is not None, len("".join(raw.texts)) + len(raw.texts),
        )


def decode_x12(
    body: bytes,
    *,
    guides: GuideRegistry | PartnerGuides | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    validate: bool = True,
) -> X12DecodeResult:
    """Decode a whole X12 body. Never raises on bad input: findings are in ``errors``/``warnings``."""
    chunks = (body[i : i + CHUNK_SIZE] for i in range(0, len(body), CHUNK_SIZE))
    decoder = X12Decoder(chunks, guides=guides, overrides=overrides, validate=validate)
    documents = list(decoder.documents())
    return X12DecodeResult(documents, decoder.interchanges, decoder.warnings, decoder.errors)
