"""Give every local SVG image its intrinsic width and height, and let the browser load it lazily.

An <img> without a size takes no room until the file arrives, then pushes the text below it
down (cumulative layout shift, measured by Lighthouse). With width and height taken from the
SVG's own viewBox the browser reserves the right box at once; the theme's CSS still scales the
image down to the column (max-width: 100%, height: auto).
"""

from __future__ import annotations

import posixpath
import re
from functools import cache
from pathlib import Path
from typing import Any

_IMG = re.compile(r'<img (?P<attrs>[^>]*?)src="(?P<src>[^"]+\.svg)"(?P<rest>[^>]*)>')
_VIEWBOX = re.compile(
    r'<svg\b[^>]*\bviewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)\s*"'
)


@cache
def svg_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from the SVG's viewBox, or None when it has none."""
    m = _VIEWBOX.search(path.read_text(encoding="utf-8")[:4000])
    return (round(float(m[1])), round(float(m[2]))) if m else None


def size_images(content: str, page_url: str, docs_dir: Path) -> str:
    """Add the sizes; ``src`` is relative to ``page_url``, and site paths mirror docs/ paths."""
    page_dir = page_url.rstrip("/") if page_url.endswith("/") else posixpath.dirname(page_url)

    def add_size(m: re.Match[str]) -> str:
        tag = m.group(0)
        if " width=" in tag or "://" in m["src"]:
            return tag
        path = docs_dir / posixpath.normpath(posixpath.join(page_dir, m["src"]))
        size = svg_size(path) if path.is_file() else None
        if size is None:
            return tag
        extra = f' width="{size[0]}" height="{size[1]}" loading="lazy" decoding="async"'
        return f'<img {m["attrs"]}src="{m["src"]}"{extra}{m["rest"]}>'

    return _IMG.sub(add_size, content)


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    # At this point mkdocs has made links relative to the page's URL.
    return size_images(html, page.url, Path(config["docs_dir"]))
