"""Wrap transaction-set bodies in one interchange/group for a partner, and check the result."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.x12 import GroupSpec, X12Error, X12Writer, decode_x12
from adapters.x12_out.settings import NextControlNumber, OutboundError, PartnerSettings


def interchange(settings: PartnerSettings, functional_id: str, set_id: str, bodies: Sequence[list[list[str]]],
                next_control_number: NextControlNumber, when: datetime) -> bytes:
    """One ISA/GS with one ST/SE per body, control numbers from the caller, checked by the reader.

    Checking our own output against the reader's guide costs a decode, which outbound volumes
    afford; sending a partner something our own 997 would reject is worse.
    """
    if not bodies:
        raise OutboundError(f"no {set_id} transaction set to send")
    isa = next_control_number(settings.partner, "interchange")
    group = GroupSpec(functional_id, settings.group_version, next_control_number(settings.partner, "group"))
    for body in bodies:
        group.sets.append((set_id, next_control_number(settings.partner, "set"), body))
    writer = X12Writer(settings.delimiters, line_break=settings.line_break)
    try:
        text = writer.interchange(settings.sender, settings.receiver, isa, settings.version, [group],
                                  ack_requested=settings.ack_requested, usage=settings.usage, when=when)
    except X12Error as exc:  # WriteError: a value holds a delimiter or an ISA field is too long
        raise OutboundError(str(exc)) from exc
    data = text.encode("utf-8")
    findings = decode_x12(data).errors
    if findings:
        listed = "; ".join(f.message for f in findings[:10])
        raise OutboundError(f"generated {set_id} does not pass the {settings.group_version} guide: {listed}")
    return data
