"""The set of loaded mappings: lookup by name, selection by match rules, and hot reload.

The registry holds an immutable snapshot (name → compiled mapping) and replaces it whole on
reload. A worker picks its mapping once per message, so a reload between two messages never
splits one message across two versions, and a message in flight finishes on the version it
started with. A broken edit is refused: the previous version keeps running and the problems
are reported with file:line:column.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from gateway.documents import Document
from gateway.mapping.compiled import CompiledMapping
from gateway.mapping.errors import AmbiguousMapping, MappingLoadError, NoMappingMatched, UnknownMapping
from gateway.mapping.loader import MappingEnvironment, MappingSource, compile_mapping, read_mapping_file

log = logging.getLogger(__name__)

TESTS_SUFFIX = ".tests.yaml"
MAX_REMEMBERED_KINDS = 1024


def mapping_files(directories: Iterable[Path]) -> list[Path]:
    """Every mapping file below the directories (fixtures and ``*.tests.yaml`` excluded)."""
    out = []
    for directory in directories:
        for path in sorted(Path(directory).rglob("*.yaml")):
            if path.name.endswith(TESTS_SUFFIX) or "fixtures" in path.parts:
                continue
            out.append(path)
    return out


@dataclass(frozen=True)
class ReloadReport:
    """What a (re)load did: which mappings changed, and which files were refused and why."""

    loaded: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    refused: dict[str, MappingLoadError] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.loaded or self.removed)


class MappingSet:
    """An immutable set of compiled mappings: lookup by name and selection by match rules."""

    def __init__(self, mappings: Mapping[str, CompiledMapping]) -> None:
        self._snapshot = mappings
        self._claiming: dict[tuple[str, str, str | None], tuple[CompiledMapping, ...]] = {}
        """(format, kind, partner) → the mappings whose rules may fit, before their ``when``."""

    def __contains__(self, name: object) -> bool:
        return name in self._snapshot

    def get(self, name: str) -> CompiledMapping:
        try:
            return self._snapshot[name]
        except KeyError:
            raise UnknownMapping(f"no mapping named {name!r}; loaded: {', '.join(sorted(self._snapshot)) or 'none'}") from None

    def candidates(self, document: Document, partner: str | None = None) -> list[CompiledMapping]:
        """Mappings whose match rules fit; partner-specific ones shadow the generic ones."""
        fitting = [m for m in self._claiming_for(document.format, document.kind, partner) if m.match.holds(document)]
        specific = [m for m in fitting if m.match.partners]
        return specific or fitting

    def _claiming_for(self, format: str, kind: str, partner: str | None) -> tuple[CompiledMapping, ...]:
        # Documents of a message, and messages of a channel, share their kind: the rules on format,
        # kind and partner are asked once per kind, not per document and mapping.
        key = (format, kind, partner)
        found = self._claiming.get(key)
        if found is None:
            found = tuple(m for m in self._snapshot.values()
                          if (not m.match.partners or (partner is not None and partner in m.match.partners))
                          and m.match.claims(format, kind))
            if len(self._claiming) < MAX_REMEMBERED_KINDS:  # kinds come from input: keep memory bounded
                self._claiming[key] = found
        return found

    def select(self, document: Document, name: str | None = None, partner: str | None = None) -> CompiledMapping:
        """The mapping to use: by ``name`` when given (or not 'auto'), else by match rules."""
        if name and name != "auto":
            return self.get(name)
        found = self.candidates(document, partner)
        if not found:
            raise NoMappingMatched(f"no mapping matches this {document.format} document"
                                   + (f" ({document.kind})" if document.kind else "")
                                   + f"; loaded for {document.format}: "
                                   + (", ".join(sorted(m.name for m in self._snapshot.values()
                                                       if m.match.format == document.format)) or "none"))
        if len(found) > 1:
            names = sorted(m.ref for m in found)
            raise AmbiguousMapping(f"several mappings match this document: {', '.join(names)}; "
                                   "name one, or tighten their match rules", names)
        return found[0]


class MappingRegistry:
    """Compiled mappings from one or more directories, reloadable while the gateway runs."""

    def __init__(self, directories: Iterable[Path], env: MappingEnvironment,
                 on_reload: Callable[[ReloadReport], None] | None = None) -> None:
        self.directories = [Path(d) for d in directories]
        self.env = env
        self._on_reload = on_reload
        self._snapshot: Mapping[str, CompiledMapping] = MappingProxyType({})
        self._current = MappingSet(self._snapshot)  # one per snapshot, so what it learns is kept
        self._stamps: dict[Path, tuple[float, int]] = {}
        self._refused: dict[str, MappingLoadError] = {}
        self._sources: Mapping[str, MappingSource] = MappingProxyType({})

    # -- reading --------------------------------------------------------------------------------

    @property
    def mappings(self) -> Mapping[str, CompiledMapping]:
        return self._snapshot

    @property
    def refused(self) -> Mapping[str, MappingLoadError]:
        """Files whose current content is refused (the previous version, if any, still runs)."""
        return MappingProxyType(self._refused)

    def source(self, name: str) -> MappingSource | None:
        """The parsed file behind a loaded mapping (a base for ``extends`` in previews)."""
        return self._sources.get(name)

    def current(self) -> MappingSet:
        """The loaded mappings as of now. Take it once per message: a reload never splits a message."""
        return self._current

    def get(self, name: str) -> CompiledMapping:
        return self.current().get(name)

    def select(self, document: Document, name: str | None = None, partner: str | None = None) -> CompiledMapping:
        """The mapping to use: by ``name`` when given (or not 'auto'), else by match rules."""
        return self.current().select(document, name, partner)

    # -- loading --------------------------------------------------------------------------------

    def load(self) -> ReloadReport:
        """(Re)compile every mapping file whose content changed; swap the snapshot atomically."""
        files = mapping_files(self.directories)
        stamps = {}
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                continue
            stamps[path] = (stat.st_mtime, stat.st_size)
        if stamps == self._stamps and self._snapshot:
            return ReloadReport()
        sources: dict[str, MappingSource] = {}
        refused: dict[str, MappingLoadError] = {}
        warnings: list[str] = []
        for path in files:
            try:
                source = read_mapping_file(path)
            except MappingLoadError as exc:
                refused[str(path)] = exc
                continue
            if source.name in sources:
                refused[str(path)] = MappingLoadError([(None, f"mapping name {source.name!r} is also used by "
                                                              f"{sources[source.name].path}")])
                continue
            sources[source.name] = source
        current = dict(self._snapshot)
        fresh: dict[str, CompiledMapping] = {}
        loaded: list[str] = []
        for name, source in sources.items():
            old = current.get(name)
            base = sources.get(source.doc.get("extends", "")) if source.doc.get("extends") else None
            unchanged = old is not None and old.digest == source.text_digest and (
                base is None or current.get(base.name) is None or current[base.name].digest == base.text_digest)
            if unchanged:
                fresh[name] = old  # type: ignore[assignment]
                continue
            try:
                compiled = compile_mapping(source, self.env, sources.get)
            except MappingLoadError as exc:
                refused[str(source.path)] = exc
                if old is not None:
                    fresh[name] = old  # a broken edit never replaces a working version
                    warnings.append(f"{source.path}: edit refused, {old.ref} keeps running")
                continue
            if old is not None and old.version == compiled.version:
                warnings.append(f"{source.path}: content changed but version stayed {compiled.version}; "
                                "bump the version so events say which logic made them")
            fresh[name] = compiled
            loaded.append(compiled.ref)
        for name, old in current.items():
            if name not in fresh and old.path in refused:
                fresh[name] = old  # the file no longer parses: keep the running version
        removed = sorted(set(current) - set(fresh))
        self._snapshot = MappingProxyType(fresh)
        self._current = MappingSet(self._snapshot)
        self._sources = MappingProxyType(sources)
        self._stamps = stamps
        self._refused = refused
        report = ReloadReport(loaded=loaded, removed=removed, refused=refused, warnings=warnings)
        for refusal in refused.values():
            log.error("mapping refused: %s", refusal)
        for line in warnings:
            log.warning("%s", line)
        if self._on_reload is not None and (report.changed or refused):
            self._on_reload(report)
        return report
