"""Check a built site the way a browser loads it, naming the source line of what is broken.

Every link (`<a href>`), image (`<img src>`, `srcset`), stylesheet, preload and script URL of a
page must point at a file of the site, and a link's #fragment at an id of its target page. A
problem is reported against the page's source (docs/<topic>.<lang>.md) and the first line of it
that holds the URL; a URL the source does not hold comes from the theme or a hook.
"""

from __future__ import annotations

import posixpath
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup
from docblocks import DOCS
from pagerules import Problem

URL_ATTRS = (("a", "href"), ("img", "src"), ("link", "href"), ("script", "src"), ("source", "src"))
SKIP_RELS = {"canonical", "alternate"}  # metadata: nothing is fetched


def built_page(source: Path) -> str:
    """docs/heads.en.md -> "en/heads/index.html"; docs/index.zh.md -> "index.html"."""
    rel = source.relative_to(DOCS).as_posix()
    stem, lang = rel.rsplit(".", 2)[0], rel.rsplit(".", 2)[1]
    path = "index.html" if stem == "index" else f"{stem}/index.html"
    return path if lang == "zh" else f"{lang}/{path}"


@cache
def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


@cache
def _ids(path: Path) -> frozenset[str]:
    return frozenset(el["id"] for el in _soup(path).find_all(id=True))


def _resolve(root: Path, page: str, url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if not path:
        return page, parts.fragment
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    if path.startswith("/"):
        target = path.lstrip("/")
    if target in (".", ""):
        target = "index.html"
    elif path.endswith("/") or (root / target).is_dir():
        target = posixpath.join(target, "index.html")
    return target, parts.fragment


def _urls(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(what, url) of everything a page links to or loads."""
    out = []
    for tag, attr in URL_ATTRS:
        for el in soup.find_all(tag):
            if tag == "link" and SKIP_RELS & set(el.get("rel", [])):
                continue
            if el.get(attr):
                out.append((f"<{tag} {attr}>", el[attr]))
            for item in (el.get("srcset") or "").split(","):
                if item.strip():
                    out.append((f"<{tag} srcset>", item.strip().split()[0]))
    return out


def _source_line(source: Path, url: str, target: str) -> int:
    """The first line of ``source`` that links to ``url`` as Markdown writes it, or 0."""
    fragment = urlsplit(url).fragment
    stem = target.removeprefix("en/").removesuffix("index.html").rstrip("/") or "index"
    name = posixpath.basename(stem)
    needles = [url]
    if target.endswith("index.html"):  # a page: Markdown links name its source, "heads.md#x"
        needles += [f"{name}.md#{fragment}" if fragment else f"{name}.md", f"(#{fragment})"]
    else:  # an image or another file: its name
        needles.append(posixpath.basename(target))
    if source.suffix != ".md":
        return 0
    lines = source.read_text(encoding="utf-8").splitlines()
    for needle in needles:
        for n, line in enumerate(lines, 1):
            if needle in line and ("](" in line or "src=" in line or "href=" in line):
                return n
    return 0


def page_problems(root: Path, source: Path) -> list[Problem]:
    """Broken URLs of the built page of ``source`` (a docs/ file) in the site at ``root``."""
    page = built_page(source)
    if not (root / page).is_file():
        return [Problem(source, 1, f"the build wrote no {page}", "is the page in the nav?")]
    out = []
    for what, url in _urls(_soup(root / page)):
        if urlsplit(url).scheme or url.startswith(("//", "mailto:", "data:", "javascript:")):
            continue
        target, fragment = _resolve(root, page, url)
        if not (root / target).is_file():
            problem = f"{what} '{url}' points at {target}, which the build did not write"
        elif fragment and target.endswith(".html") and fragment not in _ids(root / target):
            problem = f"{what} '{url}': {target} has no element with id '{fragment}'"
        else:
            continue
        line = _source_line(source, url, target)
        fix = (
            "correct the path or anchor"
            if line
            else ("this URL is not in the page source: it comes from the theme or a hook (tools/)")
        )
        out.append(Problem(source, line or 1, problem, fix))
    return out
