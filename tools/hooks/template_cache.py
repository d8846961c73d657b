"""The theme's templates, compiled once and kept in .cache/jinja/ between builds.

Jinja compiles every template to Python the first time an environment uses it, and the i18n
plugin builds each language with a fresh template environment, so every build compiled the
theme's templates again and again (185 compilations of 41 templates): about a second of the
build `make test` waits for. Jinja's own bytecode
cache keeps each compiled template under its name and a checksum of its source, so an edited
template (tools/theme/, or a theme update) is compiled again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import FileSystemBytecodeCache

CACHE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "jinja"


def on_env(env: Any, config: Any, files: Any) -> Any:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = FileSystemBytecodeCache(str(CACHE_DIR))
    return env
