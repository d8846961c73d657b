"""Typeset the math at build time with the site's own KaTeX, so pages carry finished math.

pymdownx.arithmatex (generic mode) leaves ``\\(...\\)`` and ``\\[...\\]`` in the page for a script
to typeset in the browser. Typesetting in the browser shifts the layout after the first paint
and blocks the main thread while it runs; doing it here instead means readers download no math
script at all, only KaTeX's stylesheet and the fonts a page uses. KaTeX runs in Node.js
(tools/katex_render.js, one process per build); the result is KaTeX's HTML plus MathML, so
screen readers read the formulas. A formula KaTeX cannot parse stops the build, naming the
page. The search index keeps the formulas' TeX source.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

_SCRIPT = Path(__file__).resolve().parent.parent / "katex_render.js"
# Inline math with the punctuation that touches it: an opening bracket or quote before, closing
# punctuation after. They are kept on one line with the formula (.qkv-nobr in extra.css), so a
# comma never starts a line and "(" never ends one.
_OPENING = "（(“‘「『《【["
_CLOSING = "，。、；：！？）)”’」』》】],.;:!?%"
_INLINE = re.compile(
    rf"(?P<pre>[{re.escape(_OPENING)}]*)"
    r'<span class="arithmatex">\\\((?P<tex>.*?)\\\)</span>'
    rf"(?P<post>[{re.escape(_CLOSING)}]*)",
    re.S,
)
_DISPLAY = re.compile(
    r'<div class="arithmatex"(?P<attrs>[^>]*)>\s*\\\[(?P<tex>.*?)\\\]\s*</div>', re.S
)


class _KaTeX:
    """One Node.js process for the whole build, and a cache: zh and en pages share formulas."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._cache: dict[tuple[str, bool], str] = {}

    def render(self, tex: str, display: bool, where: str) -> str:
        key = (tex, display)
        if key not in self._cache:
            proc = self._process()
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
            proc.stdin.flush()
            answer = json.loads(proc.stdout.readline())
            if "error" in answer:
                raise ValueError(f"{where}: KaTeX cannot typeset {tex!r}: {answer['error']}")
            self._cache[key] = answer["html"]
        return self._cache[key]

    def _process(self) -> subprocess.Popen[str]:
        if self._proc is None or self._proc.poll() is not None:
            node = shutil.which("node")
            if node is None:
                raise RuntimeError(
                    "typesetting the math needs Node.js (18 or newer) on PATH: "
                    "install it from your package manager (Debian: apt-get install nodejs)"
                )
            self._proc = subprocess.Popen(
                [node, str(_SCRIPT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            )
        return self._proc

    def close(self) -> None:
        if self._proc is not None:
            if self._proc.stdin:
                self._proc.stdin.close()
            self._proc.wait(timeout=10)
            self._proc = None


_katex = _KaTeX()


def typeset(content: str, where: str) -> str:
    def inline(m: re.Match[str]) -> str:
        out = _katex.render(html.unescape(m["tex"]), False, where)
        math = f'<span class="arithmatex">{out}</span>'
        if m["pre"] or m["post"]:
            return f'<span class="qkv-nobr">{m["pre"]}{math}{m["post"]}</span>'
        return math

    def display(m: re.Match[str]) -> str:
        out = _katex.render(html.unescape(m["tex"]).strip(), True, where)
        return f'<div class="arithmatex"{m["attrs"]}>{out}</div>'

    return _INLINE.sub(inline, _DISPLAY.sub(display, content))


def on_post_page(output: str, page: Any, config: Any) -> str:
    # After the page is rendered, so the search index keeps the plain TeX of each formula
    # (indexing KaTeX's markup would be slow and fill the index with layout text).
    return typeset(output, page.file.src_uri)


def on_post_build(config: Any) -> None:
    _katex.close()
