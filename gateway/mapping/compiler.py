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
import keyword
import re
from collections.abc import Callable, Mapping
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from typing import Any

from gateway.mapping import builders
from gateway.mapping.codegen import Gen, Node, constant, literal_atom, truthy_atom, value_of
from gateway.mapping.errors import MappingError
from gateway.mapping.expressions import Evaluator, ExpressionError, compile_expression, free_variables
from gateway.mapping.functions import build_function, json_number, to_decimal
from gateway.mapping.schema_check import SchemaView
from gateway.mapping.tables import Table
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
    once and the same (never mutated) object goes into each event. In the function that walks
    one document's events the memo is a local, set where first needed; elsewhere it is keyed
    on the ``meta`` dict, which ``CompiledMapping.apply`` creates afresh for every call.
    """
    memo: list[Any] = [None]

    def emit(gen: Gen, b: str) -> str:
        if gen.preamble is not None:
            local, unset = gen.fresh("m"), gen.ref(_MISSING, "missing")
            gen.preamble.append(f"{local} = {unset}")
            with gen.block(f"if {local} is {unset}"):
                gen.line(f"{local} = {value_of(gen, fn, b)}")
            return local
        cell, entry, key, out = gen.ref(memo, "memo"), gen.fresh("m"), gen.fresh("key"), gen.fresh()
        gen.line(f"{entry} = {cell}[0]")
        gen.line(f"{key} = {gen.bindings_of(b, 'meta')}.get('meta')")
        with gen.block(f"if {entry} is not None and {entry}[0] is {key}"):
            gen.line(f"{out} = {entry}[1]")
        with gen.block("else"):
            gen.line(f"{out} = {value_of(gen, fn, b)}")
            gen.line(f"{cell}[0] = ({key}, {out})  # one tuple: other threads see the old entry or the new")
        return out
    return Node(emit, "per document", fn.free)  # type: ignore[attr-defined]


def _null(bindings: dict[str, Any]) -> None:
    return None


_null.emit = lambda gen, current: "None"  # type: ignore[attr-defined]


def _steps(gen: Gen, chain: tuple[Callable[[Any], Any], ...], value: str) -> None:
    """Apply a chain of steps to the local ``value`` in place; null stops the chain."""
    for step in chain:
        with gen.block(f"if {value} is not None"):
            emit = getattr(step, "emit_step", None)
            if emit is not None:
                emit(gen, value)
            else:  # steps only ever see non-null values here, so the null-safe wrapper can go
                gen.line(f"{value} = {gen.ref(getattr(step, 'inner', step), 's')}({value})")


def _text_steps(gen: Gen, chain: tuple[Callable[[Any], Any], ...], value: str, source: str) -> None:
    """Set the local ``value`` to a chain applied to the atom ``source``, known to hold text.

    Nearly every X12 value is text. A step's ``on_text(gen, target, source, state)`` writes its
    text-only form, reading ``source`` and assigning ``target``, given what the value is: "text"
    (maybe empty), "stripped" (text without surrounding blanks, maybe empty), "text?" (non-empty
    text or null); it returns what the value is then, or "any". A step without one, or any step
    after "any", takes the general form. Empty text ends as null.
    """
    state, current = "text", source
    for step in chain:
        on_text = getattr(step, "on_text", None)
        if state == "any" or on_text is None:
            if current != value:
                gen.line(f"{value} = {current}")
                current = value
            _steps(gen, (step,), value)
            state = "any"
            continue
        with gen.block(f"if {value} is not None") if state == "text?" else nullcontext():
            state = on_text(gen, value, current, state)
        current = value
    if current != value:
        gen.line(f"{value} = {current}")
    if state == "any":
        gen.line(f"if {value} == '': {value} = None")
    elif state != "text?":
        gen.or_none(value)


def _is_local(atom: str) -> bool:
    """Whether an atom is a variable, not a literal (a type test on a literal is one to fold, not to run)."""
    return atom.isidentifier() and not keyword.iskeyword(atom)


def _plain_text_value(gen: Gen, chain: tuple[Callable[[Any], Any], ...], value: str, source: str) -> None:
    """A plain value whose first step has a text-only form: text takes ``_text_steps``, the rest the general form.

    Empty text is null and runs no step; steps that make blank text blank or null (trim,
    empty_to_null) need not test for it first.
    """
    working = tuple(step for step in chain if not getattr(step, "keeps_text", False))
    with gen.block(f"if {source}.__class__ is str"):
        if not working:
            gen.line(f"{value} = {source} or None")
        elif all(getattr(step, "blank_safe", False) for step in working):
            _text_steps(gen, working, value, source)
        else:
            with gen.block(f"if {source}"):
                _text_steps(gen, working, value, source)
            with gen.block("else"):
                gen.line(f"{value} = None")
    with gen.block(f"elif {source} is None"):
        gen.line(f"{value} = None")
    with gen.block("else"):
        gen.line(f"{value} = {source}")
        _plain_steps(gen, chain, value)


def _plain_steps(gen: Gen, chain: tuple[Callable[[Any], Any], ...], value: str) -> None:
    """A plain value's steps on any value: empty text is null before and after them."""
    gen.line(f"if {value} == '': {value} = None")
    if chain:
        _steps(gen, chain, value)
        gen.line(f"if {value} == '': {value} = None")


class _Value(Node):
    """A value spec; ``place`` (position, field) when it is plain: a source and steps only."""

    __slots__ = ("place",)

    def __init__(self, emit: Any, label: str, place: tuple[Position | None, str] | None) -> None:
        super().__init__(emit, label)
        self.place = place


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

        def emit(gen: Gen, b: str) -> str:
            return truthy_atom(gen, value_of(gen, evaluate, b))
        return _mark(Node(emit, f"condition {text!r:.60}"), _free(evaluate))

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
        return constant(tpl)

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
        built = Node(_object_emit(items, constants, guard, self.mapping), f"object {scope.path}")
        return self.cached(_mark(built, _free(guard, *(fn for _, fn in items))))

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

        def emit(gen: Gen, b: str) -> str:
            out = gen.fresh("l")
            gen.line(f"{out} = []")
            for expands, fn, inner_fn, var in frozen:
                if not expands:
                    value = value_of(gen, fn, b)
                    gen.line(f"if {value} is not None: {out}.append({value})")
                    continue
                elements = value_of(gen, fn, b)
                with gen.block(f"if {elements} is not None"):
                    seq, element = gen.fresh("s"), gen.fresh("e")
                    gen.line(f"{seq} = {elements} if isinstance({elements}, list) else [{elements}]")
                    # to_array(null) and sparse lists give nulls: no item for them
                    with gen.block(f"for {element} in {seq}", nested=True), gen.block(f"if {element} is not None"), \
                            gen.extend(b, {var: element}) as inner:
                        value = value_of(gen, inner_fn, inner)  # type: ignore[arg-type]
                        gen.line(f"if {value} is not None: {out}.append({value})")
            gen.line(f"{out} = {out} or None")
            return out

        return self.cached(_mark(Node(emit, f"list {scope.path}"), free))

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
        plain = guard is None and default is None and not required

        def emit(gen: Gen, b: str) -> str:
            out = gen.fresh()
            if guard is not None:
                gen.line(f"{out} = None")
            with gen.block(f"if {value_of(gen, guard, b)}") if guard is not None else nullcontext():
                with gen.guarded(gen.field_error(mapping, pos, path)):
                    value = value_of(gen, source, b)
                    if plain and chain and hasattr(chain[0], "on_text") and _is_local(value):
                        _plain_text_value(gen, chain, out, value)
                    else:
                        gen.line(f"{out} = {value}")
                        if plain:
                            _plain_steps(gen, chain, out)
                        else:
                            _steps(gen, chain, out)
                if not plain:
                    gen.line(f"if {out} is None or {out} == '': {out} = {literal_atom(gen, default)}")
                    if required:
                        gen.line(f"if {out} is None: raise MappingError('required value is missing', "
                                 f"mapping={gen.ref(mapping)}, position={gen.ref(pos)}, field={gen.ref(path)})")
            return out

        return _mark(_Value(emit, f"value {path}", (pos, path) if plain else None), _free(source, guard))

    def source(self, key: str, arg: Any, scope: Scope, schema: SchemaView | None, pos: Position | None) -> Evaluator:
        if key == "from":
            return self.expression(arg, scope, pos)
        if key == "const":
            if schema is not None:
                reason = schema.check_constant(arg)
                if reason:
                    return self.problem(pos, f"{scope.path}: {reason}")
            return constant(arg)
        if key == "format":
            return self.format(arg, scope, pos)
        if key == "first":
            if not isinstance(arg, list) or not arg:
                return self.problem(pos, f"{scope.path}: first takes a list of expressions or value specs")
            options = tuple(self.expression(a, scope, position_of(arg, i)) if isinstance(a, str)
                            else self.node(a, scope, schema, position_of(arg, i)) for i, a in enumerate(arg))
            return _mark(Node(_first_emit(options), f"first {scope.path}"), _free(*options))
        if key == "switch":
            return self.switch(arg, scope, schema, pos)
        if key == "hash":
            parts = arg if isinstance(arg, list) else [arg]
            fns = tuple(self.expression(p, scope, pos) for p in parts)

            def emit(gen: Gen, b: str) -> str:
                values = [value_of(gen, fn, b) for fn in fns]
                out = gen.fresh("h")
                gen.line(f"{out} = {gen.ref(_digest, 'digest')}(({', '.join(values)},))")
                return out
            return _mark(Node(emit, f"hash {scope.path}"), _free(*fns))
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

        def emit(gen: Gen, b: str) -> str:
            out = gen.fresh()
            gen.line(f"{out} = None")
            with ExitStack() as branches:  # each case is tried in the else branch of the one before
                for test, then in frozen:
                    if test is None:
                        gen.line(f"{out} = {value_of(gen, then, b)}")
                        break
                    with gen.block(f"if {value_of(gen, test, b)}"):
                        gen.line(f"{out} = {value_of(gen, then, b)}")
                    branches.enter_context(gen.block("else"))
                else:
                    gen.line("pass")
            return out

        return _mark(Node(emit, f"switch {scope.path}"), _free(*(part for case in frozen for part in case)))

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

        # Known codes resolve from a dict made now (the table never changes); others take find.
        resolved: dict[str, Any] = {}
        for code in table.codes():
            try:
                resolved[code] = find(code)
            except MappingError:
                continue
        remember = _remembering(find, resolved, len(resolved) + MAX_REMEMBERED_MISSES)

        def emit_step(gen: Gen, value: str) -> None:
            hit, missing = gen.fresh("t"), gen.ref(_MISSING, "missing")
            gen.line(f"{hit} = {gen.ref(resolved, 'codes')}.get({value}, {missing}) "
                     f"if {value}.__class__ is str else {missing}")
            gen.line(f"{value} = {gen.ref(remember, 'find')}({value}) if {hit} is {missing} else {hit}")

        def on_text(gen: Gen, target: str, source: str, state: str) -> str:
            hit, missing = gen.fresh("t"), gen.ref(_MISSING, "missing")
            gen.line(f"{hit} = {gen.ref(resolved, 'codes')}.get({source}, {missing})")
            gen.line(f"{target} = {gen.ref(remember, 'find')}({source}) if {hit} is {missing} else {hit}")
            return "any"
        find.emit_step = emit_step  # type: ignore[attr-defined]
        find.on_text = on_text  # type: ignore[attr-defined]
        return find


_MISSING = object()

# Codes a table lacks recur (X12 qualifiers such as REF 97 or N1 ZZ, on every event); past this
# many distinct ones per lookup, the rest are looked up each time, so odd input cannot grow memory.
MAX_REMEMBERED_MISSES = 256


def _remembering(find: Callable[[Any], Any], resolved: dict[str, Any], limit: int) -> Callable[[Any], Any]:
    """``find``, keeping what it answers for text in ``resolved`` (up to ``limit`` entries)."""
    def remember(value: Any) -> Any:
        found = find(value)  # a miss that is an error raises here and is never kept
        if value.__class__ is str and len(resolved) < limit:
            resolved[value] = found
        return found
    return remember


def _digest(values: tuple[Any, ...]) -> str | None:
    """A stable 32-hex id of some values (null when all are null)."""
    if values.count(None) == len(values):
        return None
    # A list, not a generator: join makes one from a generator first anyway.
    text = "\x1f".join(["" if v is None else v if v.__class__ is str else str(v) for v in values])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _first_emit(options: tuple[Evaluator, ...]) -> Any:
    """The first option that is neither null nor empty text; later options are not evaluated."""
    def emit(gen: Gen, b: str) -> str:
        out = gen.fresh()
        gen.line(f"{out} = None")
        with ExitStack() as branches:
            for option in options:
                value = value_of(gen, option, b)
                with gen.block(f"if {value} is not None and {value} != ''"):
                    gen.line(f"{out} = {value}")
                branches.enter_context(gen.block("else"))
            gen.line("pass")
        return out
    return emit


def _object_emit(items: list[tuple[str, Evaluator]], constants: dict[str, Any],
                 guard: Callable[[dict[str, Any]], bool] | None, mapping: str) -> Any:
    """Straight-line Python building one object: no loop over fields.

    A plain value (a source and its steps) reports its own errors. Any other failure inside the
    object (a condition, a list's elements) names the plain field before it, or the first one.
    """
    places = [getattr(fn, "place", None) for _, fn in items]
    blamed: list[tuple[Position | None, str] | None] = []
    for _ in places:
        blamed.append(next((p for p in reversed(places[:len(blamed)]) if p is not None), None)
                      or next((p for p in places if p is not None), None))

    def emit(gen: Gen, b: str) -> str:
        out = gen.fresh("o")
        if guard is not None:
            gen.line(f"{out} = None")
        with gen.block(f"if {value_of(gen, guard, b)}") if guard is not None else nullcontext():
            gen.line(f"{out} = {gen.ref(constants)}.copy()" if constants else f"{out} = {{}}")
            for (key, fn), place, blame in zip(items, places, blamed, strict=True):
                errors: Any = nullcontext()
                if place is None and blame is not None:
                    errors = gen.guarded(gen.field_error(mapping, blame[0], blame[1]))
                with errors:
                    value = value_of(gen, fn, b)
                    gen.line(f"if {value} is not None: {out}[{key!r}] = {value}")
            gen.line(f"{out} = {out} or None")
        return out
    return emit


def _located_copy(original: Any, data: dict[str, Any]) -> dict[str, Any]:
    """A dict subset that keeps the key positions of ``original`` (for error messages)."""
    out = SourceMap(data)
    out.position = original.position
    out.key_positions = {k: v for k, v in original.key_positions.items() if k in data}
    return out


def _same_text(gen: Gen, target: str, source: str, state: str) -> str:
    gen.line(f"{target} = {source}")
    return state


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
        to_text.emit_step = lambda gen, value: gen.line(  # type: ignore[attr-defined]
            f"if {value}.__class__ is not str: {value} = {gen.ref(to_text, 'text')}({value})")
        to_text.keeps_text = True  # type: ignore[attr-defined]
        to_text.on_text = _same_text  # type: ignore[attr-defined]
        return to_text
    if kinds and kinds <= {"number", "integer"}:
        def to_number(value: Any) -> Any:
            if isinstance(value, str):
                number = json_number(to_decimal(value))
                return int(number) if kinds == {"integer"} and number == int(number) else number
            return value
        return to_number
    return None
