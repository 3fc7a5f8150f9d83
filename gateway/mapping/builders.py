"""Value sources that build canonical objects: TimeValue (``datetime``) and Measurement (``measure``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.mapping import timevalues
from gateway.mapping.errors import MappingError
from gateway.mapping.expressions import Evaluator
from gateway.mapping.functions import json_number, to_decimal
from gateway.yamlsrc import Position, position_of

if TYPE_CHECKING:
    from gateway.mapping.compiler import Compiler, Scope

DATETIME_KEYS = {"from", "format", "date", "time", "tz", "tz_code", "date_only"}
MEASURE_KEYS = {"kind", "value", "unit", "role", "sensorId", "observedAt"}
UNITS_TABLE = "units"
TIME_CODES_TABLE = "x12-time-codes"


def _part(compiler: Compiler, spec: Any, key: str, scope: Scope) -> Evaluator | None:
    if key not in spec:
        return None
    value = spec[key]
    pos = position_of(spec, key)
    if isinstance(value, dict):
        return compiler.node(value, scope.child(key), None, pos)
    return lambda bindings: value


def datetime_builder(compiler: Compiler, spec: Any, scope: Scope, pos: Position | None) -> Evaluator:
    """``datetime: {from, format: iso|date|epoch|epoch_ms|x12|<strptime>, date, time, tz, tz_code}``."""
    if not isinstance(spec, dict):
        return compiler.problem(pos, f"{scope.path}: datetime takes {{from, format, tz}} or {{format: x12, date, time, tz_code}}")
    unknown = set(spec) - DATETIME_KEYS
    if unknown:
        return compiler.problem(pos, f"{scope.path}: unknown datetime key(s) {', '.join(sorted(unknown))}; "
                                     f"allowed: {', '.join(sorted(DATETIME_KEYS))}")
    fmt = spec.get("format", "iso")
    if not isinstance(fmt, str) or (fmt not in timevalues.FORMATS and "%" not in fmt):
        return compiler.problem(position_of(spec, "format"),
                                f"{scope.path}: format is one of {', '.join(timevalues.FORMATS)} or a strptime pattern")
    if fmt == "x12":
        if "date" not in spec:
            return compiler.problem(pos, f"{scope.path}: an x12 datetime needs date (and usually time, tz_code)")
    elif "from" not in spec:
        return compiler.problem(pos, f"{scope.path}: datetime needs from")
    source = spec.get("from")
    if isinstance(source, dict):  # a value spec: clean the text (apply, first ...) before reading it
        text = compiler.node(source, scope.child("from"), None, position_of(spec, "from"))
    else:
        text = compiler.expression(source, scope, position_of(spec, "from")) if "from" in spec else None
    day, clock = _part(compiler, spec, "date", scope), _part(compiler, spec, "time", scope)
    tz = _part(compiler, spec, "tz", scope)
    tz_code = _part(compiler, spec, "tz_code", scope)
    codes = compiler.tables.get(TIME_CODES_TABLE)
    if tz_code is not None and codes is None:
        compiler.problem(position_of(spec, "tz_code"), f"{scope.path}: tz_code needs the {TIME_CODES_TABLE} table")
    mapping, path = compiler.mapping, scope.path

    def zone_of(bindings: dict[str, Any]) -> str | None:
        zone = tz(bindings) if tz is not None else None
        if zone is None and tz_code is not None and codes is not None:
            code = tz_code(bindings)
            if code not in (None, ""):
                entry = codes.get(str(code))
                if entry is None:
                    raise MappingError(f"unknown time code {code!r}", mapping=mapping, position=pos, field=path)
                if isinstance(entry, dict):
                    # "local" codes (X12 LT) leave the zone open: the value stays a local date/time.
                    zone = None if entry.get("kind") == "local" else entry.get("zone") or entry.get("offset")
                else:
                    zone = entry
        return zone

    def evaluate(bindings: dict[str, Any]) -> dict[str, Any] | None:
        try:
            zone = zone_of(bindings)
            if fmt == "x12":
                d = day(bindings) if day else None
                if d in (None, ""):
                    return None
                return timevalues.parse_x12(d, clock(bindings) if clock else None, zone)
            raw = text(bindings) if text else None
            if raw in (None, ""):
                return None
            if fmt in ("iso", "date"):
                return timevalues.parse_iso(str(raw), zone, date_only=fmt == "date")
            if fmt in ("epoch", "epoch_ms"):
                return timevalues.parse_epoch(raw, millis=fmt == "epoch_ms")
            return timevalues.parse_pattern(str(raw), fmt, zone)
        except timevalues.TimeValueError as exc:
            raise MappingError(str(exc), mapping=mapping, position=pos, field=path) from None

    return evaluate


def measure_builder(compiler: Compiler, spec: Any, scope: Scope, pos: Position | None) -> Evaluator:
    """``measure: {kind, value, unit, role}`` → a Measurement in the canonical unit, original kept."""
    if not isinstance(spec, dict) or "value" not in spec or "unit" not in spec or "kind" not in spec:
        return compiler.problem(pos, f"{scope.path}: measure needs kind, value and unit")
    unknown = set(spec) - MEASURE_KEYS
    if unknown:
        return compiler.problem(pos, f"{scope.path}: unknown measure key(s) {', '.join(sorted(unknown))}")
    units = compiler.tables.get(UNITS_TABLE)
    if units is None:
        return compiler.problem(pos, f"{scope.path}: measure needs the {UNITS_TABLE} table")
    parts = {key: _part(compiler, spec, key, scope) for key in MEASURE_KEYS if key in spec}
    unit_const = spec["unit"] if not isinstance(spec["unit"], dict) else None
    if unit_const is not None and units.get(str(unit_const)) is None:
        compiler.problem(position_of(spec, "unit"), f"{scope.path}: unknown unit {unit_const!r}")
    mapping, path = compiler.mapping, scope.path

    def evaluate(bindings: dict[str, Any]) -> dict[str, Any] | None:
        raw_value = parts["value"](bindings)  # type: ignore[misc]
        if raw_value in (None, ""):
            return None
        unit = parts["unit"](bindings)  # type: ignore[misc]
        if unit in (None, ""):
            raise MappingError(f"measurement {raw_value!r} has no unit", mapping=mapping, position=pos, field=path)
        entry = units.get(str(unit))
        if not isinstance(entry, dict):
            raise MappingError(f"unknown unit {unit!r}", mapping=mapping, position=pos, field=path)
        try:
            number = to_decimal(raw_value)
        except ValueError as exc:
            raise MappingError(str(exc), mapping=mapping, position=pos, field=path) from None
        factor = to_decimal(entry.get("factor", 1))
        offset = to_decimal(entry.get("offset", 0))
        converted = round((number + offset) * factor, 6)  # offset first: (F - 32) * 5/9
        out: dict[str, Any] = {"kind": parts["kind"](bindings), "value": json_number(converted),  # type: ignore[misc]
                               "unit": entry.get("canonical") or entry.get("code"),
                               "source": {"value": json_number(number), "unit": str(unit)}}
        for key in ("role", "sensorId", "observedAt"):
            if key in parts:
                value = parts[key](bindings)  # type: ignore[misc]
                if value is not None:
                    out[key] = value
        return out

    return evaluate
