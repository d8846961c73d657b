"""Fixes to mkdocs-static-i18n: notebook pages, the switcher on home pages, the theme's sitemap
look-ups. (The search index it merges is split per language by tools/hooks/search.py.)

Notebooks: keep mkdocs-jupyter's notebook pages alive under mkdocs-static-i18n.

The i18n plugin's ``on_files`` (priority -100) rebuilds every file as a plain mkdocs ``File``.
A notebook is not a Markdown page, so the rebuilt file is treated as an asset: its raw JSON is
copied to the page URL, its nav entry disappears, and ``--strict`` still passes (upstream:
ultrabug/mkdocs-static-i18n issue 198). This hook runs after the i18n plugin, wraps each
notebook again in mkdocs-jupyter's ``NotebookFile`` so it is rendered as a page, places it under
the language's folder (``/en/...`` for English) and records its translation in ``alternates`` so
the language switcher leads to the other language's notebook.

mkdocs-jupyter's page template also writes two script loaders into every notebook page: MathJax
from ``mathjax_url`` (empty here, so ``<script src="">`` fetches the page itself as a script)
and a module that imports mermaid from cdnjs when the page holds a mermaid cell. The site loads
nothing from another host and typesets math with its own KaTeX, so ``on_page_content`` removes
both from notebook pages, and fails the build if a CDN URL is still left.

The built-site tests prove that notebook pages hold rendered cells, images, no CDN URL and the
right switcher links (tests/test_notebooks.py, tests/test_site.py).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs_jupyter.plugin import NotebookFile


@dataclass(frozen=True)
class _Alternate:
    """What the i18n plugin reads from an alternate: its URL."""

    url: str


def _language_setup(config: Any) -> tuple[str, list[str], str]:
    i18n = config.plugins["i18n"]
    languages = [lang.locale for lang in i18n.config.languages]
    default = next(lang.locale for lang in i18n.config.languages if lang.default)
    return i18n.current_language, languages, default


def _page_url(stem: str, locale: str, default: str) -> tuple[str, str]:
    """(dest_path, url) of a notebook page ``stem`` (src path without locale and extension)."""
    prefix = "" if locale == default else f"{locale}/"
    return f"{prefix}{stem}/index.html", f"{prefix}{stem}/"


@event_priority(-110)  # after mkdocs-static-i18n's on_files (-100)
def on_files(files: Files, config: Any) -> Files:
    current, languages, default = _language_setup(config)
    # ``files`` is the i18n plugin's own Files subclass (it resolves "page.md" links to the
    # language's "page.<lang>.md"), so it is changed in place rather than rebuilt.
    notebooks = [
        f for f in files if f.src_uri.endswith(".ipynb") and not isinstance(f, NotebookFile)
    ]
    for file in notebooks:
        base, _ext = posixpath.splitext(file.src_uri)
        stem, locale = posixpath.splitext(base)
        locale = locale.lstrip(".")
        if locale not in languages:
            raise ValueError(
                f"notebook {file.src_uri!r} has no language suffix; name it "
                f"<name>.<{'|'.join(languages)}>.ipynb"
            )
        if locale != current:  # the i18n plugin already left out other languages' files
            continue
        page = NotebookFile(file, **config)
        dest_path, url = _page_url(stem, current, default)
        page.dest_path = dest_path
        page.abs_dest_path = posixpath.normpath(posixpath.join(config["site_dir"], dest_path))
        page.url = url
        page.alternates = {
            lang: _Alternate(_page_url(stem, lang, default)[1]) for lang in languages
        }
        files.remove(file)
        files.append(page)
    return files


_NOTEBOOK_LOADERS = (
    # <!-- Load mathjax --><script src="..."></script> and its inline configuration
    re.compile(r"<!-- Load mathjax -->\s*<script[^>]*\bsrc=\"[^\"]*\"[^>]*>\s*</script>"),
    re.compile(
        r"<!-- MathJax configuration -->\s*<script type=\"text/x-mathjax-config\">.*?</script>"
        r"\s*<!-- End of mathjax configuration -->",
        re.DOTALL,
    ),
    # the module that imports mermaid from cdnjs when the page has a mermaid cell
    re.compile(r"<script type=\"module\">(?:(?!</script>).)*?jp-Mermaid.*?</script>", re.DOTALL),
)
_CDN = re.compile(r"cdnjs\.cloudflare\.com|cdn\.jsdelivr\.net|unpkg\.com")
# A notebook heading written as on the Markdown pages, "## 数据 { #data }", as nbconvert renders it
_ANCHOR = r"\s*\{\s*#(?P<id>[A-Za-z][\w-]*)\s*\}\s*"
_HEADING = re.compile(
    rf"<h(?P<level>[1-6])(?P<attrs>[^>]*)>(?P<text>(?:(?!</h[1-6]>).)*?){_ANCHOR}"
    r"(?P<link><a class=\"anchor-link\" href=\"#[^\"]*\">(?:(?!</a>).)*</a>)?</h(?P=level)>",
    re.DOTALL,
)


def _explicit_heading_ids(html: str) -> str:
    def heading(m: re.Match[str]) -> str:
        attrs = re.sub(r'\s*\bid="[^"]*"', "", m["attrs"])
        link = f'<a class="anchor-link" href="#{m["id"]}">¶</a>' if m["link"] else ""
        return f'<h{m["level"]}{attrs} id="{m["id"]}">{m["text"].rstrip()}{link}</h{m["level"]}>'

    return _HEADING.sub(heading, html)


def _explicit_toc_ids(items: Any) -> None:
    for item in items:
        if m := re.search(_ANCHOR + "$", item.title):
            item.title = item.title[: m.start()].rstrip()
            item.id = m["id"]
        _explicit_toc_ids(item.children)


def on_page_content(html: str, page: Any, config: Any, files: Files) -> str:
    """Notebook pages: explicit heading anchors; no MathJax or mermaid loaders.

    Headings in notebooks carry the same explicit English anchors as the Markdown pages
    (``## 数据 { #data }`` and ``## The data { #data }``); neither nbconvert nor mkdocs-jupyter's
    table of contents reads attr_list, so the anchor is moved into the heading's id and the
    table of contents here (without it, Chinese headings get empty ids and TOC links ``#_1``).
    """
    if not isinstance(page.file, NotebookFile):
        return html
    html = _explicit_heading_ids(html)
    _explicit_toc_ids(page.toc)
    if page.title and (m := re.search(_ANCHOR + "$", page.title)):  # from the h1 (mkdocs-jupyter)
        page.title = page.title[: m.start()].rstrip()
    for loader in _NOTEBOOK_LOADERS:
        html = loader.sub("", html)
    if match := _CDN.search(html):
        context = html[max(0, match.start() - 120) : match.end() + 40]
        raise PluginError(
            f"notebook page {page.file.src_uri}: a CDN URL is left after removing "
            f"mkdocs-jupyter's loaders (has its template changed?): ...{context}..."
        )
    return html


@event_priority(40)  # after mkdocs-static-i18n's on_page_context (50)
def on_page_context(context: Any, page: Any, config: Any, nav: Any) -> Any:
    """Point the language switcher at the page's own translation on every page.

    The i18n plugin does this for every page but the home pages, where it leaves the absolute
    ``site_url`` links; those break when the site is served from another root (``mkdocs serve``,
    the offline archive). Relative links to the alternates work everywhere.
    """
    alternates = getattr(page.file, "alternates", None)
    # The i18n plugin assigns ``config.extra.alternate`` as an attribute, which templates read
    # before the mapping item of the same name.
    switcher = getattr(config.extra, "alternate", None) or config.extra.get("alternate", [])
    if alternates:
        for alt in switcher:
            if alt["lang"] in alternates:
                alt["link"] = alternates[alt["lang"]].url or "./"
    return context


_HEAD_ALTERNATE = re.compile(r'\s*<link rel="alternate" href="[^"]*" hreflang="[^"]*">')


def on_post_page(output: str, page: Any, config: Any) -> str:
    """Drop the head's ``<link rel="alternate" hreflang>`` tags.

    The theme fetches ``sitemap.xml`` next to every such link to map pages between languages;
    with links that name the translated page itself (above) those files do not exist and each
    page load logs 404s. The switcher's own links already lead to the translation, and the
    sitemap written by the i18n plugin keeps the hreflang pairs for search engines.
    """
    return _HEAD_ALTERNATE.sub("", output)


_404: dict[str, str] = {}


def on_post_template(output: str, template_name: str, config: Any) -> str:
    """One 404 page per language: the default language's at 404.html, the others' at
    <lang>/404.html.

    Every language build renders the theme's 404.html to the site root, the last one winning.
    The page of a non-default language is written to its own folder here, and the root keeps
    the default language's page (tools/theme/404.html sends readers of /<lang>/ addresses on).
    """
    if template_name != "404.html":
        return output
    current, _languages, default = _language_setup(config)
    _404[current] = output
    if current == default:
        return output
    target = Path(config["site_dir"]) / current / "404.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(output, encoding="utf-8")
    return _404.get(default, output)
