"""Errors of the mapping language: at load time (author's mistakes) and per message."""

from __future__ import annotations

from gateway.yamlsrc import Position


class MappingLoadError(ValueError):
    """A mapping file is rejected; ``problems`` holds every (position, message) found."""

    def __init__(self, problems: list[tuple[Position | None, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{pos or '<mapping>'}: {msg}" for pos, msg in problems))


class MappingError(ValueError):
    """A message could not be mapped; says which mapping, which field spec and why."""

    def __init__(self, message: str, *, mapping: str = "", position: Position | None = None,
                 field: str = "", locator: str = "") -> None:
        self.mapping, self.position, self.field, self.locator, self.reason = mapping, position, field, locator, message
        where = " ".join(p for p in (f"mapping {mapping}" if mapping else "", f"at {position}" if position else "",
                                     f"field {field}" if field else "", f"({locator})" if locator else "") if p)
        super().__init__(f"{where}: {message}" if where else message)


class MappingLimitExceeded(MappingError):
    """A per-message cap (input size, events, time) was exceeded."""


class NoMappingMatched(LookupError):
    """No mapping's match rules fit a document."""


class AmbiguousMapping(LookupError):
    """Several mappings' match rules fit a document; names the candidates."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.candidates = candidates


class UnknownMapping(LookupError):
    """A mapping was asked for by a name that is not loaded."""
