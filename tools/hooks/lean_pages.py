"""Each page loads only the stylesheets it uses, and the theme restyles a page fewer times.

* KaTeX's stylesheet only on pages with math; mkdocstrings' stylesheet only on pages with API
  documentation. Every stylesheet in the head holds back the first paint, on a slow connection
  by a round trip each.
* A page with math preloads exactly the KaTeX fonts its formulas use (read from the classes of
  its formulas and the font rules of KaTeX's stylesheet). A web font that arrives after the page
  is styled makes the browser restyle every element; a font fetched with the page arrives before
  that, and formulas do not change size when it does.
* The theme's palette stylesheet has a rule that switches transitions off on every element while
  the palette is being applied (``[data-md-color-switching] *``); the theme applies the palette
  on every page load, so that rule restyles the whole page twice as it starts (on a long chapter,
  hundreds of milliseconds of a phone's main thread). Without it a palette switch may fade
  instead of flipping; the build fails if the rule is no longer found, so a theme update is
  looked at rather than silently patched.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

_LINK = r'\s*<link rel="stylesheet" href="[^"]*assets/{}">'
_KATEX_CSS = re.compile(_LINK.format(r"vendor/katex/katex\.min\.css"))
_MKDOCSTRINGS_CSS = re.compile(_LINK.format(r"_mkdocstrings\.css"))
_SWITCHING = (
    "[data-md-color-switching] *,[data-md-color-switching] :after,"
    "[data-md-color-switching] :before{transition-duration:0s!important}"
)

_KATEX_DIR = Path(__file__).resolve().parents[2] / "docs/assets/vendor/katex"
_CLASS_ATTR = re.compile(r'class="([^"]*)"')


@functools.cache
def _katex_font_rules() -> tuple[tuple[tuple[frozenset[str], ...], str], ...]:
    """(the class sets a rule's selector needs, one per element, and the font file it selects)
    for each font rule of KaTeX's stylesheet, e.g. (({"delimsizing", "size1"},),
    "KaTeX_Size1-Regular") for `.katex .delimsizing.size1`."""
    css = (_KATEX_DIR / "katex.min.css").read_text(encoding="utf-8")
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*font-family:KaTeX_[^{}]*)\}", css):
        family = re.search(r"font-family:(KaTeX_\w+)", body)[1]  # type: ignore[index]
        bold = "font-weight:700" in body or "font-weight:bold" in body
        italic = "font-style:italic" in body
        style = ("Bold" if bold else "") + ("Italic" if italic else "") or "Regular"
        for selector in selectors.split(","):
            compounds = tuple(
                frozenset(re.findall(r"\.([\w-]+)", compound)) - {"katex"}
                for compound in re.split(r"[\s>+~]+", selector.strip())
            )
            if any(compounds):
                rules.append((tuple(c for c in compounds if c), f"{family}-{style}"))
    return tuple(rules)


def katex_fonts(html: str) -> list[str]:
    """The KaTeX font files (without extension) the formulas of a page use."""
    if 'class="katex' not in html:
        return []
    elements = {frozenset(attr.split()) for attr in _CLASS_ATTR.findall(html)}
    fonts = {"KaTeX_Main-Regular"} | {
        font
        for needs, font in _katex_font_rules()
        if all(any(need <= classes for classes in elements) for need in needs)
    }
    missing = [f for f in fonts if not (_KATEX_DIR / "fonts" / f"{f}.woff2").exists()]
    if missing:
        raise PluginError(f"tools/hooks/lean_pages.py: no KaTeX font file for {missing}")
    return sorted(fonts)


def _preload_fonts(output: str) -> str:
    link = _KATEX_CSS.search(output)
    if link is None:
        return output
    href = re.search(r'href="([^"]*)katex\.min\.css"', link[0])[1]  # type: ignore[index]
    preloads = "".join(
        f'\n<link rel="preload" href="{href}fonts/{font}.woff2" as="font" type="font/woff2"'
        " crossorigin>"
        for font in katex_fonts(output)
    )
    return output[: link.end()] + preloads + output[link.end() :]


def lean(output: str) -> str:
    """The page without the stylesheets it does not use, with the KaTeX fonts it does."""
    has_math = 'class="katex' in output
    output = _preload_fonts(output) if has_math else _KATEX_CSS.sub("", output)
    if 'class="doc doc-' not in output:
        output = _MKDOCSTRINGS_CSS.sub("", output)
    return output


def on_post_page(output: str, page: Any, config: Any) -> str:
    return lean(output)


@event_priority(-200)  # after the i18n plugin has built the other languages (-100)
def on_post_build(config: Any) -> None:
    if config.plugins["i18n"].building:  # a language built inside the i18n plugin's loop
        return
    palettes = list((Path(config["site_dir"]) / "assets/stylesheets").glob("palette.*.min.css"))
    for css in palettes:
        text = css.read_text(encoding="utf-8")
        if _SWITCHING not in text:
            raise PluginError(
                f"tools/hooks/lean_pages.py: {css.name} no longer has the palette-switching "
                "rule this hook drops; check what the theme does on every page load now"
            )
        css.write_text(text.replace(_SWITCHING, ""), encoding="utf-8")


@event_priority(10)  # before tools/hooks/i18n_fixes.py writes a language's 404 page
def on_post_template(output: str, template_name: str, config: Any) -> str:
    return lean(output) if template_name == "404.html" else output
