"""Straight-line Python for compiled mapping nodes.

A compiled node is a callable on the bindings; most nodes also carry ``emit``, which writes the
same evaluation as statements into a function being generated for an enclosing node. A whole
event template thus becomes one Python function with no call per field, path or step: on rich
documents (an X12 204's stops, parties and appointment windows, hundreds of values per event)
the calls between small closures were most of the mapping time.

``emit(gen, current)`` appends statements at ``gen``'s indentation that compute the node's value
from the Python expression ``current`` (the bindings, or the element inside a projection) and
returns an *atom*: a local name, a literal or a namespace name, safe to read several times and
never assigned again. So a value computed once can serve again wherever the code that computed
it has surely run (``Gen.known``): X12 mappings read the same segment, and test the same
qualifiers, in dozens of places of one event.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from gateway.mapping.errors import MappingError

Emit = Callable[["Gen", str], str]

# CPython refuses more than 20 statically nested blocks (loops, try) and 100 indentation levels;
# deeper nodes are called instead of inlined, leaving room for what an inlined node opens itself.
MAX_BLOCKS = 14
MAX_INDENT = 60

# An expression that binds tighter than ``or``: a name, attribute or call (``v3.strip()``).
_PRIMARY = re.compile(r"[\w.]+(\(\))?")

# What a value's source or steps may raise on bad data; the field's MappingError replaces it.
DATA_ERRORS = "(ValueError, TypeError, ArithmeticError)"


class Gen:
    """The Python source of one function being generated: its lines, names and namespace."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"MappingError": MappingError}
        self._refs: dict[int, str] = {}
        self._count = 0
        self.indent = 1
        self.blocks = 0
        self.known: dict[tuple[Any, ...], str] = {}
        """Atoms computed on every way to the current line: (what, from which current) → atom."""
        self.scopes: dict[str, tuple[str, frozenset[str]]] = {}
        """A loop's bindings local → (the bindings it extends, the names it adds)."""
        self.dicts: set[str] = set()
        """Locals that always hold a dict: the bindings, which paths read without a type check."""
        self.bools: set[str] = set()
        """Atoms that always hold True or False (comparisons, negations): their own truthiness."""
        self.preamble: list[str] | None = None
        """Statements before all others, in a function called once per document (None in others)."""

    @contextmanager
    def extend(self, bindings: str, names: dict[str, str]) -> Iterator[str]:
        """Bind each name to its local in new bindings made from ``bindings``; yields their local.

        Paths from other names are read from ``bindings`` (sharing what is known there) and
        paths from these names from their locals, so the new dict is built only if code made
        below needs it as such (a call); otherwise its line is taken out.
        """
        inner = self.fresh("b")
        at = len(self.lines)
        self.line(f"{inner} = {{**{bindings}, {', '.join(f'{name!r}: {local}' for name, local in names.items())}}}")
        self.scopes[inner] = (bindings, frozenset(names))
        self.dicts.add(inner)
        for name, local in names.items():
            self.known[("path", inner, name)] = local
        yield inner
        used = re.compile(rf"\b{inner}\b")
        if not any(used.search(line) for line in self.lines[at + 1:]):
            del self.lines[at]

    def bindings_of(self, current: str, name: str) -> str:
        """The bindings local ``name`` is read from: ``current``, or the one a loop extended."""
        scope = self.scopes.get(current)
        while scope is not None and name not in scope[1]:
            current = scope[0]
            scope = self.scopes.get(current)
        return current

    def fresh(self, prefix: str = "v") -> str:
        """A local name not used before in this function."""
        self._count += 1
        return f"{prefix}{self._count}"

    def ref(self, obj: Any, prefix: str = "k") -> str:
        """A namespace name bound to ``obj`` (the same object gets the same name)."""
        name = self._refs.get(id(obj))
        if name is None:
            name = self._refs[id(obj)] = self.fresh(prefix)
            self.namespace[name] = obj
        return name

    def line(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)

    def derived(self, what: tuple[Any, ...], prefix: str, expression: str) -> str:
        """A local holding ``expression``, assigned here unless ``what`` is known already."""
        out = self.known.get(what)
        if out is None:
            out = self.known[what] = self.fresh(prefix)
            self.line(f"{out} = {expression}")
        return out

    def or_none(self, local: str) -> None:
        """Make empty text in ``local`` null, within the line that just assigned it when it can."""
        last = self.lines[-1] if self.lines else ""
        assigned = "    " * self.indent + f"{local} = "
        if last.startswith(assigned) and _PRIMARY.fullmatch(last[len(assigned):]):
            self.lines[-1] = f"{last} or None"
        else:
            self.line(f"if not {local}: {local} = None")

    @contextmanager
    def block(self, header: str, nested: bool = False) -> Iterator[None]:
        """``header:`` and an indented body; ``nested`` for loops and try, which CPython counts.

        What the body computes may not have run after it (a branch not taken, a loop's last
        element), so it is forgotten at its end.
        """
        self.line(header + ":")
        start = len(self.lines)
        self.indent += 1
        self.blocks += nested
        known = dict(self.known)
        try:
            yield
        finally:
            if len(self.lines) == start:
                self.line("pass")
            self.indent -= 1
            self.blocks -= nested
            self.known = known

    def has_room(self) -> bool:
        """Whether another node's code can be inlined here without hitting CPython's nesting limits."""
        return self.blocks < MAX_BLOCKS and self.indent < MAX_INDENT

    def field_error(self, mapping: str, pos: Any, path: str) -> str:
        """The statement raising ``exc`` again as the MappingError of one field."""
        return (f"raise MappingError(str(exc), mapping={self.ref(mapping)}, position={self.ref(pos)}, "
                f"field={self.ref(path)}) from None")

    def guarded(self, handler: str, errors: str = DATA_ERRORS) -> Any:
        """A try block running ``handler`` on ``errors`` (a MappingError passes as it is)."""
        return _Guarded(self, handler, errors)


class _Guarded:
    def __init__(self, gen: Gen, handler: str, errors: str) -> None:
        self.gen, self.handler, self.errors = gen, handler, errors

    def __enter__(self) -> None:
        self.gen.line("try:")
        self.gen.indent += 1
        self.gen.blocks += 1

    def __exit__(self, *exc_info: object) -> None:
        gen = self.gen
        if gen.lines[-1].endswith("try:"):
            gen.line("pass")
        gen.indent -= 1
        gen.blocks -= 1
        gen.line("except MappingError:")
        gen.line("    raise")
        gen.line(f"except {self.errors} as exc:")
        gen.line("    " + self.handler)


def truthy_atom(gen: Gen, atom: str) -> str:
    """An atom holding the JMESPath truthiness of ``atom`` (itself when it is a bool already)."""
    if atom in gen.bools:
        return atom
    out = gen.derived(("truthy", atom), "c", truthy_text(atom))
    gen.bools.add(out)
    return out


def truthy_if(gen: Gen, atom: str) -> str:
    """The test of an ``if`` on the JMESPath truthiness of ``atom``, where any true value will do."""
    return atom if atom in gen.bools else truthy_test(atom)


def truthy_text(atom: str) -> str:
    """JMESPath truthiness of an atom as a bool, inline (null, false and empty text, lists and objects are false).

    What Python finds true JMESPath does too, so only a value Python finds false (null or
    empty text, mostly) takes the full test: 0 is false to Python, true to JMESPath.
    """
    return f"(True if {atom} else {_falsy_but_true(atom)})"


def truthy_test(atom: str) -> str:
    """The same truthiness for an ``if``, where any true value will do."""
    return f"({atom} or {_falsy_but_true(atom)})"


def _falsy_but_true(atom: str) -> str:
    return f"({atom} is not None and {atom} is not False and {atom} != '' and {atom} != [] and {atom} != {{}})"


def value_of(gen: Gen, fn: Callable[[Any], Any], current: str) -> str:
    """Inline ``fn``'s code when it has some and there is room, else call it; returns an atom."""
    emit = getattr(fn, "emit", None)
    if emit is not None and gen.has_room():
        return emit(gen, current)
    out = gen.fresh()
    gen.line(f"{out} = {gen.ref(fn, 'f')}({current})")
    return out


def function_of(emit: Emit, label: str, bindings: bool = False) -> Callable[[Any], Any]:
    """Compile ``emit``'s code into a function of one argument (``bindings``: always called with a dict)."""
    gen = Gen()
    if bindings:
        gen.dicts.add("b")
    result = emit(gen, "b")
    source = "\n".join(["def evaluate(b):", *("    " + line for line in gen.preamble or ()), *gen.lines,
                        f"    return {result}"])
    exec(compile(source, f"<{label}>", "exec"), gen.namespace)  # noqa: S102
    return gen.namespace["evaluate"]


class Node:
    """A node that can be inlined (``emit``) or called, its function generated on first call.

    A node is only ever given the bindings (a dict), never an element inside a projection.

    Generating on first call keeps loading cheap: most nodes are only ever inlined into the
    function of the event template that holds them.
    """

    __slots__ = ("_fn", "emit", "free", "label")

    def __init__(self, emit: Emit, label: str, free: frozenset[str] | None = None) -> None:
        self.emit = emit
        self.label = label
        self.free = free
        self._fn: Callable[[Any], Any] | None = None

    def __call__(self, current: Any) -> Any:
        fn = self._fn
        if fn is None:
            fn = self._fn = function_of(self.emit, self.label, bindings=True)
        return fn(current)


def literal_atom(gen: Gen, value: Any) -> str:
    """Small scalars as Python literals; anything else by reference (the very same object)."""
    if value is None or value.__class__ in (bool, int) or (value.__class__ is str and len(value) < 80):
        return repr(value)
    return gen.ref(value)


def constant(value: Any) -> Callable[[Any], Any]:
    """A node that is always ``value``; objects merge such fields once, at load."""
    def evaluate(bindings: Any) -> Any:
        return value
    evaluate.is_constant = True  # type: ignore[attr-defined]
    evaluate.free = frozenset()  # type: ignore[attr-defined]
    evaluate.emit = lambda gen, current: literal_atom(gen, value)  # type: ignore[attr-defined]
    return evaluate
