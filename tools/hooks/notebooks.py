"""Notebook pages that look, copy and weigh like the chapters.

mkdocs-jupyter renders a notebook with JupyterLab's own page furniture: 580 KiB of JupyterLab CSS
inlined into every notebook page, a second copy button (a custom element with its own script),
code in JupyterLab's markup that the site's code style does not reach, prompts ("In [3]:") that
are real text (copied, indexed by the search, read aloud), and every figure inlined as base64.
This hook, run on notebook pages after tools/hooks/i18n_fixes.py, rewrites that HTML:

* no inlined stylesheet or clipboard script: the few rules notebook cells need are in
  docs/assets/css/extra.css, which every page already loads;
* each input cell becomes a code block as on the chapters (``div.highlight > pre > code``), so the
  theme's code style and copy button apply; its ``data-copy`` holds the cell's code as a plain
  Python REPL runs it (tools/hooks/copy_code.py: ``repl_code``);
* prompts move into a ``data-prompt`` attribute shown by CSS (hidden on narrow screens), and
  cell ids become valid CSS identifiers (the copy button's selector is built from them);
* heading anchors become the theme's ``headerlink`` (left out of the search index, no pilcrow);
* each figure is written once to ``assets/figures/<hash>.png`` and linked with its size and
  ``loading="lazy"``, so a reader downloads the figures as they scroll to them.
"""

from __future__ import annotations

import base64
import hashlib
import html
import posixpath
import re
import struct
from pathlib import Path
from typing import Any

from mkdocs_jupyter.plugin import NotebookFile

try:  # mkdocs runs a hook with its own folder on sys.path
    from copy_code import repl_code
except ImportError:  # the tests import tools/hooks as the package "hooks"
    from hooks.copy_code import repl_code

FIGURES = "assets/figures"

_STYLE = re.compile(r"<style\b[^>]*>.*?</style>", re.S)
_CLIPBOARD_SCRIPTS = re.compile(
    r"<script>\s*(?:\(function \(global, factory\)|document\.addEventListener\('clipboard-copy')"
    r".*?</script>",
    re.S,
)
_CLIPBOARD = re.compile(
    r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>'
    r'|<div class="clipboard-copy-txt" id="cell-\d+">.*?</div>',
    re.S,
)
_PROMPT = re.compile(r'<div class="(?P<cls>jp-(?:Input|Output)Prompt [^"]*)">(?P<text>[^<]*)</div>')
_CODE = re.compile(
    r'<div class="highlight-ipynb hl-(?P<lang>\w+)"><pre>(?P<code>.*?)</pre></div>', re.S
)
_ANCHOR = re.compile(r'<a class="anchor-link" href="(?P<href>#[^"]*)">¶</a>')
_IMG = re.compile(
    r'<img (?P<before>[^>]*?)src="data:image/(?P<fmt>png|jpeg);base64,(?P<data>[^"]+)"'
    r"(?P<after>[^>]*)>"
)
_HEADERLINK = r'<a class="headerlink" href="\g<href>" title="Permanent link">¶</a>'
_INPUT_WRAPPER = '<div class="jp-Cell-inputWrapper" tabindex="0">'
_TAG = re.compile(r"<[^>]+>")
_CELL_ID = re.compile(r'id="cell-id=(?P<id>[^"]+)"')


def _code_block(m: re.Match[str]) -> str:
    code = m["code"].removeprefix("<span></span>")
    source = html.unescape(_TAG.sub("", code))
    copy = html.escape(repl_code(source), quote=True)
    return (
        f'<div class="language-{m["lang"]} highlight" data-copy="{copy}">'
        f"<pre><span></span><code>{code}</code></pre></div>"
    )


def _prompt(m: re.Match[str]) -> str:
    text = html.unescape(m["text"]).replace("\xa0", " ").strip()
    attr = f' data-prompt="{html.escape(text)}"' if text else ""
    return f'<div class="{m["cls"]}"{attr} aria-hidden="true"></div>'


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def figure_alts(notebook: Path) -> list[str]:
    """The alt text of each figure of a notebook, in order: its cell's ``metadata.alt``.

    A cell that draws figures states what they show in the notebook's language; mkdocs-jupyter's
    template ignores it and writes "No description has been provided for this image".
    """
    import json

    alts = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}):
                alts.append(cell.get("metadata", {}).get("alt", ""))
    return alts


def restyle(
    content: str, page_url: str, site_dir: Path | None, alts: list[str] | None = None
) -> str:
    """The notebook HTML of a page at ``page_url``; figures are written under ``site_dir``
    (kept inline when it is None) with the alt texts ``alts``, in order."""
    pending = list(alts or [])
    content = _STYLE.sub("", content)
    content = _CLIPBOARD_SCRIPTS.sub("", content)
    content = _CLIPBOARD.sub("", content)
    content = _PROMPT.sub(_prompt, content)
    content = _CODE.sub(_code_block, content)
    content = _ANCHOR.sub(_HEADERLINK, content)
    content = content.replace(_INPUT_WRAPPER, '<div class="jp-Cell-inputWrapper">')
    # nbconvert's cell ids ("cell-id=code-01") are not valid in a CSS selector, and the
    # theme's copy button finds its code block by a selector built from the id around it
    content = _CELL_ID.sub(r'id="cell-\g<id>"', content)
    to_root = posixpath.relpath(".", page_url.rstrip("/") or ".") if page_url.strip("/") else "."

    def figure(m: re.Match[str]) -> str:
        data = base64.b64decode(m["data"])
        size = png_size(data) if m["fmt"] == "png" else None
        dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
        lazy = ' loading="lazy" decoding="async"'
        if site_dir is None:
            return m[0]
        name = f"{hashlib.sha256(data).hexdigest()[:16]}.{m['fmt']}"
        path = site_dir / FIGURES / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        src = posixpath.join(to_root, FIGURES, name)
        before = m["before"].replace('class="" ', "")
        tag = f'<img {before}src="{src}"{dims}{lazy}{m["after"]}>'
        alt = pending.pop(0) if pending else ""
        if alt:
            tag = re.sub(r'\balt="[^"]*"', lambda _: f'alt="{html.escape(alt)}"', tag)
        return tag

    return _IMG.sub(figure, content)


def on_page_content(content: str, page: Any, config: Any, files: Any) -> str:
    if not isinstance(page.file, NotebookFile):
        return content
    alts = figure_alts(Path(page.file.abs_src_path))
    return restyle(content, page.url, Path(config["site_dir"]), alts)
