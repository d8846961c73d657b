"""Local SVG images with their size; diagrams with a dark variant and a readable phone view.

Sizes: an <img> without a size takes no room until the file arrives, then pushes the text below
it down (cumulative layout shift, measured by Lighthouse). With width and height taken from the
SVG's own viewBox the browser reserves the right box at once; the theme's CSS still scales the
image down to the column (max-width: 100%, height: auto). Images load lazily.

Diagrams (``assets/diagrams/<name>.svg``) are drawn for a light page. For the dark palette the
build writes ``<name>.dark.svg`` next to each (``dark_svg``: every colour keeps its hue and
saturation and gets the opposite lightness, so the white panel turns into the page's dark grey
and black text into light grey), unless docs/ holds a hand-drawn ``<name>.dark.svg``; the page
shows one of the two as the palette says (docs/assets/css/extra.css). On a phone a diagram
shows ``<name>.narrow.svg`` where docs/ holds one (drawn for a narrow column); otherwise it is
shown no smaller than the size at which its smallest text is ``MIN_TEXT_PX`` pixels, and scrolls
sideways.
"""

from __future__ import annotations

import colorsys
import posixpath
import re
from functools import cache
from pathlib import Path
from typing import Any

DIAGRAMS = "assets/diagrams/"
NARROW_MEDIA = "(max-width: 44.984375em)"  # the theme's phone breakpoint
MIN_TEXT_PX = 11

_IMG = re.compile(r'<img (?P<attrs>[^>]*?)src="(?P<src>[^"]+\.svg)"(?P<rest>[^>]*)>')
_VIEWBOX = re.compile(
    r'<svg\b[^>]*\bviewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)\s*"'
)
_FONT_SIZE = re.compile(r"font-size\s*[:=]\s*[\"']?\s*([\d.]+)")


@cache
def svg_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from the SVG's viewBox, or None when it has none."""
    m = _VIEWBOX.search(path.read_text(encoding="utf-8")[:4000])
    return (round(float(m[1])), round(float(m[2]))) if m else None


@cache
def smallest_text(path: Path) -> float | None:
    """The smallest font size the SVG uses (in viewBox units), or None when it sets none."""
    sizes = [float(s) for s in _FONT_SIZE.findall(path.read_text(encoding="utf-8"))]
    return min(sizes) if sizes else None


# --- dark variants --------------------------------------------------------------------------

_COLOR = re.compile(
    r"(?P<prop>(?:fill|stroke|stop-color|flood-color|color)\s*[=:]\s*[\"']?\s*)"
    r"(?P<color>#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|white\b|black\b)"
)
_NAMED = {"white": "#ffffff", "black": "#000000"}
# The lightness a white panel gets: the dark palette's background (slate, about #1e2129)
DARK_FLOOR = 0.13
DARK_RANGE = 0.80


def dark_color(color: str) -> str:
    """``color`` for a dark page: same hue and saturation, lightness mirrored."""
    color = _NAMED.get(color.lower(), color)
    hexa = color[1:]
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    r, g, b = (int(hexa[i : i + 2], 16) / 255 for i in (0, 2, 4))
    h, light, s = colorsys.rgb_to_hls(r, g, b)
    light = DARK_FLOOR + (1 - light) * DARK_RANGE
    r, g, b = colorsys.hls_to_rgb(h, light, s * 0.85)
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (r, g, b)))


def dark_svg(svg: str) -> str:
    """The dark variant of a light diagram. Text and shapes that set no fill are black by
    default; the root gets the fill black turns into."""
    out = _COLOR.sub(lambda m: m["prop"] + dark_color(m["color"]), svg)
    root = re.search(r"<svg\b[^>]*>", out)
    if root and not re.search(r"\sfill=", root[0]):
        tag = root[0][:-1] + f' fill="{dark_color("#000000")}">'
        out = out[: root.start()] + tag + out[root.end() :]
    return out


def write_dark_variants(docs_dir: Path, site_dir: Path) -> list[Path]:
    """Write ``<name>.dark.svg`` for every diagram that has no hand-drawn one."""
    written = []
    source = docs_dir / DIAGRAMS
    for svg in sorted(source.glob("*.svg")) if source.is_dir() else []:
        if svg.name.endswith(".dark.svg"):
            continue
        dark = svg.with_name(svg.name.removesuffix(".svg") + ".dark.svg")
        if dark.exists():
            continue  # hand-drawn; mkdocs copies it
        target = site_dir / DIAGRAMS / dark.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dark_svg(svg.read_text(encoding="utf-8")), encoding="utf-8")
        written.append(target)
    return written


# --- markup ---------------------------------------------------------------------------------


def _variant(src: str, suffix: str) -> str:
    return src.removesuffix(".svg") + suffix + ".svg"


def _sized(path: Path) -> str:
    size = svg_size(path) if path.is_file() else None
    return f' width="{size[0]}" height="{size[1]}"' if size else ""


def _diagram(attrs: str, src: str, rest: str, path: Path) -> str:
    narrow = path.with_name(path.name.removesuffix(".svg") + ".narrow.svg")
    lazy = ' loading="lazy" decoding="async"'
    style = ""
    if not narrow.is_file():
        size, text = svg_size(path), smallest_text(path)
        if size and text:
            min_width = round(size[0] * MIN_TEXT_PX / text)
            style = f' data-min-width style="--qkv-min-width: {min_width}px"'
    parts = []
    for scheme, suffix in (("light", ""), ("dark", ".dark")):
        img = f'<img {attrs}src="{_variant(src, suffix)}"{_sized(path)}{lazy}{style}{rest}>'
        if narrow.is_file():
            source = (
                f'<source media="{NARROW_MEDIA}" srcset="{_variant(src, ".narrow" + suffix)}"'
                f"{_sized(narrow)}>"
            )
            img = f"<picture>{source}{img}</picture>"
        # a diagram that scrolls sideways on a phone takes keyboard focus, so it can be scrolled
        focus = ' tabindex="0"' if style else ""
        parts.append(f'<span class="qkv-diagram qkv-diagram--{scheme}"{focus}>{img}</span>')
    return "".join(parts)


def size_images(content: str, page_url: str, docs_dir: Path) -> str:
    """Add the sizes (and the diagram variants); ``src`` is relative to ``page_url``, and site
    paths mirror docs/ paths."""
    page_dir = page_url.rstrip("/") if page_url.endswith("/") else posixpath.dirname(page_url)

    def add_size(m: re.Match[str]) -> str:
        tag = m.group(0)
        if " width=" in tag or "://" in m["src"]:
            return tag
        site_path = posixpath.normpath(posixpath.join(page_dir, m["src"]))
        site_path = re.sub(r"^(\.\./)+", "", site_path)
        path = docs_dir / site_path
        if not path.is_file():
            return tag
        if site_path.startswith(DIAGRAMS) and not site_path.endswith(".dark.svg"):
            return _diagram(m["attrs"], m["src"], m["rest"], path)
        extra = _sized(path) + ' loading="lazy" decoding="async"'
        return f'<img {m["attrs"]}src="{m["src"]}"{extra}{m["rest"]}>'

    return _IMG.sub(add_size, content)


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    # At this point mkdocs has made links relative to the page's URL.
    return size_images(html, page.url, Path(config["docs_dir"]))


def on_post_build(config: Any) -> None:
    write_dark_variants(Path(config["docs_dir"]), Path(config["site_dir"]))
