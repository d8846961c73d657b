"""A "tested with" line at the end of every page: the versions its code blocks were run with.

The versions are read when the site is built, from the exact pins in constraints.txt (torch,
transformers) and qkvlib's own version in pyproject.toml, never typed by hand; `make test` runs
every block with those very pins. The line links to run-examples, which says what may differ on
a reader's machine (the last digits of floats) and what never may.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
PINNED = ("torch", "transformers")

TEXT = {
    "zh": ("本页代码用 {versions} 测试。", "在你的机器上运行时，哪些输出可能不同"),
    "en": ("The code on this page was tested with {versions}.", "what may differ on your machine"),
}


@cache
def versions() -> dict[str, str]:
    """{"torch": "2.13.0", "transformers": "...", "qkvlib": "..."} from the project's own files."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)", line)
        if m:
            pins[m[1].lower()] = m[2]
    missing = [name for name in PINNED if name not in pins]
    if missing:
        raise ValueError(f"constraints.txt pins no exact version of {missing}")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {**{name: pins[name] for name in PINNED}, "qkvlib": project["version"]}


def line_for(page_url: str) -> str:
    """The HTML paragraph for a page at ``page_url`` ("heads/", "en/heads/", "")."""
    lang = "en" if page_url.startswith("en/") else "zh"
    sentence, link_text = TEXT[lang]
    listed = " · ".join(f"{name} {v}" for name, v in versions().items())
    target = "en/run-examples/" if lang == "en" else "run-examples/"
    href = posixpath.relpath(target, page_url or ".") + "/"
    return (
        f'<p class="tested-with" data-tested-with="{escape(listed)}">'
        f"{escape(sentence.format(versions=listed))} "
        f'<a href="{escape(href)}#what-may-differ">{escape(link_text)}</a></p>'
    )


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    return html + line_for(page.url)
