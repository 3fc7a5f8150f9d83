"""Streaming: documents come out while input is still being read; memory follows sets, not files."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

from adapters.x12 import X12Decoder
from adapters.x12.tokenizer import Tokenizer

ISA = "ISA*00*          *00*          *02*CARR           *ZZ*GATEWAY        *260101*1200*U*00401*{n:09d}*0*P*>~\n"
SET = "ST*214*{c:04d}~\nB10*R{c}*S{c}*CARR~\nLX*1~\nAT7*X3*NS***20260101*1200*LT~\nMS1*DAYTON*OH~\nSE*6*{c:04d}~\n"


def interchanges(count: int, sets_per_group: int = 100) -> Iterator[bytes]:
    for n in range(1, count + 1):
        body = "".join(SET.format(c=c) for c in range(1, sets_per_group + 1))
        text = ISA.format(n=n) + f"GS*QM*CARR*GATEWAY*20260101*1200*{n}*X*004010~\n" + body
        text += f"GE*{sets_per_group}*{n}~\nIEA*1*{n:09d}~\n"
        yield text.encode()


def test_documents_are_yielded_before_the_input_is_fully_read() -> None:
    consumed = 0

    def chunks() -> Iterator[bytes]:
        nonlocal consumed
        for chunk in interchanges(50):
            consumed += 1
            yield chunk

    decoder = X12Decoder(chunks())
    first = next(iter(decoder.documents()))
    assert first.set_id == "214" and consumed <= 2


def test_streamed_documents_match_whole_body_decoding() -> None:
    from adapters.x12 import decode_x12

    body = b"".join(interchanges(3, 20))
    streamed = [d.tree for d in X12Decoder(iter([body[i : i + 7] for i in range(0, len(body), 7)])).documents()]
    assert streamed == [d.tree for d in decode_x12(body).documents]


def test_tokenizer_memory_does_not_grow_with_input_size() -> None:
    def peak(count: int) -> int:
        tracemalloc.start()
        for _batch in Tokenizer(interchanges(count)).batches():
            pass
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size

    small, large = peak(5), peak(100)
    assert large < small * 1.5
