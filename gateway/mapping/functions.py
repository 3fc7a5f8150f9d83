"""The value functions a mapping may ``apply``: total, small, and checked at load.

Each entry turns its YAML argument into a one-argument callable. Null in, null out: a missing
source value never raises; a value of the wrong shape raises ``ValueError`` with a plain reason,
which the compiler turns into a ``MappingError`` naming the mapping, line and field.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.mapping.codegen import Gen

Fn = Callable[[Any], Any]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, dict, list)):
        raise ValueError(f"expected text, got {type(value).__name__} {value!r:.60}")
    return str(value)


def _null_safe(fn: Fn) -> Fn:
    def call(value: Any) -> Any:
        return None if value is None else fn(value)
    call.inner = fn  # type: ignore[attr-defined]  # a chain that already stops on null calls fn directly
    return call


def to_decimal(value: Any) -> Decimal:
    """Parse a number the way partners send them: text or JSON numbers, maybe padded."""
    if value.__class__ is not str:  # text, nearly always (X12 elements), skips the type tests
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        if isinstance(value, (int, Decimal)):
            return Decimal(value)
        if isinstance(value, float):
            return Decimal(repr(value))
        value = _text(value)
    text = value.strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r:.60} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{text!r:.60} is not a finite number")
    return number


def json_number(number: Decimal) -> int | float:
    """A JSON-friendly number: integers stay integers, others become floats."""
    integral = number.to_integral_value()
    if number == integral and abs(number) < 2**53:
        return int(integral)
    return float(number)


def _arg_int(name: str, arg: Any) -> int:
    if not isinstance(arg, int) or isinstance(arg, bool):
        raise ValueError(f"{name} takes a whole number, got {arg!r}")
    return arg


def _arg_str(name: str, arg: Any) -> str:
    if not isinstance(arg, str):
        raise ValueError(f"{name} takes text, got {arg!r}")
    return arg


def _implied(arg: Any) -> Fn:
    places = _arg_int("implied_decimals", arg)

    def fn(value: Any) -> Any:
        text = _text(value).strip()
        if "." in text:  # an explicit decimal point wins over the implied one (X12 R type)
            return json_number(to_decimal(text))
        return json_number(to_decimal(text).scaleb(-places))
    return fn


def _round(arg: Any) -> Fn:
    places = _arg_int("round", arg)
    return lambda value: json_number(round(to_decimal(value), places))


def _replace(arg: Any) -> Fn:
    if not isinstance(arg, dict) or set(arg) != {"old", "new"}:
        raise ValueError("replace takes {old: TEXT, new: TEXT}")
    old, new = _arg_str("replace.old", arg["old"]), _arg_str("replace.new", arg["new"])
    return lambda value: _text(value).replace(old, new)


def _split(arg: Any) -> Fn:
    if not isinstance(arg, dict) or not {"sep"} <= set(arg) <= {"sep", "index"}:
        raise ValueError("split takes {sep: TEXT, index: N}")
    sep = _arg_str("split.sep", arg["sep"])
    index = arg.get("index")
    if index is None:
        return lambda value: _text(value).split(sep)
    index = _arg_int("split.index", index)

    def fn(value: Any) -> Any:
        parts = _text(value).split(sep)
        return parts[index] if -len(parts) <= index < len(parts) else None
    return fn


def _substr(arg: Any) -> Fn:
    if not isinstance(arg, dict) or not set(arg) <= {"start", "end"}:
        raise ValueError("substr takes {start: N, end: N}")
    start = _arg_int("substr.start", arg.get("start", 0))
    end = arg.get("end")
    end = None if end is None else _arg_int("substr.end", end)
    return lambda value: _text(value)[start:end]


def _pad_left(arg: Any) -> Fn:
    if not isinstance(arg, dict) or not {"width"} <= set(arg) <= {"width", "char"}:
        raise ValueError("pad_left takes {width: N, char: C}")
    width, char = _arg_int("pad_left.width", arg["width"]), _arg_str("pad_left.char", arg.get("char", "0"))
    return lambda value: _text(value).rjust(width, char)


def _affix(name: str, before: bool) -> Callable[[Any], Fn]:
    def make(arg: Any) -> Fn:
        text = _arg_str(name, arg)
        return (lambda value: text + _text(value)) if before else (lambda value: _text(value) + text)
    return make


def _null_if(arg: Any) -> Fn:
    values = arg if isinstance(arg, list) else [arg]
    frozen = [v for v in values]
    return lambda value: None if value in frozen else value


def _multiply(arg: Any) -> Fn:
    factor = to_decimal(arg)
    return lambda value: json_number(to_decimal(value) * factor)


def _join(arg: Any) -> Fn:
    sep = _arg_str("join", arg)

    def fn(value: Any) -> Any:
        if not isinstance(value, list):
            return _text(value)
        parts = [_text(v) for v in value if v not in (None, "")]
        return sep.join(parts) if parts else None
    return fn


def _strip_zeros(value: Any) -> Any:
    text = _text(value)
    stripped = text.lstrip("0")
    return stripped or ("0" if text else text)


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return next((v for v in value if v is not None), None)
    return value


def _last(value: Any) -> Any:
    if isinstance(value, list):
        return next((v for v in reversed(value) if v is not None), None)
    return value


def _empty_to_null(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, (list, dict)) and not value:
        return None
    return value


def _boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    text = _text(value).strip().lower()
    if text in ("true", "1", "y", "yes", "t"):
        return True
    if text in ("false", "0", "n", "no", "f"):
        return False
    raise ValueError(f"{value!r:.60} is not a yes/no value")


_PLAIN: dict[str, Fn] = {
    "trim": lambda v: _text(v).strip(),
    "upper": lambda v: _text(v).upper(),
    "lower": lambda v: _text(v).lower(),
    "collapse_spaces": lambda v: " ".join(_text(v).split()),
    "strip_leading_zeros": _strip_zeros,
    "string": _text,
    "number": lambda v: json_number(to_decimal(v)),
    "decimal_text": lambda v: format(to_decimal(v).normalize(), "f"),
    "integer": lambda v: int(to_decimal(v)),
    "boolean": _boolean,
    "first": _first,
    "last": _last,
    "count": lambda v: 0 if v is None else len(v) if isinstance(v, (list, dict, str)) else 1,
    "empty_to_null": _empty_to_null,
}

_WITH_ARG: dict[str, Callable[[Any], Fn]] = {
    "implied_decimals": _implied,
    "round": _round,
    "replace": _replace,
    "split": _split,
    "substr": _substr,
    "pad_left": _pad_left,
    "prefix": _affix("prefix", True),
    "suffix": _affix("suffix", False),
    "null_if": _null_if,
    "multiply": _multiply,
    "join": _join,
}

FUNCTION_NAMES = sorted([*_PLAIN, *_WITH_ARG])


# Inline forms (see codegen) of the steps nearly every X12 value takes: text, the overwhelming
# case, is handled in place; anything else goes through the function, with its checks.
def _emit_trim(gen: Gen, value: str) -> None:
    gen.line(f"{value} = {value}.strip() if {value}.__class__ is str else {gen.ref(_PLAIN['trim'], 'trim')}({value})")


def _emit_empty_to_null(gen: Gen, value: str) -> None:
    gen.line(f"{value} = ({value} if {value}.strip() else None) if {value}.__class__ is str "
             f"else {gen.ref(_empty_to_null, 'empty')}({value})")


def _trim_text(gen: Gen, target: str, source: str, state: str) -> str:
    gen.line(f"{target} = {source}.strip()")
    return "stripped"


def _empty_text_to_null(gen: Gen, target: str, source: str, state: str) -> str:
    if state == "stripped":  # blank is empty now: no second strip
        if target != source:
            gen.line(f"{target} = {source}")
        gen.or_none(target)
    else:
        gen.line(f"{target} = {source} if {source}.strip() else None")
    return "text?"


_INLINE: dict[str, Callable[[Gen, str], None]] = {"trim": _emit_trim, "empty_to_null": _emit_empty_to_null}
# The same steps on a value known to be text (see compiler._text_steps).
_ON_TEXT: dict[str, Callable[[Gen, str, str, str], str]] = {"trim": _trim_text, "empty_to_null": _empty_text_to_null}


def build_function(step: Any) -> tuple[str, Fn]:
    """Turn one ``apply`` step (``name`` or ``{name: arg}``) into (name, callable)."""
    if isinstance(step, str):
        if step in _PLAIN:
            fn = _PLAIN[step]
            built = fn if step in ("count", "first", "last") else _null_safe(fn)
            if step in _INLINE:
                built.emit_step = _INLINE[step]  # type: ignore[attr-defined]
                built.on_text = _ON_TEXT[step]  # type: ignore[attr-defined]
                built.blank_safe = True  # type: ignore[attr-defined]  # blank text in, blank text or null out
            return step, built
        if step in _WITH_ARG:
            raise ValueError(f"function {step!r} needs an argument: write {{{step}: ...}}")
        raise ValueError(f"unknown function {step!r}; known: {', '.join(FUNCTION_NAMES)}")
    if isinstance(step, dict) and len(step) == 1:
        (name, arg), = step.items()
        if name in _WITH_ARG:
            return name, _null_safe(_WITH_ARG[name](arg))
        if name in _PLAIN:
            raise ValueError(f"function {name!r} takes no argument: write it as a plain name")
        raise ValueError(f"unknown function {name!r}; known: {', '.join(FUNCTION_NAMES)}")
    raise ValueError(f"an apply step is a function name or {{name: argument}}, got {step!r:.80}")
