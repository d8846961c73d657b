"""The site as a reader gets it, in headless Chromium: search, copy, language switch, math,
no third-party requests, no console errors, accessibility, page weight, the offline archive.

Chromium is Debian's (/usr/bin/chromium, or QKV_CHROMIUM=/path). `make test` installs it in CI;
elsewhere these tests are skipped with one line saying how to enable them.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from docblocks import DOCS, fences
from reporting import report
from sitecheck import page_paths

CHROMIUM = Path(os.environ.get("QKV_CHROMIUM", "/usr/bin/chromium"))
# Without the networking flags Chromium calls home over a closed network at every start.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# Budgets for the bytes a page load transfers, served gzip-compressed as GitHub Pages serves
# text; the uncompressed sizes are reported too.
TEXT_PAGE_BUDGET = 1_500_000  # a text chapter
NOTEBOOK_PAGE_BUDGET = 2_500_000  # a notebook page

PAGES = [p for lang in ("", "en/") for p in (f"{lang}{q}" for q in page_paths())]


# --- fixtures -------------------------------------------------------------------------------


def _serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site like a static host: text types gzip-compressed when the browser asks."""

    COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send_head(self):  # noqa: ANN201 (the base class returns a file object or None)
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the base class redirects "dir" to "dir/"
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.suffix in self.COMPRESSIBLE and path.is_file()):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@pytest.fixture(scope="session")
def base_url(built_site: Path) -> Iterator[str]:
    server, url = _serve(built_site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser tests, but {CHROMIUM} is missing")
        pytest.skip(
            f"browser tests need Chromium at {CHROMIUM}: `apt-get install chromium` "
            "(Debian/Ubuntu) or set QKV_CHROMIUM=/path/to/chromium, then run make test again"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


@dataclass
class Visit:
    """What one page load did, as the browser saw it."""

    url: str
    status: int = 0
    lang: str = ""
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    switcher: dict[str, str] = field(default_factory=dict)
    math_total: int = 0
    math_rendered: int = 0
    raw_math_visible: bool = False
    bytes_loaded: int = 0  # transferred (gzip where the server compresses)
    bytes_uncompressed: int = 0


def _visit(context: object, url: str) -> Visit:
    page = context.new_page()  # type: ignore[attr-defined]
    v = Visit(url)
    page.on("request", lambda r: v.requests.append(r.url))
    page.on("requestfailed", lambda r: v.failed.append(f"{r.url} ({r.failure})"))
    page.on("console", lambda m: v.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: v.errors.append(str(e)))
    sizes: dict[str, tuple[int, int]] = {}

    def on_finished(req: object) -> None:
        with contextlib.suppress(Exception):
            r = req.response()  # type: ignore[attr-defined]
            if r.status >= 400:
                v.failed.append(f"{r.url} (HTTP {r.status})")
            sizes[r.url] = (req.sizes()["responseBodySize"], len(r.body()))  # type: ignore[attr-defined]

    page.on("requestfinished", on_finished)
    # Every page starts the search worker, which fetches the index after the load event;
    # waiting for that response makes the byte count complete without a fixed sleep.
    with page.expect_response(lambda r: r.url.endswith("search/search_index.json")):
        resp = page.goto(url, wait_until="load")
    v.status = resp.status if resp is not None else 0
    v.lang = page.evaluate("document.documentElement.lang")
    v.switcher = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('a.md-select__link[hreflang]')]"
        ".map(a => [a.hreflang, a.href]))"
    )
    v.math_total = page.locator(".arithmatex").count()
    v.math_rendered = page.locator(".arithmatex .katex").count()
    v.raw_math_visible = page.evaluate(
        r"""(() => {
            const prose = '.md-content p, .md-content li, .md-content td';
            const t = [...document.querySelectorAll(prose)].map(e => e.innerText).join('\n');
            return /\$\$|\\\(|\\\[/.test(t);
        })()"""
    )
    v.bytes_loaded = sum(t for t, _ in sizes.values())
    v.bytes_uncompressed = sum(u for _, u in sizes.values())
    page.close()
    return v


@pytest.fixture(scope="session")
def visits(browser: object, base_url: str) -> dict[str, Visit]:
    """Every page of both languages loaded once; the tests below read what happened."""
    context = browser.new_context()  # type: ignore[attr-defined]
    out = {p: _visit(context, base_url + p.removesuffix("index.html")) for p in PAGES}
    context.close()
    heaviest = sorted(out.items(), key=lambda kv: kv[1].bytes_loaded, reverse=True)[:5]
    for path, v in heaviest:
        report(
            "heaviest pages (bytes a page load transfers, gzip / uncompressed)",
            f"{v.bytes_loaded:>10,} / {v.bytes_uncompressed:>10,}  {path}",
        )
    return out


# --- every page -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_only_from_the_site_itself(
    visits: dict[str, Visit], base_url: str, path: str
) -> None:
    v = visits[path]
    assert v.status == 200, f"{path}: HTTP {v.status}"
    foreign = [u for u in v.requests if not u.startswith(base_url) and not u.startswith("data:")]
    assert not foreign, f"{path} asked other hosts: {foreign}"
    assert not v.failed, f"{path}: failed requests {v.failed}"


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_console_errors(visits: dict[str, Visit], path: str) -> None:
    assert not visits[path].errors, visits[path].errors


@pytest.mark.parametrize("path", PAGES)
def test_language_switcher_leads_to_the_same_page(
    visits: dict[str, Visit], base_url: str, path: str
) -> None:
    v = visits[path]
    own = path.removeprefix("en/")
    assert v.lang == ("en" if path.startswith("en/") else "zh")
    expected = {"zh": base_url + own, "en": base_url + "en/" + own}
    expected = {k: u.removesuffix("index.html") for k, u in expected.items()}
    assert v.switcher == expected


@pytest.mark.parametrize("path", PAGES)
def test_math_is_typeset(visits: dict[str, Visit], path: str) -> None:
    v = visits[path]
    assert v.math_rendered == v.math_total, f"{path}: {v.math_total - v.math_rendered} formulas raw"
    assert not v.raw_math_visible, f"{path}: raw $$ or \\( left visible"


def test_math_pages_exist(visits: dict[str, Visit]) -> None:
    """The math check above must have something to check."""
    assert visits["index.html"].math_total > 0 and visits["en/index.html"].math_total > 0


@pytest.mark.parametrize("path", PAGES)
def test_page_weight_is_within_budget(visits: dict[str, Visit], path: str) -> None:
    budget = NOTEBOOK_PAGE_BUDGET if "notebooks/" in path else TEXT_PAGE_BUDGET
    assert 0 < visits[path].bytes_loaded <= budget, f"{path}: {visits[path].bytes_loaded:,} bytes"


# --- search ---------------------------------------------------------------------------------


def _search(browser: object, url: str, query: str) -> list[str]:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.locator("label.md-header__button[for=__search]").click()
    box = page.locator("input[data-md-component=search-query]")
    box.press_sequentially(query)
    results = page.locator(".md-search-result__item")
    try:
        results.first.wait_for(timeout=10_000)
    except Exception:  # noqa: BLE001  (a timeout means no result; the assertion says so)
        return []
    found = results.locator("a").evaluate_all("els => els.map(a => a.href)")
    context.close()
    return found


@pytest.mark.parametrize("query", ["点积", "多头注意力", "Transformer"])
def test_chinese_site_search_finds(browser: object, base_url: str, query: str) -> None:
    assert _search(browser, base_url, query), f"searching {query!r} on / found nothing"


@pytest.mark.parametrize("query", ["softmax", "head"])
def test_english_site_search_finds(browser: object, base_url: str, query: str) -> None:
    assert _search(browser, base_url + "en/", query), f"searching {query!r} on /en/ found nothing"


# --- copy button ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_copy_button_copies_code_that_prints_what_the_page_shows(
    browser: object, base_url: str, lang: str
) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(base_url + ("" if lang == "zh" else "en/"), wait_until="load")
    block = page.locator(".language-pycon.highlight").first
    block.hover()
    block.locator("button.md-clipboard").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    context.close()

    assert ">>>" not in copied and "..." not in copied.splitlines()[0]
    fence = next(f for f in fences(DOCS / f"index.{lang}.md") if f.executed)
    import doctest

    examples = doctest.DocTestParser().get_examples(fence.body)
    assert copied.strip() == "\n".join(e.source.rstrip("\n") for e in examples).strip()
    # Pasted into an interactive Python, the copied code prints what the page shows.
    run = subprocess.run(
        [sys.executable, "-i", "-q"],
        input=copied + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout == "".join(e.want for e in examples), run.stderr


# --- accessibility --------------------------------------------------------------------------


def _first_chapter() -> str:
    import yaml

    def leaves(nav: list) -> list[str]:
        out: list[str] = []
        for item in nav:
            for value in item.values():
                out += leaves(value) if isinstance(value, list) else [value]
        return out

    nav = yaml.safe_load((DOCS.parent / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    return leaves(nav)[1].removesuffix(".md") + "/"  # the first page after the home page


@pytest.mark.parametrize("path", ["", "en/", _first_chapter(), "en/" + _first_chapter()])
def test_no_serious_accessibility_violation(browser: object, base_url: str, path: str) -> None:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(base_url + path, wait_until="load")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    context.close()
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "\n".join(bad)


# --- offline archive ------------------------------------------------------------------------


def test_offline_archive_works_with_no_network(
    browser: object, built_site: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(built_site / "qkv-explained-offline.zip") as zf:
        zf.extractall(tmp_path)
    server, url = _serve(tmp_path / "qkv-explained")
    try:
        context = browser.new_context()  # type: ignore[attr-defined]
        for path in ("", "en/", _first_chapter()):
            v = _visit(context, url + path)
            assert v.status == 200, f"{path}: HTTP {v.status}"
            assert all(u.startswith(url) for u in v.requests), v.requests
            assert not v.failed and not v.errors, (v.failed, v.errors)
            assert v.math_rendered == v.math_total
        context.close()
    finally:
        server.shutdown()


def test_base_url_is_loopback(base_url: str) -> None:
    assert urlsplit(base_url).hostname == "127.0.0.1"
