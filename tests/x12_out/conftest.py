"""Shared set-up: the x12 mappings, a translate helper and partner settings for outbound tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from adapters.x12 import Party
from adapters.x12_out import PartnerSettings
from gateway.cli.common import runner_for
from gateway.mapping.fixtures import corpus_root

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "mappings" / "x12"
FIXTURES = MAPPINGS / "fixtures"
CORPUS = corpus_root(ROOT) / "x12"
CONTEXT = {"partner": "acme", "channel": "test", "message_id": "01JTESTMESSAGE000000000000",
           "received_at": "2026-01-01T00:00:00Z"}
# Fields the gateway fills or that only describe the source bytes (LX numbering, raw codes kept aside).
NOT_ROUND_TRIPPED = ("provenance", "receivedAt", "extensions")


@pytest.fixture(scope="session")
def translate() -> Callable[[bytes], list[dict[str, Any]]]:
    """Decode X12 bytes and apply the x12 mappings; returns each event's validated ``data``."""
    runner = runner_for([MAPPINGS])

    def run(body: bytes) -> list[dict[str, Any]]:
        return [event["data"] for event in runner.translate(body, "application/edi-x12", None, CONTEXT)]

    return run


@pytest.fixture
def settings() -> PartnerSettings:
    return PartnerSettings(partner="acme", sender=Party("02", "ABCD"), receiver=Party("ZZ", "ACMESHIPPER"), scac="ABCD")


@pytest.fixture
def control_numbers() -> Iterator[Callable[[str, str], int]]:
    """A per-kind counter like the store's sequences; records each call."""
    counters: dict[str, Iterator[int]] = {}
    calls: list[tuple[str, str]] = []

    def next_control_number(partner: str, kind: str) -> int:
        calls.append((partner, kind))
        return next(counters.setdefault(kind, count(41)))

    next_control_number.calls = calls  # type: ignore[attr-defined]
    yield next_control_number


def comparable(data: dict[str, Any], *also: str) -> dict[str, Any]:
    """An event's data without the fields a round trip does not carry."""
    return {k: v for k, v in data.items() if k not in NOT_ROUND_TRIPPED + also}
