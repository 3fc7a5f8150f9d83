"""Validate canonical events: fast when valid, precise when not.

Valid events (the overwhelming majority) go through one compiled yes/no
check per event type, which covers envelope and data in a single call. Two
engines are available: ``rust`` (jsonschema-rs, the default, about ten times
faster than fastjsonschema on a rich event) and ``fastjsonschema``. Only when the
fast check rejects an event do we pay for jsonschema's Draft202012Validator, which
collects *every* error with its JSON pointer, so a mapping author sees all
problems at once instead of fixing them one run at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import fastjsonschema
import jsonschema_rs
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError as _JsError

from canonical.events import EVENT_TYPES, EventType, event_type_for_ce_type, get_event_type
from canonical.schema_store import SchemaStore, load_schemas

__all__ = [
    "CanonicalValidationError",
    "CanonicalValidator",
    "StrictDraft202012Validator",
    "ValidationIssue",
]


def strict_pattern(pattern: str) -> re.Pattern[str]:
    """Compiled ``pattern`` in which a final "$" does not accept a trailing newline."""
    # "$" at the very end also matches before a trailing newline in Python; "\Z" does not,
    # and neither does "$" in the Rust regex engine of the fast path.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _strict_pattern_keyword(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    # Python's "$" also matches before a trailing newline; the fast paths do not accept
    # that, and the detailed validator must agree with them.
    if validator.is_type(instance, "string") and not strict_pattern(pattern).search(instance):
        yield _JsError(f"{instance!r} does not match {pattern!r}")


StrictDraft202012Validator = validators.extend(
    Draft202012Validator, validators={"pattern": _strict_pattern_keyword})
"""Draft 2020-12 with the fast paths' reading of "$" in patterns, so all three agree."""


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One problem in an event."""

    path: str
    """JSON pointer (RFC 6901) into the event, e.g. ``/data/status/code``; "" is the root."""
    what: str
    """The constraint that failed: a JSON Schema keyword, or ``type-unknown``."""
    why: str
    """Human-readable explanation."""

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.why} [{self.what}]"


class CanonicalValidationError(ValueError):
    """An event does not conform to the canonical model; ``errors`` lists every issue."""

    def __init__(self, errors: list[ValidationIssue], event_type: str | None = None) -> None:
        self.errors = errors
        self.event_type = event_type
        head = f"invalid {event_type} event" if event_type else "invalid canonical event"
        shown = "; ".join(str(e) for e in errors[:5])
        more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{head}: {len(errors)} error(s): {shown}{more}")


def _pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _issues(error: _JsError, prefix: tuple[Any, ...] = ()) -> list[ValidationIssue]:
    """Turn one jsonschema error into precise issues (pointing at the offending member)."""
    path = prefix + tuple(error.absolute_path)
    kw = str(error.validator)
    inst = error.instance
    # The validator fills in each error's keyword value and schema; the stubs also allow an
    # error made by hand, which has neither (Unset).
    if kw == "required" and isinstance(inst, dict):
        missing = [r for r in cast("list[str]", error.validator_value) if r not in inst]
        return [ValidationIssue(_pointer((*path, m)), "required", f"missing required property {m!r}")
                for m in missing]
    if kw == "additionalProperties" and isinstance(inst, dict):
        allowed = cast("Mapping[str, Any]", error.schema).get("properties", {})
        extra = [k for k in inst if k not in allowed]
        return [ValidationIssue(_pointer((*path, k)), "additionalProperties",
                                f"property {k!r} is not defined by the canonical model here")
                for k in extra]
    if kw in ("anyOf", "oneOf") and error.context:
        ctx = list(error.context)
        if all(c.validator == "required" for c in ctx):
            # The only anyOf-of-required shapes are "at least one of" rules (TimeValue).
            names = sorted({n for c in ctx for n in cast("list[str]", c.validator_value)})
            return [ValidationIssue(_pointer(path), kw, f"needs at least one of {names}")]
        # Report the branch that came closest (fewest errors): that is usually the intent.
        branches: dict[Any, list[_JsError]] = {}
        for c in ctx:
            branches.setdefault(c.relative_schema_path[0], []).append(c)
        best = min(branches.values(), key=len)
        out: list[ValidationIssue] = []
        for c in best:
            out.extend(_issues(c, path))
        return out
    return [ValidationIssue(_pointer(path), kw, error.message)]


def _collect(validator: Any, instance: Any, prefix: tuple[Any, ...] = ()) -> list[ValidationIssue]:
    seen: set[tuple[str, str, str]] = set()
    out: list[ValidationIssue] = []
    for err in validator.iter_errors(instance):
        for issue in _issues(err, prefix):
            key = (issue.path, issue.what, issue.why)
            if key not in seen:
                seen.add(key)
                out.append(issue)
    out.sort(key=lambda i: (i.path, i.what))
    return out


Engine = Literal["rust", "fastjsonschema"]
Check = Callable[[Any], bool]


def _compile_fastjsonschema(schema: dict[str, Any]) -> Check:
    # use_default=False: validation must never write defaults into the event.
    # use_formats=False: jsonschema does not assert "format" by default, and the two
    # validators must agree; dates and times are enforced with "pattern" instead.
    # detailed_exceptions stays on: fastjsonschema 2.22 fails to generate "const"
    # checks without it. "$id" is dropped so every "#/$defs/..." resolves inside the
    # bundle, and the handlers turn any remote ref into a load error, not a fetch.
    local = {k: v for k, v in schema.items() if k != "$id"}
    fn = fastjsonschema.compile(local, handlers=_NO_REMOTE, use_default=False, use_formats=False)

    def check(instance: Any) -> bool:
        try:
            fn(instance)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return check


def _compile(schema: dict[str, Any], engine: Engine) -> Check:
    if engine == "rust":
        return jsonschema_rs.validator_for(schema).is_valid
    if engine == "fastjsonschema":
        return _compile_fastjsonschema(schema)
    raise ValueError(f"unknown validation engine {engine!r}")


def _refuse_remote(uri: str) -> Any:
    raise ValueError(f"remote $ref {uri!r} is not allowed in canonical schemas")


_NO_REMOTE = {"http": _refuse_remote, "https": _refuse_remote}

_STRICT = ("rejected by the fast check but the detailed validator found no error "
           "(the two should always agree; please report this event)")


class CanonicalValidator:
    """Compiled validators for every canonical event type.

    Create one per process (compiling all types takes well under a second) and share
    it; it holds no mutable state after construction, so it is safe across threads.
    """

    def __init__(self, store: SchemaStore | None = None, schema_dir: Path | str | None = None,
                 engine: Engine = "rust") -> None:
        self.store = store or (load_schemas(schema_dir) if schema_dir else load_schemas())
        self.engine = engine
        self._fast_event: dict[str, Check] = {}
        self._fast_data: dict[str, Check] = {}
        self._full_event: dict[str, Any] = {}
        self._full_data: dict[str, Any] = {}
        for name, et in EVENT_TYPES.items():
            ev, data = self.store.event_schema(name), self.store.data_schema(name)
            self._fast_event[et.ce_type] = _compile(ev, engine)
            self._fast_data[name] = _compile(data, engine)
            self._full_event[et.ce_type] = StrictDraft202012Validator(ev)
            self._full_data[name] = StrictDraft202012Validator(data)
        self._envelope = StrictDraft202012Validator(self.store.envelope)

    def validate_event(self, event: dict[str, Any]) -> None:
        """Raise CanonicalValidationError unless ``event`` is a valid canonical CloudEvent."""
        fast = self._fast_for(event)
        if fast is not None:
            if fast(event):
                return
            self._raise_full(event)
        self._raise_unknown(event)

    def validate_data(self, event_type: str | EventType, data: dict[str, Any]) -> None:
        """Validate only the ``data`` member for ``event_type`` (pointers are relative to data)."""
        et = event_type if isinstance(event_type, EventType) else get_event_type(event_type)
        if not self._fast_data[et.name](data):
            issues = _collect(self._full_data[et.name], data) or [ValidationIssue("", "schema", _STRICT)]
            raise CanonicalValidationError(issues, et.name)

    def errors(self, event: dict[str, Any]) -> list[ValidationIssue]:
        """All issues of ``event`` (empty when valid)."""
        try:
            self.validate_event(event)
        except CanonicalValidationError as exc:
            return exc.errors
        return []

    def is_valid(self, event: dict[str, Any]) -> bool:
        """True when ``event`` is valid; the cheapest check when errors are not needed."""
        fast = self._fast_for(event)
        return fast is not None and fast(event)

    def _fast_for(self, event: Any) -> Check | None:
        # "type" may be anything in a bad event, even an unhashable list.
        ce_type = event.get("type") if isinstance(event, dict) else None
        return self._fast_event.get(ce_type) if isinstance(ce_type, str) else None

    def data_schema(self, event_type: str | EventType) -> dict[str, Any]:
        """Self-contained JSON Schema of the ``data`` member of ``event_type``."""
        return self.store.data_schema(event_type)

    def _raise_full(self, event: dict[str, Any]) -> None:
        ce_type = event["type"]
        et = event_type_for_ce_type(ce_type)
        # When the validators disagree (see _STRICT), reject anyway rather than let a
        # doubtful event through.
        issues = _collect(self._full_event[ce_type], event) or [ValidationIssue("", "schema", _STRICT)]
        raise CanonicalValidationError(issues, et.name if et else None)

    def _raise_unknown(self, event: Any) -> None:
        if not isinstance(event, dict):
            raise CanonicalValidationError(
                [ValidationIssue("", "type", f"event must be a JSON object, got {type(event).__name__}")])
        issues = _collect(self._envelope, event)
        ce_type = event.get("type")
        if isinstance(ce_type, str) and not any(i.path == "/type" for i in issues):
            known = sorted(et.ce_type for et in EVENT_TYPES.values())
            issues.append(ValidationIssue("/type", "type-unknown",
                                          f"unknown canonical event type {ce_type!r}; known: {known}"))
        raise CanonicalValidationError(issues or [
            ValidationIssue("/type", "required", "missing required property 'type'")])
