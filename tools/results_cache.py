"""A small on-disk cache of check results, keyed on everything the result depends on.

Doc blocks and notebooks are executed by every `make test`; a result is reused only when none of
its inputs changed: the block or notebook itself, every file of qkvlib, the pinned versions
(constraints.txt), the Python version, the runner's own code and the kernel/thread setting it ran
under. Only passing results are stored, so a failure is always re-run and shown in full.

The cache lives in ``.cache/results/`` (git-ignored); ``make clean`` or ``rm -r .cache`` empties it,
and ``QKV_NO_CACHE=1`` ignores it for one run.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "results"


@cache
def _environment_digest() -> str:
    """What every cached result depends on besides its own source."""
    h = hashlib.sha256()
    h.update(sys.version.encode())
    for path in sorted((ROOT / "qkvlib").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(path.relative_to(ROOT).as_posix().encode())
            h.update(path.read_bytes())
    for name in ("constraints.txt", "tools/docblocks.py", "tools/execute_notebooks.py"):
        h.update((ROOT / name).read_bytes())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()


def key(kind: str, source: str | bytes, setting: str) -> str:
    """The cache key of one result: its kind, its own source, the setting it ran under."""
    h = hashlib.sha256(_environment_digest().encode())
    for part in (kind, setting):
        h.update(b"\0" + part.encode())
    h.update(b"\0" + (source.encode() if isinstance(source, str) else source))
    return h.hexdigest()


def enabled() -> bool:
    return os.environ.get("QKV_NO_CACHE", "") in ("", "0")


def get(k: str) -> Any | None:
    """The stored result for key ``k``, or None."""
    if not enabled():
        return None
    path = CACHE / k[:2] / f"{k}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def put(k: str, value: Any) -> None:
    """Store a (passing) result; written atomically, so parallel workers never read half a file."""
    if not enabled():
        return
    path = CACHE / k[:2] / f"{k}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
