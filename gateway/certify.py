"""Partner certification: run a partner's samples through its channel and mapping, and write a
report of what passed and what failed, field by field, that can be sent to the partner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.config.model import Channel, Config
from gateway.mapping.errors import MappingError
from gateway.mapping.preview import MappingPreview


@dataclass
class SampleResult:
    sample: str
    channel: str
    media: str
    ok: bool
    mapping: Any = None
    events: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CertificationReport:
    partner: str
    results: list[SampleResult]

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {"partner": self.partner, "passed": self.passed,
                "samples": [r.__dict__ for r in self.results]}

    def to_markdown(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [f"# Certification report for partner `{self.partner}`: {verdict}", "",
                 f"{sum(r.ok for r in self.results)} of {len(self.results)} samples passed.", "",
                 "| sample | channel | mapping | events | result |", "|---|---|---|---|---|"]
        for r in self.results:
            lines.append(f"| `{r.sample}` | {r.channel} | {r.mapping or '-'} | {r.events} | {'pass' if r.ok else 'FAIL'} |")
        for r in self.results:
            if r.ok:
                continue
            lines += ["", f"## `{r.sample}`", "", "| stage | where | field | problem |", "|---|---|---|---|"]
            for e in r.errors:
                lines.append(f"| {e['stage']} | {e.get('position', '')} | {e.get('field', '')} | "
                             f"{e['message'].replace('|', '/')} |")
        return "\n".join(lines) + "\n"


def _channel_for(config: Config, partner: str, media: str, channel: str | None) -> Channel:
    channels = config.channels_of(partner)
    if channel:
        found = [c for c in channels if c.id == channel]
        if not found:
            raise LookupError(f"partner {partner!r} has no channel {channel!r}; it has "
                              f"{', '.join(c.id for c in channels) or 'none'}")
        return found[0]
    fitting = [c for c in channels if not c.content_types or media in c.content_types]
    if len(fitting) != 1:
        raise LookupError(f"partner {partner!r} has {len(fitting)} channels accepting {media}; name one with --channel")
    return fitting[0]


def certify(config: Config, partner: str, samples: list[Path], preview: MappingPreview,
            media_for: Callable[[Path, bytes], str | None], channel: str | None = None) -> CertificationReport:
    """Run every sample the way the partner's channel would, and collect every problem."""
    if partner not in config.partners:
        raise LookupError(f"unknown partner {partner!r}; configured: {', '.join(sorted(config.partners))}")
    results = []
    for sample in samples:
        body = sample.read_bytes()
        media = media_for(sample, body) or ""
        try:
            chan = _channel_for(config, partner, media, channel)
            mapping = None if chan.mapping == "auto" else preview.registry.get(chan.mapping)
        except (LookupError, MappingError) as exc:
            results.append(SampleResult(sample.name, channel or "-", media, False,
                                        errors=[{"stage": "channel", "message": str(exc)}]))
            continue
        answer = preview.run(body, media, mapping, partner, chan.id)
        results.append(SampleResult(sample.name, chan.id, media, answer["ok"], answer.get("mapping"),
                                    len(answer.get("events", [])), answer.get("errors", [])))
    return CertificationReport(partner, results)
