"""Editing a mapping while messages flow: every message is processed, each by exactly one version."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import httpx
import yaml
from e2e_support import ERP_SECRET, REPO, carrier_update, write_config

from gateway.config import load_config
from gateway.receiver import create_receiver_app, serve_app
from gateway.runtime import Gateway, RuntimeOptions

MESSAGES = 60


def _bump(mapping: Path, version: int) -> None:
    text = mapping.read_text()
    text = text.replace(f"version: {version - 1}\n", f"version: {version}\n", 1)
    mapping.write_text(text)
    stamp = time.time() + version  # reload notices edits by mtime and size
    os.utime(mapping, (stamp, stamp))


async def test_messages_admitted_during_mapping_edits_each_use_one_version(tmp_path: Path) -> None:
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    mapping = mappings / "easypost-tracker.yaml"
    shutil.copy(REPO / "mappings" / "carrier" / "easypost-tracker.yaml", mapping)
    async with serve_app(create_receiver_app(ERP_SECRET)) as receiver_url:
        setup = write_config(tmp_path, receiver_url)
        doc = yaml.safe_load(setup.config_path.read_text())
        doc["gateway"]["mappings_dir"] = str(mappings)
        setup.config_path.write_text(yaml.safe_dump(doc))
        gateway = Gateway(load_config(setup.config_path), RuntimeOptions(mapping_reload_s=0.02, pipeline_batch=4))
        await gateway.start()
        try:
            async with serve_app(gateway.http_app()) as url, httpx.AsyncClient(
                    base_url=url, headers={"Authorization": f"Bearer {setup.api_key}",
                                           "Content-Type": "application/json"}) as client:
                ids = []
                for n in range(MESSAGES):
                    answer = await client.post("/v1/messages", content=carrier_update(n))
                    ids.append(answer.json()["id"])
                    if n % 10 == 9:
                        _bump(mapping, n // 10 + 2)
                        await asyncio.sleep(0.05)
                deadline = time.monotonic() + 30
                while True:
                    histories = [gateway.store.message_history(i) for i in ids]
                    if all(h["status"] == "processed" for h in histories) or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.05)
        finally:
            await gateway.stop()
    assert [h["status"] for h in histories] == ["processed"] * MESSAGES
    versions_per_message = [{e["mapping"] for e in h["events"]} for h in histories]
    assert all(len(v) == 1 for v in versions_per_message)
    assert all(len(h["events"]) == 7 for h in histories)
    used = {next(iter(v)) for v in versions_per_message}
    assert len(used) >= 3 and "easypost-tracker@1" in used
