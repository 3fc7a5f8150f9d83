"""Duplicate detection key for interchanges."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.x12.envelope import InterchangeRecord


def interchange_key(interchange: InterchangeRecord | Mapping[str, str]) -> str:
    """``sender qualifier:id|receiver qualifier:id|ISA13`` (ISA13 without zero padding).

    A partner that resends an interchange reuses its control number, so this identifies a repeat;
    zero padding is normalised because some partners pad inconsistently between resends.
    """
    h = interchange.header if isinstance(interchange, InterchangeRecord) else interchange
    control = h.get("control_number", "").strip()
    control = str(int(control)) if control.isdigit() else control
    return f"{h.get('sender_qualifier', '')}:{h.get('sender_id', '')}|{h.get('receiver_qualifier', '')}:{h.get('receiver_id', '')}|{control}"
