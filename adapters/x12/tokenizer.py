"""Streaming X12 tokenizer: bytes in chunks -> batches of segment texts, split into elements on use.

Speed comes from doing the per-byte work in C: each chunk is decoded once, split on the segment
terminator with ``str.split`` and every piece split on the element separator (by the consumer, see
``SegmentBatch``), so Python code runs per chunk and per segment, never per character. Memory is
bounded by one chunk plus the unfinished segment carried into the next chunk.

Delimiters are derived per interchange from its ISA by counting element separators (ISA has 16
elements), so unpadded ISAs and files that change delimiters between interchanges are read correctly.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate

from adapters.x12.errors import DelimiterError, InterchangeError, X12Error, X12Warning

CHUNK_SIZE = 1 << 16
# An unpadded ISA is shorter than 106 characters and an over-long ID (seen in real files) longer;
# beyond this window the "ISA" is not an interchange header.
_ISA_WINDOW = 260
# A segment longer than this means the terminator was misread; stop before buffering the whole file.
MAX_SEGMENT_CHARS = 1 << 20
_NEWLINES = "\r\n"
_BASE_STRIP = " \t\r\n\x00\x1a\ufeff"


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The separators of one interchange, as declared by its ISA."""

    element: str
    component: str
    segment: str
    repetition: str | None = None


@dataclass(slots=True)
class IsaHeader:
    """What the tokenizer learned from an ISA before splitting the interchange."""

    delimiters: Delimiters
    fields: list[str]
    raw_length: int
    warnings: list[str]


class SegmentBatch:
    """Consecutive segments of one interchange, as found in one chunk.

    ``texts[k]`` is a segment's text without its terminator and surrounding blanks, to be split
    into its element list (``[0]`` is its id) with ``delimiters.element`` when it is consumed;
    ``raw[k]`` is its text as received (leading whitespace and line breaks included), used for
    byte offsets and audit copies.

    The split is left to the consumer: element lists made for a whole 64 KB chunk at once lived
    until their set was done, so every young-generation collection found thousands alive and
    moved them on to the oldest generation, which then ran a full collection every few MB.
    """

    __slots__ = ("_ascii", "_encoding", "_ends", "base_offset", "delimiters", "first_index", "raw", "special", "texts")

    def __init__(
        self,
        texts: list[str],
        raw: list[str],
        first_index: int,
        base_offset: int,
        delimiters: Delimiters,
        is_ascii: bool,
        encoding: str,
    ) -> None:
        self.texts = texts
        self.raw = raw
        self.first_index = first_index
        self.base_offset = base_offset
        self.delimiters = delimiters
        self._ascii = is_ascii
        self._encoding = encoding
        self._ends: list[int] | None = None
        # Whether any segment here may hold a composite or repeated element (one C-level scan per chunk).
        self.special = False

    @property
    def segments(self) -> list[list[str]]:
        """Every segment's element list (``[0]`` is its id), split now."""
        sep = self.delimiters.element
        return [text.split(sep) for text in self.texts]

    def offset(self, k: int) -> int:
        """Byte offset in the input of the first non-blank character of segment ``k``."""
        if self._ends is None:
            if self._ascii:
                lens = map(len, self.raw)
            else:
                lens = (_byte_len(r, False, self._encoding) for r in self.raw)
            self._ends = list(accumulate(lens, initial=0))
        raw = self.raw[k]
        lead = len(raw) - len(raw.lstrip(_BASE_STRIP))
        if self._ascii:
            # Characters are bytes: no encoding needed (this runs once per transaction set).
            return self.base_offset + self._ends[k] + k * len(self.delimiters.segment) + lead
        tlen = _byte_len(self.delimiters.segment, False, self._encoding)
        return self.base_offset + self._ends[k] + k * tlen + _byte_len(raw[:lead], False, self._encoding)


def _byte_len(text: str, is_ascii: bool, encoding: str) -> int:
    if is_ascii:
        return len(text)
    try:
        return len(text.encode(encoding, "surrogatepass"))
    except UnicodeEncodeError:
        # Text decoded as UTF-8 just before the switch to Latin-1 is still in the buffer.
        return len(text.encode("utf-8", "surrogatepass"))


def parse_isa_header(text: str, eof: bool) -> IsaHeader | None:
    """Derive delimiters from the ISA at the start of ``text``.

    Returns None when more input is needed, raises :class:`DelimiterError` when the ISA cannot be
    read without guessing.
    """
    if len(text) < 4:
        if eof:
            raise DelimiterError("input ends inside the ISA segment", code="023", segment_id="ISA")
        return None
    sep = text[3]
    if sep.isalnum() or sep in " \t\r\n":
        raise DelimiterError(
            f"character after 'ISA' is {sep!r}, which cannot be an element separator",
            code="026",
            segment_id="ISA",
        )
    limit = min(len(text), _ISA_WINDOW)
    pos = 3
    for found in range(1, 16):
        pos = text.find(sep, pos + 1, limit)
        if pos < 0:
            if not eof and len(text) < _ISA_WINDOW:
                return None
            raise DelimiterError(
                f"ISA has only {found} element separators {sep!r} within {_ISA_WINDOW} characters; "
                "an ISA needs 16 elements",
                code="022",
                segment_id="ISA",
            )
    if "\n" in text[3:pos]:
        # A line break inside the ISA means the input is line-wrapped: read the header without them.
        header = parse_isa_header(text[:_ISA_WINDOW].replace("\r", "").replace("\n", ""), eof)
        if header is not None:
            header.warnings.append("ISA is line-wrapped; line breaks ignored when reading delimiters")
        return header
    # pos is now the 16th separator; ISA16 and the terminator follow it.
    if len(text) < pos + 3:
        if not eof:
            return None
        raise DelimiterError("input ends inside the ISA segment (no ISA16/terminator)", code="023", segment_id="ISA")
    fields = text[4:pos].split(sep)
    warnings: list[str] = []
    isa15 = fields[14].strip(_BASE_STRIP)
    if len(isa15) != 1:
        raise DelimiterError(
            f"ISA15 reads {fields[14][:20]!r}: the ISA has fewer than 16 elements or a separator is missing",
            code="020",
            segment_id="ISA",
            element=15,
        )
    component = text[pos + 1]
    if component in " \t\r\n" or component == sep:
        raise DelimiterError(
            f"ISA16 (component separator) is {component!r}; it must be one visible character",
            code="027",
            segment_id="ISA",
            element=16,
        )
    term = text[pos + 2]
    if term in " \t":
        rest = text[pos + 2 : pos + 2 + 16]
        after = rest.lstrip(" \t")
        if after[:1] in ("\r", "\n"):
            warnings.append("spaces between ISA16 and the line break were ignored")
            term = after[0]
        else:
            raise DelimiterError(
                "character after ISA16 is a space not followed by a line break; the segment "
                "terminator is ambiguous",
                code="004",
                segment_id="ISA",
            )
    if term == "\r":
        # CR LF: split on LF and let stripping drop the CR; a bare CR file splits on CR.
        term = "\n" if text[pos + 3 : pos + 4] == "\n" or "\n" in text[pos + 3 : pos + 200] else "\r"
    elif term.isalnum() or term in (sep, component):
        raise DelimiterError(
            f"character after ISA16 is {term!r}, which cannot be a segment terminator",
            code="004",
            segment_id="ISA",
        )
    isa11 = fields[10].strip(_BASE_STRIP)
    icvn = fields[11].strip(_BASE_STRIP)
    repetition = None
    if len(isa11) == 1 and not isa11.isalnum() and isa11 not in (sep, component, term):
        if icvn >= "00402":
            repetition = isa11
        else:
            warnings.append(
                f"ISA11 is {isa11!r} but ISA12 {icvn} predates repetition separators; repeats not split"
            )
    elif icvn >= "00402" and icvn[:1] == "0":
        warnings.append(f"ISA11 is {isa11!r}, not a repetition separator, although ISA12 is {icvn}; repeats not split")
    raw_length = pos + 3
    if raw_length != 106:
        warnings.append(f"ISA is {raw_length} characters, not 106 (fields not padded to fixed width)")
    return IsaHeader(Delimiters(sep, component, term, repetition), fields, raw_length, warnings)


class Tokenizer:
    """Turn an iterable of byte chunks into :class:`SegmentBatch` objects.

    Findings that do not stop tokenizing go to ``warnings`` (tolerated) and ``errors`` (data that
    had to be skipped). Iterate :meth:`batches` once.
    """

    def __init__(self, chunks: Iterable[bytes], resume: tuple[int, int] = (0, 0)) -> None:
        """``resume``: (segments, bytes) of a larger input before these chunks, when they are a part
        of it read on their own (see ``adapters.x12.split``), so positions are the whole input's."""
        self._chunks = chunks
        self.warnings: list[X12Warning] = []
        self.errors: list[X12Error] = []
        self.interchanges_seen = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._encoding = "utf-8"
        self._segments_seen, self._first_offset = resume
        self._wrap_warned = False

    def _decode(self, chunk: bytes, final: bool = False) -> str:
        if self._encoding == "latin-1":
            return chunk.decode("latin-1")
        try:
            return self._decoder.decode(chunk, final)
        except UnicodeDecodeError:
            # Not UTF-8: latin-1 maps every byte to one character, so nothing is lost and byte
            # offsets stay exact for the rest of the input.
            pending = self._decoder.getstate()[0]
            self._encoding = "latin-1"
            self.warnings.append(X12Warning("input is not valid UTF-8; read as Latin-1 from this chunk on"))
            return (pending + chunk).decode("latin-1")

    def batches(self) -> Iterator[SegmentBatch]:
        """Yield segment batches in input order."""
        text = ""
        base = self._first_offset
        delims: Delimiters | None = None
        strip_chars = _BASE_STRIP
        chunks = iter(self._chunks)
        eof = False
        skipped_junk = 0
        junk_offset = self._first_offset
        own_isa = False
        while not eof:
            chunk = next(chunks, None)
            if chunk is None:
                eof = True
                text += self._decode(b"", final=True)
            elif chunk:
                text += self._decode(bytes(chunk))
            while True:
                if delims is None:
                    start = _find_isa(text, 0, None)
                    if start < 0:
                        keep = min(len(text), 3)
                        if text[: len(text) - keep].strip(_BASE_STRIP):
                            skipped_junk += len(text) - keep
                        base += self._blen(text[: len(text) - keep])
                        text = text[len(text) - keep :]
                        if eof:
                            if text.strip(_BASE_STRIP):
                                skipped_junk += len(text)
                            self._end_without_isa(skipped_junk, junk_offset)
                        break
                    if text[:start].strip(_BASE_STRIP):
                        skipped_junk += start
                    base += self._blen(text[:start])
                    text = text[start:]
                    try:
                        header = parse_isa_header(text, eof)
                    except DelimiterError as exc:
                        exc.byte_offset = base
                        exc.segment_in_file = self._segments_seen + 1
                        self.errors.append(exc)
                        base += self._blen(text[:3])
                        text = text[3:]
                        skipped_junk = 0
                        junk_offset = base
                        continue
                    if header is None:
                        break
                    if skipped_junk:
                        self.warnings.append(
                            X12Warning(f"{skipped_junk} characters of non-X12 text before the ISA were ignored", byte_offset=junk_offset)
                        )
                        skipped_junk = 0
                    for message in header.warnings:
                        self.warnings.append(X12Warning(message, segment_in_file=self._segments_seen + 1, byte_offset=base))
                    self.interchanges_seen += 1
                    delims = header.delimiters
                    # text[0] is this interchange's own ISA until something is consumed.
                    own_isa = True
                    strip_chars = "".join(c for c in _BASE_STRIP if c not in (delims.element, delims.component))
                next_isa = _find_isa(text, 1 if own_isa else 0, delims.segment)
                final = next_isa >= 0 or eof
                region = text if next_isa < 0 else text[:next_isa]
                pieces = region.split(delims.segment)
                rest = "" if final else pieces.pop()
                if len(rest) > MAX_SEGMENT_CHARS:
                    self.errors.append(
                        InterchangeError(
                            f"no segment terminator {delims.segment!r} within {MAX_SEGMENT_CHARS} characters; "
                            "the rest of this interchange was skipped",
                            code="004",
                            byte_offset=base,
                        )
                    )
                    pieces.append(rest)
                    rest = ""
                    final = True
                if pieces:
                    batch = self._make_batch(pieces, base, delims, strip_chars, region, final)
                    if batch is not None:
                        yield batch
                consumed = len(text) - len(rest) if next_isa < 0 else next_isa
                base += self._blen(text[:consumed])
                text = text[consumed:]
                own_isa = own_isa and consumed == 0
                if final:
                    delims = None
                    if eof and not text:
                        break
                    continue
                break

    def _blen(self, text: str) -> int:
        return _byte_len(text, text.isascii(), self._encoding)

    def _end_without_isa(self, skipped: int, offset: int) -> None:
        if not self.interchanges_seen and not self.errors:
            self.errors.append(InterchangeError("no ISA segment found: input is not an X12 interchange", code="022", byte_offset=0))
        elif skipped:
            self.warnings.append(X12Warning(f"{skipped} characters of non-X12 text after the last interchange were ignored", byte_offset=offset))

    def _make_batch(
        self, pieces: list[str], base: int, delims: Delimiters, strip_chars: str, region: str, final: bool
    ) -> SegmentBatch | None:
        stripped = [p.strip(strip_chars) for p in pieces]
        if delims.segment not in _NEWLINES and "\n" in "".join(stripped):
            # Line-wrapped input (fixed-width records): a line break inside a segment is transport noise.
            for k, text in enumerate(stripped):
                if "\n" in text:
                    stripped[k] = text.replace("\r", "").replace("\n", "")
            if not self._wrap_warned:
                self._wrap_warned = True
                self.warnings.append(X12Warning("line breaks inside segments were removed (line-wrapped input)", byte_offset=base))
        raw = pieces
        if "" in stripped:
            stripped, raw = self._drop_empty(stripped, pieces, delims, base, final)
            if not stripped:
                return None
        if final and raw[-1] is pieces[-1] and pieces[-1].strip(strip_chars):
            self.warnings.append(
                X12Warning(
                    "last segment has no terminator; read up to the end of the input/interchange",
                    segment_in_file=self._segments_seen + len(stripped),
                )
            )
        batch = SegmentBatch(stripped, raw, self._segments_seen + 1, base, delims, region.isascii(), self._encoding)
        batch.special = delims.component in region or (delims.repetition is not None and delims.repetition in region)
        self._segments_seen += len(stripped)
        return batch

    def _drop_empty(
        self, stripped: list[str], pieces: list[str], delims: Delimiters, base: int, final: bool
    ) -> tuple[list[str], list[str]]:
        """Remove blank pieces, folding their text into the next raw piece so offsets stay exact."""
        kept: list[str] = []
        raw: list[str] = []
        carry = ""
        last = len(stripped) - 1
        for k, (s, p) in enumerate(zip(stripped, pieces, strict=True)):
            if s:
                kept.append(s)
                raw.append(carry + p)
                carry = ""
                continue
            if not (final and k == last) and delims.segment not in _NEWLINES:
                self.warnings.append(
                    X12Warning(
                        f"empty segment (two {delims.segment!r} terminators in a row) ignored",
                        segment_in_file=self._segments_seen + len(kept) + 1,
                    )
                )
            carry += p + delims.segment
        return kept, raw


def _find_isa(text: str, start: int, term: str | None) -> int:
    """Index of the next ISA that begins a segment, or -1."""
    i = text.find("ISA", start)
    while i >= 0:
        if i + 3 < len(text) and not text[i + 3].isalnum() and text[i + 3] not in " \t\r\n" and _at_segment_start(text, i, term):
            return i
        i = text.find("ISA", i + 1)
    return -1


def _at_segment_start(text: str, i: int, term: str | None) -> bool:
    if term is None:
        return True
    j = i - 1
    while j >= 0 and text[j] in " \t\r\n\ufeff":
        j -= 1
    if j < 0 or text[j] == term:
        return True
    return term in _NEWLINES and term in text[j + 1 : i]


def iter_chunks(path: str, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Read a file in fixed-size chunks (the tokenizer's usual input)."""
    with open(path, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk
