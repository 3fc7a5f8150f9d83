"""Canonical TimeValues rendered as X12 date, time and time code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapters.x12_out.codes import time_code


def x12_datetime(value: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """(CCYYMMDD, HHMM[SS] or None, time code or None) for a TimeValue.

    An instant keeps its local wall time and says its zone with a time code; an offset no code
    names is written in UTC (UT) so the instant survives. A local date/time is written with LT, a
    date alone with no time at all.
    """
    if value.get("instant"):
        moment = datetime.fromisoformat(value["instant"].replace("Z", "+00:00").replace("z", "+00:00"))
        offset = value.get("utcOffset") or _offset_text(moment)
        code = time_code(value.get("tz"), offset)
        if code is None:
            moment, code = moment.astimezone(UTC), "UT"
        return moment.strftime("%Y%m%d"), _clock(moment.strftime("%H%M%S")), code
    day = value["localDate"].replace("-", "")
    if not value.get("localTime"):
        return day, None, None
    return day, _clock(value["localTime"].replace(":", "")[:6]), "LT"


def _clock(hhmmss: str) -> str:
    # HHMM unless the seconds matter: many partners' guides only accept four digits.
    return hhmmss[:4] if hhmmss[4:6] in ("", "00") else hhmmss[:6]


def _offset_text(moment: datetime) -> str:
    delta = moment.utcoffset()
    if delta is None:
        return "+00:00"
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
