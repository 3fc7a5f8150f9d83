"""``gateway replay``: run quarantined messages or dead letters again, with the current mappings."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from gateway.cli.common import load_config_or_report
from gateway.pipeline import replay
from gateway.store import open_configured_store

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="re-queue quarantined messages or dead-lettered deliveries")
    p.add_argument("--config", type=Path, default=Path("gateway.yaml"))
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--message", metavar="ID", help="one quarantined message")
    what.add_argument("--dead-letter", metavar="ID", type=int, help="one dead-lettered delivery")
    what.add_argument("--all-quarantined", action="store_true", help="every quarantined message")
    what.add_argument("--all-dead-letters", action="store_true", help="every dead letter")
    what.add_argument("--list", action="store_true", help="list quarantined messages and dead letters")
    p.add_argument("--partner", help="with --all-quarantined: only this partner's messages")
    p.add_argument("--target", help="with --all-dead-letters: only this target's")
    p.set_defaults(handler=run_replay)


def run_replay(args: argparse.Namespace) -> int:
    config = load_config_or_report(args.config)
    if config is None:
        return 1
    store = open_configured_store(config.gateway.store)
    who = f"cli:{getpass.getuser()}"
    done: replay.Replayed | list[replay.Replayed]
    try:
        if args.list:
            print(json.dumps({"quarantined": [_plain(q) for q in store.quarantined()],
                              "dead_letters": [_plain(d) for d in store.dead_letters()]}, indent=2, default=str))
            return 0
        if args.message:
            done = asyncio.run(replay.replay_quarantined(store, args.message, who))
        elif args.dead_letter is not None:
            done = asyncio.run(replay.replay_dead_letter(store, args.dead_letter, who))
        elif args.all_quarantined:
            done = asyncio.run(replay.replay_all_quarantined(store, who, partner=args.partner))
        else:
            done = asyncio.run(replay.replay_dead_letters(store, who, target=args.target))
    except (LookupError, replay.NotReplayable) as exc:
        print(f"nothing replayed: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    receipts = done if isinstance(done, list) else [done]
    print(json.dumps({"replayed": [_plain(r) for r in receipts]}))
    return 0


def _plain(record: Any) -> Any:
    # is_dataclass also accepts dataclass classes; the store and replay hand over instances only.
    return dataclasses.asdict(cast("DataclassInstance", record)) if dataclasses.is_dataclass(record) else record
