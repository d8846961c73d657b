"""The reader's interactions in headless Chromium (tests/browser.py): search in both languages
(its own pages only, readable previews, whole Chinese terms, first results on Slow 4G), the
language switch, the copy button, and accessibility checked by axe-core."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser import CHROMIUM, FLAGS, TIMEOUT_MS, require_chromium
from docblocks import DOCS, fences
from sitecheck import nav_pages

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


def _context(browser: Any, **options: Any) -> Any:
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


# --- search ---------------------------------------------------------------------------------


SEARCHES = {
    # "GQA" listed English pages first on the Chinese site; "多头注意力" is two words of the
    # index; "Transformer" is an English word in Chinese text; "head" needs the stemmer
    "zh": ["GQA", "注意力", "多头注意力", "Transformer"],
    "en": ["GQA", "head"],
}
SEARCH_PAGE = "heads/"  # a chapter: the reader searches from a page, not only from home
# Chrome DevTools' "Slow 4G" profile (its former "Fast 3G"): 1.6 Mbit/s down, 750 kbit/s up,
# 150 ms round trip times DevTools' 3.75 factor for a real connection.
SLOW_4G = {
    "offline": False,
    "latency": 150 * 3.75,
    "downloadThroughput": 1.6e6 / 8 * 0.9,
    "uploadThroughput": 750e3 / 8 * 0.9,
}
FIRST_RESULTS_MS = 1500
_WATCH = """() => {
    window.qkvSearch = {};
    const t = window.qkvSearch;
    document.addEventListener('focusin', () => { t.focus ??= performance.now(); }, true);
    document.addEventListener('keydown', () => { t.key ??= performance.now(); }, true);
    new MutationObserver(() => {
        if (!t.result && document.querySelector('.md-search-result__item'))
            t.result = performance.now();
    }).observe(document.querySelector('.md-search-result'), {childList: true, subtree: true});
}"""


@dataclass
class Search:
    """What a reader got from the search of one language's site."""

    first_results_ms: float  # on Slow 4G, from the first key typed
    first_results_from_focus_ms: float  # ... from clicking into the search box
    index_requests: list[str]
    results: dict[str, list[dict[str, str]]]  # query -> [{href, h, text, marks}]
    switched_to: str  # the URL the language switch led to from a page at #view-then-transpose


def _results(page: Any) -> list[dict[str, Any]]:
    return page.locator(".md-search-result__item").evaluate_all(
        """els => els.map(e => {
            const a = e.querySelector('a');
            return {href: a.href, h: new URL(a.href).searchParams.get('h') || '',
                    text: e.innerText,
                    marks: [...e.querySelectorAll('mark')].map(m => m.textContent)};
        })"""
    )


def _search(browser: Any, base_url: str, lang: str) -> Search:
    prefix = "" if lang == "zh" else f"{lang}/"
    context = _context(browser)
    page = context.new_page()
    index_requests: list[str] = []
    page.on("request", lambda r: index_requests.append(r.url) if "search_index" in r.url else None)
    page.goto(base_url + prefix + SEARCH_PAGE, wait_until="load")
    page.evaluate(_WATCH)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    box = page.locator("input[data-md-component=search-query]")
    results = page.locator(".md-search-result__item")
    found: dict[str, list[dict[str, str]]] = {}
    timing: dict[str, float] = {}
    for i, query in enumerate(SEARCHES[lang]):
        if i == 0:
            box.click()  # the first query, as a reader types it on arriving
        else:
            # start from an empty result list, so the results below belong to this query
            box.fill("")
            box.press("End")
            page.wait_for_function("!document.querySelector('.md-search-result__item')")
        box.press_sequentially(query)
        # Playwright enters CJK characters as committed text, without the key-up that a
        # keyboard or an input method sends and that the theme's search box listens for.
        box.press("End")
        try:
            results.first.wait_for()
            found[query] = _results(page)
        except Exception:  # noqa: BLE001  (a timeout means no result; the assertion says so)
            found[query] = []
        if i == 0:
            timing = page.evaluate("window.qkvSearch")
            cdp.send("Network.emulateNetworkConditions", {**SLOW_4G, "latency": 0,
                     "downloadThroughput": -1, "uploadThroughput": -1})  # fmt: skip
    # the language switch, from a section of the same page
    page.keyboard.press("Escape")
    page.evaluate("location.hash = '#view-then-transpose'")
    page.hover(".md-header__option .md-select")
    other = "en" if lang == "zh" else "zh"
    with page.expect_navigation():
        page.locator(f".md-select a[hreflang={other}]").click()
    switched_to = page.url
    context.close()
    return Search(
        first_results_ms=timing.get("result", 1e9) - timing.get("key", 0),
        first_results_from_focus_ms=timing.get("result", 1e9) - timing.get("focus", 0),
        index_requests=index_requests,
        results=found,
        switched_to=switched_to,
    )


@pytest.fixture(scope="module")
def searches(browser: Any, base_url: str) -> dict[str, Search]:
    return {lang: _search(browser, base_url, lang) for lang in SEARCHES}


@pytest.mark.parametrize("lang", SEARCHES)
def test_search_finds_every_query(searches: dict[str, Search], lang: str) -> None:
    empty = [q for q, hits in searches[lang].results.items() if not hits]
    assert not empty, f"searching {empty} on the {lang} site found nothing"


@pytest.mark.parametrize("lang", SEARCHES)
def test_search_lists_only_pages_of_its_own_language(
    searches: dict[str, Search], base_url: str, lang: str
) -> None:
    english = base_url + "en/"
    for query, hits in searches[lang].results.items():
        foreign = [h["href"] for h in hits if h["href"].startswith(english) != (lang == "en")]
        assert not foreign, f"{lang}: searching {query!r} lists {foreign}"
    (index,) = set(searches[lang].index_requests)
    assert index == base_url + ("" if lang == "zh" else "en/") + "search/search_index.json"


@pytest.mark.parametrize("lang", SEARCHES)
def test_search_previews_show_math_as_text_and_no_pilcrows(
    searches: dict[str, Search], lang: str
) -> None:
    for query, hits in searches[lang].results.items():
        for hit in hits:
            assert not re.search(r"\\[(\[]|¶", hit["text"]), (lang, query, hit["text"][:120])


def test_search_highlights_whole_chinese_terms(searches: dict[str, Search]) -> None:
    hits = searches["zh"].results["注意力"]
    assert {h["h"] for h in hits if h["h"]} == {"注意力"}, [h["h"] for h in hits]
    assert {m for h in hits for m in h["marks"]} == {"注意力"}


@pytest.mark.parametrize("lang", SEARCHES)
def test_first_search_results_arrive_within_1_5_s_on_slow_4g(
    searches: dict[str, Search], lang: str, record_property: Callable[[str, object], None]
) -> None:
    s = searches[lang]
    record_property(
        "summary:search on Slow 4G (first results after the first key / after the click)",
        f"{lang}: {s.first_results_ms:.0f} ms / {s.first_results_from_focus_ms:.0f} ms",
    )
    assert s.first_results_ms <= FIRST_RESULTS_MS, f"{lang}: {s.first_results_ms:.0f} ms"


@pytest.mark.parametrize("lang", SEARCHES)
def test_language_switch_keeps_the_section(
    searches: dict[str, Search], base_url: str, lang: str
) -> None:
    other = "en/" if lang == "zh" else ""
    assert searches[lang].switched_to == f"{base_url}{other}{SEARCH_PAGE}#view-then-transpose"


# --- copy button ----------------------------------------------------------------------------


def _copy_first_block(browser: Any, url: str) -> str:
    context = _context(browser, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(url, wait_until="load")
    block = page.locator(".language-pycon.highlight").first
    block.hover()
    block.locator("button[data-md-type=copy]").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    context.close()
    return str(copied)


def test_notebook_copy_button_copies_the_cell_as_a_plain_repl_runs_it(
    browser: Any, base_url: str
) -> None:
    import json

    from hooks.copy_code import repl_code

    context = _context(browser, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(base_url + "notebooks/attention-heatmaps/", wait_until="load")
    block = page.locator(".jp-CodeCell .highlight").first
    block.hover()
    block.locator("button[data-md-type=copy]").click()
    copied = str(page.evaluate("navigator.clipboard.readText()"))
    context.close()
    notebook = json.loads((DOCS / "notebooks/attention-heatmaps.zh.ipynb").read_text("utf-8"))
    first = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    assert copied.rstrip("\n") == repl_code("".join(first["source"])).rstrip("\n")
    assert "%matplotlib" not in copied and "In [" not in copied


def test_copy_button_copies_code_that_prints_what_the_page_shows(
    browser: Any, base_url: str
) -> None:
    copied = {
        lang: _copy_first_block(browser, base_url + site)
        for lang, site in (("zh", ""), ("en", "en/"))
    }
    fence = next(f for f in fences(DOCS / "index.zh.md") if f.executed)
    examples = doctest.DocTestParser().get_examples(fence.body)
    # The two pages hold the same code (comments differ), so both buttons give runnable code.
    for lang, text in copied.items():
        assert ">>>" not in text, lang
        code = [ln.split("#")[0].rstrip() for ln in text.splitlines() if ln]
        assert code == [
            ln.split("#")[0].rstrip() for e in examples for ln in e.source.splitlines()
        ], f"{lang}: the clipboard must hold the block's code, line for line, and nothing else"
    # Pasted into an interactive Python, the copied code prints what the page shows.
    run = subprocess.run(
        [sys.executable, "-i", "-q"],
        input=copied["en"] + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout == "".join(e.want for e in examples), run.stderr


# --- accessibility --------------------------------------------------------------------------


def _first_chapter() -> str:
    return nav_pages()[1].removesuffix(".md") + "/"  # the first page after the home page


@pytest.mark.parametrize("path", ["", "en/", _first_chapter(), "en/" + _first_chapter()])
def test_no_serious_accessibility_violation(browser: object, base_url: str, path: str) -> None:
    context = _context(browser)
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


# --- the translation banner ----------------------------------------------------------------


def test_a_page_behind_its_translation_says_so_and_links_to_the_changed_sections(
    browser: Any, base_url: str, built_site: Path
) -> None:
    """The English chapter as the build writes it when the Chinese one changed two sections
    since the pair was last in sync (tools/hooks/translations.py), served at its address."""
    from hooks import translations

    titles = {"formula": "The formula", "summary": "Summary"}
    banner = translations.banner("en", ["formula", "summary"], titles, "../../heads/")
    built = (built_site / "en/heads/index.html").read_text(encoding="utf-8")
    built = re.sub(r'<aside class="admonition warning qkv-translation".*?</aside>', "", built)
    behind = translations.insert_banner(built, banner)
    context = _context(browser, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.route(
        base_url + "en/heads/",
        lambda route: route.fulfill(body=behind, content_type="text/html; charset=utf-8"),
    )
    page.goto(base_url + "en/heads/", wait_until="load")
    shown = page.locator('[data-translation-status="outdated"]')
    assert shown.is_visible()
    assert shown.bounding_box()["y"] < page.locator("h1").bounding_box()["y"]
    assert "The formula" in shown.inner_text() and "Summary" in shown.inner_text()
    with page.expect_navigation():
        shown.get_by_role("link", name="The formula").click()
    assert page.url == base_url + "heads/#formula"
    assert page.locator("html").get_attribute("lang") == "zh"
    assert page.locator("#formula").is_visible()
    context.close()
