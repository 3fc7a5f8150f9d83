"""Path expressions: JMESPath compiled once, with a direct-access fast path.

Every expression is evaluated against the *bindings*: a dict of named values (``doc`` for the
document, the iteration variable, ``let`` values). A plain chain such as ``detail.location.city``
or ``doc.set.B10[0].B1001`` is turned into a closure doing dict/list access directly, which is an
order of magnitude faster than walking JMESPath's AST per call; anything richer (filters,
projections, functions, comparisons) uses the compiled JMESPath expression.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jmespath
from jmespath import exceptions as jmes_errors

from gateway.mapping.codegen import Emit, Gen, function_of, literal_atom, truthy_if, value_of

Evaluator = Callable[[dict[str, Any]], Any]

MAX_EXPRESSION_CHARS = 2000


class ExpressionError(ValueError):
    """An expression does not parse or names an unknown variable."""


def _root_fields(node: dict[str, Any]) -> set[str]:
    """Names the expression looks up directly in the bindings (its free variables)."""
    kind = node["type"]
    children = node.get("children", [])
    if kind == "field":
        return {node["value"]}
    if kind in ("subexpression", "index_expression", "projection", "value_projection", "filter_projection",
                "flatten", "pipe"):
        return _root_fields(children[0]) if children else set()
    if kind in ("comparator", "and_expression", "or_expression", "not_expression", "function_expression",
                "multi_select_list", "multi_select_dict"):
        out: set[str] = set()
        for child in children:
            out |= _root_fields(child)
        return out
    if kind == "key_val_pair":
        return _root_fields(children[0])
    return set()


def _chain(node: dict[str, Any]) -> list[str | int] | None:
    """The access steps of a plain field/index chain, or None if the expression is richer."""
    kind = node["type"]
    if kind == "field":
        return [node["value"]]
    if kind == "subexpression":
        steps: list[str | int] = []
        for child in node["children"]:
            sub = _chain(child)
            if sub is None:
                return None
            steps += sub
        return steps
    if kind == "index_expression":
        left, *indexes = node["children"]
        if left["type"] == "identity" or any(i["type"] != "index" for i in indexes):
            return None
        sub = _chain(left)
        return None if sub is None else sub + [i["value"] for i in indexes]
    return None


def _direct(steps: list[str | int]) -> Evaluator:
    """A chain as straight-line Python, compiled once (JMESPath semantics: any miss is null).

    A key step is ``dict.get`` (on a stand-in with the same ``get`` when the value is null or
    not a dict) and an index step on a list checks the length: optional X12 elements are
    missing all the time, and a raised and caught KeyError costs ten times a lookup. Each
    step's value is kept, so a later chain with the same beginning (``stop.G62[0].G6201``,
    ``stop.G62[0].G6205``) starts where this one got to.
    """
    def emit(gen: Gen, current: str) -> str:
        current = gen.bindings_of(current, str(steps[0]))
        done = len(steps)
        while done and ("path", current, *steps[:done]) not in gen.known:
            done -= 1
        value = gen.known[("path", current, *steps[:done])] if done else current
        for i in range(done, len(steps)):
            step, name = steps[i], gen.fresh("p")
            if isinstance(step, int):
                # Index steps check for a list: indexing text would give a character, JMESPath gives null.
                fits = value if step == 0 else f"len({value}) > {step}" if step > 0 else f"len({value}) >= {-step}"
                gen.line(f"{name} = {value}[{step}] if {value}.__class__ is list and {fits} else None")
            else:
                gen.line(f"{name} = {_fields_of(gen, value)}.get({step!r})")
            gen.known[("path", current, *steps[:i + 1])] = value = name
        return value

    evaluate = function_of(emit, f"path {'.'.join(map(str, steps))}")
    evaluate.emit = emit  # type: ignore[attr-defined]
    return evaluate


def _fields_of(gen: Gen, value: str) -> str:
    """An atom whose ``get`` reads ``value``'s fields: itself when a dict, which it nearly always is.

    The type is checked once per value, not once per field read from it: an X12 segment gives a
    mapping a dozen elements.
    """
    if value in gen.dicts:
        return value
    return gen.derived(("fields", value), "g", f"{value} if {value}.__class__ is dict else "
                       f"{gen.ref(_NO_FIELDS, 'nofields')} if {value} is None else {gen.ref(_Fields, 'fields')}({value})")


_NO_FIELDS: dict[str, Any] = {}  # null's: every field of null is null (only ever read)


class _Fields:
    """The fields of a value that is neither a dict nor null: any miss is null, as in JMESPath."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def get(self, key: str) -> Any:
        try:
            return self.value[key]
        except (KeyError, TypeError, IndexError):
            return None


def _with_emit(fn: Evaluator, emit: Emit) -> Evaluator:
    fn.emit = emit  # type: ignore[attr-defined]
    return fn


def _fast(node: dict[str, Any]) -> Evaluator | None:
    """Closures for the common expressions, with JMESPath's semantics; None where it has none.

    Every closure takes the *current value*: the bindings at the top, an element inside a
    projection or filter. Projections drop nulls, as JMESPath does.
    """
    steps = _chain(node)
    if steps is not None:
        return _direct(steps)
    kind = node["type"]
    children = node.get("children", [])
    if kind == "literal":
        value = node["value"]
        literal = _with_emit(lambda current: value, lambda gen, current: literal_atom(gen, value))
        literal.literal = value  # type: ignore[attr-defined]
        return literal
    if kind in ("identity", "current"):
        return _with_emit(lambda current: current, lambda gen, current: current)
    if kind == "index_expression" and all(c["type"] == "index" for c in children[1:]):
        indexes = tuple(c["value"] for c in children[1:])
        if children[0]["type"] == "identity":
            return lambda current: _index(current, indexes)
        # An index on a computed value, e.g. the first of alternatives: (doc.a || doc.b || [doc.c])[0].
        base = _fast(children[0])
        return None if base is None else lambda current: _index(base(current), indexes)
    if kind == "multi_select_list":
        items = [_fast(child) for child in children]
        if any(item is None for item in items):
            return None
        return lambda current: None if current is None else [item(current) for item in items]  # type: ignore[misc]
    if kind == "multi_select_dict":
        keys = [pair["value"] for pair in children]
        values = [_fast(pair["children"][0]) for pair in children]
        if any(value is None for value in values):
            return None
        pairs = tuple(zip(keys, values, strict=True))
        return lambda current: None if current is None else {k: v(current) for k, v in pairs}  # type: ignore[misc]
    if kind == "subexpression":
        parts = [_fast(child) for child in children]
        if any(p is None for p in parts):
            return None
        return _pipeline(parts, stop_on_null=True)  # type: ignore[arg-type]
    if kind == "pipe":
        parts = [_fast(child) for child in children]
        if any(p is None for p in parts):
            return None
        return _pipeline(parts, stop_on_null=False)  # type: ignore[arg-type]
    if kind == "flatten":
        inner = _fast(children[0])
        return None if inner is None else lambda current: _flatten(inner(current))
    if kind in ("projection", "filter_projection"):
        parts = [_fast(child) for child in children]
        if any(p is None for p in parts):
            return None
        if kind == "projection":
            left, right = parts
            return lambda current: _project(left(current), right, None)  # type: ignore[misc, arg-type]
        left, right, condition = parts
        return lambda current: _project(left(current), right, condition)  # type: ignore[misc, arg-type]
    if kind in ("or_expression", "and_expression"):
        left, right = (_fast(child) for child in children)
        if left is None or right is None:
            return None
        if kind == "or_expression":
            def either(current: Any) -> Any:
                value = left(current)
                return value if truthy(value) else right(current)
            return _with_emit(either, _emit_junction(left, right, "either"))

        def both(current: Any) -> Any:
            value = left(current)
            return right(current) if truthy(value) else value
        return _with_emit(both, _emit_junction(left, right, "both"))
    if kind == "not_expression":
        inner = _fast(children[0])
        if inner is None:
            return None

        def negate(gen: Gen, current: str) -> str:
            value, out = value_of(gen, inner, current), gen.fresh()
            gen.line(f"{out} = not {truthy_if(gen, value)}")
            gen.bools.add(out)
            return out
        return _with_emit(lambda current: not truthy(inner(current)), negate)
    if kind == "function_expression" and node["value"] in _NATIVE_FUNCTIONS:
        args = [_fast(child) for child in children]
        if any(a is None for a in args) or len(args) != _NATIVE_FUNCTIONS[node["value"]][0]:
            return None
        fn = _NATIVE_FUNCTIONS[node["value"]][1]
        call = _emit_call(fn, args)
        if len(args) == 1:
            (only,) = args
            return _with_emit(lambda current: fn(only(current)), call)
        first, second = args
        return _with_emit(lambda current: fn(first(current), second(current)), call)
    if kind == "comparator" and node["value"] in _COMPARE:
        left, right = (_fast(child) for child in children)
        if left is None or right is None:
            return None
        compare = _COMPARE[node["value"]]
        return _with_emit(lambda current: compare(left(current), right(current)),
                          _emit_compare(node["value"], compare, left, right))
    return None


def _once(emit: Emit, text: str) -> Emit:
    """Emit an expression's code only where its value is not known yet (expressions have no effects)."""
    def emit_once(gen: Gen, current: str) -> str:
        key = ("expression", current, text)
        atom = gen.known.get(key)
        if atom is None:
            atom = gen.known[key] = emit(gen, current)
        return atom
    return emit_once


def _emit_junction(left: Evaluator, right: Evaluator, kind: str) -> Emit:
    """``||`` (either) and ``&&`` (both): the right side is evaluated only when it decides."""
    def emit(gen: Gen, current: str) -> str:
        value, out = value_of(gen, left, current), gen.fresh()
        gen.line(f"{out} = {value}")
        with gen.block(f"if {'not ' if kind == 'either' else ''}{truthy_if(gen, value)}"):
            other = value_of(gen, right, current)
            gen.line(f"{out} = {other}")
        if value in gen.bools and other in gen.bools:
            gen.bools.add(out)
        return out
    return emit


def _emit_call(fn: Callable[..., Any], args: list[Evaluator]) -> Emit:
    def emit(gen: Gen, current: str) -> str:
        values = [value_of(gen, arg, current) for arg in args]
        out = gen.fresh()
        call = f"{gen.ref(fn, 'fn')}({', '.join(values)})"
        if fn is _length:  # text, the usual case, needs no call to be measured
            call = f"len({values[0]}) if {values[0]}.__class__ is str else {call}"
        gen.line(f"{out} = {call}")
        return out
    return emit


def _emit_compare(op: str, compare: Callable[[Any, Any], Any], left: Evaluator, right: Evaluator) -> Emit:
    # Against a text literal, JMESPath equality is Python's (true == 'x' is false either way):
    # the common ``x == 'code'`` needs no call. Against a number, only a bool differs (true is
    # not 1), so ``length(x) == `2``` needs none either.
    literals = [getattr(side, "literal", None) for side in (left, right)]
    text = any(isinstance(value, str) for value in literals)
    number = next((i for i, value in enumerate(literals) if value.__class__ in (int, float)), None)

    def emit(gen: Gen, current: str) -> str:
        a, b = value_of(gen, left, current), value_of(gen, right, current)
        out = gen.fresh()
        if text and op in ("eq", "ne"):
            gen.line(f"{out} = {a} {'==' if op == 'eq' else '!='} {b}")
        elif number is not None and op in ("eq", "ne"):
            other = (b, a)[number]
            gen.line(f"{out} = {a} == {b} and {other}.__class__ is not bool" if op == "eq"
                     else f"{out} = {a} != {b} or {other}.__class__ is bool")
        else:
            gen.line(f"{out} = {gen.ref(compare, 'cmp')}({a}, {b})")
        if op in ("eq", "ne"):  # orderings give null for mixed types
            gen.bools.add(out)
        return out
    return emit


def _pipeline(parts: list[Evaluator], stop_on_null: bool) -> Evaluator:
    first, rest = parts[0], tuple(parts[1:])

    def evaluate(current: Any) -> Any:
        value = first(current)
        for part in rest:
            if value is None and stop_on_null:
                return None
            value = part(value)
        return value
    return evaluate


def _index(value: Any, indexes: tuple[int, ...]) -> Any:
    for i in indexes:
        if value.__class__ is not list:
            return None
        try:
            value = value[i]
        except IndexError:
            return None
    return value


def _flatten(value: Any) -> Any:
    if value.__class__ is not list:
        return None
    out: list[Any] = []
    for item in value:
        if item.__class__ is list:
            out.extend(item)
        else:
            out.append(item)
    return out


def _project(base: Any, right: Evaluator, condition: Evaluator | None) -> Any:
    if base.__class__ is not list:
        return None
    out = []
    for element in base:
        if condition is not None and not truthy(condition(element)):
            continue
        value = right(element)
        if value is not None:
            out.append(value)
    return out


def _ordering(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    def compare(a: Any, b: Any) -> Any:
        # Like jmespath: numbers with numbers, text with text, anything else is null (where
        # jmespath itself would raise a TypeError for text against a number).
        numbers = (int, float)
        if isinstance(a, bool) or isinstance(b, bool):
            return None
        if (isinstance(a, numbers) and isinstance(b, numbers)) or (isinstance(a, str) and isinstance(b, str)):
            return op(a, b)
        return None
    return compare


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": lambda a, b: _same(a, b),
    "ne": lambda a, b: not _same(a, b),
    "lt": _ordering(lambda a, b: a < b),
    "lte": _ordering(lambda a, b: a <= b),
    "gt": _ordering(lambda a, b: a > b),
    "gte": _ordering(lambda a, b: a >= b),
}


def _text_args(name: str, *values: Any) -> None:
    for value in values:
        if not isinstance(value, str):
            raise ValueError(f"{name}() expects text, got {type(value).__name__}")


def _ends_with(subject: Any, suffix: Any) -> bool:
    _text_args("ends_with", subject, suffix)
    return subject.endswith(suffix)


def _starts_with(subject: Any, prefix: Any) -> bool:
    _text_args("starts_with", subject, prefix)
    return subject.startswith(prefix)


def _to_array(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _contains(subject: Any, search: Any) -> bool | None:
    if not isinstance(subject, (str, list)):
        raise ValueError(f"contains() expects text or a list, got {type(subject).__name__}")
    if isinstance(subject, str) and not isinstance(search, str):
        return None  # jmespath itself crashes (TypeError) looking for a non-text in text
    return search in subject


def _values(value: Any) -> list[Any]:
    if not isinstance(value, dict):
        raise ValueError(f"values() expects an object, got {type(value).__name__}")
    return list(value.values())


def _length(value: Any) -> int:
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise ValueError(f"length() expects text, a list or an object, got {type(value).__name__}")


# The JMESPath built-ins mappings use most, run natively (same results and the same type
# errors as jmespath's own); others go through the compiled JMESPath expression.
_NATIVE_FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "ends_with": (2, _ends_with),
    "starts_with": (2, _starts_with),
    "to_array": (1, _to_array),
    "length": (1, _length),
    "contains": (2, _contains),
    "values": (1, _values),
}


def truthy(value: Any) -> bool:
    """JMESPath truthiness: null, false and empty strings, lists and objects are false."""
    return value is not None and value is not False and value != "" and value != [] and value != {}


def _same(a: Any, b: Any) -> bool:
    # JMESPath equality: 1 == 1.0 but true != 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def free_variables(text: str) -> set[str]:
    """The variables an expression reads from the bindings (its free names)."""
    return _root_fields(jmespath.compile(text).parsed)


def compile_expression(text: str, variables: set[str]) -> Evaluator:
    """Compile ``text`` once; reject syntax errors and unknown variables with a precise message."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("an expression must be a non-empty string")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"expression is {len(text)} characters; the limit is {MAX_EXPRESSION_CHARS}")
    try:
        compiled = jmespath.compile(text)
    except jmes_errors.ParseError as exc:
        raise ExpressionError(f"cannot parse {text!r}: {exc.msg} at column {exc.lex_position + 1}") from None
    except jmes_errors.JMESPathError as exc:
        raise ExpressionError(f"cannot parse {text!r}: {exc}") from None
    unknown = _root_fields(compiled.parsed) - variables
    if unknown:
        raise ExpressionError(f"{text!r} uses unknown variable(s) {', '.join(sorted(unknown))}; "
                              f"known here: {', '.join(sorted(variables))}")
    fast = _fast(compiled.parsed)
    if fast is not None:
        emit = getattr(fast, "emit", None)
        if emit is not None:
            fast.emit = _once(emit, text)  # type: ignore[attr-defined]
        return fast
    search = compiled.search

    def evaluate(bindings: dict[str, Any]) -> Any:
        return search(bindings)

    return evaluate
