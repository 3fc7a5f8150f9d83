"""Value sources that build canonical objects: TimeValue (``datetime``) and Measurement (``measure``)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gateway.mapping import timevalues
from gateway.mapping.codegen import Gen, Node, constant, value_of
from gateway.mapping.errors import MappingError
from gateway.mapping.expressions import Evaluator
from gateway.mapping.functions import json_number, to_decimal
from gateway.yamlsrc import Position, position_of

if TYPE_CHECKING:
    from gateway.mapping.compiler import Compiler, Scope
    from gateway.mapping.tables import Table

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
    return constant(value)


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
    text: Evaluator | None
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

    def zone_of_code(code: Any) -> str | None:
        entry = codes.get(str(code))  # type: ignore[union-attr]
        if entry is None:
            raise MappingError(f"unknown time code {code!r}", mapping=mapping, position=pos, field=path)
        if isinstance(entry, dict):
            # "local" codes (X12 LT) leave the zone open: the value stays a local date/time.
            return None if entry.get("kind") == "local" else entry.get("zone") or entry.get("offset")
        return entry

    def parse_text(raw: Any, zone: str | None) -> dict[str, Any]:
        if fmt in ("iso", "date"):
            return timevalues.parse_iso(str(raw), zone, date_only=fmt == "date")
        if fmt in ("epoch", "epoch_ms"):
            return timevalues.parse_epoch(raw, millis=fmt == "epoch_ms")
        return timevalues.parse_pattern(str(raw), fmt, zone)

    def emit(gen: Gen, b: str) -> str:
        out, zone = gen.fresh("t"), gen.fresh("z")
        gen.line(f"{out} = None")
        handler = gen.field_error(mapping, pos, path)
        with gen.guarded(handler, errors=gen.ref(timevalues.TimeValueError, "TimeValueError")):
            # The zone comes first: an unknown time code is an error even without a date.
            gen.line(f"{zone} = {value_of(gen, tz, b) if tz is not None else None}")
            if tz_code is not None and codes is not None:
                with gen.block(f"if {zone} is None"):
                    code = value_of(gen, tz_code, b)
                    gen.line(f"if {code} is not None and {code} != '': {zone} = {gen.ref(zone_of_code, 'zone')}({code})")
            if fmt == "x12":
                day_value = value_of(gen, day, b) if day is not None else "None"
                with gen.block(f"if {day_value} is not None and {day_value} != ''"):
                    clock_value = value_of(gen, clock, b) if clock is not None else "None"
                    gen.line(f"{out} = {gen.ref(timevalues.parse_x12, 'x12')}({day_value}, {clock_value}, {zone})")
            else:
                raw = value_of(gen, text, b) if text is not None else "None"
                with gen.block(f"if {raw} is not None and {raw} != ''"):
                    gen.line(f"{out} = {gen.ref(parse_text, 'parse')}({raw}, {zone})")
        return out

    return Node(emit, f"datetime {path}")


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

    converters = _converters(units)

    def convert(raw_value: Any, unit: Any) -> tuple[int | float, Any, dict[str, Any]]:
        """The value in the canonical unit, that unit, and the source (value, unit) as sent."""
        if unit in (None, ""):
            raise MappingError(f"measurement {raw_value!r} has no unit", mapping=mapping, position=pos, field=path)
        unit_text = str(unit)
        found = converters.get(unit_text)
        if found is None:
            entry = units.get(unit_text)  # the table's folded, stripped or default reading
            if not isinstance(entry, dict):
                raise MappingError(f"unknown unit {unit!r}", mapping=mapping, position=pos, field=path)
            found = _converter(entry)
        try:
            number = to_decimal(raw_value)
        except ValueError as exc:
            raise MappingError(str(exc), mapping=mapping, position=pos, field=path) from None
        factor, offset, canonical = found
        converted = round((number + offset) * factor, 6)  # offset first: (F - 32) * 5/9
        return json_number(converted), canonical, {"value": json_number(number), "unit": unit_text}

    def emit(gen: Gen, b: str) -> str:
        out, done = gen.fresh("m"), gen.fresh("c")
        gen.line(f"{out} = None")
        raw = value_of(gen, parts["value"], b)  # type: ignore[arg-type]
        with gen.block(f"if {raw} is not None and {raw} != ''"):
            unit = value_of(gen, parts["unit"], b)  # type: ignore[arg-type]
            gen.line(f"{done} = {gen.ref(convert, 'measure')}({raw}, {unit})")
            kind = value_of(gen, parts["kind"], b)  # type: ignore[arg-type]
            gen.line(f"{out} = {{'kind': {kind}, 'value': {done}[0], 'unit': {done}[1], 'source': {done}[2]}}")
            for key in ("role", "sensorId", "observedAt"):
                if key in parts:
                    value = value_of(gen, parts[key], b)  # type: ignore[arg-type]
                    gen.line(f"if {value} is not None: {out}[{key!r}] = {value}")
        return out

    return Node(emit, f"measure {path}")


def _converters(units: Table) -> dict[str, tuple[Decimal, Decimal, Any]]:
    """Each unit row's converter, read once at load (the table never changes).

    A row whose factor or offset is not a number is left out, so it fails where it is used, as
    before: with the field's error, not at load.
    """
    found = {}
    for code in units.codes():
        entry = units.get(code)
        if isinstance(entry, dict):
            try:
                found[code] = _converter(entry)
            except ValueError:
                continue
    return found


def _converter(entry: dict[str, Any]) -> tuple[Decimal, Decimal, Any]:
    """A unit row's factor, offset and canonical unit."""
    return (to_decimal(entry.get("factor", 1)), to_decimal(entry.get("offset", 0)),
            entry.get("canonical") or entry.get("code"))
