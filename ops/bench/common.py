"""Helpers shared by the benchmarks: each measured job runs in a child process of its own, so its
peak memory is its own (VmHWM starts afresh at exec)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path


def peak_rss_mb() -> float:
    """High-water RSS of this process in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(script: str, name: str, *args: str) -> dict[str, float]:
    """Run ``script --child NAME ARGS`` and return the JSON object it prints last."""
    proc = subprocess.run([sys.executable, script, "--child", name, *args], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])
