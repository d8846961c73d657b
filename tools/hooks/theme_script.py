"""The theme's script, patched so that starting it does not restyle the whole page, and started
after the page is first shown.

A long chapter holds six thousand elements. Styling all of them takes a laptop 40-80 ms and a
phone four times that, and the theme's script made the browser do it three more times after
the page was first styled:

* It swaps the ``no-js`` class of ``<html>`` for ``js``, and its focus-visible helper adds
  ``js-focus-visible``. Any change to a class attribute of ``<html>`` restyles every element,
  because the theme's stylesheet has ``[class]`` selectors (``table:not([class])``); so does
  rewriting the attribute with the value it already has. tools/theme/main.html sets these
  classes while the page is parsed, before it is styled; the patched script leaves them be.
* It adds a ``<meta name="color-scheme">`` tag once the page is styled and sets its content;
  adding such a tag, or setting its content even to the same value, restyles every element.
  tools/theme/main.html writes the tag while the page is parsed, with the value the theme will
  set; the patched script reuses it and sets the content only when it differs.

* It ran before the page was first shown: it is the last script in the body, and its first act
  (reading the scroll position) forced the first style and layout of the whole page inside it,
  then it mounted its components (a copy button per code block, the table of contents' tracking)
  in the same stretch of main-thread work. On a phone-speed CPU that held the page for about a
  second before the reader saw text. Each page now loads the script once its first frame is
  drawn (``LOADER``), and the patched script starts its components in a task of their own when
  the page has already been parsed, instead of waiting for a ``DOMContentLoaded`` that has
  passed. Until then, about a tenth of a second on a laptop, the page reads and scrolls; the
  palette toggle, search and copy buttons answer once the script has started.

The end state of the page is the theme's own. The theme's source map no longer matches the
patched script, so the build drops it (and the script's reference to it). Each patch must
apply exactly once, or the build fails: after a theme update, look at what it does on every
page load again.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

_ROOT = "document.documentElement"
PATCHES: list[tuple[str, re.Pattern[str], str]] = [
    (
        "the no-js -> js class swap",
        re.compile(re.escape(f'{_ROOT}.classList.remove("no-js");{_ROOT}.classList.add("js");')),
        "",
    ),
    (
        "the focus-visible helper's marks on <html>",
        re.compile(
            re.escape(
                f'({_ROOT}.classList.add("js-focus-visible"),'
                f'{_ROOT}.setAttribute("data-js-focus-visible",""))'
            )
        ),
        f'({_ROOT}.classList.contains("js-focus-visible")||'
        f'{_ROOT}.classList.add("js-focus-visible"),'
        f'{_ROOT}.hasAttribute("data-js-focus-visible")||'
        f'{_ROOT}.setAttribute("data-js-focus-visible",""))',
    ),
    (
        "the palette's new color-scheme tag",
        re.compile(
            r'let (\w+)=(\w+)\("meta",\{name:"color-scheme"\}\);document\.head\.appendChild\(\1\);'
        ),
        r"let \1=document.querySelector('meta[name=color-scheme]')||"
        r'document.head.appendChild(\2("meta",{name:"color-scheme"}));',
    ),
    (
        "the wait for DOMContentLoaded",
        re.compile(
            r'(\w+)\(document,"DOMContentLoaded",\{once:!0\}\)\.subscribe\(\(\)=>(\w+)\.next\(document\)\)'
        ),
        r'document.readyState==="loading"?\1(document,"DOMContentLoaded",{once:!0})'
        r".subscribe(()=>\2.next(document)):setTimeout(()=>\2.next(document))",
    ),
    (
        "the palette's color-scheme content",
        re.compile(r"return (\w+)\.content=(\w+)\.colorScheme,"),
        r"return \1.content!==\2.colorScheme&&(\1.content=\2.colorScheme),",
    ),
]


# The theme's script tag at the end of each page's body, and what replaces it: the same script,
# requested once the first frame is drawn (requestAnimationFrame runs just before it is drawn).
_SCRIPT_TAG = re.compile(
    r'<script src="(?P<src>[^"]*assets/javascripts/bundle\.\w+\.min\.js)"></script>'
)
LOADER = (
    "<script>requestAnimationFrame(function(){{setTimeout(function(){{"
    'var s=document.createElement("script");s.src="{src}";document.body.appendChild(s)'
    "}})}})</script>"
)


def start_after_first_frame(output: str) -> str:
    """The page, with the theme's script loaded once the page is first drawn."""
    output, n = _SCRIPT_TAG.subn(lambda m: LOADER.format(src=m["src"]), output)
    if n != 1:
        raise PluginError(
            f"tools/hooks/theme_script.py: a page has {n} script tags of the theme's script, "
            "where this hook expects one to load after the page is drawn"
        )
    return output


def on_post_page(output: str, page: Any, config: Any) -> str:
    return start_after_first_frame(output)


@event_priority(10)  # before tools/hooks/i18n_fixes.py writes a language's 404 page
def on_post_template(output: str, template_name: str, config: Any) -> str:
    return start_after_first_frame(output) if template_name == "404.html" else output


def patch(js: str) -> str:
    """The theme's script with every patch applied; PluginError if one does not apply once."""
    for what, pattern, replacement in PATCHES:
        js, n = pattern.subn(replacement, js)
        if n != 1:
            raise PluginError(
                f"tools/hooks/theme_script.py: {what} is no longer where this hook patches it "
                f"({n} matches); check what the theme's script does on every page load"
            )
    return js


@event_priority(-200)  # after the i18n plugin has built the other languages (-100)
def on_post_build(config: Any) -> None:
    if config.plugins["i18n"].building:  # a language built inside the i18n plugin's loop
        return
    for bundle in (Path(config["site_dir"]) / "assets/javascripts").glob("bundle.*.min.js"):
        js = patch(bundle.read_text(encoding="utf-8"))
        js = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", js)
        bundle.write_text(js, encoding="utf-8")
        bundle.with_name(bundle.name + ".map").unlink(missing_ok=True)
