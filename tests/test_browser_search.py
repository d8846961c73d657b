"""Search in headless Chromium (tests/browser.py), in both languages: each site finds its own
pages only, with readable previews and whole Chinese terms, and the first results arrive in time
on a Slow 4G connection; the language switch keeps the section. These read the whole search
index, which any page edit changes (tests/test_browser.py checks the pages a reader uses)."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from browser import THEME_STARTED, browser, new_context

__all__ = ["browser"]  # the fixture, used by the tests below


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

    first_results_ms: list[float]  # on Slow 4G, from the first key typed, per fresh page load
    first_results_from_focus_ms: list[float]  # ... from clicking into the search box
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


def _open_on_slow_4g(
    browser: Any, base_url: str, lang: str, requested: list[str] | None = None
) -> tuple[Any, Any, Any]:
    """(context, page, CDP session): a fresh load of the search page in ``lang`` with the theme
    started and the search timed (``_WATCH``), then the network slowed to Slow 4G. The URLs of
    the search index's requests go to ``requested``."""
    context = new_context(browser)
    page = context.new_page()
    if requested is not None:
        page.on("request", lambda r: requested.append(r.url) if "search_index" in r.url else None)
    page.goto(base_url + ("" if lang == "zh" else f"{lang}/") + SEARCH_PAGE, wait_until="load")
    page.evaluate(THEME_STARTED)
    page.evaluate(_WATCH)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    return context, page, cdp


def _search(browser: Any, base_url: str, lang: str) -> Search:
    index_requests: list[str] = []
    context, page, cdp = _open_on_slow_4g(browser, base_url, lang, index_requests)
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
        first_results_ms=[timing.get("result", 1e9) - timing.get("key", 0)],
        first_results_from_focus_ms=[timing.get("result", 1e9) - timing.get("focus", 0)],
        index_requests=index_requests,
        results=found,
        switched_to=switched_to,
    )


def _first_results(browser: Any, base_url: str, lang: str) -> dict[str, float]:
    """One more fresh page load: the first query typed on Slow 4G, timed as in ``_search``."""
    context, page, _ = _open_on_slow_4g(browser, base_url, lang)
    box = page.locator("input[data-md-component=search-query]")
    box.click()
    box.press_sequentially(SEARCHES[lang][0])
    box.press("End")
    page.locator(".md-search-result__item").first.wait_for()
    timing: dict[str, float] = page.evaluate("window.qkvSearch")
    context.close()
    return timing


TIMED_LOADS = 3  # the first-results time is the median of this many fresh page loads


@pytest.fixture(scope="module")
def searches(browser: Any, base_url: str) -> dict[str, Search]:
    found = {lang: _search(browser, base_url, lang) for lang in SEARCHES}
    # The time is the site's; other tests running on the same two cores add to a single load's
    # time, so it is measured on a few loads and the median is what must stay within the limit.
    for lang, s in found.items():
        for _ in range(TIMED_LOADS - 1):
            t = _first_results(browser, base_url, lang)
            s.first_results_ms.append(t["result"] - t["key"])
            s.first_results_from_focus_ms.append(t["result"] - t["focus"])
    return found


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
    key, focus = (
        statistics.median(s.first_results_ms),
        statistics.median(s.first_results_from_focus_ms),
    )
    loads = ", ".join(f"{t:.0f}" for t in s.first_results_ms)
    record_property(
        "summary:search on Slow 4G (first results after the first key / after the click; "
        f"median of {TIMED_LOADS} page loads)",
        f"{lang}: {key:.0f} ms / {focus:.0f} ms (after the first key, each load: {loads} ms)",
    )
    assert len(s.first_results_ms) == TIMED_LOADS
    assert key <= FIRST_RESULTS_MS, f"{lang}: median {key:.0f} ms ({loads} ms)"


@pytest.mark.parametrize("lang", SEARCHES)
def test_language_switch_keeps_the_section(
    searches: dict[str, Search], base_url: str, lang: str
) -> None:
    other = "en/" if lang == "zh" else ""
    assert searches[lang].switched_to == f"{base_url}{other}{SEARCH_PAGE}#view-then-transpose"
