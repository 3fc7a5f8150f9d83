"""Partner envelope settings for outbound X12 and the control-number callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from adapters.x12 import Delimiters, Party

NextControlNumber = Callable[[str, str], int]
"""``next_control_number(partner, kind) -> int``; kind is "interchange", "group" or "set".

The caller owns the counters (a database sequence per partner in production) so that numbers
survive restarts and never repeat within a partner's window.
"""


class OutboundError(ValueError):
    """Events that cannot be expressed in the partner's X12, or output the reader's guide refuses."""


@dataclass(frozen=True, slots=True)
class PartnerSettings:
    """What a trading partner agreement fixes for the envelopes we send them.

    ``version`` is ISA12, ``group_version`` GS08. ``scac`` is our SCAC when we are the carrier, used
    where a segment needs one and the events do not name a carrier.
    """

    partner: str
    sender: Party
    receiver: Party
    delimiters: Delimiters = field(default_factory=lambda: Delimiters("*", ">", "~", None))
    version: str = "00401"
    group_version: str = "004010"
    usage: str = "P"
    ack_requested: str = "0"
    line_break: str = "\n"
    scac: str | None = None
