"""Selecting mappings by their match rules, and reloading them while the gateway runs."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from gateway.documents import Document
from gateway.mapping import AmbiguousMapping, MappingRegistry, NoMappingMatched
from tests.mapping.conftest import CONTEXT, status_mapping


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    # Reload notices edits by modification time and size; make every write visible.
    stamp = time.time() + len(list(directory.iterdir()))
    os.utime(path, (stamp, stamp))
    return path


def matching(name: str, when: str, version: int = 1, remarks: str = "x") -> str:
    return status_mapping(f"      remarks: {{const: '{remarks}'}}", extra=f'match: {{when: "{when}"}}') \
        .replace("mapping: t", f"mapping: {name}").replace("version: 1", f"version: {version}")


def doc(tree: dict) -> Document:
    return Document(tree=tree, format="json", kind="json")


@pytest.fixture
def registry(env, tmp_path):
    return MappingRegistry([tmp_path], env)


def test_a_document_is_matched_to_the_mapping_whose_rules_fit(registry, tmp_path):
    write(tmp_path, "a.yaml", matching("alpha", "doc.kind == 'a'"))
    write(tmp_path, "b.yaml", matching("beta", "doc.kind == 'b'"))
    registry.load()
    assert registry.select(doc({"kind": "b"})).name == "beta"


def test_no_fitting_mapping_is_an_error_that_lists_what_is_loaded(registry, tmp_path):
    write(tmp_path, "a.yaml", matching("alpha", "doc.kind == 'a'"))
    registry.load()
    with pytest.raises(NoMappingMatched, match="loaded for json: alpha"):
        registry.select(doc({"kind": "z"}))


def test_several_fitting_mappings_is_an_error_naming_the_candidates(registry, tmp_path):
    write(tmp_path, "a.yaml", matching("alpha", "doc.kind"))
    write(tmp_path, "b.yaml", matching("beta", "doc.kind"))
    registry.load()
    with pytest.raises(AmbiguousMapping) as err:
        registry.select(doc({"kind": "a"}))
    assert err.value.candidates == ["alpha@1", "beta@1"]


def test_a_partner_specific_mapping_shadows_the_generic_one(registry, tmp_path):
    write(tmp_path, "a.yaml", matching("generic", "doc.kind"))
    write(tmp_path, "b.yaml", matching("acme-only", "doc.kind").replace('match: {when: "doc.kind"}',
                                                                       'match: {when: "doc.kind", partner: [acme]}'))
    registry.load()
    assert registry.select(doc({"kind": 1}), partner="acme").name == "acme-only"
    assert registry.select(doc({"kind": 1}), partner="other").name == "generic"


def test_documents_of_one_kind_are_each_matched_by_their_own_content(registry, tmp_path):
    # What format, kind and partner allow is remembered per kind; the when rules are asked every time.
    write(tmp_path, "a.yaml", matching("alpha", "doc.kind == 'a'"))
    write(tmp_path, "b.yaml", matching("beta", "doc.kind == 'b'"))
    registry.load()
    assert [registry.select(doc({"kind": k})).name for k in "abba"] == ["alpha", "beta", "beta", "alpha"]


def test_a_reload_changes_what_an_already_seen_kind_selects(registry, tmp_path):
    write(tmp_path, "a.yaml", matching("alpha", "doc.kind"))
    registry.load()
    assert registry.select(doc({"kind": 1}), partner="acme").name == "alpha"
    write(tmp_path, "b.yaml", matching("acme-only", "doc.kind").replace('match: {when: "doc.kind"}',
                                                                       'match: {when: "doc.kind", partner: [acme]}'))
    registry.load()
    assert registry.select(doc({"kind": 1}), partner="acme").name == "acme-only"


def test_an_edited_mapping_takes_effect_without_restart(registry, tmp_path):
    write(tmp_path, "a.yaml", matching("alpha", "doc.kind", 1, "one"))
    registry.load()
    write(tmp_path, "a.yaml", matching("alpha", "doc.kind", 2, "two"))
    report = registry.load()
    assert report.loaded == ["alpha@2"]
    assert registry.get("alpha").apply(doc({}), CONTEXT)[0]["data"]["remarks"] == "two"


def test_a_broken_edit_is_refused_and_the_old_version_keeps_running(registry, tmp_path):
    write(tmp_path, "a.yaml", matching("alpha", "doc.kind", 1, "one"))
    registry.load()
    write(tmp_path, "a.yaml", matching("alpha", "doc.kind", 2, "two").replace("remarks:", "remarkz:"))
    report = registry.load()
    assert "data.remarkz: not a field" in str(report.refused[str(tmp_path / "a.yaml")])
    assert registry.get("alpha").ref == "alpha@1"


def test_an_edit_that_is_not_even_yaml_keeps_the_old_version(registry, tmp_path):
    write(tmp_path, "a.yaml", matching("alpha", "doc.kind", 1))
    registry.load()
    write(tmp_path, "a.yaml", "mapping: alpha\nversion: [unclosed\n")
    registry.load()
    assert registry.get("alpha").ref == "alpha@1" and registry.refused


def test_a_deleted_mapping_is_unloaded(registry, tmp_path):
    path = write(tmp_path, "a.yaml", matching("alpha", "doc.kind"))
    registry.load()
    path.unlink()
    assert registry.load().removed == ["alpha"]


def test_messages_mapped_during_reloads_each_use_exactly_one_version(registry, tmp_path):
    """Workers pick a mapping once per message: every message's events come from one version."""
    text = status_mapping("      remarks: {const: 'v1'}", each="    each: doc.items").replace("version: 1", "version: 1")
    write(tmp_path, "a.yaml", text)
    registry.load()
    results: list[set[str]] = []
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            mapping = registry.get("t")
            events = mapping.apply(doc({"items": [{}] * 20}), CONTEXT)
            results.append({(e["mapping"], e["data"]["remarks"]) for e in events})

    thread = threading.Thread(target=worker)
    thread.start()
    for version in range(2, 12):
        write(tmp_path, "a.yaml", text.replace("version: 1", f"version: {version}").replace("'v1'", f"'v{version}'"))
        registry.load()
        time.sleep(0.01)
    stop.set()
    thread.join()
    assert results and all(len(r) == 1 for r in results)
    assert {next(iter(r))[0] for r in results} >= {"t@1", "t@11"}
    assert all(next(iter(r))[0] == f"t@{next(iter(r))[1][1:]}" for r in results)
