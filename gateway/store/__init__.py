"""Durable state behind one contract (``base.Store``); engines are chosen by configuration."""

from __future__ import annotations

from gateway.config.model import StoreSettings
from gateway.store.base import Store
from gateway.store.sqlite import SqliteStore


class UnknownStoreEngine(ValueError):
    """The configuration names a store engine this build does not have."""


def open_configured_store(settings: StoreSettings) -> Store:
    """Open the store the configuration asks for."""
    if settings.engine == "sqlite":
        return SqliteStore(settings.path, settings.group_commit_max, settings.group_commit_ms)
    raise UnknownStoreEngine(f"unknown store engine {settings.engine!r} (available: sqlite)")


__all__ = ["SqliteStore", "Store", "UnknownStoreEngine", "open_configured_store"]
