"""A yes/no schema checker compiled to Python source, for the valid-event fast path.

Why not only fastjsonschema: its generated code pays for error reporting on the
success path (path strings built per array element, per-property key-set
bookkeeping, exception-based anyOf), which caps a typical shipment.status
event at roughly 10-14k events/s per core; the gateway's target is 50k.
This compiler handles exactly the keyword subset the canonical schemas use
(``tests/canonical/test_schemas.py`` pins that subset) and produces functions
that only answer "valid or not", with no messages. Any "no" is re-checked
by jsonschema, which produces the detailed errors, so this module never
decides *what* is wrong, only *whether* to look. Unknown keywords raise at
compile time rather than being silently ignored.

Semantics follow JSON Schema (2.0 is an integer, True is not a number),
with one deliberate strictness shared with fastjsonschema: a final ``$`` in a
pattern does not accept a trailing newline (``validate.StrictDraft202012Validator``
applies the same rule on the detailed path).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

Schema = dict[str, Any]
Checker = Callable[[Any], bool]

# Keywords that only document; they never affect validity.
_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description", "format", "$comment"}
_HANDLED = {
    "$ref", "type", "enum", "const", "properties", "required", "additionalProperties",
    "minProperties", "items", "minItems", "maxItems", "minLength", "maxLength", "pattern",
    "minimum", "maximum", "anyOf", "oneOf",
}

_TYPE_TEST = {
    "string": "type({v}) is str",
    "integer": "(type({v}) is int or (type({v}) is float and {v}.is_integer()))",
    "number": "(type({v}) is int or type({v}) is float)",
    "boolean": "type({v}) is bool",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "null": "{v} is None",
}


class UnsupportedSchema(ValueError):
    """The schema uses a keyword or form this compiler does not implement."""


@functools.lru_cache(maxsize=1024)
def strict_pattern(pattern: str) -> re.Pattern[str]:
    """Compiled ``pattern`` in which a final "$" does not accept a trailing newline."""
    # "$" at the very end also matches before a trailing newline in Python; "\Z" does not.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _enum_ok(value: Any, allowed: tuple[Any, ...]) -> bool:
    """JSON equality: 1 and True differ, 1 and 1.0 do not."""
    for a in allowed:
        if value == a and (type(value) is bool) == (type(a) is bool):
            return True
    return False


class _Compiler:
    def __init__(self, root: Schema, no_memo: frozenset[str]) -> None:
        self.no_memo = no_memo
        self.defs: dict[str, Schema] = root.get("$defs", {})
        self.consts: dict[str, Any] = {"_enum_ok": _enum_ok, "_match": _match}
        self.funcs: dict[str, str] = {}  # def name -> function name
        self.pending: list[str] = []
        self.inlining: list[str] = []  # defs being inlined now (recursion guard)
        self.out: list[str] = []
        self.n = 0

    def name(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def const(self, value: Any, prefix: str = "K") -> str:
        key = self.name(prefix)
        self.consts[key] = value
        return key

    def ref(self, target: str) -> str:
        if not target.startswith("#/$defs/") or target[8:] not in self.defs:
            raise UnsupportedSchema(f"only local #/$defs refs are supported: {target!r}")
        def_name = target[8:]
        if def_name not in self.funcs:
            self.funcs[def_name] = f"d_{re.sub(r'[^A-Za-z0-9_]', '_', def_name)}"
            self.pending.append(def_name)
        return self.funcs[def_name]

    def function(self, fname: str, schema: Schema) -> None:
        body: list[str] = []
        self.check(schema, "v", body, 1)
        self.out.append(f"def {fname}(v):")
        self.out.extend(body)
        self.out.append("    return True")
        self.out.append("")

    def check(self, s: Schema, v: str, out: list[str], ind: int) -> None:
        """Append lines that ``return False`` when ``v`` does not satisfy ``s``.

        Simple failure conditions are joined into one ``if a or b or c`` line:
        fewer jumps, and later conditions may rely on the type test before them.
        """
        pad = "    " * ind
        unknown = set(s) - _HANDLED - _ANNOTATIONS
        if unknown:
            raise UnsupportedSchema(f"unsupported keywords {sorted(unknown)}")
        conds: list[str] = []

        def flush() -> None:
            if conds:
                out.append(f"{pad}if {' or '.join(conds)}: return False")
                conds.clear()

        if "$ref" in s:
            def_name = s["$ref"][8:] if s["$ref"].startswith("#/$defs/") else None
            if def_name in self.defs and def_name not in self.inlining:
                # Inline every non-recursive definition: a Python call costs more than
                # most of the checks it would wrap, and the generated code is never read.
                self.inlining.append(def_name)
                self.check(self.defs[def_name], v, out, ind)
                self.inlining.pop()
            else:
                out.append(f"{pad}if not {self.ref(s['$ref'])}({v}): return False")
        types = s.get("type")
        types = [types] if isinstance(types, str) else list(types or [])
        single = types[0] if len(types) == 1 else None
        if types:
            test = " or ".join(_TYPE_TEST[t].format(v=v) for t in types)
            conds.append(f"not ({test})")

        if "enum" in s:
            values = tuple(s["enum"])
            if single == "string" and all(type(x) is str for x in values):
                conds.append(f"{v} not in {self.const(frozenset(values), 'E')}")
            else:
                conds.append(f"not _enum_ok({v}, {self.const(values, 'E')})")
        if "const" in s:
            c = s["const"]
            if single == "string" and type(c) is str:
                conds.append(f"{v} != {c!r}")
            else:
                conds.append(f"not _enum_ok({v}, {self.const((c,), 'C')})")

        def typed(json_type: str, checks: list[str]) -> None:
            # Type-specific keywords apply only to instances of that type.
            if not checks:
                return
            if single == json_type or (single == "integer" and json_type == "number"):
                conds.extend(checks)
            else:
                test = _TYPE_TEST[json_type].format(v=v)
                conds.append(f"(({test}) and ({' or '.join(checks)}))")

        checks: list[str] = []
        if "minLength" in s:
            n = int(s["minLength"])
            # "not v" is several times cheaper than a len() call for the common minLength 1.
            checks.append(f"not {v}" if n == 1 and single == "string" else f"len({v}) < {n}")
        if "maxLength" in s:
            checks.append(f"len({v}) > {int(s['maxLength'])}")
        if "pattern" in s:
            # Codes (units, countries, zones, reasons) repeat endlessly; remembering the
            # strings that matched turns most regex searches into one set lookup.
            pat = self.const(strict_pattern(s["pattern"]), "P")
            if s["pattern"] in self.no_memo:
                checks.append(f"not {pat}.search({v})")
            else:
                memo = self.const(set(), "M")
                checks.append(f"({v} not in {memo} and not _match({pat}, {memo}, {v}))")
        typed("string", checks)

        checks = []
        if "minimum" in s:
            checks.append(f"{v} < {s['minimum']!r}")
        if "maximum" in s:
            checks.append(f"{v} > {s['maximum']!r}")
        typed("number", checks)

        checks = []
        if "required" in s:
            checks.append(f"not ({self.const(frozenset(s['required']), 'R')} <= {v}.keys())")
        if s.get("additionalProperties", True) is False:
            allowed = frozenset(s.get("properties", {}))
            checks.append(f"not ({v}.keys() <= {self.const(allowed, 'A')})")
        elif isinstance(s.get("additionalProperties"), dict):
            raise UnsupportedSchema("additionalProperties with a schema is not supported")
        if "minProperties" in s:
            checks.append(f"len({v}) < {int(s['minProperties'])}")
        typed("object", checks)

        checks = []
        if "minItems" in s:
            checks.append(f"len({v}) < {int(s['minItems'])}")
        if "maxItems" in s:
            checks.append(f"len({v}) > {int(s['maxItems'])}")
        typed("array", checks)

        for kw in ("anyOf", "oneOf"):
            if kw not in s:
                continue
            branches = s[kw]
            if kw == "anyOf" and all(set(b) == {"required"} for b in branches):
                # "At least one of" (TimeValue): plain membership tests, no calls.
                alts = " or ".join(
                    "(" + " and ".join(f"{r!r} in {v}" for r in b["required"]) + ")" for b in branches)
                conds.append(f"(isinstance({v}, dict) and not ({alts}))")
                continue
            calls = []
            for branch in branches:
                fname = self.name("b")
                self.function(fname, branch)
                calls.append(f"{fname}({v})")
            if kw == "anyOf":
                conds.append(f"not ({' or '.join(calls)})")
            else:
                conds.append(f"({' + '.join(calls)}) != 1")
        flush()

        # Structure: properties and items, each guarded by the container type.
        body: list[str] = []
        required = set(s.get("required", ()))
        for prop, sub in s.get("properties", {}).items():
            x = self.name("x")
            inner: list[str] = []
            self.check(sub, x, inner, 1)
            if not inner:
                continue
            if prop in required:
                # Presence already checked above: read it directly.
                body.append(f"{x} = {v}[{prop!r}]")
                body.extend(ln[4:] for ln in inner)
            else:
                # "in" + subscript is cheaper than dict.get for the usual absent key.
                body.append(f"if {prop!r} in {v}:")
                body.append(f"    {x} = {v}[{prop!r}]")
                body.extend(inner)
        self._guard(single, "object", v, body, out, pad)
        body = []
        if "items" in s:
            if not isinstance(s["items"], dict):
                raise UnsupportedSchema("items must be a single schema")
            x = self.name("i")
            inner = []
            self.check(s["items"], x, inner, 1)
            if inner:
                body.append(f"for {x} in {v}:")
                body.extend(inner)
        self._guard(single, "array", v, body, out, pad)

    @staticmethod
    def _guard(single: str | None, json_type: str, v: str, body: list[str], out: list[str], pad: str) -> None:
        if not body:
            return
        if single == json_type:
            out.extend(pad + ln for ln in body)
        else:
            out.append(f"{pad}if {_TYPE_TEST[json_type].format(v=v)}:")
            out.extend(pad + "    " + ln for ln in body)

    def compile(self, root: Schema) -> Checker:
        self.function("check_root", root)
        while self.pending:
            def_name = self.pending.pop()
            self.function(self.funcs[def_name], self.defs[def_name])
        source = "\n".join(self.out)
        namespace: dict[str, Any] = dict(self.consts)
        exec(compile(source, "<canonical.fastcheck>", "exec"), namespace)  # noqa: S102 - our own generated code
        checker: Checker = namespace["check_root"]
        checker.__source__ = source  # type: ignore[attr-defined]  # kept for debugging
        return checker


MEMO_LIMIT = 512
"""Most distinct matching strings remembered per pattern site (bounds memory:
code domains are small, and a site that sees more distinct values than this
simply stops remembering)."""


def _match(pattern: re.Pattern[str], memo: set[str], value: str) -> bool:
    if pattern.search(value) is None:
        return False
    if len(memo) < MEMO_LIMIT:
        memo.add(value)
    return True


def compile_checker(schema: Schema, no_memo: frozenset[str] = frozenset()) -> Checker:
    """Compile a self-contained schema (local ``#/$defs`` refs only) to ``f(instance) -> bool``.

    ``no_memo``: patterns whose matching values are nearly always new (timestamps),
    for which remembering matches would only cost time and memory.
    """
    return _Compiler(schema, no_memo).compile(schema)
