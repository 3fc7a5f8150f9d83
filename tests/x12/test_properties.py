"""Property-based: random delimiters, whitespace, wrapping and mutations never crash the reader."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.x12 import X12Error, build_acknowledgements, decode_x12

from .helpers import CORPUS, Sequence

SEPARATORS = list("*|^~!@#$%&+:;'`\u2026\x1c\x1d\x1e\x1f")
SAMPLES = sorted(CORPUS.glob("*/*.edi"))
SEGMENTS = [
    ["ST", "214", "0001"],
    ["B10", "REF1", "SHIP1", "SCAC"],
    ["L11", "PO1", "PO"],
    ["N1", "SH", "ACME CORP", "93", "A1"],
    ["LX", "1"],
    ["AT7", "X3", "NS", "", "", "20260101", "1200", "LT"],
    ["MS1", "DAYTON", "OH"],
    ["SE", "8", "0001"],
]


def interchange(elem: str, comp: str, term: str, sep_ws: str) -> str:
    isa = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", "SENDER".ljust(15), "ZZ", "RECEIVER".ljust(15), "260101", "1200",
           "U", "00401", "000000001", "0", "P", comp]
    segs = [isa, ["GS", "QM", "S", "R", "20260101", "1200", "1", "X", "004010"], *SEGMENTS, ["GE", "1", "1"], ["IEA", "1", "000000001"]]
    return "".join(elem.join(s) + term + sep_ws for s in segs)


@st.composite
def delimiter_sets(draw):
    elem, comp, term = draw(st.lists(st.sampled_from([*SEPARATORS, "\n"]), min_size=3, max_size=3, unique=True))
    if elem == "\n" or comp == "\n":
        elem, comp, term = "*", ">", "\n"
    return elem, comp, term


@settings(max_examples=150, deadline=None)
@given(delimiter_sets(), st.sampled_from(["", "\n", "\r\n", "\n    ", "\t"]))
def test_any_unambiguous_delimiters_and_whitespace_decode_to_the_same_tree(delims, ws) -> None:
    elem, comp, term = delims
    if term == "\n" and ws.strip(" \t") == "" and ws:
        ws = ""
    result = decode_x12(interchange(elem, comp, term, ws).encode())
    assert result.ok, [str(e) for e in result.errors]
    body = result.documents[0].tree["set"]
    assert body["B10"] == [{"B1001": "REF1", "B1002": "SHIP1", "B1003": "SCAC"}]
    assert body["LX_loop"][0]["AT7_loop"][0]["MS1"] == [{"MS101": "DAYTON", "MS102": "OH"}]


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=20, max_value=90))
def test_line_wrapped_input_decodes_like_unwrapped(width: int) -> None:
    text = interchange("*", ">", "~", "")
    wrapped = "\n".join(text[i : i + width] for i in range(0, len(text), width))
    result = decode_x12(wrapped.encode())
    assert result.documents and result.documents[0].tree["set"]["B10"][0]["B1003"] == "SCAC"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SAMPLES),
    st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["delete", "insert", "replace", "truncate", "duplicate"]),
                       st.binary(min_size=1, max_size=4)), min_size=1, max_size=6),
)
def test_mutated_real_files_never_crash_the_reader_or_the_ack_builder(path, mutations) -> None:
    data = bytearray(path.read_bytes())
    for where, op, blob in mutations:
        i = int(where * len(data))
        if op == "delete":
            del data[i : i + len(blob)]
        elif op == "insert":
            data[i:i] = blob
        elif op == "replace":
            data[i : i + len(blob)] = blob
        elif op == "truncate":
            del data[i:]
        else:
            data[i:i] = data[max(0, i - 50) : i]
    result = decode_x12(bytes(data))
    assert all(isinstance(e, X12Error) and e.message for e in result.errors)
    for doc in result.documents:
        assert doc.tree["set"]["id"] == doc.set_id
    for ack in build_acknowledgements(result, Sequence()):
        assert decode_x12(ack.encode()).interchanges


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_reader(data: bytes) -> None:
    result = decode_x12(b"ISA" + data)
    assert all(isinstance(e, X12Error) for e in result.errors)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SAMPLES), st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=12))
def test_random_chunking_never_changes_what_is_decoded(path, cuts) -> None:
    from adapters.x12 import X12Decoder

    data = path.read_bytes() + b"\n" + (CORPUS / "997" / "staedi-997-multi-interchange.edi").read_bytes()
    chunks, start = [], 0
    for size in cuts:
        chunks.append(data[start : start + size])
        start += size
    chunks.append(data[start:])
    streamed = X12Decoder(iter(chunks))
    trees = [d.tree for d in streamed.documents()]
    whole = decode_x12(data)
    assert trees == [d.tree for d in whole.documents]
    assert [str(e) for e in streamed.errors] == [str(e) for e in whole.errors]
