"""Each page loads only the stylesheets it uses, holds fewer elements, and the theme restyles it
fewer times.

* KaTeX's stylesheet only on pages with math; mkdocstrings' stylesheet only on pages with API
  documentation. Every stylesheet in the head holds back the first paint, on a slow connection
  by a round trip each.
* A page with math preloads exactly the KaTeX fonts its formulas use (tools/hooks/katex_fonts.py).
* Highlighted code keeps only the token spans that change how it looks. Pygments wraps every
  name in ``<span class="n">`` and runs of spaces in ``<span class="w">``; the theme colours
  names as plain code (``--md-code-hl-name-color`` is ``--md-code-fg-color`` in both palettes,
  checked by tests/test_site.py) and whitespace not at all. A chapter with many code blocks held
  600-800 such spans, about a tenth of its elements, each styled and laid out on every load.
* The theme's palette stylesheet has a rule that switches transitions off on every element while
  the palette is being applied (``[data-md-color-switching] *``); the theme applies the palette
  on every page load, so that rule restyles the whole page twice as it starts (on a long chapter,
  hundreds of milliseconds of a phone's main thread). Without it a palette switch may fade
  instead of flipping; the build fails if the rule is no longer found, so a theme update is
  looked at rather than silently patched.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

try:  # mkdocs runs a hook with its own folder on sys.path
    from katex_fonts import preload_fonts
except ImportError:  # the tests import tools/hooks as the package "hooks"
    from hooks.katex_fonts import preload_fonts

_LINK = r'\s*<link rel="stylesheet" href="[^"]*assets/{}">'
_KATEX_CSS = re.compile(_LINK.format(r"vendor/katex/katex\.min\.css"))
_MKDOCSTRINGS_CSS = re.compile(_LINK.format(r"_mkdocstrings\.css"))
_SWITCHING = (
    "[data-md-color-switching] *,[data-md-color-switching] :after,"
    "[data-md-color-switching] :before{transition-duration:0s!important}"
)


_PLAIN_TOKEN = re.compile(r'<span class="[nw]">([^<]*)</span>')
_CODE = re.compile(r"(<code\b[^>]*>)(.*?)(</code>)", re.S)


def unwrap_plain_tokens(html: str) -> str:
    """``html`` with the name and whitespace spans of its highlighted code unwrapped."""
    return _CODE.sub(lambda m: m[1] + _PLAIN_TOKEN.sub(r"\1", m[2]) + m[3], html)


def lean(output: str) -> str:
    """The page without the stylesheets it does not use, with the KaTeX fonts it does, and
    without the code spans that do not change how the code looks."""
    output = unwrap_plain_tokens(output)
    has_math = 'class="katex' in output
    output = preload_fonts(output, _KATEX_CSS) if has_math else _KATEX_CSS.sub("", output)
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
