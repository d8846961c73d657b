"""Read a built site the way a browser would: pages, links, ids."""

from __future__ import annotations

import posixpath
import subprocess
import sys
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import sitelinks
from bs4 import BeautifulSoup
from pairrules import nav_entries

ROOT = Path(__file__).resolve().parent.parent


def build_site(dest: Path) -> Path:
    """Build into ``dest`` as `make build` does (used when QKV_SITE_DIR names no built site)."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_site.py"), str(dest)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the strict build failed:\n{proc.stdout}\n{proc.stderr}")
    return dest


def build_status(timeout_s: float = 600) -> str | None:
    """The exit code (as text) of the build `make test` runs in the background, once its status
    file (QKV_SITE_BUILD_STATUS) exists; "timeout" if it did not end in time; None when no
    such build was started."""
    import os
    import time

    status = os.environ.get("QKV_SITE_BUILD_STATUS")
    if not status:
        return None
    deadline = time.monotonic() + timeout_s
    while not Path(status).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return Path(status).read_text().strip() if Path(status).exists() else "timeout"


def wait_for_build() -> Path | None:
    """The site `make test` builds in the background (QKV_SITE_DIR), once the build ended well;
    None when there is no such build, it failed or it did not end in time."""
    import os

    given = os.environ.get("QKV_SITE_DIR")
    if not given or build_status() != "0":
        return None
    return Path(given) if (Path(given) / "index.html").exists() else None


class Site:
    def __init__(self, root: Path) -> None:
        self.root = root

    def html_pages(self) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*.html"))

    def exists(self, path: str) -> bool:
        return (self.root / path).is_file()

    def text(self, page: str) -> str:
        return _read(self.root / page)

    def soup(self, page: str) -> BeautifulSoup:
        return _soup(self.root / page)

    def ids(self, page: str) -> frozenset[str]:
        return _ids(self.root / page)

    def resolve(self, page: str, href: str) -> tuple[str, str]:
        """(site path of the file ``href`` on ``page`` points at, fragment)."""
        parts = urlsplit(href)
        path = unquote(parts.path)
        if not path:
            return page, parts.fragment
        base = posixpath.dirname(page)
        target = (
            posixpath.normpath(posixpath.join(base, path)) if not path.startswith("/") else path[1:]
        )
        if target in (".", ""):
            target = "index.html"
        elif path.endswith("/") or (self.root / target).is_dir():
            target = posixpath.join(target, "index.html")
        return target, parts.fragment


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# One parse of each page per process, shared with the link check (tools/sitelinks.py).
_ids, _soup = sitelinks._ids, sitelinks._soup


def page_paths() -> list[str]:
    """Site paths of every page without language prefix ("index.html", "heads/index.html",
    "notebooks/attention-heatmaps/index.html"), from the Chinese sources under docs/."""
    docs = ROOT / "docs"
    out = []
    for p in [*docs.rglob("*.zh.md"), *docs.rglob("*.zh.ipynb")]:
        rel = p.relative_to(docs).as_posix()
        stem = rel[: -len(".zh.md")] if rel.endswith(".md") else rel[: -len(".zh.ipynb")]
        out.append("index.html" if stem == "index" else f"{stem}/index.html")
    return sorted(out)


def nav_pages() -> list[str]:
    """The source paths the nav names ("index.md", "notebooks/x.ipynb"), in nav order."""
    return [value for _, value in nav_entries() if isinstance(value, str)]
