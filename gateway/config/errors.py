"""Configuration errors, each naming the file, line and column at fault."""

from __future__ import annotations

from gateway.yamlsrc import Position


class ConfigError(ValueError):
    """One or more problems in a configuration file; ``problems`` lists them all."""

    def __init__(self, problems: list[tuple[Position | None, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{pos or '<config>'}: {msg}" for pos, msg in problems))


class SecretUnavailable(LookupError):
    """A referenced secret (environment variable or file) cannot be read."""
