"""Build canonical TimeValues from the many ways partners write a moment.

A TimeValue keeps what the source actually said: an instant only when the offset is known, a
local date/time when it is not (X12 ``LT``), a date alone when that is all there is (never turned
into midnight UTC), plus the source text.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?P<zone>Z|z|[+-]\d{2}:?\d{2})?)?$")
_OFFSET = re.compile(r"^(?:UTC|GMT)?(?P<sign>[+-])(?P<h>\d{1,2}):?(?P<m>\d{2})?$")

FORMATS = ("iso", "date", "epoch", "epoch_ms", "x12")


class TimeValueError(ValueError):
    """A date/time text cannot be read in the declared format."""


def _fmt_offset(delta: timedelta | None) -> str:
    if delta is None:
        return "+00:00"
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _rfc3339(moment: datetime) -> str:
    text = moment.isoformat(timespec="seconds" if moment.microsecond == 0 else "milliseconds")
    return text[:-6] + "Z" if text.endswith("+00:00") and moment.utcoffset() == timedelta(0) and moment.tzinfo is UTC else text


def _instant(moment: datetime, source: str, tz: str | None, precision: str = "instant") -> dict[str, Any]:
    offset = moment.utcoffset()
    if moment.microsecond or offset is None or offset.microseconds or offset.seconds % 60:
        utc = moment.astimezone(UTC)
        instant, instant_utc = _rfc3339(moment), _rfc3339(utc)
    else:
        # Whole seconds and a whole-minute offset (every X12 time): the same texts from one zone
        # lookup instead of four, which is most of the cost of a zoned time value.
        local = moment.replace(tzinfo=None)
        zone_text = _fmt_offset(offset)
        utc_text = "Z" if moment.tzinfo is UTC and zone_text == "+00:00" else zone_text
        instant, instant_utc = local.isoformat() + utc_text, (local - offset).isoformat() + "Z"
    out: dict[str, Any] = {"instant": instant, "instantUtc": instant_utc, "utcOffset": _fmt_offset(offset),
                           "precision": precision, "sourceText": source}
    if tz:
        out["tz"] = tz
    return out


def utc_now_text() -> str:
    """Now, as RFC 3339 UTC text to the second (the receipt time of offline translations)."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@lru_cache(maxsize=1024)
def resolve_zone(zone: str | None) -> tuple[timezone | ZoneInfo | None, str | None]:
    """An IANA name or a fixed offset ("+05:30", "UTC-5") → tzinfo and the IANA name if any.

    Cached: a partner uses a handful of zones, and every time value of every event needs one.
    """
    if not zone:
        return None, None
    if zone in ("UTC", "Z", "GMT", "Etc/UTC"):
        return UTC, "UTC" if zone != "Etc/UTC" else zone
    match = _OFFSET.match(zone)
    if match:
        hours, minutes = int(match["h"]), int(match["m"] or 0)
        delta = timedelta(hours=hours, minutes=minutes) * (1 if match["sign"] == "+" else -1)
        return timezone(delta), None
    try:
        return ZoneInfo(zone), zone
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeValueError(f"unknown time zone {zone!r}") from None


def _local(day: date, clock: time | None, zone: str | None, source: str) -> dict[str, Any]:
    tzinfo, iana = resolve_zone(zone)
    if clock is None:
        out: dict[str, Any] = {"localDate": day.isoformat(), "precision": "date", "sourceText": source}
        if iana:
            out["tz"] = iana
        return out
    if tzinfo is None:
        return {"localDate": day.isoformat(), "localTime": clock.isoformat(timespec="seconds"),
                "precision": "minute" if clock.second == 0 else "instant", "sourceText": source}
    moment = datetime.combine(day, clock, tzinfo=tzinfo)
    out = _instant(moment, source, iana)
    out["localDate"], out["localTime"] = day.isoformat(), clock.isoformat(timespec="seconds")
    return out


def parse_iso(text: str, zone: str | None = None, date_only: bool = False) -> dict[str, Any]:
    """ISO 8601 / RFC 3339 text; an offset in the text wins, else ``zone`` localises it."""
    return dict(_parse_iso_cached(text, zone, date_only))


@lru_cache(maxsize=8192)
def _parse_iso_cached(text: str, zone: str | None, date_only: bool) -> dict[str, Any]:
    # Carrier histories repeat the same timestamps across events and webhooks; callers get a copy.
    source = text
    match = _ISO.match(text.strip())
    if not match:
        raise TimeValueError(f"{text!r:.60} is not an ISO 8601 date or date-time")
    try:
        day = date.fromisoformat(match["date"])
        clock = time.fromisoformat(match["time"]) if match["time"] and not date_only else None
    except ValueError as exc:
        raise TimeValueError(f"{text!r:.60}: {exc}") from None
    if clock is None:
        return _local(day, None, zone, source)
    offset = match["zone"]
    if offset:
        tzinfo = UTC if offset in ("Z", "z") else resolve_zone(offset)[0]
        moment = datetime.combine(day, clock, tzinfo=tzinfo)
        if zone:  # the zone says where it happened: keep the instant, add the local date and time there
            tzinfo, iana = resolve_zone(zone)
            out = _instant(moment, source, iana)
            local = moment.astimezone(tzinfo)
            out["localDate"], out["localTime"] = local.date().isoformat(), local.time().isoformat(timespec="seconds")
            return out
        return _instant(moment, source, None)
    return _local(day, clock, zone, source)


def parse_epoch(value: Any, millis: bool = False) -> dict[str, Any]:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TimeValueError(f"{value!r:.60} is not an epoch number") from None
    moment = datetime.fromtimestamp(number / 1000 if millis else number, tz=UTC)
    return _instant(moment, str(value), None)


def parse_x12(day_text: Any, time_text: Any, zone: str | None) -> dict[str, Any]:
    """X12 DTM/AT7/G62 style: CCYYMMDD or YYMMDD, HHMM[SS[d..]], zone from the time code."""
    if ((day_text is None or day_text.__class__ is str) and (time_text is None or time_text.__class__ is str)
            and (zone is None or zone.__class__ is str)):
        return dict(_parse_x12_cached(day_text, time_text, zone))
    return _parse_x12(day_text, time_text, zone)


@lru_cache(maxsize=2048)
def _parse_x12_cached(day_text: str, time_text: str | None, zone: str | None) -> dict[str, Any]:
    # The statuses of a 214 and the stops of a 204 repeat dates, times and zones; callers get a copy.
    return _parse_x12(day_text, time_text, zone)


def _parse_x12(day_text: Any, time_text: Any, zone: str | None) -> dict[str, Any]:
    day_s = str(day_text).strip()
    source = day_s if time_text in (None, "") else f"{day_s} {str(time_text).strip()}"
    try:
        if len(day_s) == 8:
            day = date(int(day_s[:4]), int(day_s[4:6]), int(day_s[6:8]))
        elif len(day_s) == 6:  # X12 DT of 6 is YYMMDD; the century is the nearest one
            year = int(day_s[:2])
            day = date(2000 + year if year < 70 else 1900 + year, int(day_s[2:4]), int(day_s[4:6]))
        else:
            raise TimeValueError(f"X12 date {day_s!r} must be CCYYMMDD or YYMMDD")
        clock = None
        if time_text not in (None, ""):
            t = str(time_text).strip()
            if not t.isdigit() or len(t) not in (4, 6, 7, 8):
                raise TimeValueError(f"X12 time {t!r} must be HHMM, HHMMSS or HHMMSSd..")
            clock = time(int(t[:2]), int(t[2:4]), int(t[4:6]) if len(t) >= 6 else 0)
    except ValueError as exc:
        if isinstance(exc, TimeValueError):
            raise
        raise TimeValueError(f"{source!r}: {exc}") from None
    return _local(day, clock, zone, source)


def parse_pattern(text: str, pattern: str, zone: str | None) -> dict[str, Any]:
    """A strptime pattern; an offset directive (%z) gives an instant, else ``zone`` localises."""
    try:
        moment = datetime.strptime(text.strip(), pattern)
    except ValueError as exc:
        raise TimeValueError(f"{text!r:.60} does not fit {pattern!r}: {exc}") from None
    if moment.tzinfo is not None:
        return _instant(moment, text, resolve_zone(zone)[1] if zone else None)
    has_clock = any(d in pattern for d in ("%H", "%I", "%M"))
    return _local(moment.date(), moment.time() if has_clock else None, zone, text)
