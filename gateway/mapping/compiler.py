"""Compile a mapping's YAML templates into plain Python closures, once, at load.

A template is YAML that mirrors the canonical event. Its nodes are:

* a scalar: a constant;
* a list: its items (an item with ``$each``/``$as`` expands to one item per element);
* a mapping with one *source* key (``from``, ``const``, ``format``, ``first``, ``switch``,
  ``hash``, ``datetime``, ``measure``): a value spec, with optional modifiers applied in this
  order: ``when`` → source → ``apply`` → ``lookup`` → ``default`` → ``required``;
* any other mapping: an object whose keys are canonical field names (``$when`` may guard it).

Null propagates: a missing value leaves its field out, an object with no fields is left out, a
list with no items is left out. Every problem an author can make is reported at load with
file:line:column; what can only go wrong per message raises ``MappingError`` naming the field.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.mapping.errors import MappingError
from gateway.mapping.expressions import Evaluator, ExpressionError, compile_expression, free_variables, truthy as _truthy
from gateway.mapping.functions import build_function, json_number, to_decimal
from gateway.mapping.schema_check import SchemaView
from gateway.mapping.tables import Table
from gateway.mapping import builders
from gateway.yamlsrc import Position, SourceMap, position_of

SOURCE_KEYS = ("from", "const", "format", "first", "switch", "hash", "datetime", "measure")
MODIFIER_KEYS = ("apply", "lookup", "default", "required", "when")
CONTROL_KEYS = ("$each", "$as", "$when")

_FORMAT_FIELD = re.compile(r"\{([^{}]+)\}")


_NO_BINDINGS: dict[str, Any] = {}


def _free(*fns: Any) -> frozenset[str] | None:
    """The variables a compiled node reads, or None when any part does not say (then: never cached)."""
    out: frozenset[str] = frozenset()
    for fn in fns:
        if fn is None:
            continue
        free = getattr(fn, "free", None)
        if free is None:
            return None
        out |= free
    return out


def _mark(fn: Any, free: frozenset[str] | None) -> Any:
    if free is not None and fn is not _null:
        fn.free = free
    return fn


def _per_document(fn: Evaluator) -> Evaluator:
    """Evaluate once per ``apply`` call a node that reads only document-level values.

    Header parties, references and addresses repeat on every event of an X12 set; they are built
    once and the same (never mutated) object goes into each event. The memo is keyed on the
    ``meta`` dict, which ``CompiledMapping.apply`` creates afresh for every call.
    """
    memo: list[Any] = [None, None]

    def evaluate(bindings: dict[str, Any]) -> Any:
        key = bindings.get("meta")
        entry = memo[0]
        if entry is not None and entry[0] is key:
            return entry[1]
        value = fn(bindings)
        memo[0] = (key, value)
        return value
    evaluate.free = fn.free  # type: ignore[attr-defined]
    return evaluate


def _constant(value: Any) -> Evaluator:
    def evaluate(bindings: dict[str, Any]) -> Any:
        return value
    evaluate.is_constant = True  # type: ignore[attr-defined]
    evaluate.free = frozenset()  # type: ignore[attr-defined]
    return evaluate


def _null(bindings: dict[str, Any]) -> None:
    return None


def _fuse(chain: tuple[Callable[[Any], Any], ...]) -> Callable[[Any], Any] | None:
    """One callable for a chain of steps; null stops the chain."""
    if not chain:
        return None
    if len(chain) == 1:
        return chain[0]
    direct = tuple(getattr(step, "inner", step) for step in chain)

    def fused(value: Any) -> Any:
        for step in direct:
            value = step(value)
            if value is None:
                return None
        return value
    return fused


def _plain_value(source: Evaluator, step: Callable[[Any], Any] | None, mapping: str, pos: Position | None,
                 path: str) -> Evaluator:
    """The common case, a source and its steps, without defaults, guards or requirements.

    The closure carries ``plain`` so an enclosing object can inline it (see ``_object_code``).
    """
    def evaluate(bindings: dict[str, Any]) -> Any:
        try:
            value = source(bindings)
            if value is None or value == "":
                return None
            if step is not None:
                value = step(value)
        except MappingError:
            raise
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise MappingError(str(exc), mapping=mapping, position=pos, field=path) from None
        return None if value == "" else value
    evaluate.plain = (source, step, pos, path)  # type: ignore[attr-defined]
    return evaluate


@dataclass
class Scope:
    """What a template node can see: bound variable names and the canonical field path."""

    variables: frozenset[str]
    path: str

    def child(self, name: str) -> Scope:
        return Scope(self.variables, f"{self.path}.{name}" if self.path else name)

    def item(self, index: int) -> Scope:
        return Scope(self.variables, f"{self.path}[{index}]")

    def bind(self, name: str) -> Scope:
        return Scope(self.variables | {name}, self.path)


@dataclass
class Compiler:
    """Compiles templates for one mapping, collecting every problem instead of stopping at the first."""

    mapping: str
    tables: Mapping[str, Table]
    problems: list[tuple[Position | None, str]] = field(default_factory=list)
    document_level: frozenset[str] = frozenset()
    """Variables that stay the same for every event of a document (doc, meta, mapping-level lets)."""

    def cached(self, fn: Evaluator) -> Evaluator:
        """``fn`` memoised per document when it reads only document-level variables."""
        free = getattr(fn, "free", None)
        if free is None or fn is _null or not self.document_level or not free <= self.document_level:
            return fn
        return _per_document(fn)

    def problem(self, pos: Position | None, message: str) -> Evaluator:
        self.problems.append((pos, message))
        return _null

    # -- expressions ---------------------------------------------------------------------------

    def expression(self, text: Any, scope: Scope, pos: Position | None) -> Evaluator:
        try:
            evaluate = compile_expression(text, set(scope.variables))
        except ExpressionError as exc:
            return self.problem(pos, f"{scope.path or 'expression'}: {exc}")
        return _mark(evaluate, frozenset(free_variables(text)))

    def condition(self, text: Any, scope: Scope, pos: Position | None) -> Callable[[dict[str, Any]], bool]:
        evaluate = self.expression(text, scope, pos)
        return _mark(lambda bindings: _truthy(evaluate(bindings)), _free(evaluate))

    # -- template nodes ------------------------------------------------------------------------

    def node(self, tpl: Any, scope: Scope, schema: SchemaView | None, pos: Position | None) -> Evaluator:
        """Compile any template node."""
        if isinstance(tpl, dict):
            sources = [k for k in SOURCE_KEYS if k in tpl]
            if sources:
                return self.value(tpl, scope, schema, pos)
            stray = [k for k in MODIFIER_KEYS if k in tpl]
            if stray and not (schema and set(stray) <= set(schema.property_names())):
                return self.problem(pos, f"{scope.path}: {', '.join(stray)} needs a source: one of "
                                         f"{', '.join(SOURCE_KEYS)}")
            return self.object(tpl, scope, schema, pos)
        if isinstance(tpl, list):
            return self.list(tpl, scope, schema, pos)
        if schema is not None and tpl is not None:
            reason = schema.check_constant(tpl)
            if reason:
                return self.problem(pos, f"{scope.path}: {reason}")
        return _constant(tpl)

    def object(self, tpl: dict[str, Any], scope: Scope, schema: SchemaView | None, pos: Position | None) -> Evaluator:
        guard = self.condition(tpl["$when"], scope, position_of(tpl, "$when")) if "$when" in tpl else None
        fields: list[tuple[str, Evaluator]] = []
        for key, sub in tpl.items():
            if key in CONTROL_KEYS:
                if key != "$when":
                    self.problem(position_of(tpl, key), f"{scope.path}: {key} is only allowed on a list item")
                continue
            sub_pos = position_of(tpl, key)
            sub_schema = None
            if schema is not None:
                sub_schema = schema.property(key)
                if sub_schema is None:
                    names = schema.property_names()
                    self.problem(sub_pos, f"{scope.child(key).path}: not a field of the canonical schema here"
                                          + (f"; allowed: {', '.join(names)}" if names else ""))
                    continue
            fields.append((key, self.node(sub, scope.child(key), sub_schema, sub_pos)))
        # Constant fields are merged once here instead of being evaluated per message.
        constants = {key: fn(_NO_BINDINGS) for key, fn in fields if getattr(fn, "is_constant", False)}
        constants = {k: v for k, v in constants.items() if v is not None}
        items = [(key, fn) for key, fn in fields if not getattr(fn, "is_constant", False)]
        built = _mark(_object_code(items, constants, guard, self.mapping), _free(guard, *(fn for _, fn in items)))
        return self.cached(built)

    def list(self, tpl: list[Any], scope: Scope, schema: SchemaView | None, pos: Position | None) -> Evaluator:
        item_schema = None
        if schema is not None:
            item_schema = schema.items()
            if item_schema is None and "array" not in schema.types() and not schema.is_open():
                return self.problem(pos, f"{scope.path}: the canonical schema does not allow a list here")
        parts: list[tuple[bool, Evaluator, Evaluator | None, str]] = []
        for index, item in enumerate(tpl):
            item_pos = position_of(tpl, index)
            if isinstance(item, dict) and "$each" in item:
                var = item.get("$as", "item")
                if not isinstance(var, str) or not var.isidentifier():
                    self.problem(position_of(item, "$as"), f"{scope.path}: $as must be a name, got {var!r}")
                    continue
                each = self.expression(item["$each"], scope, position_of(item, "$each"))
                inner = {k: v for k, v in item.items() if k not in ("$each", "$as")}
                inner_scope = scope.item(index).bind(var)
                if hasattr(item, "key_positions"):
                    inner = _located_copy(item, inner)
                parts.append((True, each, self.node(inner, inner_scope, item_schema, item_pos), var))
            else:
                parts.append((False, self.node(item, scope.item(index), item_schema, item_pos), None, ""))
        frozen = tuple(parts)
        free: frozenset[str] | None = frozenset()
        for expands, fn, inner_fn, var in frozen:
            part = _free(fn) if not expands else _free(fn, inner_fn)
            if part is None or free is None:
                free = None
                continue
            free |= part - {var} if expands else part

        def evaluate(bindings: dict[str, Any]) -> list[Any] | None:
            out: list[Any] = []
            for expands, fn, inner_fn, var in frozen:
                if not expands:
                    value = fn(bindings)
                    if value is not None:
                        out.append(value)
                    continue
                elements = fn(bindings)
                if elements is None:
                    continue
                if not isinstance(elements, list):
                    elements = [elements]
                for element in elements:
                    if element is None:  # to_array(null) and sparse lists give nulls: no item for them
                        continue
                    value = inner_fn(dict(bindings, **{var: element}))  # type: ignore[misc]
                    if value is not None:
                        out.append(value)
            return out or None

        return self.cached(_mark(evaluate, free))

    # -- value specs ---------------------------------------------------------------------------

    def value(self, spec: dict[str, Any], scope: Scope, schema: SchemaView | None, pos: Position | None) -> Evaluator:
        sources = [k for k in SOURCE_KEYS if k in spec]
        unknown = [k for k in spec if k not in SOURCE_KEYS and k not in MODIFIER_KEYS and k not in CONTROL_KEYS]
        if len(sources) > 1:
            return self.problem(pos, f"{scope.path}: a value has one source, found {', '.join(sources)}")
        if unknown:
            return self.problem(position_of(spec, unknown[0]),
                                f"{scope.path}: unknown key {unknown[0]!r} in a value spec; allowed: "
                                f"{', '.join(SOURCE_KEYS + MODIFIER_KEYS)}")
        source_key = sources[0]
        src_pos = position_of(spec, source_key)
        source = self.source(source_key, spec[source_key], scope, schema, src_pos)
        steps: list[Callable[[Any], Any]] = []
        for i, step in enumerate(spec.get("apply") or []):
            try:
                steps.append(build_function(step)[1])
            except ValueError as exc:
                self.problem(position_of(spec["apply"], i), f"{scope.path}: {exc}")
        if "lookup" in spec:
            steps.append(self.lookup(spec["lookup"], scope, position_of(spec, "lookup")))
        coerce = _coercer(schema) if source_key not in ("datetime", "measure") else None
        if coerce is not None:
            steps.append(coerce)
        default = spec.get("default")
        if default is not None and schema is not None:
            reason = schema.check_constant(default)
            if reason:
                self.problem(position_of(spec, "default"), f"{scope.path}: default {reason}")
        required = spec.get("required", False)
        if not isinstance(required, bool):
            self.problem(position_of(spec, "required"), f"{scope.path}: required is true or false")
        guard = self.condition(spec["when"], scope, position_of(spec, "when")) if "when" in spec else None
        chain = tuple(steps)
        mapping, path = self.mapping, scope.path
        free = _free(source, guard)
        if guard is None and default is None and not required:
            return _mark(_plain_value(source, _fuse(chain), mapping, pos, path), free)

        def evaluate(bindings: dict[str, Any]) -> Any:
            if guard is not None and not guard(bindings):
                return None
            try:
                value = source(bindings)
                for step in chain:
                    if value is None:
                        break
                    value = step(value)
            except MappingError:
                raise
            except (ValueError, TypeError, ArithmeticError) as exc:
                raise MappingError(str(exc), mapping=mapping, position=pos, field=path) from None
            if value is None or value == "":
                value = default
            if value is None and required:
                raise MappingError("required value is missing", mapping=mapping, position=pos, field=path)
            return value

        return _mark(evaluate, free)

    def source(self, key: str, arg: Any, scope: Scope, schema: SchemaView | None, pos: Position | None) -> Evaluator:
        if key == "from":
            return self.expression(arg, scope, pos)
        if key == "const":
            if schema is not None:
                reason = schema.check_constant(arg)
                if reason:
                    return self.problem(pos, f"{scope.path}: {reason}")
            return _constant(arg)
        if key == "format":
            return self.format(arg, scope, pos)
        if key == "first":
            if not isinstance(arg, list) or not arg:
                return self.problem(pos, f"{scope.path}: first takes a list of expressions or value specs")
            options = tuple(self.expression(a, scope, position_of(arg, i)) if isinstance(a, str)
                            else self.node(a, scope, schema, position_of(arg, i)) for i, a in enumerate(arg))
            return _mark(lambda b: next((v for v in (o(b) for o in options) if v is not None and v != ""), None),
                         _free(*options))
        if key == "switch":
            return self.switch(arg, scope, schema, pos)
        if key == "hash":
            parts = arg if isinstance(arg, list) else [arg]
            fns = tuple(self.expression(p, scope, pos) for p in parts)

            def digest(b: dict[str, Any]) -> str | None:
                values = [fn(b) for fn in fns]
                if all(v is None for v in values):
                    return None
                text = "\x1f".join("" if v is None else str(v) for v in values)
                return hashlib.sha256(text.encode()).hexdigest()[:32]
            return _mark(digest, _free(*fns))
        if key == "datetime":
            return builders.datetime_builder(self, arg, scope, pos)
        if key == "measure":
            return builders.measure_builder(self, arg, scope, pos)
        return self.problem(pos, f"unknown source {key}")

    def format(self, text: Any, scope: Scope, pos: Position | None) -> Evaluator:
        if not isinstance(text, str):
            return self.problem(pos, f"{scope.path}: format takes a text with {{expression}} fields")
        pieces: list[str | Evaluator] = []
        last = 0
        for match in _FORMAT_FIELD.finditer(text):
            pieces.append(text[last:match.start()])
            pieces.append(self.expression(match.group(1).strip(), scope, pos))
            last = match.end()
        pieces.append(text[last:])
        frozen = tuple(p for p in pieces if p != "")

        def evaluate(bindings: dict[str, Any]) -> str | None:
            out = []
            for piece in frozen:
                if isinstance(piece, str):
                    out.append(piece)
                    continue
                value = piece(bindings)
                if value is None or value == "":
                    return None  # a partial identifier is worse than none
                out.append(str(value))
            return "".join(out)

        return _mark(evaluate, _free(*(p for p in frozen if not isinstance(p, str))))

    def switch(self, arg: Any, scope: Scope, schema: SchemaView | None, pos: Position | None) -> Evaluator:
        if not isinstance(arg, list) or not arg:
            return self.problem(pos, f"{scope.path}: switch takes a list of {{when, then}} and an optional {{else}}")
        cases: list[tuple[Callable[[dict[str, Any]], bool] | None, Evaluator]] = []
        for i, case in enumerate(arg):
            case_pos = position_of(arg, i)
            if isinstance(case, dict) and set(case) == {"when", "then"}:
                cases.append((self.condition(case["when"], scope, position_of(case, "when")),
                              self.node(case["then"], scope, schema, position_of(case, "then"))))
            elif isinstance(case, dict) and set(case) == {"else"} and i == len(arg) - 1:
                cases.append((None, self.node(case["else"], scope, schema, position_of(case, "else"))))
            else:
                self.problem(case_pos, f"{scope.path}: each switch case is {{when, then}}; {{else}} comes last")
        frozen = tuple(cases)

        def evaluate(bindings: dict[str, Any]) -> Any:
            for test, then in frozen:
                if test is None or test(bindings):
                    return then(bindings)
            return None

        return _mark(evaluate, _free(*(part for case in frozen for part in case)))

    def lookup(self, arg: Any, scope: Scope, pos: Position | None) -> Callable[[Any], Any]:
        options = {"table": arg} if isinstance(arg, str) else arg
        if not isinstance(options, dict) or "table" not in options or not set(options) <= {"table", "field", "miss"}:
            self.problem(pos, f"{scope.path}: lookup is a table name or {{table, field, miss: null|keep|error}}")
            return lambda v: None
        name, sub, miss = options["table"], options.get("field"), options.get("miss", "null")
        table = self.tables.get(name)
        if table is None:
            self.problem(pos, f"{scope.path}: unknown code table {name!r}; known: {', '.join(sorted(self.tables))}")
            return lambda v: None
        if miss not in ("null", "keep", "error"):
            self.problem(pos, f"{scope.path}: lookup miss is null, keep or error, got {miss!r}")
        if sub is not None and not table.has_field(sub):
            self.problem(pos, f"{scope.path}: table {name!r} has no field {sub!r}; fields: {', '.join(table.fields())}")
        mapping, path = self.mapping, scope.path

        def find(value: Any) -> Any:
            found = table.get(value if isinstance(value, str) else str(value))
            if found is not None and sub is not None:
                found = found.get(sub) if isinstance(found, dict) else None
            if found is None:
                if miss == "keep":
                    return value
                if miss == "error":
                    raise MappingError(f"code {value!r} is not in table {name!r}", mapping=mapping, position=pos,
                                       field=path)
            return found

        return find


def _object_code(items: list[tuple[str, Evaluator]], constants: dict[str, Any],
                 guard: Callable[[dict[str, Any]], bool] | None, mapping: str) -> Evaluator:
    """Straight-line Python building one object: no loop over fields, plain values inlined.

    Compiled once per template object. A plain value (a path and its steps) is evaluated in
    place; ``_i`` tracks which one runs so an error still names its field and mapping line.
    """
    namespace: dict[str, Any] = {"MappingError": MappingError, "C": constants, "G": guard, "MAPPING": mapping}
    lines = ["def evaluate(b):"]
    if guard is not None:
        lines.append("    if not G(b): return None")
    lines.append("    o = C.copy()" if constants else "    o = {}")
    body: list[str] = []
    places: list[tuple[Position | None, str]] = []
    for i, (key, fn) in enumerate(items):
        plain = getattr(fn, "plain", None)
        if plain is None:
            namespace[f"f{i}"] = fn
            body += [f"    v = f{i}(b)", f"    if v is not None: o[{key!r}] = v"]
            continue
        source, step, pos, path = plain
        namespace[f"s{i}"], namespace[f"t{i}"] = source, step
        body += [f"    _i = {len(places)}", f"    v = s{i}(b)", "    if v is not None and v != '':"]
        if step is not None:
            body += [f"        v = t{i}(v)", "        if v is not None and v != '':", f"            o[{key!r}] = v"]
        else:
            body.append(f"        o[{key!r}] = v")
        places.append((pos, path))
    if places:
        namespace["P"] = tuple(places)
        lines += ["    _i = 0", "    try:", *("    " + line for line in body),
                  "    except MappingError: raise",
                  "    except (ValueError, TypeError, ArithmeticError) as exc:",
                  "        raise MappingError(str(exc), mapping=MAPPING, position=P[_i][0], field=P[_i][1]) from None"]
    else:
        lines += body
    lines.append("    return o or None")
    exec(compile("\n".join(lines), "<mapping object>", "exec"), namespace)  # noqa: S102
    return namespace["evaluate"]


def _located_copy(original: Any, data: dict[str, Any]) -> dict[str, Any]:
    """A dict subset that keeps the key positions of ``original`` (for error messages)."""
    out = SourceMap(data)
    out.position = original.position
    out.key_positions = {k: v for k, v in original.key_positions.items() if k in data}
    return out


def _coercer(schema: SchemaView | None) -> Callable[[Any], Any] | None:
    """Partners send codes as numbers and numbers as text; make them what the schema says."""
    if schema is None:
        return None
    kinds = schema.types()
    if kinds == {"string"}:
        def to_text(value: Any) -> Any:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)
            return value
        return to_text
    if kinds and kinds <= {"number", "integer"}:
        def to_number(value: Any) -> Any:
            if isinstance(value, str):
                number = json_number(to_decimal(value))
                return int(number) if kinds == {"integer"} and number == int(number) else number
            return value
        return to_number
    return None
