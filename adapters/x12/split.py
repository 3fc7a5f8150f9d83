"""Cutting a large X12 body into runs of whole interchanges that read on their own.

``gateway translate`` reads the parts of a large file side by side in worker processes. A part
must read there exactly as within the whole body, with the same findings at the same segment
numbers and byte offsets, so a body is cut only where nothing depends on what came before:

- it is ASCII, so a byte offset is a character count;
- the tokenizer tolerates nothing in it: no text between interchanges, no line-wrapped segments,
  no change of encoding (each of these is reported once per body, or against its neighbours);
- no interchange control number repeats (the reader flags a repeat against the first);
- every part holds at least one transaction set (a body without any is refused as a whole).

A messy body is read in one piece, as before; large bodies are nearly always machine-made and clean.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import pairwise

from adapters.x12.tokenizer import CHUNK_SIZE, Tokenizer
from gateway.documents import BodyPart


def interchange_runs(body: bytes, parts: int) -> list[BodyPart] | None:
    """``body`` cut at interchange starts into at most ``parts`` runs of similar size, or None."""
    if parts < 2 or not body.isascii():
        return None
    tokenizer = Tokenizer(body[i:i + CHUNK_SIZE] for i in range(0, len(body), CHUNK_SIZE))
    # Per interchange: its byte offset, the segments and the sets before it.
    starts: list[tuple[int, int, int]] = []
    controls: set[str] = set()
    sets = 0
    for batch in tokenizer.batches():
        sep = batch.delimiters.element
        st, isa = "ST" + sep, "ISA" + sep
        for k, text in enumerate(batch.texts):
            if text.startswith("ST"):
                sets += text.startswith(st)
            elif text.startswith(isa):
                elements = text.split(sep)
                control = elements[13].strip() if len(elements) > 13 else ""
                if control in controls:
                    return None
                controls.add(control)
                starts.append((batch.offset(k), batch.first_index + k - 1, sets))
    if tokenizer.warnings or tokenizer.errors or len(starts) < 2:
        return None
    offsets = [s[0] for s in starts]
    chosen = sorted({bisect_left(offsets, len(body) * i // parts) for i in range(1, parts)} - {0, len(starts)})
    cuts = [0, *chosen, len(starts)]
    runs = []
    for a, b in pairwise(cuts):
        end = starts[b][0] if b < len(starts) else len(body)
        last_sets = starts[b][2] if b < len(starts) else sets
        if last_sets == starts[a][2]:
            return None  # a run without a transaction set
        start, segments_before, sets_before = starts[a] if a else (0, 0, 0)
        runs.append(BodyPart(start, end, sets_before, (segments_before, start)))
    return runs if len(runs) > 1 else None
