"""Shared pieces of the browser tests: Debian's headless Chromium driven by Playwright, and a
survey that loads pages a few tabs at a time (the site is served by tools/static_host.py).

Chromium is /usr/bin/chromium, or QKV_CHROMIUM=/path. `make test` installs it in CI; elsewhere
the browser tests are skipped with one line saying how to enable them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import os
from collections.abc import Coroutine, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

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
TIMEOUT_MS = 10_000  # any single wait; Playwright's default of 30 s only slows a failing run
SURVEY_VIEWPORT = {"width": 1366, "height": 768}  # a common laptop screen

_T = TypeVar("_T")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for a test file (sync Playwright); tests open contexts in it."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


def new_context(browser: Any, **options: Any) -> Any:
    """A fresh browser context (its own storage) with the short default timeout."""
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def require_chromium() -> None:
    """Skip (or, in CI, fail) when there is no Chromium to drive."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser tests, but {CHROMIUM} is missing")
    pytest.skip(
        f"browser tests need Chromium at {CHROMIUM}: `apt-get install chromium` "
        "(Debian/Ubuntu) or set QKV_CHROMIUM=/path/to/chromium, then run make test again"
    )


def run_async(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coro`` on an event loop in a thread of its own (the sync Playwright API may own
    this thread's loop)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


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
    katex_fonts: dict[str, list[str]] = field(default_factory=dict)  # _KATEX_FONTS
    search_index_loaded: bool = False  # fetched without the reader turning to the search
    layout: dict[str, Any] = field(default_factory=dict)  # _LAYOUT, at the survey's width
    phone: dict[str, Any] = field(default_factory=dict)  # _PHONE, the same page at 390 px
    phone_dark: dict[str, Any] = field(default_factory=dict)  # ... in the dark palette


_RAW_MATH = r"""(() => {
    const prose = '.md-content p, .md-content li, .md-content td';
    const t = [...document.querySelectorAll(prose)].map(e => e.innerText).join('\n');
    return /\$\$|\\\(|\\\[/.test(t);
})()"""
# What a reader at the survey's width (1366 px) would find cut off, squeezed or broken.
_LAYOUT = r"""(() => {
    const tex = el => ((el.querySelector('annotation') || {}).textContent || '').slice(0, 60);
    // lines an inline element spans (one element gives several boxes on the same line)
    const lines = el => new Set([...el.getClientRects()].map(r => Math.round(r.top))).size;
    const all = sel => [...document.querySelectorAll(sel)];
    const longest = t => t.split('\n').reduce((a, b) => (b.length > a.length ? b : a), '');
    const column = document.querySelector('.md-content__inner');
    const p = document.querySelector('.md-content p');
    const adm = document.querySelector('.md-content .admonition, .md-content details');
    return {
        // display formulas wider than the column
        displayOverflow: all('.md-content div.arithmatex')
            .filter(d => d.scrollWidth > d.clientWidth + 1).map(tex),
        // inline formulas (with the punctuation kept next to them) broken across lines
        inlineBroken: all('.md-content .qkv-nobr, .md-content span.arithmatex')
            .filter(s => lines(s) > 1).map(tex),
        // code blocks with lines cut off at the column's edge
        codeOverflow: all('.md-content pre > code')  // the theme scrolls the code element
            .filter(c => c.scrollWidth > c.clientWidth + 1)
            .map(c => longest(c.innerText).slice(0, 90)),
        // identifiers in tables broken across lines
        tableCodeBroken: all('.md-content td code, .md-content th code')
            .filter(c => lines(c) > 1).map(c => c.textContent),
        columnWidth: column ? column.clientWidth : 0,
        bodyFont: getComputedStyle(p || document.body).fontFamily,
        bodyPx: parseFloat(getComputedStyle(p || document.body).fontSize),
        admonitionPx: adm ? parseFloat(getComputedStyle(adm).fontSize) : null,
        // below the descenders, so that underscores in linked identifiers stay visible
        linkUnderline: all('.md-content p a, .md-content li a')
            .map(a => getComputedStyle(a).textUnderlinePosition),
        pageOverflow: document.documentElement.scrollWidth > innerWidth,
        widgets: document.querySelectorAll('[data-widget]').length,
        // one color-scheme tag, the page's own (tools/hooks/theme_script.py), as the theme set it
        schemeTags: all('meta[name=color-scheme]').map(m => m.content),
        headerScheme: getComputedStyle(document.querySelector('.md-header')).colorScheme,
        rootClasses: document.documentElement.className,
    };
})()"""
# The KaTeX fonts the page's formulas use (loaded once laid out) and those its head preloads, as
# file names ("KaTeX_Main-Regular").
_KATEX_FONTS = r"""(async () => {
    await document.fonts.ready;
    const style = f => (f.weight === '700' || f.weight === 'bold' ? 'Bold' : '')
        + (f.style === 'italic' ? 'Italic' : '') || 'Regular';
    return {
        used: [...document.fonts].filter(f => f.status === 'loaded' && /^"?KaTeX_/.test(f.family))
            .map(f => f.family.replace(/"/g, '') + '-' + style(f)).sort(),
        preloaded: [...document.querySelectorAll('link[rel=preload][as=font]')]
            .map(l => l.href.split('/').pop().replace(/\.woff2$/, '')).sort(),
    };
})()"""
# The theme's script is requested once the page is first drawn (tools/hooks/theme_script.py):
# wait until it has started, that is, until its components are mounted (its document$ emits once
# they are; a subscriber added now is called after them).
THEME_STARTED = r"""() => new Promise((done, fail) => {
    setTimeout(() => fail(new Error("the theme's script did not start within 10 s")), 10000);
    (function wait() {
        if (window.document$) window.document$.subscribe(() => setTimeout(done));
        else setTimeout(wait, 10);
    })();
})"""
# Widgets start as they come near the screen (docs/assets/js/widgets.js): bring each one there
# and wait until it has started (or failed, which the widget tests report); then back to the top.
START_WIDGETS = r"""(async () => {
    for (const root of document.querySelectorAll('[data-widget]')) {
        root.scrollIntoView();
        for (let waited = 0; !root.dataset.state && waited < 5000; waited += 25)
            await new Promise(done => setTimeout(done, 25));
    }
    window.scrollTo(0, 0);
})()"""
PHONE_VIEWPORT = {"width": 390, "height": 844}  # a phone held upright
# What a reader holding a phone finds on the page (the survey's page, resized).
_PHONE = r"""(async () => {
    const all = sel => [...document.querySelectorAll(sel)];
    const shown = el => el.offsetParent !== null;
    const column = document.querySelector('.md-content__inner').getBoundingClientRect();
    const tex = el => ((el.querySelector('annotation') || {}).textContent || '').slice(0, 50);
    // diagrams: the smallest text as shown, read from the SVG the browser chose (after the
    // resize, a <picture> picks its source again in a later frame)
    const frame = () => new Promise(done => requestAnimationFrame(() => done()));
    await frame();
    await frame();
    const diagrams = [];
    for (const img of all('.qkv-diagram img')) {
        const box = img.closest('.qkv-diagram');
        const entry = {shown: shown(box), scheme: box.className};
        if (entry.shown) {
            img.loading = 'eager';  // a lazy image below the fold: load it now
            await img.decode().catch(() => null);
            await frame();
            entry.src = img.currentSrc;
            const svg = await (await fetch(img.currentSrc)).text();
            const vb = svg.match(/viewBox="[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)/);
            const sizes = [...svg.matchAll(/font-size\s*[:=]\s*["']?\s*([\d.]+)/g)].map(m => +m[1]);
            entry.minTextPx = Math.min(...sizes) * img.getBoundingClientRect().width / +vb[1];
            entry.scrolls = box.scrollWidth > box.clientWidth;
            entry.focusable = box.tabIndex >= 0;
        }
        diagrams.push(entry);
    }
    const wide = all('.md-content div.arithmatex').filter(d => d.scrollWidth > d.clientWidth + 1);
    const cue = d => /auto|scroll/.test(getComputedStyle(d).overflowX)
        && getComputedStyle(d).backgroundImage.includes('gradient') && d.tabIndex >= 0;
    return {
        pageOverflow: document.documentElement.scrollWidth > innerWidth,
        // wide display formulas scroll, can take focus, and show a shadow where more is
        wideFormulas: wide.length,
        formulasWithoutCue: wide.filter(d => !cue(d)).map(tex),
        diagrams,
        prompts: all('.jp-InputPrompt, .jp-OutputPrompt').filter(shown).length,
        cellWidths: all('.jp-CodeCell .highlight').map(h => h.getBoundingClientRect().width),
        columnWidth: column.width,
        cards: all('table[data-qkv-cards] td').slice(0, 40).map(td => ({
            label: getComputedStyle(td, '::before').content,
            px: parseFloat(getComputedStyle(td).fontSize),
            right: td.getBoundingClientRect().right,
        })),
    };
})()"""
_SWITCHER = (
    "Object.fromEntries([...document.querySelectorAll('a.md-select__link[hreflang]')]"
    ".map(a => [a.hreflang, a.href]))"
)


def _size_on_disk(url: str, base_url: str, root: Path) -> int:
    """Uncompressed size of what ``url`` serves, read from ``root`` (served at ``base_url``):
    cheaper than pulling every body out of the browser."""
    if not url.startswith(base_url):
        return 0
    path = root / url[len(base_url) :].split("?")[0].split("#")[0]
    return (path / "index.html" if path.is_dir() else path).stat().st_size


async def _settle(page: Any, quiet_ms: int = 150, limit_ms: int = 5000) -> None:
    """Wait until the page has no request in flight and has started none for ``quiet_ms``
    (the search worker and the fonts arrive after the load event), so the byte count of a
    first visit is complete; never longer than ``limit_ms``."""
    await page.evaluate(
        """([quiet, limit]) => new Promise(done => {
            const start = performance.now();
            let seen = performance.getEntriesByType('resource').length, since = start;
            (function poll() {
                const now = performance.now(), n = performance.getEntriesByType('resource').length;
                if (n !== seen) { seen = n; since = now; }
                if (now - since >= quiet || now - start >= limit) return done();
                setTimeout(poll, 25);
            })();
        })""",
        [quiet_ms, limit_ms],
    )


async def _visit(browser: Any, url: str, base_url: str, root: Path) -> Visit:
    # a context of its own: nothing cached from another page, so the bytes are a first visit's
    context = await browser.new_context(viewport=SURVEY_VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    v = Visit(url)
    page.on("request", lambda r: v.requests.append(r.url))
    page.on("requestfailed", lambda r: v.failed.append(f"{r.url} ({r.failure})"))
    page.on("console", lambda m: v.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: v.errors.append(str(e)))
    finished: list[Any] = []
    page.on("requestfinished", lambda r: finished.append(r))
    resp = await page.goto(url, wait_until="load")
    await page.evaluate(THEME_STARTED)
    await _settle(page)
    first_visit = list(finished)  # what a reader's first view loads; the checks below load more
    v.status = resp.status if resp is not None else 0
    v.lang = await page.evaluate("document.documentElement.lang")
    v.switcher = await page.evaluate(_SWITCHER)
    v.math_total = await page.locator(".arithmatex").count()
    v.math_rendered = await page.locator(".arithmatex .katex").count()
    v.raw_math_visible = await page.evaluate(_RAW_MATH)
    v.katex_fonts = await page.evaluate(_KATEX_FONTS)
    await page.evaluate(START_WIDGETS)  # the checks below see every widget, started
    v.layout = await page.evaluate(_LAYOUT)
    sizes: dict[str, tuple[int, int]] = {}
    for req in first_visit:
        r = await req.response()
        if r is None:
            continue
        if r.status >= 400:
            v.failed.append(f"{r.url} (HTTP {r.status})")
        sizes[r.url] = (
            (await req.sizes())["responseBodySize"],
            _size_on_disk(r.url, base_url, root),
        )
    v.search_index_loaded = any(u.endswith("search_index.json") for u in v.requests)
    v.bytes_loaded = sum(t for t, _ in sizes.values())
    v.bytes_uncompressed = sum(u for _, u in sizes.values())
    # the same page on a phone, and in the dark palette where it has diagrams
    await page.set_viewport_size(PHONE_VIEWPORT)
    v.phone = await page.evaluate(_PHONE)
    if v.phone["diagrams"]:
        await page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
        v.phone_dark = await page.evaluate(_PHONE)
    await context.close()
    return v


async def _survey(
    base_url: str, root: Path, paths: Iterable[str], concurrency: int
) -> dict[str, Visit]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        limit = asyncio.Semaphore(concurrency)

        async def one(path: str) -> tuple[str, Visit]:
            async with limit:
                url = base_url + path.removesuffix("index.html")
                return path, await _visit(browser, url, base_url, root)

        visits = dict(await asyncio.gather(*(one(p) for p in paths)))
        await browser.close()
    return visits


def chromium_identity() -> str:
    """The browser binary by size and modification time (an upgrade may change what a page
    shows), or "" when there is none."""
    if not CHROMIUM.exists():
        return ""
    stat = CHROMIUM.resolve().stat()
    return f"chromium {stat.st_size} {stat.st_mtime_ns}"


def served_digest(root: Path) -> str:
    """Everything a page of ``root`` may load besides its own HTML: the assets (stylesheets,
    scripts, fonts, diagrams, data), hashed with the browser and this file (its checks). Other
    pages, the search index, the offline archive and the build's own record (.inputs-digest) are
    left out: a page loads none of them."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(chromium_identity().encode())
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        skip = path.suffix in (".html", ".zip") or "search" in rel.parts
        if not path.is_file() or skip or rel.name.startswith("."):
            continue
        h.update(rel.as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


_BASE = "{base_url}"


def survey(
    base_url: str, root: Path, paths: Iterable[str], concurrency: int = 4
) -> dict[str, Visit]:
    """Load every page in ``paths`` (site paths such as "en/heads/index.html") of the folder
    ``root`` served at ``base_url``, a few at a time, each in a fresh tab; record what happened.

    A page whose HTML and served assets (``served_digest``) are exactly those of an earlier
    survey is not loaded again: what that survey recorded is reused (tools/results_cache.py;
    QKV_NO_CACHE=1 loads every page). Only visits without a console error or a failed request
    are kept, so a page that showed one is always loaded again.
    """
    import results_cache

    paths = list(paths)
    served = served_digest(root)
    keys = {p: results_cache.key("survey-visit", (root / p).read_bytes(), served) for p in paths}
    visits: dict[str, Visit] = {}
    for path in paths:
        stored = results_cache.get(keys[path])
        if stored is not None:
            visits[path] = Visit(**json.loads(stored.replace(_BASE, base_url)))
    todo = [p for p in paths if p not in visits]
    fresh = run_async(_survey(base_url, root, todo, concurrency)) if todo else {}
    for path, v in fresh.items():
        if not v.errors and not v.failed:
            results_cache.put(keys[path], json.dumps(asdict(v)).replace(base_url, _BASE))
    return {p: visits.get(p) or fresh[p] for p in paths}
