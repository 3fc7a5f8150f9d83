"""Duplicate key of an interchange."""

from __future__ import annotations

from adapters.x12 import interchange_key

from .helpers import decode_corpus


def test_key_is_sender_receiver_and_isa13() -> None:
    ich = decode_corpus("214/alnk-214-single-line.edi").interchanges[0]
    assert interchange_key(ich) == "02:ALNK|ZZ:TRICOLINKS|5215"


def test_key_ignores_zero_padding_of_the_control_number() -> None:
    header = {"sender_qualifier": "02", "sender_id": "ALNK", "receiver_qualifier": "ZZ", "receiver_id": "X", "control_number": "000005215"}
    assert interchange_key(header) == interchange_key({**header, "control_number": "5215"})


def test_different_interchanges_of_one_file_have_different_keys() -> None:
    keys = {interchange_key(i) for i in decode_corpus("997/staedi-997-multi-interchange.edi").interchanges}
    assert len(keys) == 3


def test_repeated_isa13_from_the_same_sender_in_one_input_is_flagged_025() -> None:
    from adapters.x12 import decode_x12

    from .helpers import corpus_bytes

    data = corpus_bytes("214/alnk-214-single-line.edi")
    result = decode_x12(data + b"\n" + data)
    assert [e.code for e in result.errors] == ["025"]
