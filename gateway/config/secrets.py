"""Resolve secret references at the moment they are needed, never keeping them in config."""

from __future__ import annotations

import os
from pathlib import Path

from gateway.config.errors import SecretUnavailable
from gateway.config.model import SecretRef


def read_secret(ref: SecretRef, base_dir: Path | None = None) -> bytes:
    """Return the secret's bytes (trailing newline stripped for files)."""
    if ref.env is not None:
        value = os.environ.get(ref.env)
        if value is None:
            raise SecretUnavailable(f"environment variable {ref.env} is not set (referenced at {ref.position})")
        return value.encode()
    assert ref.file is not None
    path = Path(ref.file)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    try:
        return path.read_bytes().rstrip(b"\r\n")
    except OSError as exc:
        raise SecretUnavailable(f"secret file {path} cannot be read: {exc.strerror} (referenced at {ref.position})") from None
