"""KaTeX's fonts: each page preloads the ones its formulas use, each holds only the glyphs the
site's formulas use.

* Preloads (``preload_fonts``, called by tools/hooks/lean_pages.py): a page with math preloads
  exactly the KaTeX fonts its formulas use, read from the classes of its formulas and the font
  rules of KaTeX's stylesheet. A web font that arrives after the page is styled makes the browser
  restyle every element; a font fetched with the page arrives before that, and formulas do not
  change size when it does. A browser test compares the preloads with the fonts a page loads.
* Subsets (``on_post_build``): the built site's copy of every KaTeX font keeps only the
  characters that the formulas of the built pages show (plus the digits and parentheses of
  KaTeX's equation numbers, which its stylesheet writes), in every font alike. A phone then
  fetches about half the font bytes (KaTeX_Main-Regular: 26 KB -> 12 KB). docs/ keeps the
  full fonts; a test checks that each built font covers every character the formulas show.
  Cutting all twenty takes about two seconds, so each result is kept in .cache/katex-fonts/
  under a hash of the full font, the characters, fontTools' and brotli's versions and this
  file, and a build whose formulas show the same characters reuses it.
"""

from __future__ import annotations

import hashlib
import io
import re
from functools import cache
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

_ROOT = Path(__file__).resolve().parents[2]
_KATEX_DIR = _ROOT / "docs/assets/vendor/katex"
CACHE_DIR = _ROOT / ".cache" / "katex-fonts"
_CLASS_ATTR = re.compile(r'class="([^"]*)"')


@cache
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
        raise PluginError(f"tools/hooks/katex_fonts.py: no KaTeX font file for {missing}")
    return sorted(fonts)


def preload_fonts(output: str, stylesheet: re.Pattern[str]) -> str:
    """``output`` (a page) with a preload for each KaTeX font it uses, after its KaTeX
    stylesheet link (matched by ``stylesheet``)."""
    link = stylesheet.search(output)
    if link is None:
        return output
    href = re.search(r'href="([^"]*)katex\.min\.css"', link[0])[1]  # type: ignore[index]
    preloads = "".join(
        f'\n<link rel="preload" href="{href}fonts/{font}.woff2" as="font" type="font/woff2"'
        " crossorigin>"
        for font in katex_fonts(output)
    )
    return output[: link.end()] + preloads + output[link.end() :]


# --- subsets ---------------------------------------------------------------------------------

FONTS = "assets/vendor/katex/fonts"
ALWAYS = set("()0123456789 ")  # KaTeX's stylesheet writes equation numbers as "(" n ")"


def shown_characters(site: Path) -> set[str]:
    """Every character the formulas of the built pages under ``site`` show."""
    import lxml.html

    shown: set[str] = set()
    xpath = '//span[contains(concat(" ", normalize-space(@class), " "), " katex-html ")]'
    for page in site.rglob("*.html"):
        for formula in lxml.html.fromstring(page.read_bytes()).xpath(xpath):
            shown |= set(formula.text_content())
    return shown


def subset(font_file: Path, characters: set[str]) -> bytes:
    """``font_file`` (WOFF2) with only the glyphs of ``characters`` (and what they need: ligatures,
    kerning, the .notdef glyph), as WOFF2."""
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    options = ft_subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(font_file, recalcTimestamp=False)  # the same bytes on every build
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in characters))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def cached_subset(font_file: Path, characters: set[str]) -> bytes:
    """``subset(font_file, characters)``, from .cache/katex-fonts/ when made before."""
    from importlib.metadata import version

    h = hashlib.sha256(font_file.read_bytes())
    h.update("".join(sorted(characters)).encode())
    h.update(f"fonttools {version('fonttools')} brotli {version('brotli')}".encode())
    h.update(Path(__file__).read_bytes())
    kept = CACHE_DIR / f"{font_file.stem}-{h.hexdigest()[:20]}.woff2"
    if kept.is_file():
        return kept.read_bytes()
    data = subset(font_file, characters)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(data)
    return data


@event_priority(-200)  # after the i18n plugin has built the other languages (-100)
def on_post_build(config: Any) -> None:
    if config.plugins["i18n"].building:  # a language built inside the i18n plugin's loop
        return
    site = Path(config["site_dir"])
    characters = shown_characters(site) | ALWAYS
    for font in sorted((_KATEX_DIR / "fonts").glob("*.woff2")):
        (site / FONTS / font.name).write_bytes(cached_subset(font, characters))
